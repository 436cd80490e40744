"""Vision functions of torch.nn.functional: pixel_shuffle / pixel_unshuffle (rows in
ember/_ops/pixel_shuffle.py), affine_grid and grid_sample.

affine_grid and grid_sample are compositions of ember ops (a matmul; gathers weighted by
the distances to the neighbouring pixels), so their gradients, in the input and in the grid,
come from the rows they use; torch records one node each (AffineGridGeneratorBackward0,
GridSampler2DBackward0) where ember records the last op of the composition.
"""
import warnings

from ... import _creation, _ops
from ..._ops._naming import composed
from ..._ops.pixel_shuffle import pixel_shuffle_row, pixel_unshuffle_row
from ..._tensor import Tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle", "affine_grid", "grid_sample"]


def _check_factor(input, factor, name, what):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    _check_factor(input, upscale_factor, "pixel_shuffle", "upscale_factor")
    channels = input.shape[-3]
    if channels % (upscale_factor * upscale_factor):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={channels} is not divisible by "
                           f"{upscale_factor * upscale_factor}")
    return pixel_shuffle_row(input, factor=int(upscale_factor))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    _check_factor(input, downscale_factor, "pixel_unshuffle", "downscale_factor")
    for axis, name in ((-2, "height"), (-1, "width")):
        if input.shape[axis] % downscale_factor:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({axis})={input.shape[axis]} is not divisible by {downscale_factor}")
    return pixel_unshuffle_row(input, factor=int(downscale_factor))


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _steps(size, align_corners, dtype):
    """The normalised coordinates of `size` pixel centres in [-1, 1] (torch's linspace_from_neg_one)."""
    if size <= 1:
        return _creation.zeros(1, dtype=dtype)
    steps = _creation.linspace(-1, 1, size, dtype=dtype)
    return steps if align_corners else steps * ((size - 1) / size)


@composed("AffineGridGeneratorBackward0")
def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of a batch of affine maps theta."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    dtype = theta.dtype
    # base[..., :] = (x, y[, z], 1) for every output pixel; x runs along the last spatial axis
    axes = [_steps(s, align_corners, dtype) for s in reversed(spatial)]
    mesh = _ops.meshgrid(*reversed(axes), indexing="ij")  # each of shape spatial
    coordinates = list(reversed(mesh)) + [_creation.ones(tuple(spatial), dtype=dtype)]
    base = _ops.stack(coordinates, -1).reshape(1, -1, len(coordinates))
    grid = base @ theta.transpose(1, 2)
    return grid.reshape(size[0], *spatial, len(spatial))


def _unnormalize(coordinate, size, align_corners):
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2)
    return ((coordinate + 1) * size - 1) / 2


def _reflect(coordinate, low, high):
    """Reflect coordinates (in units of 2 * the pixel spacing) into [low / 2, high / 2]."""
    if low == high:
        return coordinate * 0
    minimum, span = low / 2, (high - low) / 2
    distance = _ops.abs(coordinate - minimum)
    extra = _ops.fmod(distance, span)
    flips = _ops.floor(distance / span).detach()
    return _ops.where(_ops.remainder(flips, 2) == 0, extra + minimum, span - extra + minimum)


def _source_index(coordinate, size, padding_mode, align_corners):
    coordinate = _unnormalize(coordinate, size, align_corners)
    if padding_mode == "border":
        coordinate = _ops.clamp(coordinate, 0, size - 1)
    elif padding_mode == "reflection":
        if align_corners:
            coordinate = _reflect(coordinate, 0, 2 * (size - 1))
        else:
            coordinate = _reflect(coordinate, -1, 2 * size - 1)
        coordinate = _ops.clamp(coordinate, 0, size - 1)
    return coordinate


def _gather_pixels(flat, ys, xs, height, width):
    """flat (N, C, H*W) read at integer (ys, xs) of shape (N, Ho, Wo): (N, C, Ho, Wo), 0 outside."""
    inside = (xs >= 0) & (xs <= width - 1) & (ys >= 0) & (ys <= height - 1)
    index = (_ops.clamp(ys, 0, height - 1) * width + _ops.clamp(xs, 0, width - 1)).long()
    n, c = flat.shape[:2]
    out_shape = tuple(index.shape[1:])
    index = index.reshape(n, 1, -1).expand(n, c, index[0].numel())
    values = _ops.gather(flat, 2, index).reshape(n, c, *out_shape)
    return values * inside.unsqueeze(1).to(flat.dtype)


@composed("GridSampler2DBackward0")
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input (N, C, H, W) at the normalised (x, y) positions of grid (N, Ho, Wo, 2)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if input.ndim != 4:
        raise NotImplementedError(f"grid_sample: ember samples 4-D (N, C, H, W) inputs only, got {input.ndim}-D; "
                                  "volumetric (5-D) sampling is not supported yet")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported by ember yet; use 'bilinear'")
    if grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension and the input's batch "
                           f"size {input.shape[0]} in the first, but got grid with sizes {list(grid.shape)}")
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    n, c, height, width = input.shape
    x = _source_index(grid[..., 0], width, padding_mode, align_corners)
    y = _source_index(grid[..., 1], height, padding_mode, align_corners)
    flat = input.reshape(n, c, height * width)
    if mode == "nearest":
        xs, ys = _ops.round(x).detach(), _ops.round(y).detach()  # half to even, as torch's nearbyint
        # torch gives the grid a zero gradient here (not none): the sum below is 0 and differentiable
        untouched = ((x - x.detach()) + (y - y.detach())).unsqueeze(1) * 0
        return _gather_pixels(flat, ys, xs, height, width) + untouched
    x0, y0 = _ops.floor(x).detach(), _ops.floor(y).detach()
    east, south = (x - x0).unsqueeze(1), (y - y0).unsqueeze(1)  # the weights of the right / lower neighbours
    west, north = 1 - east, 1 - south
    return (_gather_pixels(flat, y0, x0, height, width) * (west * north)
            + _gather_pixels(flat, y0, x0 + 1, height, width) * (east * north)
            + _gather_pixels(flat, y0 + 1, x0, height, width) * (west * south)
            + _gather_pixels(flat, y0 + 1, x0 + 1, height, width) * (east * south))
