"""torch's argument checks for optimizer hyperparameters (same ValueError texts)."""
from .._tensor import Tensor


def check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_eps(eps):
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


def check_weight_decay(weight_decay):
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def check_momentum(momentum):
    if not 0.0 <= momentum:
        raise ValueError(f"Invalid momentum value: {momentum}")


def check_betas(betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def scalar(value):
    """A learning rate given as a 1-element tensor, as a Python number."""
    return value.item() if isinstance(value, Tensor) else value
