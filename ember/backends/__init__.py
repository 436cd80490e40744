"""ember.backends: the switches torch scripts set or query, answered for a CPU-only library.

``torch.backends.cudnn.deterministic = True`` and ``torch.backends.mps.is_available()`` are
common in scripts; here cudnn's flags can be set (they change nothing) and mps is absent.
"""
import types

cudnn = types.SimpleNamespace(enabled=False, deterministic=False, benchmark=False, allow_tf32=True,
                              is_available=lambda: False, version=lambda: None)


class _CudaMatmul:
    """torch.backends.cuda.matmul: allow_tf32 mirrors ember.set_float32_matmul_precision, as in torch
    (settable; ember computes float32 matmuls in float32 whatever it says)."""

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True

    @property
    def allow_tf32(self):
        from .. import get_float32_matmul_precision
        return get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value):
        from .. import set_float32_matmul_precision
        set_float32_matmul_precision("high" if value else "highest")


cuda = types.SimpleNamespace(matmul=_CudaMatmul(), is_built=lambda: False, flash_sdp_enabled=lambda: False,
                             mem_efficient_sdp_enabled=lambda: False, math_sdp_enabled=lambda: True)
opt_einsum = types.SimpleNamespace(enabled=False, strategy=None, is_available=lambda: False)
mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
