"""Normalisation (torch.nn.functional); the rows live in ember/_ops/norm.py."""
from ..._ops.norm import batch_norm, group_norm, layer_norm  # noqa: F401


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Each sample's channels normalised on their own: group norm with one group per channel."""
    if not use_input_stats or running_mean is not None or running_var is not None:
        raise NotImplementedError("instance_norm with running statistics is not supported by ember yet")
    return group_norm(input, input.shape[1], weight, bias, eps)


__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]
