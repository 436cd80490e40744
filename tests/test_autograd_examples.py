"""The custom Function, double backward and autograd.functional examples run, and print what torch prints."""
import pytest
from test_examples import run_example


def torch_installed():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("name", ["custom_function", "double_backward", "autograd_functional"])
def test_example_runs_and_prints_what_torch_prints(name, tmp_path_factory):
    output = run_example(name, tmp_path_factory)
    checks = [line for line in output.splitlines() if "gradcheck" in line]
    assert all(line.endswith("True") for line in checks)
    assert "dtype=ember.float64" in output
    if torch_installed():  # the same file with `import torch` prints the same text (up to the library's name)
        assert output.replace("ember", "torch") == run_example(name, tmp_path_factory, as_torch_code=True)
