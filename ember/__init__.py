"""ember: PyTorch's tensors and autograd, in Python on NumPy.

``import ember as torch`` runs beginner and intermediate PyTorch code unchanged.
"""
import warnings as _warnings

from . import _dtype
from ._dtype import (bool, cdouble, cfloat, complex64, complex128, double, dtype, float, float16,  # noqa: F401
                     float32, float64, get_default_dtype, half, int, int8, int16, int32, int64, long,
                     promote_types, set_default_dtype, short, uint8)
from ._tensor import Size, Tensor, device  # noqa: F401
from . import autograd, backends, cuda  # noqa: F401  (autograd needs Tensor; the ops need autograd.graph)
from ._creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,  # noqa: F401
                        linspace, logspace, ones, ones_like, rand, rand_like, randint, randint_like, randn,
                        randn_like, randperm, tensor, zeros, zeros_like)
from ._ops import *  # noqa: F401,F403  (each ops module's __all__)
from ._printing import get_printoptions, printoptions, set_printoptions  # noqa: F401
from ._random import Generator, default_generator, initial_seed, manual_seed, seed  # noqa: F401
from . import nn  # noqa: E402,F401  (ember.nn needs the ops above)
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)

__version__ = "0.1.0"

# torch computes log(0) = -inf, 1/0 = inf, sqrt(-1) = nan without a word; NumPy warns. Silence
# NumPy's floating-point warnings only where they arise inside ember's own modules, so a
# user's own NumPy code keeps its warnings (a filter costs nothing until a warning fires).
_warnings.filterwarnings("ignore", message=r"(overflow|invalid value|divide by zero|underflow) encountered",
                         category=RuntimeWarning, module=r"ember(\.|$)")


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    return input.numel()


def result_type(tensor1, tensor2):
    return _dtype.result_type(tensor1, tensor2)


def can_cast(from_, to):
    return _dtype.can_cast(from_, to)


def detach(input):
    return input.detach()


def is_nonzero(input):
    return input.__bool__()
