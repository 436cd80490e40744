"""torch's refusals, as ember raises them: builders of the exceptions the rule files raise.

Each returns (or raises inside a wrapped forward) the exception class torch raises, with a
message that says what went wrong and how to fix it. The rows name them; the messages live here.
"""
import functools

from .._dtype import scalar_type_name
from .._tensor import Tensor


def kernel_missing(kernel):
    """torch's NotImplementedError for a dtype its kernel does not cover."""
    def error(dtype):
        name = scalar_type_name(dtype)
        return NotImplementedError(f'"{kernel}" not implemented for \'{name}\'; convert the tensor with .float() '
                                   "(or .real for complex values) first")
    return error


def refusing(kernel, kinds, forward, error=None):
    """forward, except for inputs of dtype kinds torch has no kernel for: torch's error instead of an
    answer. `kernel` names torch's kernel in the message (or pass `error`, a function of the dtype)."""
    error = error or kernel_missing(kernel)

    def checked(*arrays, **attributes):
        for array in arrays:
            dtype = getattr(array, "dtype", None)
            if dtype is not None and dtype.kind in kinds:
                raise error(dtype)
        return forward(*arrays, **attributes)
    if hasattr(forward, "nin"):  # the registry unrolls ufuncs by their number of inputs
        checked.nin = forward.nin
    return checked


def not_for_complex(name):
    return lambda dtype: RuntimeError(f"{name} not implemented for complex tensors. Compare .real or .abs() instead.")


def clamp_not_for_complex(dtype):
    return NotImplementedError("clamp is not supported for complex types; clamp .real and .imag separately")


def no_derivative(name):
    """The formula of an op torch cannot differentiate: recorded, and raising only at backward."""
    def backward(grad, *inputs, **attributes):
        raise RuntimeError(f"the derivative for '{name}' is not implemented. It is piecewise constant in its "
                           "tensor argument; rewrite the expression with differentiable ops if you need a "
                           "gradient.")
    return backward


MAX_DIMS = 64  # NumPy 2's limit, which ember's arrays share


def too_many_dims(ndim=None):
    """torch's RuntimeError for a tensor past ember's 64 dimensions (torch itself goes further, though
    its reductions over a dim stop at 64 too, with this message)."""
    found = "" if ndim is None else f" (this one would have {ndim})"
    return RuntimeError(f"only tensors with up to {MAX_DIMS} dims are supported{found}: ember's arrays are NumPy's, "
                        "which hold at most 64 dimensions; merge some dimensions with reshape/flatten")


def shape_error(error, inputs):
    """NumPy's broadcasting ValueError, re-raised as torch's RuntimeError; NumPy's 64-dimension limit as
    torch's RuntimeError; other errors unchanged."""
    if "broadcast" in str(error):
        return broadcast_error(inputs) or error
    too_big = allocation_error(error)
    if too_big is not None:
        return too_big
    if "maximum supported dimension" in str(error) or "number of dimensions must be within" in str(error):
        return too_many_dims()
    return error


def allocation_error(error, sizes=None):
    """torch's RuntimeError for an array NumPy (or CuPy) cannot make, or None for any other error:
    MemoryError when the memory is not there, ValueError "array is too big" when the byte count does
    not even fit a pointer (torch: "Storage size calculation overflowed")."""
    if isinstance(error, MemoryError):
        total = getattr(error, "_total_size", None)  # NumPy's _ArrayMemoryError knows the byte count
        wanted = f"you tried to allocate {total} bytes" if total is not None else str(error)
        return RuntimeError(f"DefaultCPUAllocator: can't allocate memory: {wanted}. Error code 12 (Cannot allocate "
                            "memory); make the tensor smaller, or process it in chunks")
    if isinstance(error, ValueError) and "array is too big" in str(error):
        shown = "" if sizes is None else f" with sizes={list(sizes)}"
        return RuntimeError(f"Storage size calculation overflowed{shown}: the tensor would hold more bytes than a "
                            "64-bit size can count; check the sizes")
    return None


def allocates(function):
    """`function`, raising torch's RuntimeError (allocation_error) where NumPy cannot allocate its result."""
    @functools.wraps(function)
    def allocating(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (MemoryError, ValueError) as error:
            converted = allocation_error(error)
            if converted is None:
                raise
            raise converted from None
    return allocating


def device_mismatch(error, inputs):
    """CuPy's TypeError at a NumPy array, re-raised as torch's error when the tensors live on two
    devices; other errors unchanged."""
    devices = {str(x.device) for x in inputs if isinstance(x, Tensor)}
    if len(devices) < 2:
        return error
    first, second = sorted(devices, reverse=True)[:2]  # cuda:0 before cpu, as torch names them
    return RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, {first} "
                        f"and {second}! Move them to one device first, e.g. with .to('{first}').")


def broadcast_error(inputs):
    shapes = [tuple(x.shape) for x in inputs if isinstance(x, Tensor)]
    for dim in range(1, max(len(shape) for shape in shapes) + 1):
        sizes = [shape[-dim] if dim <= len(shape) else 1 for shape in shapes]
        different = [size for size in sizes if size != 1]
        if len(set(different)) > 1:
            a, b = sizes[0], sizes[1]
            position = max(len(shape) for shape in shapes) - dim
            return RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton "
                f"dimension {position}; the shapes {list(shapes[0])} and {list(shapes[1])} cannot be "
                "broadcast (sizes must be equal or 1, compared from the right)")
    return None


def complex_autograd_error(name, grad_fn_name):
    return NotImplementedError(
        f"ember does not differentiate complex tensors yet: {name} (grad_fn {grad_fn_name}) got complex inputs "
        "that require grad. Complex forward math works without autograd: detach() the inputs or compute "
        "under ember.no_grad().")


def not_a_tensor(name, value):
    """ember.exp(2.0) or ember.add(2, 3): torch's TypeError (NumPy would quietly answer)."""
    return TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(value).__name__}; "
                     f"wrap the value first, e.g. ember.tensor({value!r})")


def check_fits(values, dtype, type_name=None):
    """torch's RuntimeError for Python numbers an integer dtype cannot hold (tensor([300], dtype=int8),
    full(..., nan, dtype=int64), clamp(max=1000) on int8). As torch (c10::overflows), an unsigned dtype
    takes negative ints down to -max (they wrap: -1 is 255) but no negative float. `values` is a number
    or an array of them."""
    import numpy as np
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu" or isinstance(values, bool):
        return
    array = np.asarray(values)
    if array.dtype.kind not in "iuf" or not array.size:
        return
    info = np.iinfo(dtype)
    low, high = array.min(), array.max()
    if array.dtype.kind == "f":
        fits = bool(np.isfinite(low) and np.isfinite(high)) and info.min <= low and high <= info.max
    else:
        fits = high <= info.max and (low >= info.min if dtype.kind == "i" else -int(low) <= info.max)
    if not fits:
        name = type_name or f"{dtype.name}_t"
        raise RuntimeError(f"value cannot be converted to type {name} without overflow; the values must lie in "
                           f"[{info.min}, {info.max}] (pick a wider dtype, or clamp first)")


def overflow_when_unpacking(data):
    """torch's ValueError for a list of Python ints past int64 (NumPy would make it float64)."""
    return ValueError(f"Overflow when unpacking long long: {data!r} holds an integer outside int64's range; "
                      "pass floats (e.g. 2.0**63) or dtype=ember.float64")
