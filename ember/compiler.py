"""ember.compile and ember.compiler: ``torch.compile``'s front door over ember's capture and replay.

``ember.compile(fn)`` answers a compiled function: its first call with given input shapes (and
grad mode, module flags, optimizer settings, ...) runs eagerly while recording every NumPy kernel
that ember's ops run; later calls that pass the same guard replay those kernels on the same
arrays, without Tensor or Node objects. What cannot be replayed (``.item()`` or ``bool()`` of a
tensor inside the function, printing, an output that needs backward outside the function, ...)
runs eagerly, and ``compiled.explain()`` says why. See ember/_compile and docs/coming-from-pytorch.md.
"""


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """torch.compile: a compiled function or module (used as ``@ember.compile`` or
    ``@ember.compile(mode=...)`` too). `backend`, `mode`, `dynamic` and `options` are accepted and
    change nothing (ember has one way to compile); `disable=True` answers `model` itself."""
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                  options=options, disable=disable)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if disable:
        return model
    from ._compile import CompiledFunction, OptimizedModule
    from .nn.modules.module import Module
    settings = {"fullgraph": fullgraph, "dynamic": dynamic, "backend": backend, "mode": mode, "options": options}
    if isinstance(model, Module):
        return OptimizedModule(model, settings)
    return CompiledFunction(model, settings)


def is_compiling():
    return False


def is_dynamo_compiling():
    return False


def disable(fn=None, recursive=True, *, reason=None):
    return (lambda f: f) if fn is None else fn


def reset():
    """torch._dynamo.reset: ember's traces live in each compiled function; nothing global to reset."""


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
