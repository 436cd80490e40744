"""torch's older spellings that real code still uses: typed tensor classes, ``torch.range``, constants,
memory formats.

``torch.LongTensor([1, 2])`` builds an int64 tensor from data, ``torch.FloatTensor(2, 3)`` an
uninitialised float32 tensor of that size, and ``isinstance(x, torch.LongTensor)`` asks for the dtype:
each typed class is a factory whose ``isinstance`` checks ``x.dtype`` and the device type, as torch's
``tensortype`` does: ``torch.FloatTensor`` holds CPU tensors, ``torch.cuda.FloatTensor`` (ember.cuda)
GPU ones, and building one of those without a GPU raises torch's TypeError.
"""
import builtins
import math
import numbers
import warnings

from . import _dtype
from ._tensor import Size, Tensor

pi, e, inf, nan = math.pi, math.e, math.inf, math.nan


class memory_format:
    """A memory layout: ember's tensors are always row-major, so these name torch's layouts for arguments."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return self.name


preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


class tensortype(type):
    """The metaclass of the typed tensor classes: calling one builds a tensor, isinstance checks the dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.is_cuda is cls.is_cuda

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"

    def __call__(cls, *args, device=None):
        from ._creation import empty, tensor
        if cls.is_cuda:
            device = cls._cuda_device(device)
        elif device is not None and str(device) != "cpu":
            kind = str(device).split(":")[0]
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {kind} was passed (use "
                               f"torch.cuda.{cls.__name__}, or torch.tensor(..., device=...))")
        if not args:
            return empty(0, dtype=cls.dtype, device=device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            if not isinstance(args[0], cls):
                where = "cuda" if cls.is_cuda else "cpu"
                raise TypeError(f"expected a {where} {cls.dtype} tensor for {cls.__module__}.{cls.__name__}(tensor), "
                                f"got a {args[0].device.type} {args[0].dtype} one: convert it with "
                                f"tensor.type('torch.{'cuda.' if cls.is_cuda else ''}{cls.__name__}')")
            return args[0].detach().requires_grad_(args[0].requires_grad)  # an alias, as torch's
        sizes = args[0] if len(args) == 1 and isinstance(args[0], Size) else args
        if all(isinstance(size, numbers.Integral) and not isinstance(size, builtins.bool) for size in sizes):
            negative = [size for size in sizes if size < 0]
            if negative:
                raise RuntimeError(f"Trying to create tensor with negative dimension {negative[0]}: {list(sizes)}")
            return empty(*sizes, dtype=cls.dtype, device=device)
        if len(args) > 1:
            raise TypeError(f"new() received an invalid combination of arguments: ember.{cls.__name__}(...) takes "
                            "sizes (ints) or one sequence of data")
        if isinstance(args[0], str) or not hasattr(args[0], "__len__") and not hasattr(args[0], "__array__"):
            kind = type(args[0]).__name__
            raise TypeError(f"new(): invalid data type '{kind}'" if isinstance(args[0], str) else
                            f"new(): data must be a sequence (got {kind}); pass [{args[0]!r}] for a one-element "
                            "tensor or an int for a size")
        return tensor(args[0], dtype=cls.dtype, device=device)

    def _cuda_device(cls, device):
        """The GPU a torch.cuda typed class builds on ("cuda": the current one); torch's TypeError without one."""
        from . import cuda
        from ._tensor import device as device_class
        if not cuda.is_available():
            raise TypeError(f"type torch.cuda.{cls.__name__} not available. Torch not compiled with CUDA enabled. "
                            "(ember found no GPU: install CuPy, pip install ember[cuda], on a machine with one)")
        where = device_class("cuda" if device is None else device)
        if where.type != "cuda":
            raise RuntimeError(f"legacy constructor expects device type: cuda but device type: {where.type} was "
                               f"passed (torch.cuda.{cls.__name__} builds GPU tensors)")
        return where


def _typed_class(name, dtype, is_cuda=False):
    module = "ember.cuda" if is_cuda else "ember"
    return tensortype(name, (), {"dtype": dtype, "is_cuda": is_cuda, "is_sparse": False, "__module__": module,
                                 "__doc__": f"Builds {'GPU ' if is_cuda else ''}{dtype} tensors: {module}.{name}(data) "
                                            f"or {module}.{name}(*sizes)."})


TYPED = {dtype: _typed_class(name, dtype) for dtype, name in _dtype.LEGACY_NAMES.items()}
CUDA_TYPED = {dtype: _typed_class(name, dtype, is_cuda=True) for dtype, name in _dtype.LEGACY_NAMES.items()}
globals().update({cls.__name__: cls for cls in TYPED.values()})
_BY_NAME = {f"{prefix}{cls.__name__}": cls for classes, middle in ((TYPED, ""), (CUDA_TYPED, "cuda."))
            for cls in classes.values() for prefix in (f"torch.{middle}", f"ember.{middle}")}


def typed_class_of(value):
    """The typed class a Tensor.type() argument names (a class, or its name such as 'torch.cuda.LongTensor'),
    or None for a dtype."""
    if isinstance(value, _dtype.dtype):
        return None
    if isinstance(value, tensortype):
        return value
    if isinstance(value, str):
        if value in _BY_NAME:
            return _BY_NAME[value]
        raise ValueError(f"invalid type: '{value}' (expected a name such as 'torch.FloatTensor' or "
                         "'torch.cuda.LongTensor', or a dtype)")
    raise TypeError(f"type() expects a dtype, a tensor type such as ember.LongTensor or its name as a string, "
                    f"got {type(value).__name__}")


def converted(tensor, value):
    """tensor.type(value): a dtype keeps the device; a typed class (or its name) names the device type too."""
    cls = typed_class_of(value)
    if cls is None:
        return tensor.to(value)
    if not cls.is_cuda:
        return tensor.to("cpu", cls.dtype)
    if tensor.is_cuda:
        return tensor.to(cls.dtype)
    from . import cuda
    if not cuda.is_available():
        raise RuntimeError(f"Cannot initialize CUDA: ember found no GPU for tensor.type('torch.cuda.{cls.__name__}') "
                           "(install CuPy, pip install ember[cuda], on a machine with one)")
    return tensor.to("cuda", cls.dtype)


def range(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """torch.range: like arange but including `end` (deprecated in torch; it warns, as torch does)."""
    from ._creation import arange
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    count = builtins.int(math.floor((end - start) / step)) + 1
    if count < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign: range({start}, {end}, "
                           f"{step}) is empty")
    dtype = dtype or _dtype.get_default_dtype()
    values = arange(count, dtype=_dtype.float64, device=device) * step + start
    return values.to(dtype).requires_grad_(requires_grad) if requires_grad else values.to(dtype)


__all__ = ["pi", "e", "inf", "nan", "memory_format", "preserve_format", "contiguous_format", "channels_last",
           "channels_last_3d", "range", *(cls.__name__ for cls in TYPED.values())]


# -- torch.<op>_(x, ...): the top-level forms of in-place methods ----------------------------------
# The names torch 2.13 exposes at top level (asked of torch); each is x.<op>_(...) where ember's
# Tensor has that method, so the list grows by itself as methods are added.
TORCH_INPLACE_FUNCTIONS = (
    "abs_ acos_ acosh_ addmv_ alpha_dropout_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ as_strided_ asin_ "
    "asinh_ atan_ atanh_ ceil_ celu_ clamp_ clamp_max_ clamp_min_ clip_ conj_physical_ cos_ cosh_ deg2rad_ detach_ "
    "dropout_ embedding_renorm_ erf_ erfc_ exp2_ exp_ expm1_ feature_alpha_dropout_ feature_dropout_ fill_ fix_ "
    "floor_ frac_ gcd_ i0_ index_put_ lcm_ ldexp_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_ "
    "rad2deg_ reciprocal_ relu_ resize_as_ resize_as_sparse_ round_ rrelu_ rsqrt_ selu_ sigmoid_ sin_ sinc_ sinh_ "
    "sqrt_ square_ tan_ tanh_ threshold_ trunc_ xlogy_ zero_").split()


def _inplace_function(name):
    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"ember.{name}(input, ...) is input.{name}(...): in place, returns input."
    return function


INPLACE_FUNCTIONS = {name: _inplace_function(name) for name in TORCH_INPLACE_FUNCTIONS if hasattr(Tensor, name)}
