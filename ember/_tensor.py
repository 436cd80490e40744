"""class Tensor: an array plus the state autograd needs. No math lives here.

Every method below is a one- or two-line delegation to ``ember._ops`` (the table of
primitives) or ``ember.autograd``; what remains is the bookkeeping that makes a tensor a
node of the graph: ``requires_grad``, ``grad``, ``grad_fn``, the version counter that views
share, and conversions to Python and NumPy.
"""
import sys
import warnings

from . import _backend, _dtype
from ._backend import xp
from ._grad_state import state as _grad_state

_new = object.__new__


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``ember.Size([2, 3])``, like torch.Size."""

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def numel(self):
        count = 1
        for size in self:
            count *= size
        return count

    # torch.Size stays a Size when sliced, concatenated with a tuple or repeated
    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, count):
        return Size(tuple.__mul__(self, count))

    __rmul__ = __mul__


_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta")


class device:
    """A device name, as torch.device. Any known type can be named (so that the usual
    ``device("cuda" if ember.cuda.is_available() else "cpu")`` works); ember computes on the CPU
    (NumPy) and, when CuPy finds a GPU, on "cuda" (see device_type)."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif ":" in str(type):
            type, _, number = str(type).partition(":")
            if not number.isdigit() or (number != "0" and number.startswith("0")):  # torch's parser
                raise RuntimeError(f"Invalid device string: '{type}:{number}'")
            index = int(number)
        if type not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device "
                               f"string: {type}")
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = type, index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):  # as torch: a device equals only another device, not a string
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        """``with torch.device("cuda"):`` factories put new tensors here inside the block."""
        _outer_defaults.append(default_device)
        set_default_device(self)
        return self

    def __exit__(self, *exception):
        global default_device
        default_device = _outer_defaults.pop()
        return False


_outer_defaults = []  # the default devices that enclosing `with device(...)` blocks replaced
CPU = device("cpu")
CUDA = device("cuda", 0)
default_device = CPU  # set_default_device changes it


def device_type(where):
    """"cpu" or "cuda" for a device spec (a string, a device, a GPU index, or None for the default).

    Without a GPU, "cuda" raises torch's AssertionError of a CPU-only build."""
    return "cpu" if placement(where) == "cpu" else "cuda"


def placement(where):
    """Where a device spec puts data: "cpu", or "cuda:N" naming the GPU ("cuda" alone is the current
    one, torch.cuda.current_device()); the backend's to_device takes these strings.

    Without a GPU, "cuda" raises torch's AssertionError of a CPU-only build; a GPU index beyond
    cuda.device_count() raises torch's "invalid device ordinal"."""
    if where is None:
        where = default_device
    elif isinstance(where, int) and not isinstance(where, bool):
        where = device("cuda", where)
    elif not isinstance(where, device):
        where = device(where)
    if where.type == "cpu":
        return "cpu"
    if where.type != "cuda":
        raise AssertionError(f"ember computes on the CPU and on CUDA GPUs only, so device {str(where)!r} is not "
                             "available. Use device='cpu' (or 'cuda' where ember.cuda.is_available()).")
    module = _backend.cupy()
    if module is None:
        raise AssertionError("Torch not compiled with CUDA enabled (ember found no GPU: ember.cuda.is_available() "
                             "is False; install ember[cuda] on a machine with an NVIDIA GPU, or use device='cpu')")
    if where.index is None:
        return f"cuda:{_backend.current_index()}"
    if where.index >= module.cuda.runtime.getDeviceCount():
        raise RuntimeError(f"CUDA error: invalid device ordinal (there are {module.cuda.runtime.getDeviceCount()} "
                           f"GPUs, cuda:0 to cuda:{module.cuda.runtime.getDeviceCount() - 1}; got {where})")
    return f"cuda:{where.index}"


_CUDA_DEVICES = {}  # GPU index -> its device object, made once


def cuda_device(index):
    """device("cuda", index), one object per GPU (a tensor's .device is asked for often)."""
    found = _CUDA_DEVICES.get(index)
    if found is None:
        found = _CUDA_DEVICES[index] = device("cuda", index)
    return found


def set_default_device(where):
    """Where factories put new tensors when no device= is given (torch.set_default_device)."""
    global default_device
    where = placement("cpu" if where is None else where)  # refuses "cuda" without a GPU, as torch does
    default_device = CPU if where == "cpu" else cuda_device(int(where[5:]))


def get_default_device():
    return default_device


def require_cpu(where):
    """Checks a device argument of an API that ember runs on the host only."""
    if device_type(where) != "cpu":
        raise AssertionError(f"ember computes this on the CPU only, so device {str(where)!r} is not available "
                             "here. Use device='cpu', or leave the device out.")


def device_of(array):
    return cuda_device(_backend.device_index(array)) if _backend.on_device(array) else CPU


def make_tensor(data, grad_fn=None, requires_grad=False):
    """The fast constructor used by every op: `data` must already be an ndarray."""
    tensor = _new(Tensor)
    tensor._data = data
    tensor.grad_fn = grad_fn
    tensor._requires_grad = requires_grad
    tensor._version_counter = None  # made on first need: see shared_counter
    if _grad_state.inference:
        tensor._inference = True
    return tensor


def version_of(tensor):
    """How many in-place changes the tensor's memory has seen (torch's ``x._version``)."""
    counter = tensor._version_counter
    return 0 if counter is None else counter[0]


def shared_counter(tensor):
    """The tensor's version counter: a one-item list that its views and detached copies share.

    It is made on first need (a view, an in-place change, a saved output), not for every
    tensor: most never need one, and each list is one more object for the garbage collector."""
    counter = tensor._version_counter
    if counter is None:
        counter = tensor._version_counter = [0]
    return counter


def bump_version(tensor):
    counter = tensor._version_counter
    if counter is None:  # as shared_counter(tensor), inline: optimizers bump every step
        counter = tensor._version_counter = [1]
    else:
        counter[0] += 1
    if tensor._requires_grad and _grad_state.enabled:  # a recorded in-place op: note where, for the
        _note_change_site(counter)                        # "modified by an inplace operation" error


def _note_change_site(counter):
    """Keep (file, line) of the user's code that made this in-place change in counter[1]. Only for
    tensors in the graph with grad mode on (about a microsecond): optimizer steps under no_grad,
    x.grad.zero_() and other changes to constants pay nothing."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("ember."):
        frame = frame.f_back
    if frame is not None:
        site = (frame.f_code.co_filename, frame.f_lineno)
        if len(counter) > 1:
            counter[1] = site
        else:
            counter.append(site)


def _check_can_require_grad(dtype, message="only Tensors of floating point dtype can require gradients"):
    if dtype.category < _dtype.FLOATING:
        raise RuntimeError(f"{message} (this one is {dtype!r}); create it with a float dtype, "
                           f"e.g. dtype=ember.float32, or convert it with .float()")


def _shape_args(shape):
    """Accept both f(2, 3) and f((2, 3)), as torch does for sizes."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        return tuple(shape[0])
    return shape


class Tensor:
    """An n-dimensional array that remembers how it was computed."""

    # Every op sets these four; the rarely changed state below lives in the instance __dict__
    # only once set, and reads fall back to the class defaults (so creating a tensor stays cheap).
    __slots__ = ("_data", "grad_fn", "_requires_grad", "_version_counter", "__dict__", "__weakref__")
    _grad = None            # .grad
    _base = None            # the tensor this one is a view of
    output_nr = 0           # which output of grad_fn this tensor is
    _hooks = None           # autograd.graph.TensorHooks, once a hook or retain_grad is registered
    _accumulator = None     # weak reference to a leaf's AccumulateGrad node
    _inference = False      # made inside inference_mode

    def __init__(self, *args):
        """Legacy constructor: Tensor(2, 3) is uninitialised, Tensor([1, 2]) copies data as float."""
        from ._creation import tensor as _tensor_from_data
        if len(args) == 1 and not isinstance(args[0], int):
            source = _tensor_from_data(args[0], dtype=_dtype.get_default_dtype())
        else:
            source = make_tensor(xp.empty(args or (0,), dtype=_dtype.get_default_dtype().numpy))
        for slot in ("_data", "grad_fn", "_requires_grad", "_version_counter"):
            setattr(self, slot, getattr(source, slot))

    # -- metadata -------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        return Size(self._data.shape) if dim is None else self._data.shape[_ops.normalize_dim(dim, self.ndim)]

    @property
    def dtype(self):
        return _dtype.from_numpy_dtype(self._data.dtype)

    device = property(lambda self: cuda_device(self._data.device.id) if _backend.on_device(self._data) else CPU)
    is_cuda = property(lambda self: _backend.on_device(self._data))
    is_cpu = property(lambda self: not _backend.on_device(self._data))
    ndim = property(lambda self: self._data.ndim)
    dim = ndimension = lambda self: self._data.ndim
    numel = nelement = lambda self: self._data.size
    element_size = lambda self: self._data.itemsize
    is_floating_point = lambda self: self._data.dtype.kind in "fV"  # V: bfloat16, ml_dtypes' only kind here
    is_complex = lambda self: self._data.dtype.kind == "c"
    is_contiguous = lambda self, memory_format=None: bool(self._data.flags.c_contiguous)
    data_ptr = lambda self: _address(self._data)

    def stride(self, dim=None):
        strides = tuple(step // self._data.itemsize for step in self._data.strides)
        return strides if dim is None else strides[_ops.normalize_dim(dim, self.ndim)]

    def storage_offset(self):
        """Elements between the start of the base's memory and this view's first element."""
        base = self._base._data if self._base is not None else self._data
        return (self.data_ptr() - _address(base)) // self._data.itemsize
    is_inference = lambda self: self._inference
    _is_view = lambda self: self._base is not None

    @property
    def _version(self):
        return version_of(self)

    # -- autograd state -------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
        if flag:
            _check_can_require_grad(self.dtype, "only Tensors of floating point and complex dtype can require "
                                                "gradients")
            if self._inference and not _grad_state.inference:
                raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not "
                                   "allowed. Make a normal tensor first with x = x.clone().")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and requires_grad:
            return self  # torch allows re-affirming it on a computed tensor
        if requires_grad:
            _check_can_require_grad(self.dtype)
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self.retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
                "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
                "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead.",
                UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                                   f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor are "
                                   "the same size")
            if value.dtype is not self.dtype:
                given = _dtype.scalar_type_name(value.dtype).lower()
                raise RuntimeError(f"attempting to assign a gradient with dtype '{given}' "
                                   f"to a tensor with grad_dtype '{_dtype.scalar_type_name(self.dtype)}'. The gradient "
                                   f"must match the tensor's dtype: convert it with .to({self.dtype!r}).")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._hooks is not None and self._hooks.retains_grad

    @property
    def data(self):
        """The same memory, cut from the graph and from version tracking (torch's .data)."""
        return make_tensor(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data

    def detach(self):
        """The same memory and version counter, cut from the graph."""
        detached = make_tensor(self._data)
        detached._version_counter = shared_counter(self)
        return detached

    def detach_(self):
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn, self._requires_grad = None, False
        return self

    def retain_grad(self):
        autograd.retain_grad(self)

    def register_hook(self, hook):
        return autograd.register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        return autograd.register_post_accumulate_grad_hook(self, hook)

    # -- conversions ----------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar; .item() "
                               "needs exactly one element: reduce first (e.g. .sum()) or use .tolist()")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        if _backend.on_device(self._data) and not force:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the "
                            "tensor to host memory first.")
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if self._data.dtype.kind == "V":  # as torch: NumPy has no bfloat16 (ember's comes from ml_dtypes)
            raise TypeError("Got unsupported ScalarType BFloat16; NumPy has no bfloat16, so convert first: "
                            "tensor.float().numpy()")
        return _backend.to_host(self._data)  # force=True shares host memory, as torch's detach().cpu().numpy()

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """DLPack export (numpy.from_dlpack(t), torch.from_dlpack(t)): the same memory, no copy."""
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        options = {name: value for name, value in (("stream", stream), ("max_version", max_version),
                                                   ("dl_device", dl_device), ("copy", copy)) if value is not None}
        return self._data.__dlpack__(**options)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    # As torch.Tensor: NumPy defers to the tensor's reflected operators, so np.float64(2) * t is a tensor
    __array_priority__ = 1000

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def _scalar(self, convert):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars; this one has "
                             f"{self._data.size}. Reduce it first (e.g. .sum()) or convert with .tolist()")
        return convert(self._data.item())

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return self._data.item()

    def __bool__(self):
        if self._data.size != 1:
            amount = "more than one value" if self._data.size else "no values"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous; say which you mean with "
                               ".any() or .all(), or compare one element")
        return bool(self._data.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor; a 0-d tensor holds one number: read it with .item(), and "
                            "see its dimensions with .shape")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor; a 0-d tensor holds one number: read it with .item() "
                            "instead of looping over it")
        return iter(_ops.unbind(self))  # rows share one UnbindBackward0, as in torch

    __hash__ = object.__hash__

    def __repr__(self, *, tensor_contents=None):
        from ._printing import format_tensor
        dtype = self.dtype
        # torch hides default dtypes; for an empty tensor only the default float one
        defaults = ((_dtype.get_default_dtype(), _dtype.default_complex(), _dtype.int64, _dtype.bool)
                    if self._data.size else (_dtype.get_default_dtype(),))
        if self.grad_fn is not None:
            suffixes = [f"grad_fn=<{type(self.grad_fn).__name__}>"]
        else:
            suffixes = ["requires_grad=True"] if self._requires_grad else []
        return format_tensor(_backend.to_host(self._data), dtype_suffix=None if dtype in defaults else repr(dtype),
                             suffixes=suffixes, device=None if self.device == default_device else str(self.device))

    def __format__(self, spec):
        if self._data.ndim == 0:  # f"{x}" of a 0-d tensor formats its number, as torch does
            return self.item().__format__(spec)
        if spec:
            raise TypeError(f"unsupported format string passed to Tensor.__format__; a format spec such as "
                            f"'{spec}' applies to one number: format x.item(), or the elements of x.tolist()")
        return str(self)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment. Use .detach().clone() to copy a computed tensor.")
        copy = make_tensor(self._data.copy(), requires_grad=self._requires_grad)
        if self._grad is not None:
            copy._grad = make_tensor(self._grad._data.copy())
        memo[id(self)] = copy
        return copy

    def __reduce_ex__(self, protocol):  # pickle: the values and requires_grad, as torch's (ember.multiprocessing)
        from .multiprocessing.reductions import reduce_tensor
        return reduce_tensor(self)

    def share_memory_(self):
        """Move the values into shared memory, for other processes (see ember.multiprocessing.reductions)."""
        from .multiprocessing.reductions import share_memory_
        return share_memory_(self)

    def is_shared(self):
        from .multiprocessing.reductions import is_shared
        return is_shared(self)

    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(other), to(device, dtype): a converted copy, or self if nothing changes."""
        target, where, copy = None, None, kwargs.pop("copy", False)
        for value in list(args) + [kwargs.pop("dtype", None), kwargs.pop("device", None)]:
            if isinstance(value, _dtype.dtype):
                target = value
            elif isinstance(value, Tensor):
                target, where = value.dtype, value.device
            elif value is not None:
                where = value
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)  # every ember tensor is row-major (docs: coming-from-pytorch)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        source = str(self.device)
        if where is not None:
            try:
                where = where if isinstance(where, (device, int)) else device(where)
            except RuntimeError:  # torch words a bad string here differently from device("...")
                raise RuntimeError(f"Invalid device string: '{where}'. Pass a dtype such as ember.float64, "
                                   "or a device such as 'cpu' or 'cuda'.") from None
            where = placement(where)
        where = None if where == source else where
        target = None if target is self.dtype else target
        result = self if where is None and target is None else _ops.to_copy(self, dtype=target, device=where,
                                                                             source=source)
        return self.clone() if copy and result is self else result

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """No argument: the type string ('ember.FloatTensor', as dtypes print 'ember.float32').
        Else the tensor as that dtype, typed class (ember.LongTensor) or type string ('torch.LongTensor')."""
        from ._legacy import converted
        if dtype is None:
            return f"ember.{'cuda.' if self.is_cuda else ''}{_dtype.LEGACY_NAMES[self.dtype]}"
        return converted(self, dtype)

    def cpu(self, memory_format=None):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        return self.to("cuda" if device is None else device)

    def pin_memory(self, device=None):
        """Pinned host memory speeds up copies to a GPU; with CuPy the copy is already direct, so this is
        the same tensor (torch, without an accelerator, raises)."""
        if _backend.cupy() is None:
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if self.is_cuda:
            raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
        return self

    is_pinned = lambda self, device=None: False

    def get_device(self):
        """The GPU index of a cuda tensor; -1 for a CPU one (as torch)."""
        return self._data.device.id if _backend.on_device(self._data) else -1

    float = lambda self: self.to(_dtype.float32)
    double = lambda self: self.to(_dtype.float64)
    half = lambda self: self.to(_dtype.float16)
    long = lambda self: self.to(_dtype.int64)
    int = lambda self: self.to(_dtype.int32)
    short = lambda self: self.to(_dtype.int16)
    char = lambda self: self.to(_dtype.int8)
    byte = lambda self: self.to(_dtype.uint8)
    bool = lambda self: self.to(_dtype.bool)

    # -- arithmetic: operators delegate to the table --------------------------------------
    def __rsub__(self, other):  # 1 - x records RsubBackward1, as in torch
        return _ops.rsub(self, other)

    def __rtruediv__(self, other):  # torch computes 2 / x as reciprocal(x) * 2
        return _ops.mul(_ops.reciprocal(self), other)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):  # 2 // x: torch records NotImplemented (no derivative)
        return _ops.rfloor_divide(self, other=other)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):  # 2 % x: likewise
        return _ops.rremainder(self, other=other)

    def __rpow__(self, base):
        return _ops.pow(base, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)


    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __lshift__(self, other):
        return _ops.bitwise_left_shift(self, other)

    def __rshift__(self, other):
        return _ops.bitwise_right_shift(self, other)

    def __rlshift__(self, other):
        return _ops.bitwise_left_shift(other, self)

    def __rrshift__(self, other):
        return _ops.bitwise_right_shift(other, self)

    def __ilshift__(self, other):
        return _ops.bitwise_left_shift_(self, other)

    def __irshift__(self, other):
        return _ops.bitwise_right_shift_(self, other)

    def __iand__(self, other):
        return _ops.bitwise_and_(self, other)

    def __ior__(self, other):
        return _ops.bitwise_or_(self, other)

    def __ixor__(self, other):
        return _ops.bitwise_xor_(self, other)

    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __ipow__(self, exponent):
        return _ops.pow_(self, exponent)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem(self, index, value)

    def where(self, condition, other):  # torch.where(condition, self, other)
        return _ops.where(condition, self, other)

    T = property(lambda self: _ops.numpy_T(self))
    mT = property(lambda self: _ops.shape.matrix_T(self))


def _address(array):
    """Where the array's first element lives (host or GPU memory)."""
    if _backend.on_device(array):
        return array.__cuda_array_interface__["data"][0]
    return array.__array_interface__["data"][0]


# Methods that are exactly the op of the same name (ember.exp(x) is x.exp()): the rows that declare
# the "method" or "inplace" variant (see ember/_ops/__init__.py). The functions are bound directly,
# so a method call costs no extra frame.
from . import _ops, autograd  # noqa: E402  (both need Tensor; Tensor needs them)

for _name, _function in _ops.METHODS.items():
    setattr(Tensor, _name, _function)
del _name, _function
# The busiest operators, bound straight to their ops (2 + x records AddBackward0 with x first, as torch).
Tensor.__add__ = Tensor.__radd__ = _ops.add
Tensor.__sub__ = _ops.sub
Tensor.__mul__ = Tensor.__rmul__ = _ops.mul
Tensor.__truediv__ = _ops.true_divide  # the row itself: div() adds rounding_mode
Tensor.__pow__ = _ops.pow
Tensor.backward = autograd.tensor_backward  # y.backward(): autograd.backward(y), with a fast path for 0-d y
Tensor.__iadd__, Tensor.__isub__, Tensor.__imul__, Tensor.__itruediv__ = _ops.add_, _ops.sub_, _ops.mul_, _ops.div_
