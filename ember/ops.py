"""torch.ops: the operator namespaces code reaches for directly. ember has the profiler's two."""
import types

from . import _missing
from .profiler import _record_function_enter, _record_function_exit

profiler = types.SimpleNamespace(_record_function_enter=_record_function_enter,
                                 _record_function_exit=_record_function_exit)
__getattr__ = _missing.module_getattr(__name__)
