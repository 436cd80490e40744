"""The backward pass: one iterative walk over the recorded graph.

Every node gets a sequence number when it is recorded, and a node is always recorded after
the nodes of its inputs. So running nodes in decreasing sequence order runs each one after
every node that sends it a gradient: a heap ordered by sequence number is the whole
schedule, with no pass to count dependencies first (PyTorch orders its ready queue the same
way). There is no recursion, so graph depth is limited only by memory.

``backward()`` and ``autograd.grad()`` share this walk: with `targets`, gradients arriving at
those edges are captured, and only nodes on a path to a target run.

Fast path: unless create_graph is set, gradients are raw arrays and formulas run on them
directly (the ops accept arrays); with create_graph they are Tensors, recorded as a graph.

Each node runs in one step, _step: its formulas, its post hooks, then the release of what it
saved. Around that step the walk only orders nodes and routes their gradients.

On small graphs the bookkeeping costs as much as the formulas, so two shortcuts skip it where
the heap's answer is known: a node that outranks everything waiting runs next without a trip
through the heap, and a chain from a single root (y = f(g(h(x))), a training step's loss) is
walked node to node by _walk_chain until it branches (an optimisation that EMBER_GENERIC_PATHS=1
turns off, like the registry's unrolled forms). Measured when the step was made one function:
without _walk_chain a 15,000-node chain's backward takes 17% longer and the seed loop's step 4%.
"""
import os
from heapq import heappop, heappush

from .anomaly_mode import check_gradients, warn_forward_trace
from .anomaly_mode import state as anomaly_state
from .grad_mode import state
from .graph import AccumulateGrad
from .hooks import run_tensor_hooks

# EMBER_GENERIC_PATHS=1: run (and let defop install) only the general paths, the reference that the
# optimisations declared inside them are tested against (tests/test_generic_paths.py).
GENERIC_PATHS = os.environ.get("EMBER_GENERIC_PATHS", "") not in ("", "0")


def run_backward(root_edges, root_grads, *, retain_graph, create_graph, targets=None, accumulate=True):
    """Propagate `root_grads` from `root_edges` back through the graph.

    targets     edges (node, output_nr) whose incoming gradient to return, in order
    accumulate  write leaves' .grad (backward) rather than only capturing (grad)
    """
    pending, schedule = {}, []  # node -> gradient per output; heap of (-sequence number, node)
    follow = None  # a node to run next without going through the heap (see below)
    if len(root_edges) == 1:  # y.backward(): the one root runs first
        (follow, output_nr), = root_edges
        grads = pending[follow] = [None] * follow.num_outputs
        grads[output_nr] = root_grads[0]
    else:
        for (node, output_nr), grad in zip(root_edges, root_grads):
            if node not in pending:
                pending[node] = [None] * node.num_outputs
                heappush(schedule, (-node._sequence_nr, node))
            current = pending[node][output_nr]
            pending[node][output_nr] = grad if current is None else current + grad

    needed = None
    if targets is not None:
        captured, target_slots = {}, {}
        for node, output_nr in targets:
            target_slots.setdefault(node, set()).add(output_nr)
        needed = _nodes_leading_to(pending, target_slots)

    previous_mode = state.enabled
    state.enabled = create_graph  # gradients are graphs only when asked for
    anomaly = anomaly_state.enabled  # checked once per node; see anomaly_mode.py
    node = None
    try:
        if follow is not None and needed is None and not anomaly and not GENERIC_PATHS:
            follow = _walk_chain(follow, pending, retain_graph, create_graph)
        while follow is not None or schedule:
            if follow is None:
                node = heappop(schedule)[1]
            else:
                node, follow = follow, None
            grads = pending.pop(node)  # final now; popping drops our reference
            extras = node._extras
            if extras is not None or needed is not None:  # hooks, or only some nodes are to run
                if extras is not None:
                    grads = _run_pre_hooks(node, grads)
                if needed is not None:
                    for output_nr in target_slots.get(node, ()):
                        captured[(node, output_nr)] = grads[output_nr]
                    if node not in needed and not (accumulate and node in target_slots):
                        continue  # nothing we were asked for lies below this node
            if type(node) is AccumulateGrad:
                node.accumulate(grads[0])
                continue
            input_grads = _step(node, grads, retain_graph, create_graph, anomaly)
            for next_node, output_nr, input_grad in zip(node._next_nodes, node._next_nrs, input_grads):
                if next_node is None or input_grad is None:
                    continue
                slots = pending.get(next_node)
                if slots is None:  # first gradient for this node: it waits for its turn
                    slots = pending[next_node] = [None] * next_node.num_outputs
                    slots[output_nr] = input_grad
                    if follow is not None:
                        heappush(schedule, (-follow._sequence_nr, follow))
                    follow = next_node
                else:
                    current = slots[output_nr]
                    slots[output_nr] = input_grad if current is None else current + input_grad
            # Hold no gradient beyond its pending slot: AccumulateGrad then sees by its reference
            # count whether a gradient is the engine's alone and can become .grad uncopied (see
            # graph.ENGINE_REFERENCES: the engine's share of that count, fixed here).
            input_grads = input_grad = current = None
            # A new node numbered above every waiting one would be the heap's next answer: run it
            # next without the heap. Chains (y = f(g(h(x)))) then never touch it.
            if follow is not None and schedule and -schedule[0][0] > follow._sequence_nr:
                heappush(schedule, (-follow._sequence_nr, follow))
                follow = None
    except Exception:
        if anomaly and node is not None:
            warn_forward_trace(node)
        raise
    finally:
        state.enabled = previous_mode
    if targets is not None:
        return [captured.get(edge) for edge in targets]


def _step(node, grads, retain_graph, create_graph, anomaly=False):
    """One node's step: its formulas turn the gradients of its outputs into its inputs' (checked for
    NaN under detect_anomaly, then passed to its post hooks), and what it saved for them is released,
    so that a second backward through it raises torch's error. Release comes last, as in torch: a
    post hook may still read grad_fn._saved_*."""
    input_grads = node.apply(grads, create_graph)
    extras = node._extras
    if anomaly or extras is not None:
        if anomaly:
            check_gradients(node, input_grads)
        if extras is not None and extras.post_hooks:
            input_grads = _run_post_hooks(node, input_grads, grads)
    if not retain_graph:
        node.release_saved_tensors()
    return input_grads


def _walk_chain(node, pending, retain_graph, create_graph):
    """An optimisation of the loop in run_backward, which it must equal (EMBER_GENERIC_PATHS=1 turns
    it off, and the test suite runs both ways): from a single root, a chain y = f(g(h(x))), where
    each node passes one gradient to one node, runs without the pending table and the heap. On
    chains of small tensors (a training step's loss, a deep elementwise chain) that is a tenth of
    the backward (bench W1, W5). It stops at the first node that has hooks or several outputs, or
    sends gradients to several inputs, and leaves it in `pending` for the general walk to continue
    from; None when it reached the end."""
    grads = pending.pop(node)
    while node._extras is None and node.num_outputs == 1:
        if type(node) is AccumulateGrad:
            node.accumulate(grads[0])
            return None
        next_nodes = node._next_nodes
        if next_nodes.count(None) != len(next_nodes) - 1:
            break  # gradients for several inputs: the general walk orders the branches
        input_grads = _step(node, grads, retain_graph, create_graph)
        index = 0
        while next_nodes[index] is None:
            index += 1
        input_grad = input_grads[index]
        if input_grad is None:
            return None
        next_node = next_nodes[index]
        grads = [None] * next_node.num_outputs
        grads[node._next_nrs[index]] = input_grad
        node = next_node
        input_grads = input_grad = None  # as in run_backward: the gradient's one holder is `grads`
    pending[node] = grads
    return node


def _nodes_leading_to(roots, targets):
    """Nodes with a target strictly below them: only those need to run for autograd.grad."""
    seen, stack = set(roots), list(roots)
    while stack:
        for child in stack.pop()._next_nodes:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    needed = set()
    for node in sorted(seen, key=_sequence_nr):  # inputs before consumers: one sweep settles all
        if any(child in targets or child in needed for child in node._next_nodes if child is not None):
            needed.add(node)
    return needed


def _sequence_nr(node):
    return node._sequence_nr


def _run_pre_hooks(node, grads):
    extras = node._extras
    grads = list(grads)
    for output_nr, hooks in extras.tensor_pre_hooks.items():
        if hooks and grads[output_nr] is not None:
            grads[output_nr] = run_tensor_hooks(hooks.values(), grads[output_nr])
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
    from .._backend import as_array
    from .._tensor import Tensor, make_tensor
    return grad if grad is None or isinstance(grad, Tensor) else make_tensor(as_array(grad))


def _as_raw(grad, like):
    from .._tensor import Tensor
    if grad is None or like is None or isinstance(like, Tensor):
        return grad
    return grad._data
