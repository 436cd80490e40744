"""Exits as argv[1] says: a number, 'raise' (an uncaught exception), 'missing' (a torch name ember lacks)."""
import sys

import torch

if __name__ == "__main__":
    what = sys.argv[1]
    if what == "raise":
        raise ValueError("raised on purpose")
    if what == "missing":
        from torch.nn.this_module_does_not_exist import Thing  # noqa: F401
    print("name", __name__, "file", __file__.replace("\\", "/").split("/")[-1], "tensor", torch.ones(2).sum().item())
    sys.exit(int(what))
