"""why_no_grad(): the reasons a tensor's ``.grad`` is None, in plain words, with what to do."""
from .._tensor import Tensor
from .graph import AccumulateGrad

__all__ = ["why_no_grad"]


def _reaches(output, tensor):
    """Is there a path in output's graph to `tensor` (its grad_fn, or the leaf's AccumulateGrad)?"""
    if output.grad_fn is None:
        return output is tensor
    seen, stack = {output.grad_fn}, [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is tensor.grad_fn and node is not None:
            return True
        if isinstance(node, AccumulateGrad) and node.variable is tensor:
            return True
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return False


def why_no_grad(tensor, output=None, *, show=False):
    """Explain why ``tensor.grad`` is None (or say that it is not), as a string.

    output  the tensor backward() was (or will be) called on, usually the loss; with it the
            answer can tell "no path from the output" and "cut by detach()/no_grad" apart
            from "backward has not run yet".
    show    also print the answer.
    """
    answer = _diagnose(tensor, output)
    if show:
        print(answer)
    return answer


def _diagnose(tensor, output):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"why_no_grad expects a Tensor, but got {type(tensor).__name__}")
    if output is not None and not isinstance(output, Tensor):
        raise TypeError(f"output must be a Tensor (the loss backward() runs from), but got {type(output).__name__}")
    if tensor.is_leaf and tensor.grad is not None:
        return "Its .grad is not None: backward() has filled it."
    if tensor.retains_grad and tensor.grad is not None:
        return "Its .grad is not None: it retains its gradient (retain_grad()) and backward() has filled it."
    if not (tensor.is_floating_point() or tensor.is_complex()):
        return (f"Its dtype is {tensor.dtype}, an integer (or bool) type: only floating point (and complex) "
                "tensors can require gradients, because a derivative needs values in between. Create it as a "
                "float, e.g. ember.tensor([1., 2.]) or t.float(), then set requires_grad=True.")
    if not tensor.requires_grad:
        answer = ("It has requires_grad=False, so autograd does not track it and never computes a gradient "
                  "for it. ")
        if output is not None and output.requires_grad is False:
            answer += ("The output does not require grad either: no tensor it was computed from requires grad, or "
                       "it was computed under ember.no_grad() or from a .detach()ed tensor. ")
        return answer + ("If it is a parameter or an input you want the gradient of, create it with "
                         "requires_grad=True (or call t.requires_grad_()) before using it. If it was computed from "
                         "such tensors, it was cut from the graph: made under ember.no_grad() (or "
                         "inference_mode), or by .detach() / .data / .item(); compute it with grad mode on.")
    if not tensor.is_leaf:
        if tensor.retains_grad:
            return _not_run_yet(tensor, output, "It retains its gradient (retain_grad()), but ")
        return (f"It is not a leaf: it was computed by an operation (grad_fn={tensor.grad_fn.name()}), and "
                "autograd keeps .grad only for leaves (the tensors you create with requires_grad=True), to "
                "save memory. Call t.retain_grad() before backward() to keep it, or read the gradient with "
                "a hook (t.register_hook) or ember.autograd.grad(output, t).")
    return _not_run_yet(tensor, output, "It is a leaf that requires grad, but ")


def _not_run_yet(tensor, output, opening):
    if output is None:
        return (opening + "no gradient has reached it yet: backward() has not run since it was created (or "
                "its .grad was reset to None, e.g. by zero_grad()), or the output backward() ran from does not "
                "depend on it. Pass the output, why_no_grad(t, output=loss), to tell these apart.")
    if not output.requires_grad:
        return (opening + "the output does not require grad: it was computed under ember.no_grad() (or "
                "inference_mode), from .detach()ed tensors, or only from tensors that do not require grad, so "
                "the graph that would lead back to this tensor was never recorded.")
    if not _reaches(output, tensor):
        return (opening + "there is no path from the output back to it in the graph: the output was not computed "
                "from it, or the path was cut by .detach(), .data, .item(), ember.no_grad() or a conversion to "
                "NumPy/Python numbers on the way. Compute the output from it with grad mode on.")
    return (opening + "backward() has not run yet from that output (the output does depend on it). Call "
            "output.backward(); if it has run, it may have been given inputs=[...] without this tensor, or "
            ".grad was reset to None afterwards (zero_grad()).")
