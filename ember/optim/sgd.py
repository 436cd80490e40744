"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from .. import _ops
from .._ops.update import add_scaled_
from ._validate import check_lr, check_momentum, check_weight_decay, scalar
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        check_lr(lr)
        check_momentum(momentum)
        check_weight_decay(weight_decay)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr, momentum, dampening = scalar(group["lr"]), group["momentum"], group["dampening"]
            weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if maximize:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad.add(param, alpha=weight_decay)
                if momentum != 0:
                    param_state = state[param]
                    buf = param_state.get("momentum_buffer")
                    if buf is None:
                        buf = param_state["momentum_buffer"] = _ops.clone(grad.detach())
                    else:
                        add_scaled_(buf.mul_(momentum), grad, 1 - dampening)
                    grad = grad.add(buf, alpha=momentum) if nesterov else buf
                add_scaled_(param, grad, -lr)  # param.add_(grad, alpha=-lr), without add_'s bookkeeping
        return loss
