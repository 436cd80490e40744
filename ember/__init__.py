"""ember: PyTorch's tensors and autograd, in Python on NumPy.

``import ember as torch`` runs beginner and intermediate PyTorch code unchanged.
"""
from . import _dtype
from ._dtype import (bfloat16, bool, cdouble, cfloat, complex64, complex128, double, dtype, float, float16,  # noqa: F401
                     float32, float64, get_default_dtype, half, int, int8, int16, int32, int64, long,
                     promote_types, set_default_dtype, short, uint8)
from ._tensor import Size, Tensor, device, get_default_device, set_default_device  # noqa: F401
from . import autograd, backends, cuda  # noqa: F401  (autograd needs Tensor; the ops need autograd.graph)
from ._creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,  # noqa: F401
                        full_like, linspace, logspace, multinomial, normal, ones, ones_like, rand, rand_like,
                        randint, randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from ._ops import *  # noqa: F401,F403  (each ops module's __all__)
from . import _ops as _table, _out

# ember.<op>(..., out=t) as in torch (Tensor methods and internal calls keep the bare ops)
globals().update({_name: _out.accept_out(getattr(_table, _name)) for _name in _table.__all__
                  if callable(getattr(_table, _name))})
from ._factories import *  # noqa: E402,F401,F403  (tril_indices, windows, empty_strided, poisson; zeros(out=) ...)
from ._printing import get_printoptions, printoptions, set_printoptions  # noqa: F401
from ._random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,  # noqa: F401
                      set_rng_state)
from . import linalg, return_types  # noqa: F401,E402
from . import nn  # noqa: E402,F401  (ember.nn needs the ops above)
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)

from . import optim, utils  # noqa: F401,E402  (training: optimizers, schedulers, data loading)
from . import distributed  # noqa: F401,E402  (data-parallel training on MPI; MPI starts only when asked)
from .serialization import load, save  # noqa: F401,E402
from .utils.dlpack import from_dlpack  # noqa: F401,E402
from . import func  # noqa: E402,F401  (function transforms: ember.func.grad, jacrev, ...)
from . import distributions  # noqa: E402,F401  (torch.distributions' families, built on the ops)
from . import fft  # noqa: E402,F401  (torch.fft's transforms, differentiable)
from . import special  # noqa: E402,F401  (torch.special's names)
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402,F401

__version__ = "0.1.0"



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


import builtins as _builtins  # noqa: E402

from ._dtype import finfo, iinfo  # noqa: E402,F401

# -- threads and determinism ------------------------------------------------------------------------
# ember's parallelism is NumPy's BLAS. set_num_threads limits it through threadpoolctl when that
# package is installed (pip install threadpoolctl); otherwise the number is only remembered, so code
# that calls torch.set_num_threads runs unchanged. ember's algorithms are deterministic already.
_num_threads = None
_deterministic = False


def set_num_threads(int):  # noqa: F811  torch's parameter name; here `int` and `bool` are ember's dtypes
    """Limit the threads BLAS uses (through threadpoolctl when installed; otherwise only recorded)."""
    global _num_threads
    if not isinstance(int, _builtins.int) or isinstance(int, _builtins.bool) or int <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _num_threads = int
    try:
        import threadpoolctl
    except ImportError:
        return
    threadpoolctl.threadpool_limits(int)


def get_num_threads():
    """The number set by set_num_threads, else the number of CPUs."""
    if _num_threads is not None:
        return _num_threads
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Accepted for compatibility: every ember algorithm is deterministic on the CPU."""
    global _deterministic
    _deterministic = _builtins.bool(mode)


def are_deterministic_algorithms_enabled():
    return _deterministic


# -- drop-in: the torch version ember follows, `import torch` answered by ember -------------------------
from . import _legacy, _missing, _shim  # noqa: E402
from ._shim import install_as_torch, uninstall_as_torch  # noqa: E402,F401

__torch_version__ = _shim.TorchVersion(_shim.TORCH_VERSION)  # torch.__version__ under the shim
from ._legacy import *  # noqa: E402,F401,F403  (LongTensor, FloatTensor, ..., range, pi, inf, memory formats)
globals().update({_name: _function for _name, _function in _legacy.INPLACE_FUNCTIONS.items()
                 if _name not in globals()})  # torch.sin_(x) ... where ember has no own top-level form
from . import _foreach, accelerator, amp, compiler, jit, onnx, testing  # noqa: E402,F401
from . import cpu, multiprocessing  # noqa: E402,F401  (torch.cpu; torch.multiprocessing: spawn, sharing)
from . import ops, profiler  # noqa: E402,F401  (torch.profiler; torch.ops.profiler's record-function pair)
from . import _tensor_extras  # noqa: E402,F401  (is_sparse, to_dense, resize_ ... on Tensor)
from ._tensor_extras import expand_copy, fill  # noqa: E402,F401
from .amp import autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402,F401
from .amp.autocast_mode import get_autocast_cpu_dtype, get_autocast_gpu_dtype, is_autocast_cpu_enabled  # noqa
from .func import vmap  # noqa: E402,F401  (torch.vmap is torch.func.vmap)


def _assert(condition, message):
    """torch._assert: an assert that tracing keeps; here a plain one."""
    assert condition, message
from .compiler import compile, get_float32_matmul_precision, set_float32_matmul_precision  # noqa: E402,F401

globals().update(_foreach.FUNCTIONS)  # torch._foreach_add_(tensors, ...) ...

# -- submodules loaded on first use ----------------------------------------------------------------
# `import ember; ember.viz.draw_graph(z)` works without `import ember.viz`, and `import ember` does
# not pay for modules most programs never touch.
_LAZY_SUBMODULES = {"viz"}
_missing_name = _missing.module_getattr(__name__)  # a torch name ember lacks says so


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")  # the import also sets ember.<name>
    _missing_name(name)


def __dir__():
    return sorted(set(globals()) | _LAZY_SUBMODULES)
