"""Every broadcasting op of the table, over shapes drawn by hypothesis (issue 3's shape test).

For each op and each drawn set of mutually broadcastable shapes: the output has NumPy's
broadcast shape, every input's gradient has that input's shape and (where torch is installed)
the values, dtype and gradients equal torch's. tests/test_broadcasting.py checks the
un-broadcasting math itself against NumPy for the arithmetic operators.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

try:
    import torch
except ImportError:
    torch = None

POSITIVE, REAL, AWAY = (0.5, 2.0), (-2.0, 2.0), "away"

# name: (number of tensor inputs, fn(lib, *inputs), domain of each input)
OPS = {
    "add": (2, lambda lib, a, b: lib.add(a, b, alpha=2), (REAL, REAL)),
    "sub": (2, lambda lib, a, b: lib.sub(a, b), (REAL, REAL)),
    "mul": (2, lambda lib, a, b: a * b, (REAL, REAL)),
    "div": (2, lambda lib, a, b: a / b, (REAL, AWAY)),
    "pow": (2, lambda lib, a, b: a ** b, (POSITIVE, REAL)),
    "atan2": (2, lambda lib, a, b: lib.atan2(a, b), (AWAY, AWAY)),
    "hypot": (2, lambda lib, a, b: lib.hypot(a, b), (AWAY, AWAY)),
    "maximum": (2, lambda lib, a, b: lib.maximum(a, b), (REAL, REAL)),
    "minimum": (2, lambda lib, a, b: lib.minimum(a, b), (REAL, REAL)),
    "fmax": (2, lambda lib, a, b: lib.fmax(a, b), (REAL, REAL)),
    "fmod": (2, lambda lib, a, b: lib.fmod(a, b), (REAL, AWAY)),
    "remainder": (2, lambda lib, a, b: lib.remainder(a, b), (REAL, AWAY)),
    "copysign": (2, lambda lib, a, b: lib.copysign(a, b), (AWAY, AWAY)),
    "logaddexp": (2, lambda lib, a, b: lib.logaddexp(a, b), (REAL, REAL)),
    "xlogy": (2, lambda lib, a, b: lib.xlogy(a, b), (REAL, POSITIVE)),
    "lerp": (3, lambda lib, a, b, w: lib.lerp(a, b, w), (REAL, REAL, REAL)),
    "addcmul": (3, lambda lib, a, b, c: lib.addcmul(a, b, c, value=0.5), (REAL, REAL, REAL)),
    "addcdiv": (3, lambda lib, a, b, c: lib.addcdiv(a, b, c, value=0.5), (REAL, REAL, AWAY)),
    "where": (2, lambda lib, a, b: lib.where(a > b, a, b), (REAL, REAL)),
    "clamp": (3, lambda lib, a, lo, hi: lib.clamp(a, lo, lo + hi.abs()), (REAL, REAL, REAL)),
    "mse_loss": (2, lambda lib, a, b: lib.nn.functional.mse_loss(a, b.expand_as(a), reduction="none"), (REAL, REAL)),
}

SHAPES = {count: hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=3, min_side=1, max_side=3)
          for count in (2, 3)}


def values(shapes, domains, seed):
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, domain in zip(shapes, domains):
        if domain == AWAY:
            arrays.append(rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape))
        else:
            arrays.append(rng.uniform(*domain, shape))
    return arrays


def run(lib, fn, arrays, dtype):
    inputs = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
    out = fn(lib, *inputs)
    out.sum().backward()
    return out, inputs


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=15, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2 ** 16))
def test_broadcasting_shapes_and_gradients(name, data, seed):
    count, fn, domains = OPS[name]
    shapes = data.draw(SHAPES[count])
    if name in ("mse_loss", "clamp"):  # only the others broadcast to the first input's shape (torch's
        # clamp fails in backward when its bounds would widen the input)
        shapes = type(shapes)(input_shapes=(shapes.result_shape, *shapes.input_shapes[1:]),
                              result_shape=shapes.result_shape)
    arrays = values(shapes.input_shapes, domains, seed)
    out, inputs = run(ember, fn, arrays, "float64")
    assert tuple(out.shape) == tuple(shapes.result_shape)
    for tensor, shape in zip(inputs, shapes.input_shapes):
        assert tuple(tensor.grad.shape) == tuple(shape)
    if torch is None:
        return
    for dtype in ("float64", "float32"):
        mine, my_inputs = run(ember, fn, arrays, dtype)
        theirs, their_inputs = run(torch, fn, arrays, dtype)
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), **tolerance)
        for a, b in zip(my_inputs, their_inputs):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tolerance)
