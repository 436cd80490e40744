"""A trace's replay as one generated Python function: the same steps as ``Trace.replay``, unrolled.

``Trace.replay`` walks its lists (inputs, slots to restore, kernels, slots to rebind, answers) at
every call; with tens of small kernels that walking costs as much as the kernels. The function
made here does the same steps in the same order with everything a constant: each kernel is its
NumPy call written out (``f3(a3_0, a3_1, a3_2)``, no partial object in between), each slot one
statement. passes.ENABLED is its test switch too: off, the compiled function uses Trace.replay.
"""
import functools

import numpy

from .._tensor import make_tensor
from .traced import Diverged

_copyto = numpy.copyto


def make_replay(trace, done):
    """The generated replay of `trace`; `done` is the DIVERGED marker it answers on a fall back."""
    names = {"_copyto": _copyto, "make_tensor": make_tensor, "Diverged": Diverged, "trace": trace,
             "DIVERGED": done}

    def constant(value, prefix="c"):
        name = f"{prefix}{len(names)}"
        names[name] = value
        return name

    lines = ["def replay(leaves):"]
    for index, array, _ in trace.inputs:
        lines.append(f"    _copyto({constant(array)}, leaves[{index}]._data)")
    for tensor, start in trace.copy_in:
        t, s = constant(tensor), constant(start)
        lines += [f"    grad = {t}._grad", f"    if grad._data is not {s}:", f"        _copyto({s}, grad._data)"]
    falls_back = bool(trace.generators or trace.undo)
    if falls_back:
        lines.append("    saved = trace.before_kernels()")
    lines.append("    try:")
    for kernel in trace.kernels:
        lines.append("        " + _call(kernel, constant))
    lines += ["    except Diverged:",
              "        trace.fall_back(saved)" if falls_back else "        trace.diverged += 1",
              "        return DIVERGED"]
    for tensor, name, value in trace.rebind:
        lines.append(f"    {constant(tensor)}.{name} = {constant(value)}")
    for index, array, written in trace.inputs:
        if written:
            lines.append(f"    _copyto(leaves[{index}]._data, {constant(array)})")
    lines.append("    trace.replays += 1")
    template, plan = trace.outputs
    answers = []
    for kind, value in plan:
        if kind == "array":
            answers.append(f"make_tensor({constant(value)}.copy())")
        elif kind == "leaf":
            answers.append(f"leaves[{value}]")
        else:
            answers.append(constant(value))
    lines.append(f"    return {_rebuild(template, answers, constant)}")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<ember.compile replay>", "exec"), names)  # noqa: S102
    replay = names["replay"]
    replay.source = source
    return replay


def _call(kernel, constant):
    """One kernel as a statement: a partial's function called on its arguments, else the kernel."""
    if type(kernel) is not functools.partial:
        return f"{constant(kernel, 'k')}()"
    arguments = [constant(value, "a") for value in kernel.args]
    arguments += [f"{key}={constant(value, 'a')}" for key, value in kernel.keywords.items()]
    return f"{constant(kernel.func, 'f')}({', '.join(arguments)})"


def _rebuild(template, answers, constant):
    """Python source that builds the answer from the answer expressions (function.rebuild, written out)."""
    kind, items = template
    if kind is None:
        return answers[items]
    if kind is dict:
        return "{" + ", ".join(f"{constant(key)}: {_rebuild(item, answers, constant)}" for key, item in items) + "}"
    inner = ", ".join(_rebuild(item, answers, constant) for item in items)
    if kind is tuple:
        return f"({inner}{',' if len(items) == 1 else ''})"
    if kind is list:
        return f"[{inner}]"
    return f"{constant(kind)}([{inner}])"
