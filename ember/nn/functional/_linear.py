"""F.linear and F.bilinear."""
from ... import _ops
from ..._autocast import lower_precision
from ..._ops import linalg as _linalg

__all__ = ["linear", "bilinear"]

_addmm = _ops.addmm
_linear_addmm = _linalg.linear_addmm


@lower_precision
def linear(input, weight, bias=None):
    """y = x W^T + b, recorded as torch records it: one AddmmBackward0 for a 2-D input with bias."""
    if bias is None:
        return _ops.matmul(input, _ops.t(weight))
    if input.ndim == 2:
        return _linear_addmm(bias, input, weight)
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    # other ranks: fold to rows, one addmm, and a view back (ViewBackward0, as torch)
    rows = _ops.reshape(input, (-1, input.shape[-1]))
    out = _addmm(bias, rows, _ops.t(weight))
    return _ops.view(out, tuple(input.shape[:-1]) + (weight.shape[0],))


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T A_k x2 + b_k over the last dimension; the batch dimensions may be anything."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} "
                           f"and {list(input2.shape[:-1])}")
    batch = tuple(input1.shape[:-1])
    x1 = _ops.reshape(input1, (-1, input1.shape[-1]))
    x2 = _ops.reshape(input2, (-1, input2.shape[-1]))
    out_features = weight.shape[0]
    # (n, i) @ (i, o*j) -> (n, o, j), then contract j with x2
    left = _ops.matmul(x1, _ops.reshape(_ops.permute(weight, 1, 0, 2), (weight.shape[1], -1)))
    left = _ops.reshape(left, (-1, out_features, weight.shape[2]))
    out = _ops.sum(left * _ops.unsqueeze(x2, 1), -1)
    if bias is not None:
        out = out + bias
    return _ops.reshape(out, batch + (out_features,))
