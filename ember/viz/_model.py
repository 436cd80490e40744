"""The graph model behind every picture: a small list of nodes and edges built from a tensor's grad_fn.

The walk is iterative (an explicit stack), so graphs of any depth work. Long chains of
repeated steps (a loop that applies the same operations thousands of times) are folded into
one "×N" node once they pass a threshold, so the picture stays readable.

Node kinds: "output" (the tensor drawn), "leaf" (a tensor the graph starts from, whose
AccumulateGrad fills .grad), "op" (a recorded operation, named as torch names its grad_fn, with
the expression it computed: `x**2`, `2*x*y`), "fold" (a run of repeated steps). Edges run along
next_functions, drawn in the forward direction: input -> consumer. The graph is read through the
Node API torch publishes (ember.autograd._reading), as torchviz reads torch's.
"""
import inspect
from dataclasses import dataclass, field

from .._tensor import Tensor
from ..autograd import _reading as reading
from ..autograd._reading import format_number


@dataclass
class VizNode:
    id: str
    kind: str
    title: str
    lines: list = field(default_factory=list)  # details under the title: shape, value, grad ...


@dataclass
class VizEdge:
    source: str
    target: str
    label: str = ""


@dataclass
class GraphModel:
    nodes: list
    edges: list
    direction: str = "LR"
    folded: int = 0  # how many recorded nodes the "×N" nodes stand for

    def node(self, node_id):
        return next(node for node in self.nodes if node.id == node_id)


def summarize(tensor, max_values=4):
    """A tensor in a few characters: `6` for a scalar, `[1, 2, 3]` or `(100, 3) [0.1, -2, …]`."""
    if not isinstance(tensor, Tensor):
        return format_number(tensor)
    if tensor.ndim == 0:
        return format_number(tensor.item())
    flat = tensor.detach().reshape(-1)
    count = flat.shape[0]
    values = ", ".join(format_number(v) for v in flat[:max_values].tolist())
    more = ", …" if count > max_values else ""
    if tensor.ndim == 1 and count <= max_values:
        return f"[{values}]"
    return f"{shape_text(tensor.shape)} [{values}{more}]"


def shape_text(shape):
    return "(" + ", ".join(str(size) for size in shape) + ("," if len(shape) == 1 else "") + ")"


def leaf_names(params, frame=None):
    """id(tensor) -> name, from a {name: tensor} dict, a module (named_parameters) or a frame's locals."""
    if params is None and frame is not None:
        params = {name: value for name, value in frame.f_locals.items()
                  if isinstance(value, Tensor) and not name.startswith("_")}
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    return {id(tensor): name for name, tensor in params.items() if isinstance(tensor, Tensor)}


def caller_frame(depth):
    """The frame `depth` levels above the caller of this function (for naming leaves by variable)."""
    frame = inspect.currentframe()
    for _ in range(depth + 1):
        frame = frame.f_back if frame is not None else None
    return frame


def _tensor_names(frame):
    """The caller's tensors: ({id(tensor): name}, {grad_fn: name}) for its leaves and its results."""
    by_id, by_node = {}, {}
    for name, value in (frame.f_locals.items() if frame is not None else ()):
        if isinstance(value, Tensor) and not name.startswith("_"):
            by_id.setdefault(id(value), name)
            if value.grad_fn is not None:
                by_node.setdefault(value.grad_fn, name)
    return by_id, by_node


def _saved_lines(node, names, ids, show_attrs, max_attr_chars):
    """What an op saved for backward, as torch names it (_saved_self ...): tensors with the name of
    what they hold and their shape; with show_attrs also the numbers and settings it kept."""
    values, freed = reading.saved(node)
    lines = []
    if freed:
        lines.append("saved: freed by backward")
    for key, value in values.items():
        if isinstance(value, Tensor):
            holder = ids.get(id(value))
            if holder is None and value.grad_fn is not None and value.grad_fn in names:
                holder = names[value.grad_fn][0]
            shape = "scalar" if value.ndim == 0 else shape_text(value.shape)
            lines.append(f"saved {key}: {holder}, {shape}" if holder and len(holder) <= 24 else f"saved {key}: {shape}")
        elif show_attrs and key not in ("extra", "shape"):  # extra: an array a row keeps; shape: self_sym_sizes
            text = f"{key}: {format_number(value) if isinstance(value, (int, float)) else value}"
            lines.append(text if len(text) <= max_attr_chars else text[:max_attr_chars - 1] + "…")
    return lines


def build_model(tensor, params=None, *, show_values=True, show_grads=True, show_saved=True, show_attrs=False,
                direction="LR", fold_threshold=12, max_attr_chars=50, names=None, result_names=None,
                max_name_length=20):
    """The GraphModel of `tensor`'s autograd graph (see the module docstring). `names` maps
    id(tensor) to a name (leaves, constants, the output); `result_names` maps grad_fn nodes to the
    name of the variable holding their output."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph expects a Tensor, but got {type(tensor).__name__}")
    if direction not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"direction must be one of 'LR', 'TB', 'RL', 'BT', but got {direction!r}")
    ids = names if names is not None else leaf_names(params)
    nodes, edges = [], []

    def tensor_lines(value, with_grad):
        lines = [shape_text(value.shape) if value.ndim else "scalar"]
        if show_values:
            lines.append(f"value {summarize(value)}")
        if with_grad and show_grads and (value.is_leaf or value.retains_grad) and value.grad is not None:
            lines.append(f"grad {summarize(value.grad)}")
        return lines

    output_title = ids.get(id(tensor), "output")
    if tensor.grad_fn is None:  # a leaf (or a constant): the graph is the tensor alone
        kind = "leaf" if tensor.requires_grad else "output"
        nodes.append(VizNode("t0", kind, output_title, tensor_lines(tensor, True)))
        return GraphModel(nodes, edges, direction)

    order = reading.forward_order(tensor.grad_fn)
    fold_of = _find_folds(order[::-1], fold_threshold)
    visible = [node for node in order if node not in fold_of]
    named = dict(result_names or {})
    named.pop(tensor.grad_fn, None)  # the output has its own box
    node_names, expressions = reading.name_everything(visible, ids, named, max_name_length)
    ids_of = {node: f"n{number}" for number, node in enumerate(order)}
    referenced = {child for node in visible for child, _ in node.next_functions}
    folded_count, fold_ids = 0, set()
    for node in order:
        fold = fold_of.get(node)
        if fold is not None:
            if fold.id not in fold_ids:
                fold_ids.add(fold.id)
                folded_count += len(fold.members)
                nodes.append(VizNode(fold.id, "fold", f"{fold.pattern} ×{fold.repeats}",
                                     [f"{len(fold.members)} recorded operations folded"]))
            continue
        if reading.is_leaf_node(node):
            leaf = node.variable
            nodes.append(VizNode(ids_of[node], "leaf", node_names[node][0], tensor_lines(leaf, True)))
            continue
        text = expressions[node][0]
        if node_names[node][0] != text and (node in named or node in referenced):  # v1, or the caller's name
            text = f"{node_names[node][0]} = {text}"
        lines = [text]
        if show_saved or show_attrs:
            lines += [line for line in _saved_lines(node, node_names, ids, show_attrs, max_attr_chars)
                      if show_saved or not line.startswith("saved")]
        nodes.append(VizNode(ids_of[node], "op", node.name(), lines))

    def visible_id(node):
        fold = fold_of.get(node)
        return fold.id if fold is not None else ids_of[node]

    seen_edges = set()
    for node in order:
        target = visible_id(node)
        for child, _ in node.next_functions:
            if child is None:
                continue
            source = visible_id(child)
            if source == target or (source, target) in seen_edges:
                continue  # inside one fold, or a duplicate (x * x): one arrow is enough
            seen_edges.add((source, target))
            edges.append(VizEdge(source, target))
    output_id = "t_out"
    nodes.append(VizNode(output_id, "output", output_title, tensor_lines(tensor, True)))
    edges.append(VizEdge(visible_id(tensor.grad_fn), output_id))
    return GraphModel(nodes, edges, direction, folded_count)


@dataclass
class _Fold:
    id: str
    members: list
    pattern: str
    repeats: int


def _find_folds(order, threshold):
    """Long runs of repeated steps -> folds (node -> _Fold).

    A run is a chain of op nodes, each with exactly one consumer in the graph, linked through
    its one "spine" input; side inputs that are leaves, or small ops fed only by leaves (the
    `x * w` in `y = y + x * w`), travel with their step. The run's step signature (grad_fn
    names) is checked for a repeating period; a run longer than `threshold` steps keeps its
    first and last two steps visible and folds the rest.
    """
    if threshold is None or len(order) <= threshold:
        return {}
    consumers = {}
    inputs = {node: [child for child, _ in node.next_functions] for node in order}
    for node in order:
        for child in inputs[node]:
            if child is not None:
                consumers[child] = consumers.get(child, 0) + 1

    def is_side(child, parent):  # a small op that belongs to its parent's step
        return (not reading.is_leaf_node(child) and consumers.get(child, 0) == 1
                and all(grandchild is None or reading.is_leaf_node(grandchild) for grandchild in inputs[child]))

    def spine_of(node):
        """(the one input the chain continues through, side nodes) or (None, ...)."""
        spine, sides = None, []
        for child in inputs[node]:
            if child is None or reading.is_leaf_node(child):
                continue
            if is_side(child, node) and child not in sides:
                sides.append(child)
            elif spine is None or spine is child:
                spine = child
            else:
                return None, sides  # two real inputs: a join, not a chain
        return spine, sides

    folds, claimed, counter = {}, set(), 0
    for start in order:
        if start in claimed or reading.is_leaf_node(start):
            continue
        steps, node = [], start
        while node is not None and node not in claimed and not reading.is_leaf_node(node):
            spine, sides = spine_of(node)
            steps.append((node, sides))
            claimed.add(node)
            claimed.update(sides)
            if spine is None or consumers.get(spine, 0) != 1:
                break
            node = spine
        if len(steps) <= threshold:
            continue
        signature = [node.name() + "".join(f"[{side.name()}]" for side in sides) for node, sides in steps]
        period = _period(signature)
        keep = 2 * (period or 1)
        middle = steps[keep:len(steps) - keep]
        if period is None:  # a long chain without a repeating step: fold it all the same
            repeats, pattern = len(middle), "mixed operations"
        else:
            middle = middle[:len(middle) - len(middle) % period]  # whole repeats only
            repeats = len(middle) // period
            pattern_names = []  # one repeat, in forward order: a step's side ops run before it
            for node, sides in reversed(steps[keep:keep + period]):
                pattern_names += [side.name() for side in sides] + [node.name()]
            pattern = " → ".join(pattern_names)
        fold = _Fold(f"fold{counter}", [], pattern, repeats)
        counter += 1
        for node, sides in middle:
            for member in [node, *sides]:
                folds[member] = fold
                fold.members.append(member)
    return folds


def _period(signature, longest=8):
    """The shortest period p (<= longest) with signature[i] == signature[i + p] over the run's
    middle (its ends may differ: the first and last steps of a loop often do); None if none."""
    inner = signature[2:len(signature) - 2] if len(signature) > 8 else signature
    for period in range(1, min(longest, len(inner) // 3) + 1):
        if all(inner[i] == inner[i + period] for i in range(len(inner) - period)):
            return period
    return None
