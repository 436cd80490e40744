"""torch.nn.attention.flex_attention, as torch's eager reference runs it: attention scores changed by
a score_mod(score, b, h, q_idx, kv_idx) and masked by a BlockMask built from a mask_mod(b, h, q_idx,
kv_idx). Both functions are called once on broadcasting index tensors (not once per element), so
they must be written with tensor operations, as torch's vmap requires too. Composed from ember ops:
gradients flow through the scores, the score_mod and the values."""
import math

from ... import _creation, _ops

__all__ = ["BlockMask", "create_block_mask", "flex_attention", "and_masks", "or_masks", "noop_mask"]


def _indices(batch, heads, queries, keys, device=None):
    return (_creation.arange(batch, device=device).reshape(-1, 1, 1, 1),
            _creation.arange(heads, device=device).reshape(1, -1, 1, 1),
            _creation.arange(queries, device=device).reshape(1, 1, -1, 1),
            _creation.arange(keys, device=device).reshape(1, 1, 1, -1))


class BlockMask:
    """Which (query, key) pairs may attend, per batch and head (dense here: ember has no block sparsity)."""

    def __init__(self, mask, mask_mod, shape, block_size=128):
        self.mask, self.mask_mod, self.shape = mask, mask_mod, shape
        self.BLOCK_SIZE = (block_size, block_size) if isinstance(block_size, int) else tuple(block_size)
        self.seq_lengths = shape[-2:]

    def __repr__(self):
        return f"BlockMask(shape={self.shape}, sparsity={100 * (1 - float(self.mask.float().mean())):.2f}%)"


def noop_mask(b, h, q_idx, kv_idx):
    """Every pair may attend."""
    return (q_idx >= 0) & (kv_idx >= 0)


def and_masks(*mask_mods):
    def mask_mod(b, h, q_idx, kv_idx):
        result = noop_mask(b, h, q_idx, kv_idx)
        for mod in mask_mods:
            result = result & mod(b, h, q_idx, kv_idx)
        return result
    return mask_mod


def or_masks(*mask_mods):
    def mask_mod(b, h, q_idx, kv_idx):
        result = ~noop_mask(b, h, q_idx, kv_idx)
        for mod in mask_mods:
            result = result | mod(b, h, q_idx, kv_idx)
        return result
    return mask_mod


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device="cuda", BLOCK_SIZE=128, _compile=False):
    batch, heads = 1 if B is None else B, 1 if H is None else H
    mask = mask_mod(*_indices(batch, heads, Q_LEN, KV_LEN))
    mask = mask.expand(batch, heads, Q_LEN, KV_LEN)
    return BlockMask(mask, mask_mod, (batch, heads, Q_LEN, KV_LEN), BLOCK_SIZE)


def flex_attention(query, key, value, score_mod=None, block_mask=None, scale=None, enable_gqa=False,
                   return_lse=False, kernel_options=None, *, return_aux=None):
    """softmax(score_mod(q k^T * scale) masked by block_mask) v; rows with no allowed key give 0."""
    batch, heads, queries, dim = query.shape
    keys = key.shape[-2]
    if key.shape[1] != heads:
        if not enable_gqa or heads % key.shape[1]:
            raise ValueError(f"Expect query and key/value to have the same number of heads but got Hq={heads} and "
                             f"Hkv={key.shape[1]}. Try setting enable_gqa=True for GQA.")
        repeats = heads // key.shape[1]
        key, value = key.repeat_interleave(repeats, 1), value.repeat_interleave(repeats, 1)
    scale = 1.0 / math.sqrt(dim) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale
    if score_mod is not None:
        scores = score_mod(scores, *_indices(batch, heads, queries, keys, query.device))
    allowed = None
    if block_mask is not None:
        allowed = block_mask.mask
        scores = _ops.where(allowed, scores, float("-inf"))
    lse = _ops.logsumexp(scores, -1)
    if allowed is not None:  # a fully masked row: weights 0 instead of nan, as torch's kernel
        any_allowed = allowed.any(-1, keepdim=True)
        safe = _ops.where(any_allowed, scores, 0.0)
        weights = _ops.where(any_allowed, _ops.softmax(safe, -1), 0.0)
    else:
        weights = _ops.softmax(scores, -1)
    out = weights @ value
    return (out, lse) if return_lse else out
