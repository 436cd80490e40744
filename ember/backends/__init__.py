"""ember.backends: the switches torch scripts set or query, answered for a CPU-only library.

``torch.backends.cudnn.deterministic = True`` and ``torch.backends.mps.is_available()`` are
common in scripts; here cudnn's flags can be set (they change nothing) and mps is absent.
"""
import types

cudnn = types.SimpleNamespace(enabled=False, deterministic=False, benchmark=False, is_available=lambda: False)
mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
