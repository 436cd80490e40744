"""Dtypes as objects (``ember.float32`` ...) and torch's type-promotion rules.

Torch promotes by *category* (bool < integer < floating < complex) before size, and
Python numbers and 0-d tensors only decide the result when they lift the category:
``int32_tensor * 2.5`` is float32 (the default dtype), ``float32_tensor + float64_0d`` stays float32.
NumPy's rules differ (it would answer float64 for both), so ember decides dtypes here and
only then asks NumPy to compute.
"""
import builtins

import numpy as np

BOOL, INTEGER, FLOATING, COMPLEX = range(4)  # categories, in promotion order


class dtype:
    """A tensor element type; ``repr`` is ``ember.float32`` as torch prints ``torch.float32``."""

    __slots__ = ("name", "numpy", "category", "itemsize")

    def __init__(self, name, numpy_dtype, category):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.category = category
        self.itemsize = self.numpy.itemsize

    is_floating_point = property(lambda self: self.category == FLOATING)
    is_complex = property(lambda self: self.category == COMPLEX)
    is_signed = property(lambda self: self.numpy.kind in "ifc")

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float16: complex64, bfloat16: complex64, float32: complex64, float64: complex128}.get(self, self)

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):  # dtypes are singletons; pickling/copying keeps identity
        return self.name


float16 = half = dtype("float16", np.float16, FLOATING)
float32 = float = dtype("float32", np.float32, FLOATING)
float64 = double = dtype("float64", np.float64, FLOATING)
complex64 = cfloat = dtype("complex64", np.complex64, COMPLEX)
complex128 = cdouble = dtype("complex128", np.complex128, COMPLEX)
uint8 = dtype("uint8", np.uint8, INTEGER)
int8 = dtype("int8", np.int8, INTEGER)
int16 = short = dtype("int16", np.int16, INTEGER)
int32 = int = dtype("int32", np.int32, INTEGER)
int64 = long = dtype("int64", np.int64, INTEGER)
bool = dtype("bool", np.bool_, BOOL)


class _UnavailableDtype(dtype):
    """A dtype torch has and ember cannot build here: the name exists (code that mentions it imports),
    using it raises."""

    __slots__ = ("reason",)

    def __init__(self, name, category, itemsize, reason):
        self.name, self.category, self.itemsize, self.reason = name, category, itemsize, reason

    @property
    def numpy(self):
        raise TypeError(f"ember.{self.name} is not supported: {self.reason}")


# NumPy has no bfloat16; ml_dtypes (a dependency, the type JAX uses) adds one. Arrays of it are a storage
# type to ember: ops compute on them in float32 and round the result once, as torch's CPU kernels do.
try:
    import ml_dtypes
except ImportError as error:  # a broken install: keep the name, say what is missing
    bfloat16 = _UnavailableDtype("bfloat16", FLOATING, 2, f"the ml_dtypes package failed to import ({error}). "
                                 "Reinstall it (pip install 'ml_dtypes>=0.4') or use ember.float32.")
    BFLOAT16_NUMPY = None
else:
    bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, FLOATING)
    BFLOAT16_NUMPY = bfloat16.numpy

def cast_array(array, numpy_dtype, copy=True):
    """array.astype(numpy_dtype), rounding to bfloat16 from float32 as torch does (so float64 and int64 values
    round twice: c10's BFloat16 is made from a float)."""
    if numpy_dtype is BFLOAT16_NUMPY and array.dtype != np.float32 and array.dtype != numpy_dtype:
        array = array.astype(np.float32)
    return array.astype(numpy_dtype, copy=copy)


def filled_array(shape, fill_value, dtype):
    """np.full, with a bfloat16 value rounded from float32 (as cast_array)."""
    if dtype is BFLOAT16_NUMPY:
        return np.full(shape, fill_value, dtype=np.float32).astype(dtype)
    return np.full(shape, fill_value, dtype=dtype)


ALL = (float16, float32, float64, complex64, complex128, uint8, int8, int16, int32, int64, bool) + (
    (bfloat16,) if BFLOAT16_NUMPY is not None else ())
_FROM_NUMPY = {d.numpy: d for d in ALL}

# Names torch uses in legacy type strings (error messages say `[ember.FloatTensor [3]]`).
LEGACY_NAMES = {float16: "HalfTensor", bfloat16: "BFloat16Tensor", float32: "FloatTensor", float64: "DoubleTensor",
                complex64: "ComplexFloatTensor", complex128: "ComplexDoubleTensor",
                uint8: "ByteTensor", int8: "CharTensor", int16: "ShortTensor",
                int32: "IntTensor", int64: "LongTensor", bool: "BoolTensor"}



def scalar_type_name(d):
    """torch's name of a dtype in messages: 'Float', 'Long', 'ComplexDouble' (ember or NumPy dtype)."""
    return LEGACY_NAMES[d if isinstance(d, dtype) else from_numpy_dtype(d)][:-len("Tensor")]


_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    """Like torch.set_default_dtype: only floating dtypes may be the default."""
    global _default_float
    if not isinstance(d, dtype) or d.category != FLOATING or d is float16:
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}; the default "
                        "decides what Python floats become, so pass ember.float32 or ember.float64")
    _default_float = d


def default_complex():
    return complex128 if _default_float is float64 else complex64


def from_numpy_dtype(numpy_dtype):
    try:
        return _FROM_NUMPY[numpy_dtype]
    except KeyError:
        try:
            return _FROM_NUMPY[np.dtype(numpy_dtype)]
        except (KeyError, TypeError):
            raise TypeError(f"can't convert NumPy dtype {numpy_dtype} to an ember dtype; "
                            f"supported: {', '.join(d.name for d in ALL)}") from None


def promote_types(a, b):
    """torch.promote_types: the higher category wins; within a category, the wider type."""
    if a is b:
        return a
    if a.category != b.category:
        high, low = (a, b) if a.category > b.category else (b, a)
        if high.category == COMPLEX and low is float64:
            return complex128
        return high
    return _FROM_NUMPY[np.promote_types(a.numpy, b.numpy)]


def scalar_dtype(value):
    """The dtype a Python number takes when it stands alone (torch's 'wrapped number')."""
    kind = type(value)
    if kind is builtins.bool or kind is np.bool_:
        return bool
    if kind is builtins.int or isinstance(value, np.integer):
        return int64
    if kind is builtins.float or isinstance(value, np.floating):
        return _default_float
    if kind is builtins.complex or isinstance(value, np.complexfloating):
        return default_complex()
    raise TypeError(f"expected a Tensor or a Python number, got {type(value).__name__}")


def _combine(higher, lower):
    """Merge two priority groups (c10's combine_categories): the lower group counts only
    when it lifts the category, and then keeps the higher group's precision where it can."""
    if higher is None:
        return lower
    if lower is None or higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        return higher.to_complex() if higher.category == FLOATING else lower
    if higher.category == FLOATING:
        return higher
    if higher is bool or lower.category == FLOATING:
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """torch.result_type for tensors and Python numbers.

    Three groups by priority: tensors with dimensions, 0-d tensors, Python numbers. A lower
    group changes the result only if it lifts the category (bool -> int -> float -> complex).
    """
    dimensioned = zero_dim = wrapped = None
    for operand in operands:
        operand_dtype = getattr(operand, "dtype", None)
        if operand_dtype is None or isinstance(operand, np.generic):  # NumPy scalars count as numbers, as in torch
            d = scalar_dtype(operand)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
        elif operand.ndim:
            dimensioned = operand_dtype if dimensioned is None else promote_types(dimensioned, operand_dtype)
        else:
            zero_dim = operand_dtype if zero_dim is None else promote_types(zero_dim, operand_dtype)
    return _combine(dimensioned, _combine(zero_dim, wrapped))


def can_cast(source, target):
    """torch.can_cast: an in-place result may not move down a category (float into int)."""
    return source.category <= target.category


# -- finfo / iinfo: the numeric limits of a dtype, as torch.finfo / torch.iinfo report them ---------
# bfloat16's limits are constants (NumPy cannot compute them): 8 exponent bits, 7 mantissa bits.
_BFLOAT16_LIMITS = dict(bits=16, eps=0.0078125, max=3.3895313892515355e+38, min=-3.3895313892515355e+38,
                        tiny=1.1754943508222875e-38, resolution=0.01)


class finfo:
    """Limits of a floating point dtype: ``ember.finfo(ember.float32).eps`` ... (default: the default dtype).

    A complex dtype reports the limits of its real part, as in torch."""

    def __init__(self, type=None):
        type = get_default_dtype() if type is None else type
        if not isinstance(type, dtype) or type.category < FLOATING:
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            f"'torch.finfo' (got {type!r}; ember.iinfo gives the limits of integer types)")
        self.dtype = type.to_real().name
        if type is bfloat16:
            limits = _BFLOAT16_LIMITS
        else:
            info = np.finfo(type.to_real().numpy)
            limits = dict(bits=builtins.int(info.bits), eps=builtins.float(info.eps), max=builtins.float(info.max),
                          min=builtins.float(info.min), tiny=builtins.float(info.smallest_normal),
                          resolution=10.0 ** -builtins.int(info.precision))
        self.__dict__.update(limits)
        self.smallest_normal = self.tiny

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: ``ember.iinfo(ember.int64).max`` ..."""

    def __init__(self, type):
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo (a bool holds only False and True)")
        if not isinstance(type, dtype) or type.category != INTEGER:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            f"'torch.iinfo' (got {type!r}; ember.finfo gives the limits of floating types)")
        info = np.iinfo(type.numpy)
        self.bits, self.min, self.max, self.dtype = builtins.int(info.bits), builtins.int(info.min), \
            builtins.int(info.max), type.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
