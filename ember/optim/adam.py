"""Adam and AdamW (Adam with decoupled weight decay), with amsgrad and maximize."""
import numpy as np

from .. import _creation, _ops
from .._compile import traced as _traced
from .._tensor import Tensor, make_tensor
from ._pointwise import addcdiv_, addcmul_, lerp_, maximum
from ._validate import check_betas, check_eps, check_lr, check_weight_decay, scalar
from .optimizer import Optimizer


def new_step():
    """torch keeps the step count as a float32 0-d tensor in each parameter's state."""
    return _creation.tensor(0.0)


def count_step(param_state):
    step = param_state["step"]
    step.add_(1)
    return step.item()


def advance_step(param_state):
    """count_step for optimizers that do not use the count (nothing read into Python)."""
    param_state["step"].add_(1)


def step_factors(param_state, param, formula, *constants):
    """Count the step and answer ``formula(step, *constants)``: Python floats, computed as torch
    computes them. Under ember.compile's trace they are 0-d tensors of the parameter's dtype that
    each replay recomputes from the step count (traced.replayed_scalars); the update takes either
    (addcdiv_by), and both give the same bits: a Python float meets the parameter's array cast to
    its dtype, as the 0-d array does."""
    step = param_state["step"]
    step.add_(1)
    data = step._data
    if type(data) is _traced.Traced and _traced.recorder is not None and param.dtype.is_floating_point \
            and param._data.dtype in (np.float32, np.float64):
        return tuple(make_tensor(array) for array in
                     _traced.replayed_scalars(data, formula, param._data.dtype, *constants))
    return formula(step.item(), *constants)


def addcdiv_by(param, tensor1, tensor2, value):
    """param.addcdiv_(tensor1, tensor2, value=value), with `value` a number or a 0-d tensor from
    step_factors (x + value * (t1 / t2): the product is the same either way round)."""
    if isinstance(value, Tensor):
        return param.add_(_ops.div(tensor1, tensor2).mul_(value))
    return addcdiv_(param, tensor1, tensor2, value=value)


def _adam_factors(step, lr, beta1, beta2):
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    return -step_size, bias_correction2 ** 0.5


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = scalar(group["lr"]), group["betas"], group["eps"]
            weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            decoupled = group.get("decoupled_weight_decay", False)
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                state = self.state[param]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["exp_avg"] = _creation.zeros_like(param)
                    state["exp_avg_sq"] = _creation.zeros_like(param)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _creation.zeros_like(param)
                if maximize:
                    grad = -grad
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                neg_step_size, bias_correction2_sqrt = step_factors(state, param, _adam_factors, lr, beta1, beta2)
                if weight_decay != 0:
                    if decoupled:
                        param.mul_(1 - lr * weight_decay)
                    else:
                        grad = grad.add(param, alpha=weight_decay)
                lerp_(exp_avg, grad, 1 - beta1)
                addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
                if amsgrad:
                    state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], exp_avg_sq))
                    second_moment = state["max_exp_avg_sq"]
                else:
                    second_moment = exp_avg_sq
                denom = (_ops.sqrt(second_moment) / bias_correction2_sqrt).add_(eps)
                addcdiv_by(param, exp_avg, denom, neg_step_size)
        return loss


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
