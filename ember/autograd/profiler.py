"""torch.autograd.profiler: the older profiling API, on the same recorder as ember.profiler."""
from .._grad_state import state
from ..profiler import Collector, record_function  # noqa: F401
from ..profiler._events import EventList, FunctionEvent, FunctionEventAvg, write_chrome_trace  # noqa: F401

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile:
    """with profile() as prof: ...; prof.key_averages().table(...), as torch.autograd.profiler.profile."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True, **_):
        self.enabled, self.record_shapes, self.profile_memory, self.with_stack = enabled, record_shapes, \
            profile_memory, with_stack
        self.function_events = None
        self._collector = self._previous = None

    def __enter__(self):
        if self.enabled:
            if self._collector is not None:
                raise RuntimeError("Profiler context manager is not reentrant")
            self._collector = Collector(self.record_shapes, self.profile_memory, self.with_stack)
            self._previous, state.profiler = state.profiler, self._collector
        return self

    def __exit__(self, *exc_info):
        if self._collector is not None:
            if state.profiler is self._collector:
                state.profiler = self._previous
            self.function_events, self._collector = self._collector.close(), None
        return False

    def _check_finished(self):  # while recording there are no events yet (torch answers an empty list too)
        if self.function_events is None:
            self.function_events = EventList()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        self._check_finished()
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by=None, row_limit=100, **kwargs):
        self._check_finished()
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def events(self):
        self._check_finished()
        return self.function_events

    def total_average(self):
        self._check_finished()
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        self._check_finished()
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path):
        self._check_finished()
        start = self.function_events[0].start_ns if self.function_events else 0
        write_chrome_trace(self.function_events, path, start)

    def __str__(self):
        return "<unfinished ember.autograd.profile>" if self.function_events is None else str(self.function_events)
