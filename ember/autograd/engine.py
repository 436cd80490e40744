"""The backward pass: one iterative walk over the recorded graph.

A node runs once every node that sends it a gradient has run (Kahn's algorithm on
dependency counts). There is no recursion, so graph depth is limited only by memory.
``backward()`` and ``autograd.grad()`` share this walk: with `targets`, gradients arriving at
those edges are captured, and only nodes on a path to a target run.

Fast path: unless create_graph is set, gradients are raw arrays and formulas run on them
directly (the ops accept arrays); with create_graph they are Tensors, recorded as a graph.
"""
from collections import defaultdict

from .graph import AccumulateGrad, _run_tensor_hooks
from .grad_mode import state


def run_backward(root_edges, root_grads, *, retain_graph, create_graph, targets=None, accumulate=True):
    """Propagate `root_grads` from `root_edges` back through the graph.

    targets     edges (node, output_nr) whose incoming gradient to return, in order
    accumulate  write leaves' .grad (backward) rather than only capturing (grad)
    """
    root_nodes = list({node: None for node, _ in root_edges})
    dependencies = _count_dependencies(root_nodes)
    pending = {}
    for (node, output_nr), grad in zip(root_edges, root_grads):
        _accumulate(pending, node, output_nr, grad)

    captured, target_slots, needed = {}, {}, None
    if targets is not None:
        for node, output_nr in targets:
            target_slots.setdefault(node, set()).add(output_nr)
        needed = _nodes_leading_to(root_nodes, target_slots, dependencies)

    ready = [node for node in root_nodes if dependencies[node] == 0]
    previous_mode = state.enabled
    state.enabled = create_graph  # gradients are graphs only when asked for
    try:
        while ready:
            node = ready.pop()
            grads = pending.pop(node, None) or [None] * node.num_outputs
            if node._extras is not None:
                grads = _run_pre_hooks(node, grads)
            if needed is not None:
                for output_nr in target_slots.get(node, ()):
                    captured[(node, output_nr)] = grads[output_nr]
                if node not in needed and not (accumulate and node in target_slots):
                    continue  # nothing we were asked for lies below this node
            if type(node) is AccumulateGrad:
                if grads[0] is not None:
                    node.accumulate(grads[0])
                continue
            if grads[0] is not None or any(grad is not None for grad in grads):
                input_grads = node.apply(grads, create_graph)
                if node._extras is not None and node._extras.post_hooks:
                    input_grads = _run_post_hooks(node, input_grads, grads)
            else:
                input_grads = [None] * len(node.next_functions)
            if not retain_graph:
                node.release_saved_tensors()
            for (next_node, output_nr), input_grad in zip(node.next_functions, input_grads):
                if next_node is None:
                    continue
                if input_grad is not None:  # _accumulate, inlined: this line runs once per edge
                    slots = pending.get(next_node)
                    if slots is None:
                        slots = pending[next_node] = [None] * next_node.num_outputs
                    current = slots[output_nr]
                    slots[output_nr] = input_grad if current is None else current + input_grad
                dependencies[next_node] -= 1
                if dependencies[next_node] == 0:
                    ready.append(next_node)
    finally:
        state.enabled = previous_mode
    return [captured.get(edge) for edge in targets or ()]


def _count_dependencies(roots):
    """Number of edges pointing into each node, found with an explicit stack."""
    counts = defaultdict(int)
    seen = set(roots)
    stack = list(roots)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is None:
                continue
            counts[child] += 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return counts


def _nodes_leading_to(roots, targets, dependencies):
    """Nodes with a target strictly below them: only those need to run for autograd.grad."""
    remaining, order = dict(dependencies), []
    ready = [node for node in roots if remaining.get(node, 0) == 0]
    while ready:  # a topological order (parents first), by the same counting as the main walk
        node = ready.pop()
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None:
                remaining[child] -= 1
                if remaining[child] == 0:
                    ready.append(child)
    needed = set()
    for node in reversed(order):  # children first, so one sweep settles every node
        if any(child in targets or child in needed for child, _ in node.next_functions if child is not None):
            needed.add(node)
    return needed


def _accumulate(pending, node, output_nr, grad):
    slots = pending.get(node)
    if slots is None:
        slots = pending[node] = [None] * node.num_outputs
    current = slots[output_nr]
    slots[output_nr] = grad if current is None else current + grad


def _run_pre_hooks(node, grads):
    extras = node._extras
    grads = list(grads)
    for output_nr, hooks in extras.tensor_pre_hooks.items():
        if hooks and grads[output_nr] is not None:
            grads[output_nr] = _run_tensor_hooks(hooks.values(), grads[output_nr])
    for hook in list(extras.pre_hooks.values()):
        replaced = hook(tuple(_as_tensor(grad) for grad in grads))
        if replaced is not None:
            grads = [_as_raw(grad, like) for grad, like in zip(replaced, grads)]
    for output_nr, hook in extras.retain_grad_hooks.items():
        if grads[output_nr] is not None:
            hook(grads[output_nr])
    return grads


def _run_post_hooks(node, input_grads, grads):
    for hook in list(node._extras.post_hooks.values()):
        replaced = hook(tuple(_as_tensor(g) for g in input_grads), tuple(_as_tensor(g) for g in grads))
        if replaced is not None:
            input_grads = [_as_raw(grad, like) for grad, like in zip(replaced, input_grads)]
    return input_grads


def _as_tensor(grad):
    from .._tensor import Tensor, make_tensor
    from .._backend import as_array
    return grad if grad is None or isinstance(grad, Tensor) else make_tensor(as_array(grad))


def _as_raw(grad, like):
    from .._tensor import Tensor
    if grad is None or like is None or isinstance(like, Tensor):
        return grad
    return grad._data
