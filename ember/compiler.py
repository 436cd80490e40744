"""ember.compile and ember.compiler: no compiler yet; ``compile`` returns the module or function unchanged.

``torch.compile(model)`` makes a faster model with the same results; ember returns ``model`` itself (so
the results are the same and nothing is faster). ``Module.compile()`` likewise changes nothing.
"""


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """Returns `model` unchanged (used as ``@ember.compile`` or ``@ember.compile(mode=...)`` too)."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return model


def is_compiling():
    return False


def is_dynamo_compiling():
    return False


def disable(fn=None, recursive=True, *, reason=None):
    return (lambda f: f) if fn is None else fn


def reset():
    """Nothing is cached: nothing to reset."""


# -- float32 matmul precision: recorded and reported (ember's float32 matmul is always full float32) --
_matmul_precision = "highest"


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium': recorded, as torch records it (torch's CPU matmul ignores it too)."""
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        import warnings
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _matmul_precision = precision


def get_float32_matmul_precision():
    return _matmul_precision
