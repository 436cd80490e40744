"""ember.autograd.explain: the narrated numbers are the real engine's gradients."""
import inspect
import io
import math
import re

import pytest

import ember
from ember.autograd import explain


def _story(tensor, **kwargs):
    """explain() into a string, naming tensors after the test's variables (as explain does for its caller)."""
    buffer = io.StringIO()
    if "names" not in kwargs:
        caller = inspect.currentframe().f_back.f_locals
        kwargs["names"] = {name: value for name, value in caller.items() if isinstance(value, ember.Tensor)}
    explanation = explain(tensor, file=buffer, **kwargs)
    return buffer.getvalue(), explanation


def _accumulations(text):
    """{leaf: (added, result)} from the 'x.grad += 6 -> 6' lines."""
    return {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(r"(\w+)\.grad \+= (\S+) -> (\S+)", text)}


def test_first_tutorial_example_is_narrated_with_its_numbers():
    x = ember.tensor(3.0, requires_grad=True)
    y = x ** 2
    text, explanation = _story(y)
    assert "step 1  PowBackward0  computes y = x**2" in text
    assert "gradient arriving: 1" in text
    assert "d(x**2)/dx = 2*x = 6  ->  x gets 1 * 6 = 6" in text
    assert "x.grad += 6 -> 6" in text
    assert x.grad.item() == 6.0  # backward really ran
    assert explanation.grads["x"].item() == 6.0 and len(explanation.steps) == 2


def test_seed_z_numbers_equal_the_real_gradients():
    x = ember.tensor(2.0, requires_grad=True)
    y = ember.tensor(3.0, requires_grad=True)
    z = x**2 + 2*x*y + y**2
    text, explanation = _story(z)
    assert _accumulations(text) == {"x": ("10", "10"), "y": ("10", "10")}
    assert x.grad.item() == 10.0 and y.grad.item() == 10.0
    assert "d(2*x*y)/dy = 2*x = 4  ->  y gets 1 * 4 = 4" in text  # 2*x*y narrated as written
    assert "d(2*x)/dx = 2  ->  x gets 3 * 2 = 6" in text
    assert "d(y**2)/dy = 2*y = 6  ->  y gets 1 * 6 = 6" in text
    flows = [(target, grad.item()) for step in explanation.steps for target, grad in step["flows"]]
    assert ("x", 6.0) in flows and ("x", 4.0) in flows and ("y", 4.0) in flows and ("y", 6.0) in flows
    # the steps run in the engine's order: the output's node first, each leaf's AccumulateGrad last
    assert explanation.steps[0]["node"] == "AddBackward0"
    assert [s["name"] for s in explanation.steps if s["node"].endswith("AccumulateGrad")] == ["y", "x"]


def test_tensor_graph_gives_the_same_grads_as_backward_and_torch():
    def build(library, data_a, data_w):
        a = library.tensor(data_a, requires_grad=True)
        w = library.tensor(data_w, requires_grad=True)
        loss = ((a @ w).tanh().sigmoid() * 3 - a.exp().sum() / 10).mean()
        return a, w, loss

    data_a = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]
    data_w = [0.7, -0.8, 0.9]
    a, w, loss = build(ember, data_a, data_w)
    text, explanation = _story(loss)
    a2, w2, loss2 = build(ember, data_a, data_w)
    loss2.backward()
    assert a.grad.tolist() == a2.grad.tolist() and w.grad.tolist() == w2.grad.tolist()
    assert explanation.grads["a"].tolist() == a.grad.tolist()
    assert "(2, 3) [" in text  # big tensors are summarised with their shape
    torch = pytest.importorskip("torch")
    a3, w3, loss3 = build(torch, data_a, data_w)
    loss3.backward()
    for mine, theirs in ((a.grad, a3.grad), (w.grad, w3.grad)):
        for m, t in zip(mine.reshape(-1).tolist(), theirs.reshape(-1).tolist()):
            assert m == pytest.approx(t, rel=1e-5, abs=1e-7)


# op, expression, words in the derivative, d/dx at x = 0.7 (derived by hand)
X = 0.7
SIGMOID = 1 / (1 + math.exp(-X))
CASES = [
    ("add", lambda x: x + 1.5, "= 1", 1.0),
    ("sub", lambda x: 1.5 - x, "= -1", -1.0),
    ("mul", lambda x: x * 3.0, "= 3", 3.0),
    ("div", lambda x: 1.0 / x, "-1/x**2", -1 / X**2),
    ("pow", lambda x: x ** 3, "3*x**2", 3 * X**2),
    ("exp", lambda x: x.exp(), "exp(x)", math.exp(X)),
    ("log", lambda x: x.log(), "1/x", 1 / X),
    ("sin", lambda x: x.sin(), "cos(x)", math.cos(X)),
    ("cos", lambda x: x.cos(), "-sin(x)", -math.sin(X)),
    ("tanh", lambda x: x.tanh(), "1 - tanh(x)**2", 1 - math.tanh(X) ** 2),
    ("sigmoid", lambda x: x.sigmoid(), "sigmoid(x)*(1 - sigmoid(x))", SIGMOID * (1 - SIGMOID)),
    ("relu", lambda x: x.relu(), "1 where x > 0, else 0", 1.0),
    ("neg", lambda x: -x, "= -1", -1.0),
    ("sqrt", lambda x: x.sqrt(), "1/(2*sqrt(x))", 0.5 / math.sqrt(X)),
]


@pytest.mark.parametrize("name, function, words, derivative", CASES, ids=[case[0] for case in CASES])
def test_each_common_op_is_phrased_with_its_local_derivative(name, function, words, derivative):
    x = ember.tensor(X, dtype=ember.float64, requires_grad=True)
    y = function(x)
    text, _ = _story(y)
    line = next(line for line in text.splitlines() if "/dx = " in line)
    assert words in line
    local, flowing = re.search(r"x gets 1 \* (\S+) = (\S+)", line).groups()
    assert float(local) == pytest.approx(derivative, rel=1e-3)
    assert float(flowing) == pytest.approx(derivative, rel=1e-3)
    assert x.grad.item() == pytest.approx(derivative, rel=1e-12)


@pytest.mark.parametrize("reduce, words, factor", [("sum", "1 for every element", 1.0),
                                                    ("mean", "1/4 for every element", 1 / 4)])
def test_reductions_and_matmul_are_phrased(reduce, words, factor):
    a = ember.ones(2, 3, requires_grad=True)
    w = ember.ones(3, 2, requires_grad=True)
    out = getattr(a @ w, reduce)()
    text, _ = _story(out)
    assert words in text
    assert "the arriving gradient @ w.T (matrix product rule)" in text
    assert "a.T @ the arriving gradient (matrix product rule)" in text
    assert a.grad.tolist() == [[2 * factor] * 3] * 2


def test_ops_without_a_phrase_get_the_generic_one():
    x = ember.tensor([0.5, -1.0], requires_grad=True)
    y = ember.where(x > 0, x, x * 0.0).sum()
    text, _ = _story(y)
    assert "WhereBackward0's derivative rule" in text
    assert x.grad.tolist() == [1.0, 0.0]


def test_non_scalar_output_starts_from_ones():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    text, _ = _story(y)
    assert "is not a scalar, so it starts from a gradient of ones" in text
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert "x.grad += [2, 4, 6] -> [2, 4, 6]" in text


def test_accumulation_into_an_existing_grad_is_narrated():
    x = ember.tensor(2.0, requires_grad=True)
    (x * 3).backward()
    text, _ = _story(x * 5)
    assert "x.grad += 5 -> 8   (added to the 3 already there)" in text
    assert x.grad.item() == 8.0


def test_inputs_and_retain_graph_are_passed_to_backward():
    x = ember.tensor(2.0, requires_grad=True)
    w = ember.tensor(4.0, requires_grad=True)
    y = x * w
    text, explanation = _story(y, inputs=[x], retain_graph=True)
    assert x.grad.item() == 4.0 and w.grad is None
    assert list(explanation.grads) == ["x"]
    _story(y)  # the graph was retained, so a second pass works
    assert x.grad.item() == 8.0 and w.grad.item() == 2.0
    with pytest.raises(RuntimeError, match="second time"):
        _story(y)


def test_names_argument_and_errors():
    x = ember.tensor(1.0, requires_grad=True)
    text, _ = _story(x.exp(), names={"theta": x})
    assert "theta.grad += " in text
    with pytest.raises(RuntimeError, match="does not require grad"):
        explain(ember.tensor(1.0), file=io.StringIO())
    with pytest.raises(TypeError):
        explain(1.0)


def test_hooks_are_removed_afterwards():
    x = ember.tensor(2.0, requires_grad=True)
    y = x ** 2
    _story(y, retain_graph=True)
    assert not y.grad_fn._extras.pre_hooks and not y.grad_fn._extras.post_hooks


def test_the_docstring_example_is_what_explain_prints():
    import doctest
    import sys
    module = sys.modules["ember.autograd.explain"]  # ember.autograd.explain is the function
    failed, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted >= 5 and failed == 0
