"""Learning-rate schedulers: the lr curve of every scheduler matches torch's for 60 steps."""
import math

import pytest

import ember

torch = pytest.importorskip("torch")

SCHEDULERS = {
    "StepLR": lambda S, opt: S.StepLR(opt, step_size=7, gamma=0.5),
    "MultiStepLR": lambda S, opt: S.MultiStepLR(opt, milestones=[5, 20, 20, 41], gamma=0.3),
    "ExponentialLR": lambda S, opt: S.ExponentialLR(opt, gamma=0.95),
    "CosineAnnealingLR": lambda S, opt: S.CosineAnnealingLR(opt, T_max=17, eta_min=0.001),
    "LinearLR": lambda S, opt: S.LinearLR(opt, start_factor=0.2, end_factor=0.9, total_iters=25),
    "ConstantLR": lambda S, opt: S.ConstantLR(opt, factor=0.4, total_iters=10),
    "LambdaLR": lambda S, opt: S.LambdaLR(opt, lambda epoch: 1 / (1 + epoch)),
    "LambdaLR-groups": lambda S, opt: S.LambdaLR(opt, [lambda e: 0.9 ** e, lambda e: 1 + e % 3]),
    "MultiplicativeLR": lambda S, opt: S.MultiplicativeLR(opt, lambda epoch: 0.97),
    "PolynomialLR": lambda S, opt: S.PolynomialLR(opt, total_iters=40, power=2.0),
    "OneCycleLR": lambda S, opt: S.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=61),
    "OneCycleLR-linear-3": lambda S, opt: S.OneCycleLR(opt, max_lr=0.3, epochs=6, steps_per_epoch=11,
                                                       anneal_strategy="linear", three_phase=True),
    "CosineAnnealingWarmRestarts": lambda S, opt: S.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2, eta_min=0.01),
    "SequentialLR": lambda S, opt: S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=10),
                                                        S.CosineAnnealingLR(opt, T_max=30)], milestones=[10]),
    "SequentialLR-3": lambda S, opt: S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.5, total_iters=4),
                                                          S.ExponentialLR(opt, gamma=0.9),
                                                          S.StepLR(opt, step_size=3)], milestones=[8, 30]),
    "ChainedScheduler": lambda S, opt: S.ChainedScheduler([S.ExponentialLR(opt, gamma=0.98),
                                                           S.StepLR(opt, step_size=10, gamma=0.5)]),
}


def curve(lib, make, steps=60):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)]
    optimizer = lib.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], lr=0.1, momentum=0.9)
    scheduler = make(lib.optim.lr_scheduler, optimizer)
    lrs, momenta = [scheduler.get_last_lr()], []
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        momenta.append([group["momentum"] for group in optimizer.param_groups])
    return lrs, momenta, scheduler


@pytest.mark.parametrize("name", SCHEDULERS)
def test_curve_matches_torch(name):
    ours, our_momenta, _ = curve(ember, SCHEDULERS[name])
    theirs, their_momenta, _ = curve(torch, SCHEDULERS[name])
    assert len(ours) == len(theirs) == 61
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"{name} step {step}"
    for a, b in zip(our_momenta, their_momenta):
        assert a == pytest.approx(b, rel=1e-12)
    assert len({tuple(lrs) for lrs in ours}) > 1  # the lr actually changed


@pytest.mark.parametrize("mode,threshold_mode,cooldown", [("min", "rel", 0), ("max", "abs", 2), ("min", "abs", 1)])
def test_reduce_lr_on_plateau_matches_torch(mode, threshold_mode, cooldown):
    metrics = [1.0, 0.9, 0.9, 0.91, 0.92, 0.95, 0.5, 0.5, 0.5, 0.5, 0.49999, 0.6, 0.7] * 5

    def run(lib):
        optimizer = lib.optim.Adam([lib.zeros(1, requires_grad=True)], lr=1.0)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode=mode, factor=0.5, patience=2,
                                                             threshold=0.01, threshold_mode=threshold_mode,
                                                             cooldown=cooldown, min_lr=1e-3)
        out = []
        for metric in metrics:
            scheduler.step(metric if mode == "min" else -metric)
            out.append(scheduler.get_last_lr()[0])
        return out

    assert run(ember) == run(torch)
    assert min(run(ember)) < 1.0


def test_scheduler_state_dict_resumes():
    def make(lib):
        optimizer = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        return optimizer, lib.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)

    optimizer, scheduler = make(ember)
    for _ in range(7):
        optimizer.step()
        scheduler.step()
    state = scheduler.state_dict()
    assert state["last_epoch"] == 7 and "optimizer" not in state
    optimizer2, scheduler2 = make(ember)
    optimizer2.load_state_dict(optimizer.state_dict())
    scheduler2.load_state_dict(state)
    for _ in range(5):
        for opt, sched in ((optimizer, scheduler), (optimizer2, scheduler2)):
            opt.step()
            sched.step()
    assert scheduler.get_last_lr() == scheduler2.get_last_lr()
    assert scheduler.get_last_lr()[0] == pytest.approx(0.05 * (1 + math.cos(math.pi * 12 / 20)))


def test_warns_when_scheduler_steps_before_optimizer():
    optimizer = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = ember.optim.lr_scheduler.StepLR(optimizer, step_size=2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
        scheduler.step()


def test_errors():
    optimizer = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        ember.optim.lr_scheduler.StepLR([], step_size=2)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        ember.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=2.0)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        ember.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1.0)
    with pytest.raises(KeyError, match="initial_lr"):
        ember.optim.lr_scheduler.StepLR(ember.optim.SGD([ember.zeros(1, requires_grad=True)]), 2, last_epoch=3)
