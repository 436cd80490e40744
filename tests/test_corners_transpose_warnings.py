"""x.T, x.mT and x.mH off matrices (issue 13): torch's deprecation warnings, their text, and when.

torch warns once per process (TORCH_WARN_ONCE): the first x.T on a tensor that is not 2-D gives
a UserWarning, later ones are silent; 0-d tensors have their own message (for x.T, x.mT and
x.mH), also once. A 2-D x.T never warns. Each scenario runs in a fresh interpreter, so the
"once" is observable, and is compared with torch's own run when torch is installed.
"""
import functools
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# torch 2.13's messages, without the "(Triggered internally at ...)" suffix its C++ side appends
T_MESSAGE = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will "
             "throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
             "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.")
T_ZERO_DIM = "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
MT_ZERO_DIM = "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases."
MH_ZERO_DIM = "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj()."

SCENARIO = """
import json, sys, warnings
lib = __import__(sys.argv[1])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    shapes = [tuple(lib.ones(2, 3).T.shape), tuple(lib.ones(3).T.shape), tuple(lib.ones(2, 3, 4).T.shape),
              tuple(lib.ones(5).T.shape), tuple(lib.tensor(1.0).T.shape), tuple(lib.tensor(2.0).T.shape),
              tuple(lib.tensor(1.0).mT.shape), tuple(lib.tensor(1.0).mT.shape), tuple(lib.tensor(1.0).mH.shape)]
messages = [(w.category.__name__, str(w.message).split(" (Triggered internally")[0]) for w in caught]
print(json.dumps({"shapes": shapes, "messages": messages}))
"""


@functools.lru_cache(maxsize=None)  # one fresh interpreter per library
def run(library):
    done = subprocess.run([sys.executable, "-c", SCENARIO, library], capture_output=True, text=True, check=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_deprecation_warns_once_with_torchs_text():
    observed = run("ember")
    assert observed["shapes"] == [[3, 2], [3], [4, 3, 2], [5], [], [], [], [], []]
    assert observed["messages"] == [["UserWarning", T_MESSAGE], ["UserWarning", T_ZERO_DIM],
                                    ["UserWarning", MT_ZERO_DIM], ["UserWarning", MH_ZERO_DIM]]


def test_the_warnings_are_torchs():
    pytest.importorskip("torch")
    assert run("ember") == run("torch")
