"""Corners (issue 13): degenerate points, missing checks, wrapping integers, empty and extreme shapes,
and the warnings torch gives (and does not give), as Misuse rows (see misuse_cases.py).

A row that torch answers carries `expected`: torch 2.13's answer made plain by test_misuse.observe,
recorded once from torch, so these rows check values without torch installed. The actions run under
warnings.simplefilter("error") except where `_warn` records the warning classes.
This module must not import torch.
"""
import math

from misuse_cases import Misuse, _warn

inf, nan = math.inf, math.nan


def _grad(lib, forward, values, dtype="float32"):
    x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
    forward(lib, x).backward()
    return x.grad


def _sum_grad(forward, values, dtype="float32"):
    return lambda lib: _grad(lib, lambda lib, x: forward(lib, x).sum(), values, dtype)


def _pair_grad(forward, values):
    def action(lib):
        x = lib.tensor(values, requires_grad=True)
        a, b = forward(lib, x)
        (a.sum() + b.sum()).backward()
        return x.grad
    return action


# fmt: off
CORNER_CASES = [
    # -- gradients at degenerate points: selection, not masks multiplied into inf --------------------
    Misuse("degenerate", "std_constant", _sum_grad(lambda lib, x: x.std(), [5.0, 5.0, 5.0])),
    Misuse("degenerate", "std_dim_constant", _sum_grad(lambda lib, x: x.std(0), [5.0, 5.0, 5.0])),
    Misuse("degenerate", "std_keepdim_constant", _sum_grad(lambda lib, x: x.std(1, keepdim=True), [[2.0, 2.0], [1.0, 3.0]])),
    Misuse("degenerate", "std_mean_constant", _pair_grad(lambda lib, x: lib.std_mean(x), [5.0, 5.0, 5.0])),
    Misuse("degenerate", "var_mean_constant", _pair_grad(lambda lib, x: lib.var_mean(x), [5.0, 5.0, 5.0])),
    Misuse("degenerate", "std_one_element", _warn(_sum_grad(lambda lib, x: x.std(), [5.0]))),
    Misuse("degenerate", "var_one_element", _warn(_sum_grad(lambda lib, x: x.var(), [5.0]))),
    Misuse("degenerate", "var_correction_past_count", _warn(_sum_grad(lambda lib, x: x.var(correction=3), [5.0, 6.0]))),
    Misuse("degenerate", "var_value_correction_past_count", _warn(lambda lib: lib.tensor([5.0, 6.0]).var(correction=3))),
    Misuse("degenerate", "reciprocal_of_round", _sum_grad(lambda lib, x: 1 / x.round(), [0.2, 1.0])),
    Misuse("degenerate", "reciprocal_of_floor", _sum_grad(lambda lib, x: 1 / x.floor(), [0.2, 1.0])),
    Misuse("degenerate", "reciprocal_of_ceil", _sum_grad(lambda lib, x: 1 / x.ceil(), [-0.2, 1.0])),
    Misuse("degenerate", "reciprocal_of_trunc", _sum_grad(lambda lib, x: 1 / x.trunc(), [0.2, 1.0])),
    Misuse("degenerate", "reciprocal_of_sign", _sum_grad(lambda lib, x: 1 / x.sign(), [0.0, 1.0])),
    Misuse("degenerate", "reciprocal_of_clamp_max", _sum_grad(lambda lib, x: 1 / x.clamp(max=0), [0.2, -1.0])),
    Misuse("degenerate", "reciprocal_of_clamp_min", _sum_grad(lambda lib, x: 1 / x.clamp(min=0), [-0.2, 1.0])),
    Misuse("degenerate", "reciprocal_of_clamp_tensor", _sum_grad(lambda lib, x: 1 / x.clamp(lib.zeros(2), lib.ones(2)), [-0.2, 2.0])),
    Misuse("degenerate", "reciprocal_of_maximum", _sum_grad(lambda lib, x: 1 / lib.maximum(x, lib.zeros(2)), [-0.2, 1.0])),
    Misuse("degenerate", "reciprocal_of_minimum", _sum_grad(lambda lib, x: 1 / lib.minimum(x, lib.zeros(2)), [0.2, -1.0])),
    Misuse("degenerate", "reciprocal_of_fmax", _sum_grad(lambda lib, x: 1 / lib.fmax(x, lib.zeros(2)), [-0.2, 1.0])),
    Misuse("degenerate", "reciprocal_of_relu", _sum_grad(lambda lib, x: 1 / x.relu(), [-0.2, 1.0])),
    Misuse("degenerate", "reciprocal_of_hardswish", _sum_grad(lambda lib, x: 1 / lib.nn.functional.hardswish(x), [-4.0, 1.0])),
    Misuse("degenerate", "abs_at_nan", _sum_grad(lambda lib, x: x.abs(), [nan, 1.0, 0.0, -2.0])),
    Misuse("degenerate", "sign_of_nan", lambda lib: lib.tensor([nan, -1.0, 0.0, 2.0]).sign()),
    Misuse("degenerate", "sgn_of_nan", lambda lib: lib.tensor([nan, -1.0]).sgn()),
    Misuse("degenerate", "cumprod_with_inf", _sum_grad(lambda lib, x: x.cumprod(0), [2.0, inf, 3.0])),
    Misuse("degenerate", "cumprod_zero_then_inf", _sum_grad(lambda lib, x: x.cumprod(0), [2.0, 0.0, inf])),
    Misuse("degenerate", "cumprod_two_zeros", _sum_grad(lambda lib, x: x.cumprod(0), [2.0, 0.0, 3.0, 0.0, 4.0])),
    Misuse("degenerate", "cumprod_rows_with_zeros", _sum_grad(lambda lib, x: x.cumprod(1), [[1.0, 0.0, 2.0], [3.0, 4.0, 0.0]])),
    Misuse("degenerate", "prod_with_inf", _sum_grad(lambda lib, x: x.prod(), [2.0, inf, 3.0])),
    Misuse("degenerate", "max_with_nan", _sum_grad(lambda lib, x: x.max(), [2.0, nan, 3.0])),
    Misuse("degenerate", "min_with_nan", _sum_grad(lambda lib, x: x.min(), [2.0, nan, 3.0])),
    Misuse("degenerate", "max_ties", _sum_grad(lambda lib, x: x.max(), [3.0, 1.0, 3.0])),
    Misuse("degenerate", "max_inf_grad", lambda lib: _grad(lib, lambda lib, x: x.max() * inf, [1.0, 3.0])),
    # torch is inconsistent here: amax's gradient at a NaN maximum is nan everywhere, max()'s is 1 at the NaN
    Misuse("degenerate", "amax_with_nan", _sum_grad(lambda lib, x: x.amax(), [2.0, nan, 3.0])),
    Misuse("degenerate", "max_dim_with_nan", _sum_grad(lambda lib, x: x.max(0)[0], [2.0, nan, 3.0])),
    Misuse("degenerate", "norm_at_zero", _sum_grad(lambda lib, x: x.norm(), [0.0, 0.0])),
    Misuse("degenerate", "inf_norm_with_nan", _sum_grad(lambda lib, x: x.norm(inf), [nan, 1.0])),
    Misuse("degenerate", "inf_norm_ties", _sum_grad(lambda lib, x: x.norm(inf), [-2.0, 2.0, 1.0])),
    Misuse("degenerate", "sqrt_at_zero", _sum_grad(lambda lib, x: x.sqrt(), [0.0, 1.0])),
    Misuse("degenerate", "where_reciprocal", _sum_grad(lambda lib, x: lib.where(x > 0, x, 1 / x), [0.0, 1.0])),
    Misuse("degenerate", "pow_zero_at_zero", _sum_grad(lambda lib, x: x ** 0 / x.round(), [0.2, 1.0])),
    Misuse("degenerate", "float16_norm", lambda lib: lib.tensor([300.0, 300.0], dtype=lib.float16).norm()),
    Misuse("degenerate", "float16_norm_dim", lambda lib: lib.tensor([[300.0, 300.0]], dtype=lib.float16).norm(dim=1)),
    Misuse("degenerate", "float16_std", lambda lib: lib.tensor([60000.0, 60000.0], dtype=lib.float16).std()),
    Misuse("degenerate", "float16_std_spread", lambda lib: lib.tensor([100.0, -100.0], dtype=lib.float16).std()),
    Misuse("degenerate", "float16_var_mean", lambda lib: lib.var_mean(lib.tensor([300.0, 300.0], dtype=lib.float16))),
    Misuse("degenerate", "float16_norm_grad", _sum_grad(lambda lib, x: x.norm(), [300.0, 300.0], "float16")),
    Misuse("degenerate", "sum_dtype_int8", lambda lib: lib.tensor([100, 100]).sum(dtype=lib.int8)),
    Misuse("degenerate", "sum_dtype_uint8", lambda lib: lib.tensor([100, 100], dtype=lib.uint8).sum(dtype=lib.uint8)),
    Misuse("degenerate", "sum_dtype_bool", lambda lib: lib.tensor([True, True]).sum(dtype=lib.bool)),
    Misuse("degenerate", "prod_dtype_int8", lambda lib: lib.tensor([100, 100]).prod(dtype=lib.int8)),
    Misuse("degenerate", "cumsum_dtype_int8", lambda lib: lib.tensor([100, 100], dtype=lib.int8).cumsum(0, dtype=lib.int8)),
    Misuse("degenerate", "sum_dtype_from_float", lambda lib: lib.tensor([1.5, 2.5]).sum(dtype=lib.int64)),
]
# fmt: on

# torch 2.13's answers (written by tests/record_corners.py, which runs each action under torch)
RECORDED = {'std_constant': ('tensor', [0.0, 0.0, 0.0], 'float32', (3,), False),
 'std_dim_constant': ('tensor', [0.0, 0.0, 0.0], 'float32', (3,), False),
 'std_keepdim_constant': ('tensor', [[0.0, 0.0], [-0.70711, 0.70711]], 'float32', (2, 2), False),
 'std_mean_constant': ('tensor', [0.33333, 0.33333, 0.33333], 'float32', (3,), False),
 'var_mean_constant': ('tensor', [0.33333, 0.33333, 0.33333], 'float32', (3,), False),
 'std_one_element': [('tensor', ['nan'], 'float32', (1,), False), ['UserWarning']],
 'var_one_element': [('tensor', ['nan'], 'float32', (1,), False), ['UserWarning']],
 'var_correction_past_count': [('tensor', [inf, inf], 'float32', (2,), False), ['UserWarning']],
 'var_value_correction_past_count': [('tensor', inf, 'float32', (), False), ['UserWarning']],
 'reciprocal_of_round': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'reciprocal_of_floor': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'reciprocal_of_ceil': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'reciprocal_of_trunc': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'reciprocal_of_sign': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'reciprocal_of_clamp_max': ('tensor', [0.0, -1.0], 'float32', (2,), False),
 'reciprocal_of_clamp_min': ('tensor', [0.0, -1.0], 'float32', (2,), False),
 'reciprocal_of_clamp_tensor': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'reciprocal_of_maximum': ('tensor', [0.0, -1.0], 'float32', (2,), False),
 'reciprocal_of_minimum': ('tensor', [0.0, -1.0], 'float32', (2,), False),
 'reciprocal_of_fmax': ('tensor', [0.0, -1.0], 'float32', (2,), False),
 'reciprocal_of_relu': ('tensor', [0.0, -1.0], 'float32', (2,), False),
 'reciprocal_of_hardswish': ('tensor', [0.0, -1.875], 'float32', (2,), False),
 'abs_at_nan': ('tensor', [0.0, 1.0, 0.0, -1.0], 'float32', (4,), False),
 'sign_of_nan': ('tensor', [0.0, -1.0, 0.0, 1.0], 'float32', (4,), False),
 'sgn_of_nan': ('tensor', [0.0, -1.0], 'float32', (2,), False),
 'cumprod_with_inf': ('tensor', [inf, 'nan', inf], 'float32', (3,), False),
 'cumprod_zero_then_inf': ('tensor', [1.0, inf, 0.0], 'float32', (3,), False),
 'cumprod_two_zeros': ('tensor', [1.0, 8.0, 0.0, 0.0, 0.0], 'float32', (5,), False),
 'cumprod_rows_with_zeros': ('tensor', [[1.0, 3.0, 0.0], [5.0, 3.0, 12.0]], 'float32', (2, 3), False),
 'prod_with_inf': ('tensor', [inf, 'nan', inf], 'float32', (3,), False),
 'max_with_nan': ('tensor', [0.0, 1.0, 0.0], 'float32', (3,), False),
 'min_with_nan': ('tensor', [0.0, 1.0, 0.0], 'float32', (3,), False),
 'max_ties': ('tensor', [0.5, 0.0, 0.5], 'float32', (3,), False),
 'max_inf_grad': ('tensor', [0.0, inf], 'float32', (2,), False),
 'amax_with_nan': ('tensor', ['nan', 'nan', 'nan'], 'float32', (3,), False),
 'max_dim_with_nan': ('tensor', [0.0, 1.0, 0.0], 'float32', (3,), False),
 'norm_at_zero': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'inf_norm_with_nan': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'inf_norm_ties': ('tensor', [-0.5, 0.5, 0.0], 'float32', (3,), False),
 'sqrt_at_zero': ('tensor', [inf, 0.5], 'float32', (2,), False),
 'where_reciprocal': ('tensor', [-inf, 1.0], 'float32', (2,), False),
 'pow_zero_at_zero': ('tensor', [0.0, 0.0], 'float32', (2,), False),
 'float16_norm': ('tensor', 424.25, 'float16', (), False),
 'float16_norm_dim': ('tensor', [424.25], 'float16', (1,), False),
 'float16_std': ('tensor', 0.0, 'float16', (), False),
 'float16_std_spread': ('tensor', 141.375, 'float16', (), False),
 'float16_var_mean': [('tensor', 0.0, 'float16', (), False), ('tensor', 300.0, 'float16', (), False)],
 'float16_norm_grad': ('tensor', [0.70703, 0.70703], 'float16', (2,), False),
 'sum_dtype_int8': ('tensor', -56, 'int8', (), False),
 'sum_dtype_uint8': ('tensor', 200, 'uint8', (), False),
 'sum_dtype_bool': ('tensor', True, 'bool', (), False),
 'prod_dtype_int8': ('tensor', 16, 'int8', (), False),
 'cumsum_dtype_int8': ('tensor', [100, -56], 'int8', (2,), False),
 'sum_dtype_from_float': ('tensor', 3, 'int64', (), False)}
