"""Forward-mode AD (torch.autograd.forward_ad): dual tensors carry a tangent through a function.

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)
        y = f(x)
        primal_out, jvp = forward_ad.unpack_dual(y)     # jvp = J_f(primal) @ tangent

How ember computes it: not with a second set of per-op rules, but from the backward formulas.
For any recorded function, u -> J^T u (a vjp) is linear in u, and its transpose is u -> J t:
  J t = d/du <J^T u, t>
so ``unpack_dual`` runs one create_graph backward from y with a placeholder u, takes the inner
product with the tangents, and differentiates that with respect to u. Every op whose backward
formula is written with differentiable ember ops (all of the table; gradgradcheck checks it)
therefore has a JVP, and recording costs nothing extra: there is no tangent bookkeeping on
the hot path. An op whose backward is not differentiable raises its own error, naming it.

Differences from torch that follow: a dual tensor is recorded by autograd (it has
requires_grad=True, and operations on it must run with grad mode on), and tangents are
computed when unpacked rather than alongside each op. Custom Functions are differentiated
through their backward, as torch would through a ``jvp`` staticmethod.
"""
import collections
import weakref

from .._tensor import Tensor

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

UnpackedDualTensor = collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "What unpack_dual returns: the primal value and its tangent (None if it has none)."

_levels = []  # one list per open level: [(weak reference to a dual tensor, its tangent)]


def enter_dual_level():
    _levels.append([])
    return len(_levels) - 1


def exit_dual_level(*, level=None):
    level = len(_levels) - 1 if level is None else level
    if level != len(_levels) - 1:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    for ref, _ in _levels.pop():
        dual = ref()
        if dual is not None:
            dual.__dict__.pop("_fw_tangent", None)


class dual_level:
    """Context manager: the scope in which dual tensors keep their tangents."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc_info):
        exit_dual_level()
        return False


def _level_index(level):
    if not _levels:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    return len(_levels) - 1 if level is None else level


def make_dual(tensor, tangent, *, level=None):
    """A tensor with `tensor`'s value that carries `tangent` (the direction to differentiate in)."""
    level = _level_index(level)
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError("make_dual expects Tensors for both the primal and the tangent")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if not tensor.is_floating_point() and not tensor.is_complex():
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    from .. import _ops
    if tensor.requires_grad:
        dual = _ops.alias(tensor)  # keeps the path to the primal for an ordinary backward
    else:
        dual = tensor.detach().requires_grad_(True)
    tangent = tangent.detach()
    if tangent.dtype is not tensor.dtype:
        tangent = tangent.to(tensor.dtype)
    dual._fw_tangent = (level, tangent)
    _levels[level].append((weakref.ref(dual), tangent))
    return dual


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of `tensor` at `level`: tangent is J @ (the tangents of the duals it came from)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual expects a Tensor, got {type(tensor).__name__}")
    if not _levels:
        return UnpackedDualTensor(tensor, None)
    level = len(_levels) - 1 if level is None else level
    own = tensor.__dict__.get("_fw_tangent")
    if own is not None and own[0] == level:
        return UnpackedDualTensor(tensor.detach(), own[1])
    return UnpackedDualTensor(tensor.detach(), _tangent_of(tensor, level))


def _tangent_of(output, level):
    if output.grad_fn is None or level >= len(_levels):
        return None
    duals, tangents = [], []
    for ref, tangent in _levels[level]:
        dual = ref()
        if dual is not None:
            duals.append(dual)
            tangents.append(tangent)
    if not duals:
        return None
    _check_custom_functions(output.grad_fn)
    from .. import zeros_like
    from . import grad
    from .grad_mode import enable_grad
    with enable_grad():
        placeholder = zeros_like(output).requires_grad_(True)
        vjps = grad(output, duals, placeholder, create_graph=True, allow_unused=True)
        terms = [(v * t).sum() for v, t in zip(vjps, tangents) if v is not None]
        if not terms:
            return None  # the output does not depend on any dual tensor of this level
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        if not total.requires_grad:
            return zeros_like(output).detach()
        (jvp,) = grad(total, placeholder, allow_unused=True, materialize_grads=True)
    return jvp.detach()


def _check_custom_functions(root):
    """torch needs a jvp staticmethod on custom Functions; ember uses backward, which must exist."""
    from .function import BackwardCFunction, Function
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        if isinstance(node, BackwardCFunction):
            cls = node._forward_cls
            if cls.jvp is Function.jvp and cls.backward is Function.backward:
                raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use "
                                          "it with forward mode AD.")
        for child in node._next_nodes:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
