"""tensor_split, quantile/nanquantile, cov and histogram: torch's functions composed from ember ops
(so their gradients are those of the ops: slices, sort, gather, lerp, matmul)."""
import math
import warnings

import numpy as np

from .. import return_types
from .._backend import namespace, to_host
from .._tensor import Tensor, make_tensor
from ..autograd.anomaly_mode import user_stacklevel
from ._naming import composed
from ._registry import variants
from .linalg import matmul
from .pointwise import lerp, where
from .pointwise_math import isnan
from .reduction import sum
from .shape import normalize_dim
from .sorting import sort

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


@variants("function", "method")
def tensor_split(input, indices_or_sections, dim=0):
    """Views of input split along dim: into n nearly equal parts (the first size % n one longer), or at indices."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim]
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.ndim > 1 or indices_or_sections.dtype.is_floating_point:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               "one-dimensional tensor of integers, but got a tensor with "
                               f"{indices_or_sections.ndim} dims")
        indices_or_sections = (indices_or_sections.item() if indices_or_sections.ndim == 0
                               else indices_or_sections.tolist())
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        base, extra = divmod(size, sections)
        lengths = [base + 1] * extra + [base] * (sections - extra)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
    else:
        cuts = [min(max(int(i) + size if int(i) < 0 else int(i), 0), size) for i in indices_or_sections]
        bounds = [0, *cuts, size]
        starts = bounds[:-1]
        lengths = [max(end - start, 0) for start, end in zip(bounds[:-1], bounds[1:])]
    return tuple(input.narrow(dim, start, length) for start, length in zip(starts, lengths))


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    if not isinstance(input, Tensor) or input._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    q_values = np.atleast_1d(np.asarray(to_host(q.detach()._data) if isinstance(q, Tensor) else q, dtype=np.float64))
    if isinstance(q, Tensor) and q.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    bad = q_values[(q_values < 0) | (q_values > 1)]
    if bad.size:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {bad[0]:g}")
    if input._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty; a quantile of no values is undefined")
    x = input.reshape(-1) if dim is None else input
    axis = x.ndim - 1 if dim is None else normalize_dim(dim, x.ndim)
    ordered = sort(x, dim=axis).values.movedim(axis, -1)  # NaNs sort last
    n = ordered.shape[-1]
    counts = (n - isnan(ordered).sum(-1, keepdim=True)) if ignore_nan else None
    outputs = []
    for value in q_values.tolist():
        if ignore_nan:  # positions within each slice's non-NaN part
            position = (counts.to(ordered.dtype) - 1).clamp(min=0) * value
        else:
            position = make_tensor(namespace(ordered._data).full(ordered.shape[:-1] + (1,), (n - 1) * value,
                                                                 dtype=ordered._data.dtype))
        raw = position._data
        low, high = np.floor(raw), np.ceil(raw)
        if interpolation == "lower":
            high = low
        elif interpolation == "higher":
            low = high
        elif interpolation == "nearest":
            low = high = np.round(raw)  # half to even, as torch
        low_index = make_tensor(low.astype(np.int64).clip(0, max(n - 1, 0)))
        high_index = make_tensor(high.astype(np.int64).clip(0, max(n - 1, 0)))
        below, above = ordered.gather(-1, low_index), ordered.gather(-1, high_index)
        weight = 0.5 if interpolation == "midpoint" else make_tensor((raw - low).astype(ordered._data.dtype))
        result = lerp(below, above, weight)
        if not ignore_nan:  # any NaN in a slice makes its quantile NaN
            nan = make_tensor(namespace(raw).full((), math.nan, raw.dtype))
            result = where(isnan(ordered).any(-1, keepdim=True), nan, result)
        else:  # an all-NaN slice has no quantile
            result = where(counts == 0, make_tensor(namespace(raw).full((), math.nan, raw.dtype)), result)
        result = result.squeeze(-1)
        if keepdim:
            result = result.unsqueeze(axis) if dim is not None else result.reshape((1,) * input.ndim)
        outputs.append(result)
    if isinstance(q, Tensor) and q.ndim == 1:
        from .joining import stack
        return stack(outputs)
    return outputs[0]


@variants("function", "method")
@composed("SqueezeBackward4")
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of input (of all its elements, or along dim); NaN where a slice holds a NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


@variants("function", "method")
@composed("SqueezeBackward4")
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile, ignoring NaNs (NaN only where a slice is all NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


@variants("function", "method")
@composed("SqueezeBackward0")
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in input's rows (observations in its columns), as numpy.cov."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if not x.dtype.is_floating_point:
        x = x.to(input.new_zeros(()).float().dtype)
    weights = None
    if fweights is not None:
        weights = fweights.to(x.dtype)
    if aweights is not None:
        weights = aweights.to(x.dtype) if weights is None else weights * aweights.to(x.dtype)
    if weights is None:
        total = x.shape[1]
        mean = x.mean(1, keepdim=True)
        norm = total - correction
    else:
        total = sum(weights)
        mean = sum(x * weights, 1, keepdim=True) / total
        if aweights is None or correction == 0:
            norm = total - correction
        else:
            norm = total - correction * sum(weights * aweights.to(x.dtype)) / total
    if weights is not None and float(total) == 0:
        raise RuntimeError("cov(): weights sum to zero, can't be normalized; give some observation a positive weight")
    if float(norm) <= 0:  # torch warns, and divides by 0 (inf and nan), or by the negative count clamped to 0
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=user_stacklevel())
    centered = x - mean
    weighted = centered if weights is None else centered * weights
    result = matmul(weighted, centered.mT) / (norm if isinstance(norm, Tensor) else max(norm, 0))
    return result.squeeze() if input.ndim < 2 else result


@variants("function", "method")
def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """Counts of input's values in bins (a number of equal bins over range, or the edges): (hist, bin_edges)."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                           f"input {input.dtype} and bins {input.dtype}")
    data = input._data.reshape(-1)
    edges = bins._data if isinstance(bins, Tensor) else int(bins)
    counts, bin_edges = np.histogram(data, bins=edges, range=range,
                                     weights=None if weight is None else weight._data.reshape(-1), density=density)
    dtype = input._data.dtype
    return return_types.histogram(make_tensor(counts.astype(dtype)), make_tensor(bin_edges.astype(dtype)))
