"""The fast paths: optimisations declared inside the general paths give torch's answers (and
the general path's), and step aside where they must.

By topic: gradients handed to .grad without a copy; the engine's scheduling shortcut; kernels
(BLAS sums, ReLU's branch-free mask) and log_softmax's kept softmax (defop saves_extra); a
training step (cross_entropy/nll_loss gathering directly, SGD updating in place, mm/addmm
returning mat2's gradient in mat2's layout); in-place arithmetic computed straight into a tensor;
grad modes; 0-d arithmetic on NumPy scalars. Tests that compare against torch skip without it.
tests/test_generic_paths.py proves the unrolled one- and two-input forms equal to the general path.
"""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember._ops._kernels import add_reduce

try:
    import torch
except ImportError:  # the comparisons skip; the checks against NumPy and hand-derived values still run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="compares against torch, which is not installed")


def _values(result):
    if isinstance(result, (list, tuple)):
        return [_values(item) for item in result]
    if hasattr(result, "detach"):
        return (str(result.dtype).split(".")[-1], np.asarray(result.detach().numpy(), dtype=np.float64).tolist())
    return result


def _outcome(scenario, lib):
    try:
        return ("returned", _values(scenario(lib)))
    except Exception as error:  # the class must agree; texts are torch's key phrases, checked elsewhere
        return ("raised", type(error).__name__)


def _same(scenario):
    expected, got = _outcome(scenario, torch), _outcome(scenario, ember)
    assert got[0] == expected[0], f"torch {expected}, ember {got}"
    if got[0] == "raised":
        assert got[1] == expected[1], f"torch {expected}, ember {got}"
        return
    np.testing.assert_equal(len(got[1]), len(expected[1]))
    for a, b in zip(got[1], expected[1]):
        if isinstance(a, tuple):
            assert a[0] == b[0], f"dtype: torch {b[0]}, ember {a[0]}"
            np.testing.assert_allclose(a[1], b[1], rtol=1e-6, atol=1e-7)
        else:
            assert a == b


# -- gradients handed to .grad without a copy ------------------------------------------------
def test_one_gradient_sent_to_two_leaves_becomes_two_buffers():
    a = ember.randn(3, requires_grad=True)
    b = ember.randn(3, requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_user_gradient_and_hooked_gradient_are_copied_into_grad():
    a = ember.randn(3, requires_grad=True)
    gradient = ember.ones(3)
    (a + 0).backward(gradient)
    a.grad.add_(5)
    assert gradient.tolist() == [1.0, 1.0, 1.0]

    b = ember.randn(3, requires_grad=True)
    kept = []
    b.register_hook(lambda grad: kept.append(grad))
    (b * 2).sum().backward()
    b.grad.mul_(10)
    assert kept[0].tolist() == [2.0, 2.0, 2.0]


def test_linear_gradients_are_fresh_c_ordered_buffers():
    layer = ember.nn.Linear(4, 3)
    x = ember.randn(5, 4)
    layer(x).sum().backward()
    for parameter in layer.parameters():
        grad = parameter.grad._data
        assert grad.flags.c_contiguous and grad.flags.writeable
        assert grad.shape == parameter.shape
    np.testing.assert_allclose(layer.bias.grad._data, np.full(3, 5.0))
    np.testing.assert_allclose(layer.weight.grad._data, np.tile(x._data.sum(0), (3, 1)), rtol=1e-6)


# -- the engine: chains, hooks, fan-out, multi-output nodes -----------------------------------
def chain_with_hook_in_the_middle(lib):
    x = lib.tensor(0.7, requires_grad=True)
    seen = []
    h = lib.sin(x * 2.0)
    h.register_hook(lambda grad: seen.append(float(grad)) or grad * 3)
    y = lib.tanh(h + 0.1) * 0.5
    y.backward()
    return [x.grad, lib.tensor(seen, dtype=lib.float64)]


def chain_that_fans_out(lib):
    x = lib.tensor([0.3, -0.4], requires_grad=True)
    h = lib.exp(x * 0.5)
    y = (lib.sin(h) * h + h).sum()
    y.backward()
    return [x.grad]


def chain_through_a_multi_output_node(lib):
    x = lib.tensor([0.3, -0.4, 0.9], requires_grad=True)
    first, second = (x * 2).split([1, 2])
    y = lib.tanh(second).sum() * 0.5
    y.backward()
    return [x.grad]


def chain_retained_twice(lib):
    x = lib.tensor(1.3, requires_grad=True)
    y = lib.log(x ** 2 + 1)
    y.backward(retain_graph=True)
    y.backward()
    return [x.grad]


def chain_backward_twice_raises(lib):
    x = lib.tensor(1.3, requires_grad=True)
    y = lib.exp(x * 2)
    y.backward()
    y.backward()


def chain_on_a_leaf(lib):
    x = lib.tensor(2.0, requires_grad=True)
    x.backward()
    x.backward()
    return [x.grad]


def chain_with_a_constant_first_input(lib):
    x = lib.tensor([0.5, 1.5], requires_grad=True)
    y = (2.0 - lib.sin(3.0 * x)).sum()  # rsub and mul with a number: one input needs a gradient
    y.backward()
    return [x.grad]


def chain_modified_in_place_raises(lib):
    x = lib.tensor(0.5, requires_grad=True)
    h = x * 1.0
    y = lib.sin(h)
    h.add_(1)
    y.backward()


def chain_into_two_leaves(lib):
    a = lib.tensor(0.5, requires_grad=True)
    b = lib.tensor(-1.5, requires_grad=True)
    y = lib.tanh(a * b) ** 3
    y.backward()
    return [a.grad, b.grad]


@needs_torch
@pytest.mark.parametrize("scenario", [chain_with_hook_in_the_middle, chain_that_fans_out,
                                      chain_through_a_multi_output_node, chain_retained_twice,
                                      chain_backward_twice_raises, chain_on_a_leaf,
                                      chain_with_a_constant_first_input, chain_modified_in_place_raises,
                                      chain_into_two_leaves])
def test_engine_fast_path_matches_torch(scenario):
    _same(scenario)


# -- kernels: sums as matrix products, ReLU's branch-free mask ---------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("shape, axis", [((6, 7), 1), ((6, 7), 0), ((6, 7), -1), ((2, 3, 4), (1, 2)),
                                         ((2, 3, 4), (0, 1)), ((2, 3, 4), (0, 2)), ((2, 3, 4), None),
                                         ((5, 1), 1), ((0, 3), 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_add_reduce_agrees_with_numpy(dtype, shape, axis, keepdims):
    x = (np.random.default_rng(0).standard_normal(shape) * 10).astype(dtype)
    expected = np.add.reduce(x, axis=axis, keepdims=keepdims)
    got = add_reduce(x, axis=axis, keepdims=keepdims)
    assert np.shape(got) == expected.shape and np.asarray(got).dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    transposed = np.ascontiguousarray(x).T  # not C-contiguous: NumPy's own reduction
    np.testing.assert_allclose(add_reduce(transposed, axis=0), np.add.reduce(transposed, axis=0), rtol=1e-5)


def test_add_reduce_takes_numpy_integers_and_lists_as_axes():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(add_reduce(x, axis=np.int64(2)), np.add.reduce(x, axis=2))
    np.testing.assert_array_equal(add_reduce(x, axis=[0, 1], keepdims=True), np.add.reduce(x, axis=(0, 1),
                                                                                           keepdims=True))
    np.testing.assert_array_equal(add_reduce(x, axis=(-1,)), np.add.reduce(x, axis=-1))


def test_sum_of_every_element_stays_close_to_float64():
    x = np.random.default_rng(5).standard_normal((300, 700)).astype(np.float32)
    got = add_reduce(x)
    assert type(got) is np.float32
    assert abs(float(got) - x.astype(np.float64).sum()) < 1e-5 * np.abs(x).sum()
    assert add_reduce(x, keepdims=True).shape == (1, 1)


def test_sum_over_axes_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((16, 32)).astype(np.float32)
    for dim in (0, 1, (0, 1)):
        np.testing.assert_allclose(ember.tensor(x).sum(dim).numpy(), torch.tensor(x).sum(dim).numpy(), rtol=1e-5,
                                   atol=1e-5)
        np.testing.assert_allclose(ember.tensor(x).mean(dim).numpy(), torch.tensor(x).mean(dim).numpy(), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_gradient_matches_torch_at_zero_nan_and_infinite_gradients(dtype):
    torch = pytest.importorskip("torch")
    x_ = np.array([[-1.0, 0.0, 2.0, np.nan], [3.0, -0.0, -2.0, 1.0]], dtype=dtype)
    g_ = np.array([[np.inf, -5.0, -3.0, 7.0], [np.nan, np.nan, -np.inf, -0.0]], dtype=dtype)
    x = ember.tensor(x_, requires_grad=True)
    ember.relu(x).backward(ember.tensor(g_))
    tx = torch.tensor(x_, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g_))
    expected = tx.grad.numpy()
    got = x.grad.numpy()
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    assert (np.signbit(got) == np.signbit(expected)).all()


# -- log_softmax keeps its softmax for the backward (saves_extra) ------------------------------
def test_log_softmax_gradients_on_every_path():
    torch = pytest.importorskip("torch")
    x_ = np.random.default_rng(2).standard_normal((4, 6))
    w_ = np.random.default_rng(3).standard_normal((4, 6))
    x = ember.tensor(x_, requires_grad=True)
    y = ember.nn.functional.log_softmax(x, dim=1)
    loss = (y * ember.tensor(w_)).sum()
    first, = ember.autograd.grad(loss, x, retain_graph=True)
    second, = ember.autograd.grad(loss, x, create_graph=True)  # the Tensor path of the formula
    tx = torch.tensor(x_, requires_grad=True)
    expected, = torch.autograd.grad((torch.log_softmax(tx, 1) * torch.tensor(w_)).sum(), tx)
    np.testing.assert_allclose(first.numpy(), expected.numpy(), rtol=1e-10)
    np.testing.assert_allclose(second.detach().numpy(), expected.numpy(), rtol=1e-10)
    assert ember.autograd.gradgradcheck(lambda t: ember.nn.functional.log_softmax(t, dim=1), (x,))


def test_log_softmax_output_changed_in_place_still_raises():
    x = ember.randn(3, 4, requires_grad=True)
    y = ember.nn.functional.log_softmax(x, dim=1)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_log_softmax_without_grad_returns_the_output_alone():
    with ember.no_grad():
        y = ember.nn.functional.log_softmax(ember.randn(2, 3, requires_grad=True), dim=1)
    assert y.shape == (2, 3) and y.grad_fn is None
    np.testing.assert_allclose(np.exp(y.numpy()).sum(1), [1.0, 1.0], rtol=1e-6)


# -- a training step: cross_entropy, SGD in place, Linear's matrix products --------------------
RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((6, 5))


def _both(array, requires_grad=True):
    return (ember.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad))


@needs_torch
@pytest.mark.parametrize("targets, kwargs", [
    ([0, 4, 2, 2, 1, 3], {}),                               # the fast path
    ([0, 4, 2, 2, 1, 3], {"reduction": "sum"}),
    ([0, 4, 2, 2, 1, 3], {"reduction": "none"}),
    ([0, -100, 2, 2, 1, 3], {}),                            # an ignored target: the general path
    ([0, 4, 2, 2, 1, 3], {"ignore_index": 2}),              # ignore_index is a class
    ([0, 4, 2, 2, 1, 3], {"weight": [1.0, 2.0, 0.5, 1.0, 3.0]}),
])
def test_cross_entropy_values_and_gradients_match_torch(targets, kwargs):
    (mine, theirs), results = _both(LOGITS), []
    for lib, x in ((ember, mine), (torch, theirs)):
        options = dict(kwargs)
        if "weight" in options:
            options["weight"] = lib.tensor(options["weight"], dtype=lib.float64)
        loss = F.cross_entropy(x, lib.tensor(targets), **options) if lib is ember else \
            torch.nn.functional.cross_entropy(x, lib.tensor(targets), **options)
        loss.sum().backward()
        results.append((loss.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-15)


@needs_torch
def test_nll_loss_out_of_range_target_still_raises():
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.nll_loss(ember.tensor(LOGITS, requires_grad=True), ember.tensor([0, 5, 1, 1, 1, 1]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        F.nll_loss(ember.tensor(LOGITS, requires_grad=True), ember.tensor([0, -1, 1, 1, 1, 1]))


@needs_torch
def test_nll_loss_double_backward_matches_torch():
    (mine, theirs), targets = _both(LOGITS), [1, 0, 4, 3, 2, 2]
    grads = []
    for lib, fn, x in ((ember, F.cross_entropy, mine), (torch, torch.nn.functional.cross_entropy, theirs)):
        (g,) = lib.autograd.grad(fn(x, lib.tensor(targets)), x, create_graph=True)
        (g * g).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-14)


@needs_torch
def test_sgd_step_updates_in_place_and_bumps_version():
    w = ember.tensor(RNG.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    before, array = w.detach().numpy().copy(), w.detach().numpy()
    w.grad = ember.ones(3, 4)
    version = w._version
    ember.optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(w.detach().numpy(), before - np.float32(0.5))
    assert np.shares_memory(w.detach().numpy(), array)
    assert w._version == version + 1


@needs_torch
def test_sgd_with_momentum_matches_torch():
    start, grad = RNG.standard_normal((2, 3)).astype(np.float32), RNG.standard_normal((2, 3)).astype(np.float32)
    results = []
    for lib in (ember, torch):
        p = lib.tensor(start, requires_grad=True)
        optimizer = lib.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1)
        for step in range(3):
            p.grad = lib.tensor(grad * (step + 1))
            optimizer.step()
        results.append(p.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


@needs_torch
def test_linear_gradients_match_torch():
    x, w, b = RNG.standard_normal((5, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    grads = []
    for lib in (ember, torch):
        xs, ws, bs = (lib.tensor(v, requires_grad=True) for v in (x, w, b))
        out = (torch.nn.functional.linear if lib is torch else F.linear)(xs, ws, bs)
        (out * out).sum().backward()
        grads.append([t.grad.numpy() for t in (xs, ws, bs)])
    for mine, theirs in zip(*grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


@needs_torch
def test_mm_with_transposed_mat2_modified_after_forward_behaves_as_torch():
    # mat2's own gradient needs only mat1: changing mat2 in place before backward is allowed
    x, w = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3))
    grads = []
    for lib in (ember, torch):
        xs, ws = lib.tensor(x), lib.tensor(w, requires_grad=True)
        out = lib.mm(xs, ws.t())
        with lib.no_grad():
            ws.mul_(2)
        out.sum().backward()
        grads.append(ws.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


@needs_torch
def test_linear_with_weight_replaced_by_plain_tensor():
    layer = ember.nn.Linear(3, 2)
    del layer.weight
    layer.weight = ember.ones(2, 3)
    out = layer(ember.ones(1, 3))
    np.testing.assert_allclose(out.detach().numpy(), 3 + layer.bias.detach().numpy()[None], rtol=1e-6)


# -- in-place arithmetic straight into the tensor ----------------------------------------------
def _update(dtype, statement, other):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0]).to(getattr(lib, dtype))
        with lib.no_grad():
            versions = [x._version]
            value = other(lib) if callable(other) else other
            if statement == "-=":
                x -= value
            elif statement == "+=":
                x += value
            else:
                x *= value
            versions.append(x._version)
        return [x, versions]
    scenario.__name__ = f"{dtype} {statement} {other!r}"
    return scenario


UPDATES = [_update("float32", "-=", 0.25), _update("float32", "+=", 2), _update("float64", "*=", 1.5),
           _update("int64", "+=", 2), _update("int64", "-=", 0.5), _update("bool", "-=", True),
           _update("bool", "+=", True), _update("float32", "-=", lambda lib: lib.tensor([1.0, 2.0, 4.0])),
           _update("float32", "-=", lambda lib: lib.tensor(0.5, dtype=lib.float64)),
           _update("float32", "*=", lambda lib: lib.tensor([[1.0, 2.0, 4.0]])),
           _update("int64", "*=", lambda lib: lib.tensor([1.5, 2.0, 4.0])),
           _update("float32", "+=", lambda lib: lib.tensor(2.0))]


@needs_torch
@pytest.mark.parametrize("scenario", UPDATES, ids=lambda s: s.__name__)
def test_inplace_update_matches_torch(scenario):
    _same(scenario)


@needs_torch
def test_inplace_update_into_an_expanded_view_raises():
    def scenario(lib):
        x = lib.ones(1).expand(3)
        x += 1
    _same(scenario)


@needs_torch
def test_inplace_update_shares_the_version_with_views():
    def scenario(lib):
        base = lib.zeros(4)
        view = base[1:3]
        view -= 1.0
        return [base, [base._version, view._version]]
    _same(scenario)


@needs_torch
def test_optimizer_step_on_a_0d_parameter():
    """The seed tutorial's loop: y.backward() on a 0-d y, then p -= lr * p.grad under no_grad."""
    def scenario(lib):
        x = lib.tensor(0.0, requires_grad=True)
        for _ in range(20):
            y = (x - 5) ** 2
            y.backward()
            with lib.no_grad():
                x -= 0.1 * x.grad
            x.grad.zero_()
        return [x, y, x._version, x.grad._version]
    _same(scenario)


# -- grad modes --------------------------------------------------------------------------------
@needs_torch
def test_no_grad_restores_the_mode_after_an_error_and_nests():
    def scenario(lib):
        states = []
        try:
            with lib.no_grad():
                states.append(lib.is_grad_enabled())
                raise KeyError("inside")
        except KeyError:
            states.append(lib.is_grad_enabled())
        with lib.no_grad():
            with lib.enable_grad():
                states.append(lib.is_grad_enabled())
                with lib.no_grad():
                    states.append(lib.is_grad_enabled())
            states.append(lib.is_grad_enabled())
        states.append(lib.is_grad_enabled())

        @lib.no_grad
        def bare(t):
            return (t * 2).requires_grad

        @lib.no_grad()
        def called(t):
            return (t * 2).requires_grad
        t = lib.ones(1, requires_grad=True)
        return [states, bare(t), called(t), bare.__name__, lib.is_grad_enabled()]
    _same(scenario)


# -- 0-d arithmetic on NumPy scalars ----------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool", "float16"])
@pytest.mark.parametrize("number", [2, 2.5, True, -3])
def test_0d_arithmetic_with_python_numbers_matches_torch(dtype, number):
    def scenario(lib):
        x = lib.tensor(3).to(getattr(lib, dtype))
        out = []
        for op in (lambda: x + number, lambda: x - number, lambda: x * number, lambda: x / number,
                   lambda: number - x, lambda: x ** 2, lambda: x ** 3, lambda: number * x):
            try:
                out.append(op())
            except Exception as error:
                out.append(type(error).__name__)
        return out
    _same(scenario)


@needs_torch
def test_powers_two_and_three_are_torch_bit_for_bit():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        values = (rng.standard_normal(200) * 3).astype(dtype)
        for exponent in (2, 3):
            expected = (torch.tensor(values) ** exponent).numpy()
            np.testing.assert_array_equal((ember.tensor(values) ** exponent).numpy(), expected)
            scalars = [(ember.tensor(value) ** exponent).item() for value in values[:50]]
            np.testing.assert_array_equal(np.array(scalars, dtype=dtype), expected[:50])
