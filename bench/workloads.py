"""The benchmark workloads: one function each, written once against the torch API.

A workload is `fn(torch, n)`: `torch` is the framework module (ember or torch), `n` its size (steps,
ops, ...). It returns the tensors whose values must agree between frameworks. Register it with
`@workload(...)`; the harness in run.py times it, checks agreement and prints the table.
"""
from dataclasses import dataclass
from typing import Callable

WORKLOADS = {}  # key ("W1") -> Workload, in registration order


@dataclass
class Workload:
    key: str        # "W1"
    name: str       # "seed loop"
    fn: Callable    # fn(torch, n) -> tensor or tuple of tensors to compare
    size: int       # default n
    unit: str       # "µs", "ms" or "s"
    per: str        # report time / n per this ("step", "op"), or "" for the whole run
    target: float   # ratio ember/torch to meet (lower is better)
    rtol: float = 1e-5
    atol: float = 1e-6


def workload(key, name, *, size, unit, per, target, rtol=1e-5, atol=1e-6):
    def register(fn):
        WORKLOADS[key] = Workload(key, name, fn, size, unit, per, target, rtol, atol)
        return fn
    return register


# Targets are issue 2's (W1 <= 0.5, W2 <= 1.0); issue 7 tightens them to 0.25 and 0.8.

@workload("W1", "seed loop", size=1000, unit="µs", per="step", target=0.5)
def w1(torch, n):
    """The tutorial's gradient-descent loop: minimise (x - 5)^2 from x = 0."""
    x = torch.tensor(0.0, requires_grad=True)
    learning_rate = 0.1
    for _ in range(n):
        y = (x - 5) ** 2
        y.backward()
        with torch.no_grad():
            x -= learning_rate * x.grad
        x.grad.zero_()
    return x, y


@workload("W2", "scalar graph", size=2000, unit="µs", per="op", target=1.0, rtol=1e-4)
def w2(torch, n):
    """n ops on 0-d tensors mixing mul/add/pow/tanh/exp/log, then backward.

    Blocks of 10 ops (mul add tanh, mul add log, exp mul pow add); n should be a multiple of 10.
    Every value stays bounded: t in (-1, 1), log's argument t*t + 1 >= 1, h in [-0.5, 2].
    """
    leaves = [torch.tensor(v, requires_grad=True) for v in (0.3, -0.7, 1.1, 0.5)]
    h = leaves[0]
    for i in range(max(1, n // 10)):
        t = torch.tanh(h * leaves[i % 4] + 0.5)
        u = torch.log(t * t + 1.0)
        h = torch.exp(u) * 0.5 + t ** 3
    h.backward()
    return (h, *[leaf.grad for leaf in leaves])
