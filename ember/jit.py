"""ember.jit: TorchScript's decorators run the Python code as it is (ember has no TorchScript compiler).

``script`` and ``trace`` return what they are given (a module, a function) unchanged; ``ignore``,
``unused``, ``export`` and ``script_method`` are decorators that change nothing; ``is_scripting()`` and
``is_tracing()`` are False, as they are in torch's eager mode; ``Final`` is ``typing.Final``.
``save`` and ``load`` raise NotImplementedError: there is no TorchScript archive to write or read.
"""
import typing
import warnings

Final = typing.Final


def _deprecated(name):
    warnings.warn(f"`torch.jit.{name}` is deprecated. Please switch to `torch.compile` or `torch.export`.",
                  DeprecationWarning, stacklevel=3)


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Returns `obj` unchanged: the Python code runs as written (no TorchScript compilation)."""
    _deprecated("script")
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """Returns `func` unchanged (torch would record one run of it on `example_inputs`)."""
    _deprecated("trace")
    return func


def trace_module(mod, inputs, *args, **kwargs):
    return mod


def _passthrough_decorator(drop_or_fn=None, **kwargs):
    if callable(drop_or_fn):
        return drop_or_fn
    return lambda fn: fn


ignore = unused = _passthrough_decorator


def export(fn):
    return fn


script_method = export


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


def interface(obj):
    return obj


def _no_archive(*args, **kwargs):
    raise NotImplementedError("ember has no TorchScript: there is no .pt TorchScript archive to save or load. Save "
                              "the state_dict with ember.save(model.state_dict(), path) and rebuild the model in "
                              "Python instead.")


save = load = _no_archive
