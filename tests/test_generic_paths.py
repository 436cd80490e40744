"""The unrolled one- and two-input forms (ember/_ops/_unrolled.py) equal the general path.

EMBER_GENERIC_PATHS=1 makes defop install only the general path (Node.__init__, Node.apply and the
registry's op). The table-driven suites run again that way, in a subprocess, so every shortcut
the default run takes is checked against the reference it replaces, row by row.
"""
import os
import pathlib
import subprocess
import sys

import ember
from ember._ops import _registry, _unrolled
from ember.autograd.graph import Node

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The suites that exercise every row (op cases, misuse cases, torch comparisons) and the engine.
SUITES = ["tests/test_gradients.py", "tests/test_engine.py", "tests/test_against_torch.py", "tests/test_misuse.py",
          "tests/test_fast_paths.py", "tests/test_autograd_hooks.py"]


def _installed_forms():
    x = ember.ones(2, requires_grad=True)
    node_class = type((x * x).grad_fn)
    return node_class.__init__, node_class.apply, ember._ops.mul


def test_the_default_run_takes_the_unrolled_forms():
    if _registry.GENERIC_PATHS:  # this process was started with the switch on
        init, apply, mul = _installed_forms()
        assert init is Node.__init__ and apply is Node.apply and mul.__code__.co_name == "op"
        return
    init, apply, mul = _installed_forms()
    assert init is _unrolled.init_binary and apply is _unrolled.apply_binary
    assert mul.__code__.co_name == "binary_op"


def test_the_switch_installs_only_the_general_path():
    check = ("import ember; from ember.autograd.graph import Node; x = ember.ones(2, requires_grad=True); "
             "c = type((x * x).grad_fn); e = type(x.exp().grad_fn); "
             "assert c.__init__ is Node.__init__ and c.apply is Node.apply and e.apply is Node.apply; "
             "assert ember._ops.mul.__code__.co_name == 'op' and ember._ops.exp.__code__.co_name == 'op'")
    environment = dict(os.environ, EMBER_GENERIC_PATHS="1", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr


def test_table_driven_suites_pass_on_the_general_path_alone():
    environment = dict(os.environ, EMBER_GENERIC_PATHS="1", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *SUITES],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
