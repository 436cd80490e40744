"""ember.compile: capture a call's kernels while it runs eagerly, replay them on later calls.

traced.py is the recording array and the kernels, state.py the walk over what a call may depend
on and its guard, function.py the compiled function (trace, guard, replay), module.py the
compiled module (torch's OptimizedModule).
"""
from .function import CompiledFunction
from .module import OptimizedModule

__all__ = ["CompiledFunction", "OptimizedModule"]
