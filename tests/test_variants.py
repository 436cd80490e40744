"""The ops table declares where each op is public (variants=, @variants, declare), and nothing else does.

ember.<name>, Tensor.<name> and Tensor.<name>_ come from the declarations (ember/_ops/__init__.py), and
the checked-in stub ember/_tensor.pyi is regenerated from them (tools/gen_stubs.py).
"""
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import _ops
from ember._ops import _registry

ROOT = pathlib.Path(__file__).resolve().parent.parent
DECLARED = _ops.DECLARED


def _unwrapped(function):
    return getattr(function, "__wrapped__", function)  # ember.<name> may wrap the op to take out=


def test_every_declared_function_is_the_public_name():
    functions = [name for name, d in DECLARED.items() if "function" in d.variants]
    assert len(functions) > 250
    for name in functions:
        assert _unwrapped(getattr(ember, name)) is DECLARED[name].function, name
    assert set(_ops.__all__) == set(functions)


def test_every_declared_method_is_bound_on_tensor_without_a_wrapper():
    methods = [name for name, d in DECLARED.items() if "method" in d.variants]
    assert len(methods) > 250
    for name in methods:
        assert ember.Tensor.__dict__[name] is DECLARED[name].function, name


def test_every_inplace_variant_is_a_tensor_method_named_with_an_underscore():
    inplace = [name for name, d in DECLARED.items() if "inplace" in d.variants]
    assert len(inplace) > 90
    for name in inplace:
        method = ember.Tensor.__dict__[name + "_"]
        assert method is _ops.METHODS[name + "_"] and method.__name__ == name + "_", name


@pytest.mark.parametrize("name, args", [("exp", ()), ("clamp", (0.2, 0.5)), ("mul", (2.0,)), ("subtract", (1.0,)),
                                        ("tril", ()), ("lgamma", ())])
def test_an_inplace_variant_writes_the_out_of_place_result_into_self(name, args):
    x = ember.tensor(np.linspace(0.1, 0.9, 9).reshape(3, 3))
    expected = getattr(x, name)(*args)
    version = x._version
    assert getattr(x, name + "_")(*args) is x
    assert np.array_equal(x.numpy(), expected.numpy()) and x._version == version + 1


def test_an_inplace_variant_records_the_rows_node_and_its_gradient():
    leaf = ember.tensor([0.5, 1.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = leaf * 1.0
    y.exp_()
    assert y.grad_fn.name() == "ExpBackward0"
    y.sum().backward()
    assert np.allclose(leaf.grad.numpy(), np.exp([0.5, 1.0, 2.0]))


def test_declare_refuses_an_unknown_variant_and_a_second_object_under_one_name():
    with pytest.raises(ValueError, match="variants must be some of"):
        _registry.declare(lambda x: x, "_test_only", "methd")
    with pytest.raises(ValueError, match="declared twice"):
        _registry.declare(lambda x: x, "exp", "function")
    assert "_test_only" not in DECLARED


def test_no_rule_module_keeps_a_hand_written_list_of_names():
    for path in sorted((ROOT / "ember" / "_ops").glob("[!_]*.py")):  # the rule modules, not __init__
        text = path.read_text()
        assert not re.search(r"^(METHODS|__all__|_NAMES)\s*[=+]|^METHODS\.append", text, re.M), path.name


def test_a_declaration_records_the_module_and_line_of_its_row():
    exp = DECLARED["exp"]
    assert exp.module == "ember._ops.pointwise" and exp.variants == ("function", "method", "inplace")
    assert "exp = defop(" in (ROOT / "ember" / "_ops" / "pointwise.py").read_text().splitlines()[exp.line - 1]


def test_the_checked_in_tensor_stub_is_up_to_date_with_the_table():
    # a fresh interpreter: tests may have patched Tensor; regenerate with the command the message names
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_stubs.py"), "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_stub_names_every_tensor_method_and_where_its_row_is():
    text = (ROOT / "ember" / "_tensor.pyi").read_text()
    assert "    def exp(self) -> Tensor: ...  # ember/_ops/pointwise.py: exp" in text
    assert "    def exp_(self) -> Tensor: ...  # ember/_ops/pointwise.py: exp (the inplace variant)" in text
    for name in _ops.METHODS:
        assert re.search(rf"^    (def {re.escape(name)}\(|{re.escape(name)}: )", text, re.M), name
