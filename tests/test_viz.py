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
    assert consumers["AddBackward0"].count("z") == 1  # the root add feeds the output node, named after the variable


def test_names_default_to_the_callers_variables():
    x, y, z = _seed_z()
    graph = draw_graph(z)
    assert _titles(graph, "leaf") == ["x", "y"] and _titles(graph, "output") == ["z"]


def test_after_backward_leaves_show_their_grads_and_saved_tensors_are_freed():
    x, y, z = _seed_z()
    before = draw_graph(z, params={"x": x, "y": y})
    assert "saved self: x, scalar" in before.source and "saved other: y, scalar" in before.source
    z.backward()
    after = draw_graph(z, params={"x": x, "y": y})
    leaf_lines = {node.title: node.lines for node in after.model.nodes if node.kind == "leaf"}
    assert leaf_lines["x"][-1] == "grad 10" and leaf_lines["y"][-1] == "grad 10"
    assert after.source.count("saved: freed by backward") == 4  # the two pows and the two muls saved something
    assert "\\n2*x\\n" in after.source  # the constant of 2*x is still known after backward freed it


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
    assert "<svg" in graph._repr_html_()  # Jupyter shows the picture either way


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


def test_op_nodes_say_what_they_computed():
    x, y, z = _seed_z()
    model = draw_graph(z, params={"x": x, "y": y, "z": z}).model
    computed = sorted(node.lines[0] for node in model.nodes if node.kind == "op")
    assert computed == ["2*x", "2*x*y", "x**2", "x**2 + 2*x*y", "x**2 + 2*x*y + y**2", "y**2"]
    w = ember.ones(3, 2, requires_grad=True)
    b = ember.zeros(3, requires_grad=True)
    inputs = ember.ones(4, 2)
    hidden = ember.nn.functional.linear(inputs, w, b).relu()
    out = (1 - hidden / 2).sum(dim=1)
    lines = {node.title: node.lines[0] for node in draw_graph(out).model.nodes if node.kind == "op"}
    assert lines["AddmmBackward0"] == "inputs@w.T + b" and lines["TBackward0"] == "w.T"
    assert lines["ReluBackward0"] == "hidden = relu(inputs@w.T + b)"  # the caller's name for it, and how
    assert lines["DivBackward0"] == "hidden/2" and lines["RsubBackward1"] == "1 - hidden/2"
    assert lines["SumBackward1"] == "(1 - hidden/2).sum(dim=1)"


def test_import_ember_is_enough_and_stays_light():
    code = ("import sys, ember\nassert 'ember.viz' not in sys.modules\n"
            "x = ember.tensor(2.0, requires_grad=True)\nprint(ember.viz.draw_graph(x * 3))\n")
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<ember.viz.Graph: 1 operations")


def test_nodes_are_read_through_torchs_public_node_api():
    """viz and explain read next_functions, variable and the _saved_* names dir() lists, as torchviz does."""
    import pathlib
    for path in ["viz/_model.py", "viz/__init__.py", "autograd/_reading.py", "autograd/explain.py",
                 "autograd/diagnostics.py"]:
        source = (pathlib.Path(ember.__file__).parent / path).read_text()
        for private in ("_next_nodes", "_result_entry", "_FREED", '"awaited"', "._attributes", "_sequence_nr"):
            assert private not in source, (path, private)
    x, y, z = _seed_z()
    saved = sorted(name for name in dir(z.grad_fn.next_functions[1][0]) if name.startswith("_saved_"))
    assert saved == ["_saved_exponent", "_saved_self"]  # y**2's PowBackward0, as torch lists it


# -- the picture's geometry: no arrow crosses a box, and the forward pass runs left to right ----------
def _boxes_and_paths(svg):
    root = ET.fromstring(svg)
    boxes = {}
    for group in root.iter(SVG + "g"):
        rect = group.find(SVG + "rect")
        boxes[group.get("id")] = tuple(float(rect.get(key)) for key in ("x", "y", "width", "height"))
    paths = [(path.get("class"), path.get("data-source"), path.get("data-target"), path.get("d"))
             for path in root.iter(SVG + "path") if path.get("class") in ("edge", "trunk")]
    return boxes, paths


def _points(d, samples=24):
    """Points along an SVG path made of M, L and C commands (curves sampled)."""
    tokens = d.split()
    points, current, index = [], None, 0
    while index < len(tokens):
        command = tokens[index]
        if command in ("M", "L"):
            end = (float(tokens[index + 1]), float(tokens[index + 2]))
            if command == "L":
                points += [(current[0] + (end[0] - current[0]) * t / samples,
                            current[1] + (end[1] - current[1]) * t / samples) for t in range(samples + 1)]
            current, index = end, index + 3
        else:
            assert command == "C", d
            c1, c2, end = [(float(tokens[index + k]), float(tokens[index + k + 1])) for k in (1, 3, 5)]
            for step in range(samples + 1):
                t = step / samples
                points.append(tuple((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t * t * p2
                                    + t ** 3 * p3 for p0, p1, p2, p3 in zip(current, c1, c2, end)))
            current, index = end, index + 7
    return points


def _check_no_edge_crosses_a_node(graph, direction="LR"):
    boxes, paths = _boxes_and_paths(graph.svg())
    assert len([path for path in paths if path[0] == "edge"]) == len(graph.model.edges)
    for kind, source, target, d in paths:
        points = _points(d)
        for node_id, (x, y, w, h) in boxes.items():
            inside = [p for p in points if x + 0.5 < p[0] < x + w - 0.5 and y + 0.5 < p[1] < y + h - 0.5]
            assert not inside, f"the {kind} {source} -> {target} crosses the box of {node_id} at {inside[0]}"
        if kind == "edge":  # it starts at its source (or that source's trunk) and ends on its target's box
            x, y, w, h = boxes[target]
            end = points[-1]
            if direction == "LR":
                assert end[0] == pytest.approx(x, abs=0.2) and y < end[1] < y + h
                assert points[0][0] < end[0]  # forward: left to right
            else:
                assert end[1] == pytest.approx(y, abs=0.2) and x < end[0] < x + w
                assert points[0][1] < end[1]  # forward: top to bottom
        if kind == "trunk" or points[0] in [(bx + bw, by + bh / 2) for bx, by, bw, bh in boxes.values()]:
            x, y, w, h = boxes[source]
            start = points[0]
            if direction == "LR":
                assert start[0] == pytest.approx(x + w, abs=0.2) and y < start[1] < y + h
            else:
                assert start[1] == pytest.approx(y + h, abs=0.2) and x < start[0] < x + w


def _mlp_loss():
    ember.manual_seed(0)
    model = ember.nn.Sequential(ember.nn.Linear(2, 8), ember.nn.ReLU(), ember.nn.Linear(8, 8), ember.nn.ReLU(),
                                ember.nn.Linear(8, 3))
    inputs, labels = ember.randn(16, 2), ember.arange(16) % 3
    return model, ember.nn.functional.cross_entropy(model(inputs), labels)


def _branching():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    w = ember.tensor([0.5, -1.0], requires_grad=True)
    a = x.exp()
    b = a * w
    c = a.sin() + b.tanh()
    d = (c * a).sum() + (w ** 2).mean() * b.sum() - x.sum()
    return d


def _folded_chain():
    a = ember.tensor(1.0, requires_grad=True)
    w = ember.tensor(0.5, requires_grad=True)
    h = a
    for _ in range(40):
        h = h + a * w
    return h


def test_edges_cross_no_node():
    model, loss = _mlp_loss()
    x, y, z = _seed_z()
    pictures = {"mlp": draw_graph(loss, params=model, renderer="builtin"),
                "seed z": draw_graph(z, renderer="builtin"),
                "branching": draw_graph(_branching(), renderer="builtin"),
                "folded": draw_graph(_folded_chain(), renderer="builtin")}
    assert pictures["folded"].model.folded > 0
    for name, graph in pictures.items():
        _check_no_edge_crosses_a_node(graph)
    for graph in (draw_graph(z, renderer="builtin", direction="TB"),
                  draw_graph(loss, params=model, renderer="builtin", direction="TB")):
        _check_no_edge_crosses_a_node(graph, direction="TB")


def test_mlp_layers_are_drawn_in_order():
    """Layer 2's weight and bias feed the second AddmmBackward0, which comes after the first ReLU."""
    model, loss = _mlp_loss()
    graph = draw_graph(loss, params=model, renderer="builtin")
    boxes, _ = _boxes_and_paths(graph.svg())
    by_title = {}  # the centre of each box along the forward direction
    for node in graph.model.nodes:
        by_title.setdefault(node.title, []).append(boxes[node.id][0] + boxes[node.id][2] / 2)
    addmm = sorted(by_title["AddmmBackward0"])
    relu = sorted(by_title["ReluBackward0"])
    assert addmm[0] < relu[0] < addmm[1] < relu[1] < addmm[2]
    assert by_title["2.weight"][0] < addmm[1] and by_title["2.bias"][0] < addmm[1]
    assert by_title["2.weight"][0] >= addmm[0] - 0.1  # the second layer's weight sits by the second layer
