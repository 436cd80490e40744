"""ember.viz: the graph model, DOT source and ember's own SVG for the seed tutorial's examples."""
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import ember
from ember.viz import draw_graph, make_dot

SVG = "{http://www.w3.org/2000/svg}"


def _seed_z():
    x = ember.tensor(2.0, requires_grad=True)
    y = ember.tensor(3.0, requires_grad=True)
    z = x**2 + 2*x*y + y**2
    return x, y, z


def _kinds(graph):
    return [node.kind for node in graph.model.nodes]


def _titles(graph, kind):
    return sorted(node.title for node in graph.model.nodes if node.kind == kind)


def test_seed_z_graph_has_the_recorded_nodes_and_edges():
    x, y, z = _seed_z()
    graph = draw_graph(z, params={"x": x, "y": y, "z": z})
    assert _titles(graph, "op") == ["AddBackward0", "AddBackward0", "MulBackward0", "MulBackward0",
                                    "PowBackward0", "PowBackward0"]
    assert _titles(graph, "leaf") == ["x", "y"]
    assert _titles(graph, "output") == ["z"]
    # x feeds x**2 and 2*x; y feeds y**2 and (2*x)*y; four op-to-op edges; one to the output
    assert len(graph.model.edges) == 10
    labels = {node.title: node.lines for node in graph.model.nodes if node.kind != "op"}
    assert labels["x"] == ["scalar", "value 2"] and labels["y"] == ["scalar", "value 3"]
    assert labels["z"] == ["scalar", "value 25"]


def test_leaves_connect_to_the_operations_that_use_them():
    x, y, z = _seed_z()
    model = draw_graph(z, params={"x": x, "y": y}).model
    by_id = {node.id: node for node in model.nodes}
    consumers = {}
    for edge in model.edges:
        consumers.setdefault(by_id[edge.source].title, []).append(by_id[edge.target].title)
    assert sorted(consumers["x"]) == ["MulBackward0", "PowBackward0"]
    assert sorted(consumers["y"]) == ["MulBackward0", "PowBackward0"]
    assert consumers["AddBackward0"].count("output") == 1  # the root add feeds the output node


def test_names_default_to_the_callers_variables():
    x, y, z = _seed_z()
    graph = draw_graph(z)
    assert _titles(graph, "leaf") == ["x", "y"] and _titles(graph, "output") == ["z"]


def test_after_backward_leaves_show_their_grads_and_saved_tensors_are_freed():
    x, y, z = _seed_z()
    before = draw_graph(z, params={"x": x, "y": y})
    assert "self: ()" in before.source and "other: 2" in before.source
    z.backward()
    after = draw_graph(z, params={"x": x, "y": y})
    leaf_lines = {node.title: node.lines for node in after.model.nodes if node.kind == "leaf"}
    assert leaf_lines["x"][-1] == "grad 10" and leaf_lines["y"][-1] == "grad 10"
    assert after.source.count("saved: freed") == 4  # the two pows and the two muls saved something


def test_dot_source_lists_every_node_and_edge():
    x, y, z = _seed_z()
    source = draw_graph(z, params={"x": x, "y": y}).source
    assert source.startswith("digraph {") and source.rstrip().endswith("}")
    assert "rankdir=LR" in source
    assert len(re.findall(r"^\t\w+ -> \w+$", source, flags=re.M)) == 10
    assert len(re.findall(r"^\t\w+ \[label=", source, flags=re.M)) == 9
    assert source.count("fillcolor=lightblue") == 2 and source.count("fillcolor=darkolivegreen1") == 1


def test_single_op_graph_of_the_first_tutorial_example():
    x = ember.tensor(3.0, requires_grad=True)
    y = x ** 2
    graph = draw_graph(y)
    assert _kinds(graph).count("op") == 1 and _titles(graph, "op") == ["PowBackward0"]
    assert len(graph.model.edges) == 2
    assert "y\\nscalar\\nvalue 9" in graph.source


def test_grad_fn_names_match_torchs_graph():
    torch = pytest.importorskip("torch")

    def names_of(root):
        seen, stack = set(), [root]
        names = []
        while stack:
            node = stack.pop()
            if node is None or node in seen:
                continue
            seen.add(node)
            if "AccumulateGrad" not in node.name():
                names.append(node.name())
            stack += [child for child, _ in node.next_functions]
        return sorted(names)

    for library in (ember, torch):
        a = library.ones(2, 3, requires_grad=True)
        w = library.ones(3, requires_grad=True)
        out = ((a @ w).tanh() * 2 - a.sum()).exp().mean()
        if library is torch:
            expected = names_of(out.grad_fn)
        else:
            graph = make_dot(out)
    assert _titles(graph, "op") == expected


def test_fallback_svg_is_well_formed_and_draws_each_node_and_edge(tmp_path):
    x, y, z = _seed_z()
    graph = draw_graph(z, params={"x": x, "y": y}, renderer="builtin")
    path = graph.save(tmp_path / "z.svg")
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    groups = [g for g in root.iter(SVG + "g") if "node" in g.get("class", "")]
    assert len(groups) == 9
    assert len([p for p in root.iter(SVG + "path") if p.get("class") == "edge"]) == 10
    texts = [t.text for t in root.iter(SVG + "text")]
    assert texts.count("PowBackward0") == 2 and "x" in texts and "value 25" in texts
    assert graph._repr_svg_().startswith("<svg")


def test_fallback_layout_puts_inputs_left_of_their_consumers():
    from ember.viz._svg import layout
    x, y, z = _seed_z()
    model = draw_graph(z, renderer="builtin").model
    boxes, _, _ = layout(model)
    for edge in model.edges:
        assert boxes[edge.source][0] + boxes[edge.source][2] < boxes[edge.target][0]
    model.direction = "TB"
    boxes, _, _ = layout(model)
    for edge in model.edges:
        assert boxes[edge.source][1] + boxes[edge.source][3] < boxes[edge.target][1]


def test_html_and_dot_files(tmp_path):
    x, y, z = _seed_z()
    graph = draw_graph(z, renderer="builtin")
    html = open(graph.save(tmp_path / "z.html"), encoding="utf-8").read()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "AddBackward0" in html
    assert open(graph.save(tmp_path / "z.dot")).read() == graph.source
    assert graph.render(str(tmp_path / "again"), format="gv").endswith("again.gv")
    with pytest.raises(ValueError, match="format"):
        graph.save(tmp_path / "z.txt")


def test_png_without_graphviz_says_what_to_install(tmp_path):
    x, y, z = _seed_z()
    graph = draw_graph(z, renderer="builtin")
    with pytest.raises(RuntimeError, match="graphviz"):
        graph.save(tmp_path / "z.png")


def test_graphviz_renderer_when_available(tmp_path):
    pytest.importorskip("graphviz")
    if shutil.which("dot") is None:
        pytest.skip("the Graphviz dot program is not installed")
    x, y, z = _seed_z()
    graph = draw_graph(z, renderer="graphviz")
    root = ET.parse(graph.save(tmp_path / "z.svg")).getroot()
    assert root.tag == SVG + "svg" and "PowBackward0" in ET.tostring(root, encoding="unicode")
    png = tmp_path / "z.png"
    graph.save(png)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_ten_thousand_node_chain_folds_into_a_times_n_node():
    a = ember.tensor(1.0, requires_grad=True)
    h = a
    for _ in range(10_000):
        h = h * 1.0001
    graph = draw_graph(h)
    folds = [node for node in graph.model.nodes if node.kind == "fold"]
    assert len(folds) == 1 and folds[0].title == "MulBackward0 ×9995"
    assert _kinds(graph).count("op") == 5 and len(graph.model.nodes) == 8
    assert graph.model.folded == 9995
    ET.fromstring(graph.svg())


def test_ten_thousand_node_graph_renders_unfolded_without_recursion():
    a = ember.tensor(1.0, requires_grad=True)
    w = ember.tensor(0.5, requires_grad=True)
    h = a
    for _ in range(5_000):
        h = h + a * w  # 10,000 operations; every step also reads both leaves
    graph = draw_graph(h, fold_threshold=None, renderer="builtin", show_values=False)
    assert _kinds(graph).count("op") == 10_000
    root = ET.fromstring(graph.svg())
    assert len([g for g in root.iter(SVG + "g")]) == 10_003
    folded = draw_graph(h)
    fold = next(node for node in folded.model.nodes if node.kind == "fold")
    assert fold.title.startswith("MulBackward0 → AddBackward0 ×")
    assert len(folded.model.nodes) < 20


def test_make_dot_has_torchviz_signature_and_labels():
    x = ember.ones(2, 3, requires_grad=True)
    w = ember.ones(3, requires_grad=True)
    out = (x @ w) ** 2
    graph = make_dot(out, params={"weights": w, "inputs": x})
    assert _titles(graph, "leaf") == ["inputs", "weights"]
    assert "value" not in graph.source and "self:" not in graph.source
    assert {node.title: node.lines for node in graph.model.nodes}["inputs"] == ["(2, 3)"]
    detailed = make_dot(out, show_attrs=True, show_saved=True, max_attr_chars=12)
    assert "exponent: 2" in detailed.source and "self: (2, 3)" in detailed.source


def test_params_may_be_a_module_with_named_parameters():
    w = ember.ones(3, requires_grad=True)

    class Model:
        def named_parameters(self):
            yield "layer.weight", w

    graph = draw_graph((w * 2).sum(), params=Model())
    assert _titles(graph, "leaf") == ["layer.weight"]


def test_big_values_are_summarised():
    x = ember.arange(100.0).reshape(10, 10).requires_grad_()
    graph = draw_graph(x.sum(), params={"x": x})
    lines = {node.title: node.lines for node in graph.model.nodes}["x"]
    assert lines == ["(10, 10)", "value (10, 10) [0, 1, 2, 3, …]"]


def test_leaf_and_constant_alone_and_bad_arguments():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert _kinds(draw_graph(x)) == ["leaf"]
    assert _kinds(draw_graph(ember.tensor(1.0))) == ["output"]
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph([1.0])
    with pytest.raises(ValueError, match="direction"):
        draw_graph(x, direction="up")
    assert "rankdir=TB" in draw_graph(x * 2, direction="TB").source
