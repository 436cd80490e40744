"""Re-record RECORDED in tests/misuse_cases_corners.py and tests/misuse_cases_corners_shapes.py from torch 2.13.

Run from the repository root: PYTHONPATH=$PWD python tests/record_corners.py
"""
import os
import pprint
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import misuse_cases_corners  # noqa: E402
import misuse_cases_corners_shapes  # noqa: E402
import torch  # noqa: E402
from test_misuse import observe  # noqa: E402

MARKER = "\n# torch 2.13's answers"


def record(cases):
    recorded = {}
    for case in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                value = observe(case.action(torch))
            except Exception as error:  # noqa: BLE001 - reported, not recorded
                if case.error is None:
                    print("torch raised where the row expects an answer:", case.id, repr(error), file=sys.stderr)
                continue
        if case.error is not None:
            print("torch answered where the row expects an error:", case.id, value, file=sys.stderr)
        recorded[case.id] = value
    return recorded


def rewrite(module, cases):
    path = module.__file__
    body = open(path).read().split(MARKER)[0].rstrip("\n")
    text = pprint.pformat(record(cases), width=118, sort_dicts=False)
    with open(path, "w") as file:
        file.write(f"{body}\n{MARKER} (written by tests/record_corners.py, which runs each action under torch)\n"
                   f"RECORDED = {text}\n")


if __name__ == "__main__":
    rewrite(misuse_cases_corners, misuse_cases_corners.CORNER_CASES)
    rewrite(misuse_cases_corners_shapes, misuse_cases_corners_shapes.SHAPE_CASES)
