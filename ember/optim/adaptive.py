"""RMSprop, Adagrad, Adadelta and Adamax: per-coordinate step sizes from running statistics."""
from .. import _creation, _ops
from ._pointwise import addcdiv_, addcmul_, lerp_, maximum
from ._validate import check_betas, check_eps, check_lr, check_momentum, check_weight_decay, scalar
from .adam import addcdiv_by, advance_step, new_step, step_factors
from .optimizer import Optimizer


def _gradients(optimizer, group, init):
    """(param, grad with maximize applied, state) for each parameter that has a gradient."""
    for param in group["params"]:
        grad = param.grad
        if grad is None:
            continue
        state = optimizer.state[param]
        if len(state) == 0:
            init(param, state)
        yield param, (-grad if group["maximize"] else grad), state


def _adagrad_factors(step, lr, lr_decay):
    return (-(lr / (1 + (step - 1) * lr_decay)),)


def _adamax_factors(step, lr, beta1):
    return (-(lr / (1 - beta1 ** step)),)


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        check_eps(eps)
        check_momentum(momentum)
        check_weight_decay(weight_decay)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps, momentum = scalar(group["lr"]), group["alpha"], group["eps"], group["momentum"]

            def init(param, state):
                state["step"] = new_step()
                state["square_avg"] = _creation.zeros_like(param)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = _creation.zeros_like(param)
                if group["centered"]:
                    state["grad_avg"] = _creation.zeros_like(param)

            for param, grad, state in _gradients(self, group, init):
                advance_step(state)
                if group["weight_decay"] != 0:
                    grad = grad.add(param, alpha=group["weight_decay"])
                square_avg = addcmul_(state["square_avg"].mul_(alpha), grad, grad, value=1 - alpha)
                if group["centered"]:
                    grad_avg = lerp_(state["grad_avg"], grad, 1 - alpha)
                    avg = _ops.sqrt(_ops.addcmul(square_avg, grad_avg, grad_avg, value=-1))  # torch's fused form
                else:
                    avg = _ops.sqrt(square_avg)
                avg.add_(eps)
                if momentum > 0:
                    buf = addcdiv_(state["momentum_buffer"].mul_(momentum), grad, avg)
                    param.add_(buf, alpha=-lr)
                else:
                    addcdiv_(param, grad, avg, value=-lr)
        return loss


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check_weight_decay(weight_decay)
        check_eps(eps)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch fills Adagrad's state at construction
            for param in group["params"]:
                state = self.state[param]
                state["step"] = new_step()
                state["sum"] = _creation.full_like(param, group["initial_accumulator_value"])

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = scalar(group["lr"]), group["lr_decay"], group["eps"]
            for param, grad, state in _gradients(self, group, None):
                (neg_clr,) = step_factors(state, param, _adagrad_factors, lr, lr_decay)
                if group["weight_decay"] != 0:
                    grad = grad.add(param, alpha=group["weight_decay"])
                addcmul_(state["sum"], grad, grad, value=1)
                std = _ops.sqrt(state["sum"]).add_(eps)
                addcdiv_by(param, grad, std, neg_clr)
        return loss


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_lr(lr)
        check_eps(eps)
        check_weight_decay(weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = scalar(group["lr"]), group["rho"], group["eps"]

            def init(param, state):
                state["step"] = new_step()
                state["square_avg"] = _creation.zeros_like(param)
                state["acc_delta"] = _creation.zeros_like(param)

            for param, grad, state in _gradients(self, group, init):
                advance_step(state)
                if group["weight_decay"] != 0:
                    grad = grad.add(param, alpha=group["weight_decay"])
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                addcmul_(square_avg.mul_(rho), grad, grad, value=1 - rho)
                std = _ops.sqrt(square_avg.add(eps))
                delta = _ops.sqrt(acc_delta.add(eps)).div_(std).mul_(grad)
                addcmul_(acc_delta.mul_(rho), delta, delta, value=1 - rho)
                param.add_(delta, alpha=-lr)
        return loss


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = scalar(group["lr"]), group["betas"], group["eps"]

            def init(param, state):
                state["step"] = new_step()
                state["exp_avg"] = _creation.zeros_like(param)
                state["exp_inf"] = _creation.zeros_like(param)

            for param, grad, state in _gradients(self, group, init):
                (neg_clr,) = step_factors(state, param, _adamax_factors, lr, beta1)
                if group["weight_decay"] != 0:
                    grad = grad.add(param, alpha=group["weight_decay"])
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                lerp_(exp_avg, grad, 1 - beta1)
                exp_inf.copy_(maximum(exp_inf.mul_(beta2), _ops.abs(grad).add_(eps)))
                addcdiv_by(param, exp_avg, exp_inf, neg_clr)
        return loss
