"""Attention (torch.nn.functional): scaled_dot_product_attention and multi_head_attention_forward.

Both are compositions of ember ops (matmul, softmax, where), so their gradients come from the
rows they use. Boolean masks follow torch's two conventions: in scaled_dot_product_attention
True means "may attend"; in multi-head attention's attn_mask and key_padding_mask True means
"masked out".
"""
import math

from ... import _creation
from ..._autocast import lower_precision
from ..._ops._naming import named
from ._activation import softmax
from ._linear import linear
from ._misc import dropout

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _causal_mask(length, source_length):
    """(L, S) bool, True on and below the diagonal (torch.ones(L, S).tril())."""
    rows = _creation.arange(length).unsqueeze(1)
    cols = _creation.arange(source_length).unsqueeze(0)
    return rows >= cols


def _masked_fill(scores, mask, value):
    from ... import where
    return where(mask, _creation.full((), value, dtype=scores.dtype), scores)


@lower_precision
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    from ..attention import _check_enabled
    _check_enabled()
    half = query.dtype.itemsize == 2 and query.dtype.is_floating_point
    if half:  # torch's CPU kernel computes float16/bfloat16 attention in float32 and rounds once
        dtype = query.dtype
        query, key, value = query.float(), key.float(), value.float()
        if attn_mask is not None and attn_mask.dtype.is_floating_point:
            attn_mask = attn_mask.float()
        out = scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
        return out.to(dtype)
    length, source_length = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True; give one or the other")
        scores = _masked_fill(scores, ~_causal_mask(length, source_length), float("-inf"))
    elif attn_mask is not None:
        if attn_mask.dtype.is_floating_point:
            scores = scores + attn_mask
        else:
            scores = _masked_fill(scores, ~attn_mask, float("-inf"))
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
        return weights @ value
    # torch's CPU build runs 4-D inputs without dropout through its flash kernel, and names the node after it
    return named(weights @ value, "ScaledDotProductFlashAttentionForCpuBackward0") if query.ndim == 4 == key.ndim \
        else weights @ value


def _as_float_mask(mask, dtype):
    """A boolean "masked out" mask as 0 / -inf; float masks are returned as they are."""
    if mask.dtype.is_floating_point:
        return mask
    return _masked_fill(_creation.zeros(tuple(mask.shape), dtype=dtype), mask, float("-inf"))


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Sequence-first (L, N, E) inputs, or unbatched (L, E); returns (output, weights or None)."""
    if bias_k is not None or bias_v is not None or add_zero_attn or static_k is not None or static_v is not None:
        raise NotImplementedError("multi-head attention: add_bias_kv, add_zero_attn and static keys are not "
                                  "supported by ember yet")
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    length, batch, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    source_length = key.shape[0]
    head_dim = embed_dim // num_heads
    if use_separate_proj_weight:
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        weights = (in_proj_weight[:embed_dim], in_proj_weight[embed_dim:2 * embed_dim],
                   in_proj_weight[2 * embed_dim:])
    biases = (None, None, None) if in_proj_bias is None else (
        in_proj_bias[:embed_dim], in_proj_bias[embed_dim:2 * embed_dim], in_proj_bias[2 * embed_dim:])
    q = linear(query, weights[0], biases[0])
    k = linear(key, weights[1], biases[1])
    v = linear(value, weights[2], biases[2])
    # (L, N, E) -> (N * heads, L, head_dim)
    q = q.reshape(length, batch * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(source_length, batch * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(source_length, batch * num_heads, head_dim).transpose(0, 1)

    mask = None
    if is_causal and attn_mask is None:
        attn_mask = ~_causal_mask(length, source_length)
    if attn_mask is not None:
        if attn_mask.ndim == 2 and tuple(attn_mask.shape) != (length, source_length):
            raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                               f"{(length, source_length)}.")
        mask = _as_float_mask(attn_mask, q.dtype)
        if mask.ndim == 3:
            mask = mask.reshape(batch, num_heads, length, source_length)
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (batch, source_length):
            raise AssertionError(f"expecting key_padding_mask shape of {(batch, source_length)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        padding = _as_float_mask(key_padding_mask, q.dtype).reshape(batch, 1, 1, source_length)
        mask = padding if mask is None else mask + padding

    scores = (q * (1.0 / math.sqrt(head_dim))) @ k.transpose(-2, -1)  # (N * heads, L, S)
    if mask is not None:
        scores = (scores.reshape(batch, num_heads, length, source_length) + mask).reshape(
            batch * num_heads, length, source_length)
    attention = softmax(scores, dim=-1)
    if dropout_p > 0.0 and training:
        attention = dropout(attention, dropout_p)
    out = (attention @ v).transpose(0, 1).reshape(length * batch, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(length, batch, embed_dim)
    if unbatched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    attention = attention.reshape(batch, num_heads, length, source_length)
    if average_attn_weights:
        attention = attention.mean(dim=1)
    if unbatched:
        attention = attention.squeeze(0)
    return out, attention
