"""ember.autograd.why_no_grad: one test per reason .grad can be None."""
import pytest

import ember
from ember.autograd import why_no_grad


def test_not_a_leaf_suggests_retain_grad():
    x = ember.tensor(2.0, requires_grad=True)
    y = x * 3
    y.sum().backward()
    answer = why_no_grad(y)
    assert "not a leaf" in answer and "retain_grad()" in answer and "MulBackward0" in answer


def test_requires_grad_false():
    x = ember.tensor(2.0)
    answer = why_no_grad(x)
    assert "requires_grad=False" in answer and "requires_grad=True" in answer


def test_integer_dtype():
    answer = why_no_grad(ember.tensor([1, 2]))
    assert "ember.int64" in answer and "integer" in answer and "float" in answer


def test_no_path_from_the_output():
    x = ember.tensor(2.0, requires_grad=True)
    unused = ember.tensor(5.0, requires_grad=True)
    loss = x * 2
    loss.backward()
    answer = why_no_grad(unused, output=loss)
    assert "no path from the output" in answer and "detach()" in answer


def test_cut_by_detach():
    x = ember.tensor(2.0, requires_grad=True)
    loss = (x.detach() * 2) + (x * 0 + 1).detach()
    answer = why_no_grad(x, output=loss)
    assert "the output does not require grad" in answer and ".detach()ed" in answer


def test_cut_by_no_grad_inside_the_graph():
    x = ember.tensor(2.0, requires_grad=True)
    w = ember.tensor(3.0, requires_grad=True)
    with ember.no_grad():
        hidden = x * 2
    loss = hidden * w
    loss.backward()
    assert w.grad is not None and x.grad is None
    assert "no path from the output" in why_no_grad(x, output=loss)
    answer = why_no_grad(hidden, output=loss)
    assert "requires_grad=False" in answer and "no_grad()" in answer


def test_backward_not_run_yet():
    x = ember.tensor(2.0, requires_grad=True)
    loss = x ** 2
    assert "backward() has not run yet from that output" in why_no_grad(x, output=loss)
    assert "backward() has not run since it was created" in why_no_grad(x)


def test_retained_non_leaf_before_backward():
    x = ember.tensor(2.0, requires_grad=True)
    y = x * 3
    y.retain_grad()
    assert why_no_grad(y, output=y * 2).startswith("It retains its gradient (retain_grad()), but backward()")


def test_a_tensor_that_has_its_grad():
    x = ember.tensor(2.0, requires_grad=True)
    (x * 2).backward()
    assert why_no_grad(x).startswith("Its .grad is not None")


def test_prints_only_when_asked(capsys):
    x = ember.tensor(2.0)
    answer = why_no_grad(x)
    assert capsys.readouterr().out == ""
    why_no_grad(x, show=True)
    assert capsys.readouterr().out == answer + "\n"
    with pytest.raises(TypeError):
        why_no_grad(2.0)
