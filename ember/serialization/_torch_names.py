"""torch's names for what a checkpoint holds, mapped to ember's: dtypes, storage classes, devices,
and the rebuild functions torch.save pickles around every tensor. Together with the plain Python
types in _unpickler these are the whole allow-list (torch's weights_only list, less what ember lacks:
quantized, sparse, nested, meta and subclass tensors raise a RuntimeError that names them)."""
from collections import OrderedDict

import numpy as np

from .. import _dtype
from .._tensor import Size, Tensor, device, make_tensor
from ._unpickler import Global, UnpicklingError, plain_globals

# torch dtype name -> (ember dtype name, legacy storage class name); the storage names are what
# torch.save writes for these dtypes (torch.storage._dtype_to_storage_type_map()).
DTYPES = {
    "float64": ("float64", "DoubleStorage"), "float32": ("float32", "FloatStorage"),
    "float16": ("float16", "HalfStorage"), "bfloat16": ("bfloat16", "BFloat16Storage"),
    "int64": ("int64", "LongStorage"), "int32": ("int32", "IntStorage"), "int16": ("int16", "ShortStorage"),
    "int8": ("int8", "CharStorage"), "uint8": ("uint8", "ByteStorage"), "bool": ("bool", "BoolStorage"),
    "complex128": ("complex128", "ComplexDoubleStorage"), "complex64": ("complex64", "ComplexFloatStorage"),
}
# dtypes torch has and ember does not: a checkpoint may name them; a tensor of one cannot load.
MISSING_DTYPES = ("uint16", "uint32", "uint64", "complex32", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
                  "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32",
                  "quint4x2", "quint2x4", "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2",
                  *(f"uint{n}" for n in range(1, 8)), *(f"int{n}" for n in range(1, 8)))
MISSING_STORAGES = {"QInt8Storage": "qint8", "QInt32Storage": "qint32", "QUInt8Storage": "quint8",
                    "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4"}


def usable(dtype):
    """Whether ember can hold tensors of `dtype` (bfloat16 exists as a name before it exists as a type)."""
    try:
        dtype.numpy  # noqa: B018  (an unavailable dtype raises TypeError here)
    except TypeError:
        return False
    return True


def ember_dtype(name):
    """ember's dtype for torch's name, or a RuntimeError saying ember cannot hold it."""
    entry = DTYPES.get(name)
    if entry is not None:
        found = getattr(_dtype, entry[0])
        if usable(found):
            return found
    raise RuntimeError(f"ember.load: this checkpoint holds a tensor of dtype torch.{name}, which ember does not "
                       f"have{' (install ml_dtypes for bfloat16)' if name == 'bfloat16' else ''}. Convert it in "
                       "torch before saving, e.g. tensor.float() or tensor.long().")


class MissingDtype:
    """torch.<name> for a dtype ember lacks: fine to mention, an error to build a tensor of."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


def storage_name(dtype):
    return next(storage for name, (ember_name, storage) in DTYPES.items() if ember_name == dtype.name)


# -- storages ------------------------------------------------------------------------------
class StorageType:
    """A legacy storage class (torch.FloatStorage): names the dtype of a storage's elements;
    `dtype` None is torch.storage.UntypedStorage (bytes; the tensor names its dtype)."""

    def __init__(self, dtype_name):
        self.dtype_name = dtype_name


class Storage:
    """A checkpoint's storage: its bytes as a flat uint8 array (a memory map with mmap=True).
    Every tensor rebuilt from it is a view of these bytes, so tensors that shared memory in torch
    share it in ember. map_location functions receive one (``lambda storage, loc: storage``)."""

    def __init__(self, raw, dtype_name, location):
        self.raw, self.dtype_name, self.location = raw, dtype_name, location

    def cpu(self):
        return self

    def cuda(self, device=None):
        """`lambda storage, loc: storage.cuda()`: the tensors rebuilt from it go to that GPU."""
        from .. import cuda
        if not cuda.is_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but ember.cuda.is_available() is "
                               "False. If you are running on a CPU-only machine, please use ember.load with "
                               "map_location=ember.device('cpu') to map your storages to the CPU.")
        index = cuda.current_device() if device is None else cuda._index(device)
        return Storage(self.raw, self.dtype_name, f"cuda:{index}")

    def elements(self, dtype):
        """The storage's elements as a flat array of `dtype` (no copy)."""
        if self.raw.nbytes % dtype.itemsize:
            raise RuntimeError(f"ember.load: a storage of {self.raw.nbytes} bytes cannot hold {dtype} elements "
                               f"of {dtype.itemsize} bytes (corrupt file)")
        if self.raw.ctypes.data % dtype.itemsize:  # only a memory-mapped record can be misaligned
            self.raw = self.raw.copy()
        return self.raw.view(dtype.numpy)

    def __len__(self):
        return self.raw.nbytes


def _as_int_tuple(value, what):
    if not isinstance(value, (tuple, list)) or not all(type(n) is int for n in value):
        raise RuntimeError(f"ember.load: a tensor's {what} is {value!r:.60}, not a tuple of integers (corrupt file)")
    return tuple(value)


def rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                   metadata=None, *, dtype=None):
    """torch._utils._rebuild_tensor_v2/_v3: a view of `storage`, bounds checked against its bytes."""
    if not isinstance(storage, Storage):  # a corrupt file: torch's RuntimeError, not TypeError
        raise RuntimeError(  # noqa: TRY004
            "ember.load: a tensor is rebuilt from something that is not a storage (corrupt file)")
    name = storage.dtype_name if dtype is None else dtype.name
    if name is None:
        raise RuntimeError("ember.load: an untyped storage is used without a dtype (corrupt file)")
    dtype = ember_dtype(name)
    size, stride = _as_int_tuple(size, "size"), _as_int_tuple(stride, "stride")
    if len(size) != len(stride) or len(size) > 64:
        raise RuntimeError(f"ember.load: a tensor has size {size!r:.60} and stride {stride!r:.60}; they need the "
                           "same length, at most 64 (corrupt file)")
    if type(storage_offset) is not int or storage_offset < 0 or min(size + stride, default=0) < 0:
        raise RuntimeError(f"ember.load: a tensor has a negative size, stride or offset (offset {storage_offset!r}, "
                           f"size {size}, stride {stride}; corrupt file)")
    elements = storage.elements(dtype)
    if 0 in size:
        array = np.empty(size, dtype.numpy)
    else:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= elements.size:
            raise RuntimeError(f"ember.load: a tensor of size {list(size)}, stride {list(stride)} at offset "
                               f"{storage_offset} reaches element {last} of a storage of {elements.size} "
                               f"{dtype} elements (out of range; corrupt file)")
        array = np.ndarray(size, dtype.numpy, buffer=elements, offset=storage_offset * dtype.itemsize,
                           strides=tuple(s * dtype.itemsize for s in stride))
    if str(storage.location).startswith("cuda"):  # saved on (or mapped to) a GPU
        from .._backend import to_device
        from .._tensor import placement
        array = to_device(array, placement(storage.location))
    tensor = make_tensor(array)
    if requires_grad is True:
        if not (dtype.is_floating_point or dtype.is_complex):
            raise RuntimeError(f"ember.load: a {dtype} tensor is marked requires_grad, which only floating "
                               "point and complex tensors can be (corrupt file)")
        tensor.requires_grad_(True)
    return tensor


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    if not isinstance(dtype, (_dtype.dtype, MissingDtype)):
        raise RuntimeError(  # noqa: TRY004
            "ember.load: _rebuild_tensor_v3 needs a dtype (corrupt file)")
    return rebuild_tensor(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata,
                          dtype=dtype)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    from ..nn.parameter import Parameter
    if not isinstance(data, Tensor):
        raise RuntimeError(  # noqa: TRY004
            "ember.load: a Parameter is rebuilt from something that is not a tensor (corrupt file)")
    if state:
        raise RuntimeError("ember.load: this checkpoint's Parameter carries Python attributes "
                           f"({sorted(state) if isinstance(state, dict) else type(state).__name__}), which ember "
                           "does not restore; save plain tensors (model.state_dict()) instead.")
    return Parameter(data, requires_grad=bool(requires_grad))


def _rebuild_from_type_v2(func, new_type, args, state):
    if not isinstance(func, Global) or func.call is None or not isinstance(args, tuple):
        raise UnpicklingError("_rebuild_from_type_v2 names a function that is not allowed")
    result = func.call(*args)
    if new_type is _PARAMETER and type(result).__name__ != "Parameter":
        result = _rebuild_parameter(result, result.requires_grad, None)
    elif new_type is not _TENSOR and new_type is not _PARAMETER:
        raise RuntimeError(f"ember.load: a tensor of subclass {new_type!r} cannot be loaded")
    if state:
        raise RuntimeError("ember.load: this checkpoint's tensor carries Python attributes, which ember does not "
                           "restore; save plain tensors instead.")
    return result


def _unsupported(kind):
    def refuse(*args, **kwargs):
        raise RuntimeError(f"ember.load: this checkpoint holds a {kind} tensor, which ember does not have; "
                           "convert it to a dense tensor in torch (tensor.to_dense(), .dequantize()) and save again.")
    return refuse


def _device(*args):
    try:
        return device(*args)
    except (TypeError, ValueError) as error:
        raise RuntimeError(f"ember.load: the checkpoint names an invalid device {args!r:.60} ({error})") from None


def _size(dims=()):
    return Size(_as_int_tuple(dims, "torch.Size"))


def _parameter_new(data=None, requires_grad=True):
    return _rebuild_parameter(data, requires_grad, None)


_TENSOR = Global("torch.Tensor")
_PARAMETER = Global("torch.nn.parameter.Parameter", call=_parameter_new, new=_parameter_new)


def torch_globals():
    """The allow-list: 'module.name' -> Global."""
    table = plain_globals()

    def add(path, **how):
        table[path] = Global(path, **how)

    for name in DTYPES:
        entry = getattr(_dtype, DTYPES[name][0])
        table[f"torch.{name}"] = entry if usable(entry) else MissingDtype(name)
    for name in MISSING_DTYPES:
        table[f"torch.{name}"] = MissingDtype(name)
    for name, (_, storage) in DTYPES.items():
        table[f"torch.{storage}"] = StorageType(name)
    for storage, name in MISSING_STORAGES.items():
        table[f"torch.{storage}"] = StorageType(name)
    table["torch.storage.UntypedStorage"] = StorageType(None)
    table["torch.storage.TypedStorage"] = StorageType(None)
    table["torch.Tensor"], table["torch.nn.parameter.Parameter"] = _TENSOR, _PARAMETER
    add("torch.Size", call=_size)
    add("torch.device", call=_device)
    add("torch.serialization._get_layout", call=lambda name: str(name))
    add("torch._utils._rebuild_tensor", call=lambda storage, offset, size, stride:
        rebuild_tensor(storage, offset, size, stride))
    add("torch._utils._rebuild_tensor_v2", call=rebuild_tensor)
    add("torch._utils._rebuild_tensor_v3", call=_rebuild_tensor_v3)
    add("torch._utils._rebuild_parameter", call=_rebuild_parameter)
    add("torch._utils._rebuild_parameter_with_state", call=_rebuild_parameter)
    add("torch._tensor._rebuild_from_type_v2", call=_rebuild_from_type_v2)
    for kind, names in {"quantized": ("_rebuild_qtensor",), "sparse": ("_rebuild_sparse_tensor",),
                        "nested": ("_rebuild_nested_tensor",), "meta": ("_rebuild_meta_tensor_no_storage",),
                        "wrapper-subclass": ("_rebuild_wrapper_subclass",),
                        "device (XLA/MTIA)": ("_rebuild_device_tensor_from_cpu_tensor",
                                              "_rebuild_device_tensor_from_numpy")}.items():
        for name in names:
            add(f"torch._utils.{name}", call=_unsupported(kind))
    for scheme in ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric",
                   "per_channel_affine_float_qparams"):
        table[f"torch.{scheme}"] = MissingDtype(scheme)
    return table


__all__ = ["DTYPES", "OrderedDict", "Storage", "StorageType", "ember_dtype", "storage_name", "torch_globals"]
