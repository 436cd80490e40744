"""Tensors on two devices in one op: torch's rules, applied where CuPy refuses (or would accept).

torch's elementwise ops (TensorIterator with ``allow_cpu_scalars``: the binary and comparison ops,
addcmul, addcdiv, lerp) take one 0-d CPU tensor beside tensors on a GPU as if it were a number,
and the result lives on the GPU; ``torch.where`` and ``masked_fill``'s value move any number of
them. Everything else with two devices raises "Expected all tensors to be on the same device".

ember meets the mix when CuPy refuses a NumPy array (a TypeError) or, for the unrolled
two-input ops, when a 0-d input lies on another device than the other input: it then moves each
such tensor with ``.to(gpu)`` and runs the op again. The op's node then points its edge past the
copy's ToCopyBackward0, straight at the 0-d tensor's own node, and marks the input as living on the
host, so that fit_to_input brings the gradient back to the CPU: torch's engine moves 0-d gradients
the same way (validate_outputs), and its graph has no copy node either.

CuPy computes on its *current* GPU, torch on the tensors' own: an op whose inputs all live on
cuda:1 while cuda:0 is current is re-run with cuda:1 current (CuPy refuses the arrays of another
GPU with a ValueError where the GPUs have no peer access; the stand-in always does).
"""
from .._backend import device_guard
from .._tensor import Tensor
from ..autograd.graph import OnHost, next_node

# torch's TensorIterator ops built with allow_cpu_scalars (binary_op, comparison_op, addcmul ...)
ONE_CPU_SCALAR = frozenset({
    "add", "sub", "rsub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "atan2", "copysign",
    "hypot", "nextafter", "logaddexp", "logaddexp2", "xlogy", "heaviside", "ldexp", "gcd", "lcm",
    "maximum", "minimum", "fmax", "fmin", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
    "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "addcmul", "addcdiv", "lerp",
    "clamp_min", "clamp_max",  # their Tensor overloads are binary ops; clamp(Tensor, Tensor) is not
})
# ops that move every 0-d CPU tensor to the output's device themselves (torch's where_self_out,
# masked_fill's value.item())
ANY_CPU_SCALARS = frozenset({"where", "masked_fill"})


def same_device_error(first, second):
    return RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, {first} "
                        f"and {second}! Move them to one device first, e.g. with .to('{first}').")


def gpu_of(inputs):
    """The first GPU among the inputs' devices (torch's common device), or None."""
    for x in inputs:
        if isinstance(x, Tensor):
            where = x.device
            if where.type != "cpu":
                return where
    return None


def moved(name, inputs):
    """`inputs` with their 0-d CPU tensors moved to the GPU of the others, as torch allows for op
    `name`; torch's RuntimeError where it does not. None when all tensors share a device."""
    gpu = gpu_of(inputs)
    if gpu is None:
        return None
    allowed = 1 if name in ONE_CPU_SCALAR else len(inputs) if name in ANY_CPU_SCALARS else 0
    result, changed = [], False
    for x in inputs:
        if isinstance(x, Tensor) and x.device != gpu:
            if x.device.type != "cpu" or x.ndim != 0 or allowed == 0:
                raise same_device_error(gpu, x.device)
            if allowed == 1 and changed:
                raise RuntimeError(f"Trying to pass too many CPU scalars to non-CPU kernel! ({name} takes one 0-d "
                                   f"CPU tensor beside tensors on {gpu}; move the others with .to('{gpu}'))")
            x, changed = x.to(gpu), True
        result.append(x)
    return result if changed else None


def retried(op, name, inputs, attributes, error):
    """What op(*inputs) answers once the devices are settled (CuPy refused to mix them): the same
    op on the moved inputs, or under the inputs' GPU; else the error torch raises."""
    arguments = moved(name, inputs)
    if arguments is not None:
        result = op(*arguments, **attributes)
        _past_the_copies(result, inputs, arguments)
        return result
    gpu = gpu_of(inputs)
    if gpu is not None and gpu.index is not None and _other_gpu_is_current(gpu):
        with device_guard(gpu.index):
            return op(*inputs, **attributes)
    raise error


def _past_the_copies(result, inputs, arguments):
    """Point the edges of `result`'s node that lead to a moved 0-d tensor's copy at the tensor itself,
    with its gradient brought back to the host (see the module's text)."""
    node = result.grad_fn if isinstance(result, Tensor) else None
    if node is None:
        return
    nodes, nrs, meta = list(node._next_nodes), list(node._next_nrs), node._input_meta
    if meta is None:  # every input shaped like the output (see Node): spell it out, to mark one
        meta = (result._data.shape, result._data.dtype) * len(nodes)
    meta = list(meta)
    for index, (original, copy) in enumerate(zip(inputs, arguments)):
        if copy is original or index >= len(nodes) or nodes[index] is None or nodes[index] is not copy.grad_fn:
            continue
        nodes[index], nrs[index] = next_node(original), original.output_nr
        meta[2 * index], meta[2 * index + 1] = original._data.shape, OnHost(original._data.dtype)
    node._next_nodes, node._next_nrs, node._input_meta = tuple(nodes), tuple(nrs), tuple(meta)


def _other_gpu_is_current(gpu):
    from .._backend import current_index
    return current_index() != gpu.index


def device_error(error, inputs):
    """CuPy's refusal of another GPU's arrays (ValueError), as torch's error when the tensors live on
    two GPUs; None when it is some other ValueError."""
    if not another_gpus_arrays(error):
        return None
    devices = []
    for x in inputs:
        if isinstance(x, Tensor) and x.device not in devices:
            devices.append(x.device)
    if len(devices) > 1:
        return same_device_error(devices[0], devices[1])
    return None


def after_type_error(op, name, inputs, attributes, error):
    """An op's answer after CuPy refused a NumPy array among its arrays (see the module's text)."""
    from ._errors import device_mismatch
    try:
        return retried(op, name, inputs, attributes, device_mismatch(error, inputs))
    except RuntimeError as mixed:
        raise mixed from None


def another_gpus_arrays(error):
    """Whether a ValueError is CuPy's refusal of arrays on another GPU than the current one."""
    return "different from the current device" in str(error)


def after_value_error(op, name, inputs, attributes, error):
    """An op's answer after a ValueError: another GPU's arrays (see above), else NumPy's broadcasting
    error as torch's."""
    from ._errors import shape_error
    mixed = device_error(error, inputs)
    if mixed is not None:
        raise mixed from None
    if another_gpus_arrays(error):
        return retried(op, name, inputs, attributes, error)
    raise shape_error(error, inputs) from None
