"""ember.viz: pictures of the autograd graph.

    >>> import ember
    >>> x = ember.tensor(2.0, requires_grad=True)
    >>> y = ember.tensor(3.0, requires_grad=True)
    >>> z = x**2 + 2*x*y + y**2
    >>> picture = ember.viz.draw_graph(z)
    >>> picture.save("z.svg")      # doctest: +SKIP

The forward pass goes left to right: leaves (blue) just before the operation that first reads
them, the operations torch records as grad_fn nodes (grey, each with the expression it
computed, such as `2*x*y`), the output (green) on the right; the backward pass walks the same
arrows right to left. No arrow crosses a box (ember's layout routes long edges around them).
DOT source is always available (``picture.source``); SVG and PNG go through the `graphviz`
package and its `dot` program when both are installed (``pip install ember[viz]``), otherwise
ember lays out and writes the SVG (or an HTML page around it) itself.
"""
import os
import shutil

from ._dot import to_dot
from ._model import GraphModel, VizEdge, VizNode, _tensor_names, build_model, caller_frame, leaf_names
from ._svg import to_html, to_svg

__all__ = ["draw_graph", "make_dot", "Graph", "GraphModel", "VizNode", "VizEdge"]


def _graphviz():
    """The graphviz module when it and the `dot` program are both there, else None."""
    if shutil.which("dot") is None:
        return None
    try:
        import graphviz
    except ImportError:
        return None
    return graphviz


class Graph:
    """A drawn autograd graph: ``.source`` (DOT), ``.model`` (nodes and edges), ``.save(path)``.

    In a notebook it shows itself (``_repr_svg_``, ``_repr_html_``).
    """

    def __init__(self, model, renderer="auto"):
        if renderer not in ("auto", "graphviz", "builtin"):
            raise ValueError(f"renderer must be 'auto', 'graphviz' or 'builtin', but got {renderer!r}")
        self.model = model
        self.renderer = renderer
        self.format = "svg"  # as graphviz.Digraph, for render()
        self._source = None

    @property
    def source(self):
        if self._source is None:
            self._source = to_dot(self.model)
        return self._source

    def _graphviz_or_none(self):
        if self.renderer == "builtin":
            return None
        graphviz = _graphviz()
        if graphviz is None and self.renderer == "graphviz":
            raise RuntimeError("renderer='graphviz' needs the graphviz package and the Graphviz `dot` program: "
                               "pip install graphviz, and install Graphviz (e.g. apt install graphviz); or use "
                               "renderer='auto' to fall back to ember's own SVG")
        return graphviz

    def svg(self):
        """The picture as SVG text (Graphviz's when available, else ember's own layout)."""
        graphviz = self._graphviz_or_none()
        if graphviz is not None:
            return graphviz.Source(self.source).pipe(format="svg").decode("utf-8")
        return to_svg(self.model)

    def _repr_svg_(self):  # Jupyter shows a drawn graph as its picture, as it does graphviz objects
        return self.svg()

    def _repr_html_(self):  # the same picture, scrolling inside the cell when it is wider than the page
        return f'<div style="overflow:auto;max-width:100%">{self.svg()}</div>'

    def save(self, path):
        """Write the picture; the extension picks the format: .dot/.gv, .svg, .html, .png, .pdf."""
        path = os.fspath(path)
        extension = os.path.splitext(path)[1].lower().lstrip(".")
        if extension in ("dot", "gv"):
            content = self.source
        elif extension == "svg":
            content = self.svg()
        elif extension in ("html", "htm"):
            content = to_html(self.svg())
        elif extension in ("png", "pdf"):
            graphviz = self._graphviz_or_none()
            if graphviz is None:
                raise RuntimeError(f"saving .{extension} needs the graphviz package and the Graphviz `dot` "
                                   "program (pip install ember[viz], and install Graphviz); without them "
                                   "save as .svg or .html, which ember writes itself")
            with open(path, "wb") as handle:
                handle.write(graphviz.Source(self.source).pipe(format=extension))
            return path
        else:
            raise ValueError(f"cannot tell the format from {path!r}: use .svg, .html, .dot, .gv, .png or .pdf")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
        return path

    def render(self, filename="graph", format=None, **_ignored):
        """graphviz.Digraph-style: write `filename.<format>` and return its path."""
        return self.save(f"{filename}.{format or self.format}")

    def __repr__(self):
        kinds = [node.kind for node in self.model.nodes]
        return (f"<ember.viz.Graph: {kinds.count('op')} operations, {kinds.count('leaf')} leaves, "
                f"{len(self.model.edges)} edges{', folded' if self.model.folded else ''}>")


def draw_graph(tensor, params=None, show_values=True, show_grads=True, direction="LR", *, show_saved=True,
               fold_threshold=12, renderer="auto"):
    """Draw the autograd graph that produced `tensor`.

    params          names for the leaves: a {name: tensor} dict or a module (its named_parameters());
                    tensors it does not name are named after the caller's variables that hold them
    show_values     print each leaf's and the output's value (summarised for big tensors)
    show_grads      print each leaf's .grad, once backward has filled it
    direction       "LR" (forward pass left to right), "TB", "RL" or "BT"
    show_saved      list the tensors each operation saved for backward (their shapes)
    fold_threshold  a chain of more than this many repeated steps becomes one "×N" node (None: never)
    renderer        "auto", "graphviz" (require it) or "builtin" (ember's own SVG)
    """
    names, result_names = _tensor_names(caller_frame(1))  # the caller's variables name what params does not
    if params is not None:
        names.update(leaf_names(params))
        result_names.update({value.grad_fn: name for name, value in (params.items() if isinstance(params, dict) else ())
                             if getattr(value, "grad_fn", None) is not None})
    model = build_model(tensor, show_values=show_values, show_grads=show_grads, show_saved=show_saved,
                        direction=direction, fold_threshold=fold_threshold, names=names, result_names=result_names)
    return Graph(model, renderer)


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """torchviz.make_dot's signature: the graph with names and shapes, no values.

    Returns an ember.viz.Graph, which has ``.source``, ``.render(filename, format=...)`` and
    ``.save(path)`` (torchviz returns a graphviz.Digraph with the first two).
    """
    model = build_model(var, params, show_values=False, show_grads=False, show_saved=show_saved,
                        show_attrs=show_attrs, max_attr_chars=max_attr_chars)
    return Graph(model)
