"""Convolution kernels on arrays: im2col by strided views, one (batched) matrix product per layer.

The three bilinear maps of a convolution (see conv.py), for x (N, C, H, W), w (O, C/groups, kh, kw):

  conv(x, w)           W (O, C*kh*kw) @ columns(x)[n]          -> (N, O, L)
  conv_input(g, w)     W^T @ G[n], added back window by window  (col2im; the transposed convolution)
  conv_weight(x, g)    sum over n of G[n] @ columns(x)[n]^T

columns(x) is one copy of a strided view of the padded input: (N, C*kh*kw, L). Each map is one
np.matmul over the batch (and the groups). A single GEMM over N*L was measured slower: its
(C*kh*kw, N*L) operand leaves the cache that one sample's columns fit in.

For stride 1, a window's rows are contiguous runs of the padded plane: with L = Ho * cols (a
row pitch of the padded width instead of Wo) the view's innermost axis is one long contiguous
run, and col2im is kh*kw additions of long runs, where Wo-long rows made NumPy's inner loops
short. The extra cols - Wo outputs per row are garbage and cropped; G is zero there, so nothing
flows back from them. The padded plane has one spare row, so the last window's run stays inside
its plane. Other strides use the (Ho, Wo) view.

unfold/fold (torch's im2col/col2im, in torch's (N, C*kh*kw, L) layout) are `im2col`/`col2im` below.
"""
from .._backend import as_strided, namespace
from ._kernels import pad_last_two, window_view


def out_size(size, kernel, stride, padding, dilation):
    """The output's (Ho, Wo) for an input of spatial `size` and padding ((top, bottom), (left, right))."""
    return tuple((size[i] + padding[i][0] + padding[i][1] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
                 for i in range(2))


def _geometry(size, kernel, out, stride, padding, dilation):
    """(rows, cols, flat): the padded plane that holds every window, and whether stride 1 lets the
    windows be read as contiguous runs (see the module docstring)."""
    rows = max(size[0] + padding[0][0] + padding[0][1], (out[0] - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1)
    cols = max(size[1] + padding[1][0] + padding[1][1], (out[1] - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1)
    return rows, cols, tuple(stride) == (1, 1)


def _padded(x, padding, rows, cols, flat):
    """x (N, C, H, W) zero-padded into a new (N, C, rows [+ 1 spare], cols) buffer."""
    n, c, h, w = x.shape
    top, left = padding[0][0], padding[1][0]
    buffer = namespace(x).zeros((n, c, rows + flat, cols), dtype=x.dtype)
    buffer[:, :, top:top + h, left:left + w] = x
    return buffer


def _columns(buffer, kernel, out, stride, dilation, flat):
    """The im2col matrices (N, C*kh*kw, L) of a padded buffer: one copy of a strided view."""
    n, c, _, cols = buffer.shape
    s = buffer.strides
    if flat:
        shape = (n, c, kernel[0], kernel[1], out[0] * cols)
        strides = (s[0], s[1], s[2] * dilation[0], s[3] * dilation[1], s[3])
    else:
        shape = (n, c, kernel[0], kernel[1], out[0], out[1])
        strides = (s[0], s[1], s[2] * dilation[0], s[3] * dilation[1], s[2] * stride[0], s[3] * stride[1])
    view = as_strided(buffer, shape, strides, writeable=False)
    # sizes spelled out, never -1: an empty batch or 0 channels leaves -1 undefined
    return view.reshape(n, c * kernel[0] * kernel[1], shape[4] if flat else shape[4] * shape[5])


def _grad_matrices(g, cols, flat):
    """g (N, O, Ho, Wo) as (N, O, L) matrices matching _columns (zero in the garbage columns)."""
    n, o, ho, wo = g.shape
    if not flat:
        return g.reshape(n, o, ho * wo)
    extended = namespace(g).zeros((n, o, ho, cols), dtype=g.dtype)
    extended[:, :, :, :wo] = g
    return extended.reshape(n, o, ho * cols)


# -- the three bilinear maps, on 4-D arrays ---------------------------------------------------
def conv(x, w, stride, padding, dilation, groups):
    """The convolution (cross-correlation) of x (N, C, H, W) with w (O, C/groups, kh, kw)."""
    n = x.shape[0]
    o = w.shape[0]
    kernel = w.shape[2:]
    out = out_size(x.shape[2:], kernel, stride, padding, dilation)
    rows, cols, flat = _geometry(x.shape[2:], kernel, out, stride, padding, dilation)
    columns = _columns(_padded(x, padding, rows, cols, flat), kernel, out, stride, dilation, flat)
    weights = w.reshape(groups, o // groups, w.shape[1] * kernel[0] * kernel[1])
    xp = namespace(columns)
    # (N, G, O/G, L)
    product = xp.matmul(weights, columns.reshape(n, groups, columns.shape[1] // groups, columns.shape[2]))
    if not flat:
        return product.reshape(n, o, out[0], out[1])
    return xp.ascontiguousarray(product.reshape(n, o, out[0], cols)[:, :, :, :out[1]])


def conv_input(g, w, input_size, stride, padding, dilation, groups):
    """d<g, conv(x, w)>/dx for an x of spatial size input_size: the transposed convolution of g."""
    n, o, ho, wo = g.shape
    kernel = w.shape[2:]
    c = w.shape[1] * groups
    rows, cols, flat = _geometry(input_size, kernel, (ho, wo), stride, padding, dilation)
    # per group (C/groups*kh*kw, O/groups)
    weights = w.reshape(groups, o // groups, w.shape[1] * kernel[0] * kernel[1]).transpose(0, 2, 1)
    grads = _grad_matrices(g, cols, flat)
    xp = namespace(grads)
    length = grads.shape[2]
    columns = xp.matmul(weights, grads.reshape(n, groups, o // groups, length)).reshape(n, c, kernel[0], kernel[1],
                                                                                         length)
    buffer = xp.zeros((n, c, rows + flat, cols), dtype=columns.dtype)
    if flat:  # each kernel offset adds one contiguous run per plane
        planes = buffer.reshape(n, c, (rows + flat) * cols)
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                start = i * dilation[0] * cols + j * dilation[1]
                planes[:, :, start:start + length] += columns[:, :, i, j]
    else:
        columns = columns.reshape(n, c, kernel[0], kernel[1], ho, wo)
        row_span, col_span = stride[0] * (ho - 1) + 1, stride[1] * (wo - 1) + 1
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                r, q = i * dilation[0], j * dilation[1]
                buffer[:, :, r:r + row_span:stride[0], q:q + col_span:stride[1]] += columns[:, :, i, j]
    top, left = padding[0][0], padding[1][0]
    return buffer[:, :, top:top + input_size[0], left:left + input_size[1]]


def conv_weight(x, g, kernel, stride, padding, dilation, groups):
    """d<g, conv(x, w)>/dw: the sum over the batch of G[n] @ columns(x)[n]^T, per group."""
    n, o = g.shape[:2]
    out = g.shape[2:]
    rows, cols, flat = _geometry(x.shape[2:], kernel, out, stride, padding, dilation)
    columns = _columns(_padded(x, padding, rows, cols, flat), kernel, out, stride, dilation, flat)
    grads = _grad_matrices(g, cols, flat)
    xp = namespace(grads)
    length = grads.shape[2]
    product = xp.matmul(grads.reshape(n, groups, o // groups, length),
                        columns.reshape(n, groups, columns.shape[1] // groups, length).transpose(0, 1, 3, 2))
    return product.sum(axis=0).reshape((o, x.shape[1] // groups) + tuple(kernel))


# -- unfold / fold: torch's (N, C*kh*kw, L) layout -----------------------------------------------
def im2col(x, kernel, stride, padding, dilation):
    """(N, C*kh*kw, Ho*Wo) columns of x's windows (a copy), and (Ho, Wo)."""
    n, c, h, w = x.shape
    size = out_size((h, w), kernel, stride, padding, dilation)
    windows = window_view(pad_last_two(x, padding), kernel, size, stride, dilation)
    columns = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kernel[0] * kernel[1], size[0] * size[1])
    return columns, size


def col2im(columns, shape, kernel, out, stride, padding, dilation):
    """The adjoint of im2col: columns (N, C*kh*kw, Ho*Wo) added back into an (N, C, H, W) array."""
    n, c, h, w = shape
    (top, bottom), (left, right) = padding
    rows, cols, _ = _geometry((h, w), kernel, out, stride, padding, dilation)
    padded = namespace(columns).zeros((n, c, rows, cols), dtype=columns.dtype)
    columns = columns.reshape(n, c, kernel[0], kernel[1], out[0], out[1])
    row_span, col_span = stride[0] * (out[0] - 1) + 1, stride[1] * (out[1] - 1) + 1
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            r, q = i * dilation[0], j * dilation[1]
            padded[:, :, r:r + row_span:stride[0], q:q + col_span:stride[1]] += columns[:, :, i, j]
    return padded[:, :, top:top + h, left:left + w]
