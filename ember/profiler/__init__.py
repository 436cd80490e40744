"""torch.profiler: where the time of a program goes, op by op.

While a profile records, ember's state (ember._grad_state.state.profiler) holds a Collector and
every table op (a row of ember/_ops) hands its call to Collector.op, which times it; with no
profile active that costs the ops one attribute test. Ops are named as torch names them
("aten::" + ember's op name: aten::mm, aten::relu ...); record_function blocks add named ranges
around them. Backward formulas run on raw arrays and are not recorded; ops composed in Python
(F.linear, F.conv3d ...) appear as the table ops they run. Everything runs on the CPU, so
ProfilerActivity.CUDA is accepted and adds no events.
"""
import contextlib
import enum
import os
import socket
import time
import traceback
import warnings

from .._grad_state import state
from ._events import DeviceType, EventList, FunctionEvent, FunctionEventAvg  # noqa: F401

__all__ = ["profile", "record_function", "schedule", "tensorboard_trace_handler", "ProfilerActivity",
           "ProfilerAction", "supported_activities", "kineto_available", "DeviceType", "RecordScope"]

_perf_ns = time.perf_counter_ns


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


class RecordScope(enum.Enum):
    FUNCTION = 0
    BACKWARD_FUNCTION = 1
    TORCHSCRIPT_FUNCTION = 2
    KERNEL_FUNCTION_DTYPE = 3
    CUSTOM_CLASS = 4
    BUILD_FEATURE = 5
    LITE_INTERPRETER = 6
    USER_SCOPE = 7
    STATIC_RUNTIME_OP = 8
    STATIC_RUNTIME_MODEL = 9


def supported_activities():
    return {ProfilerActivity.CPU}


def kineto_available():
    return True


def _shape_of(value):
    shape = getattr(value, "shape", None)
    return list(shape) if shape is not None and not isinstance(value, (int, float, complex)) else []


class Collector:
    """The events of one recording: ops timed by op(), blocks opened and closed by record_function."""

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False):
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.events, self.open = [], []
        self.start_ns, self.wall_start_ns = _perf_ns(), time.time_ns()

    def op(self, name, function, inputs, attributes):
        """Run one table op with the profiler switched off inside it, and record its time."""
        stack = self._stack() if self.with_stack else None
        state.profiler = None
        start = _perf_ns()
        try:
            result = function(*inputs, **attributes)
        finally:
            end = _perf_ns()
            state.profiler = self
        shapes = [_shape_of(x) for x in inputs] if self.record_shapes else None
        memory = getattr(getattr(result, "_data", None), "nbytes", 0) if self.profile_memory else 0
        parent = self.open[-1] if self.open else None
        self.events.append(FunctionEvent(len(self.events) + 1, "aten::" + name, start, end, shapes, stack, parent,
                                         memory=memory))
        return result

    def enter(self, name):
        parent = self.open[-1] if self.open else None
        event = FunctionEvent(len(self.events) + 1, name, _perf_ns(), None, None,
                              self._stack() if self.with_stack else None, parent, user_annotation=True)
        self.open.append(event)
        return event

    def exit(self, event):
        event.end_ns = _perf_ns()
        event.cpu_memory_usage = sum(child.cpu_memory_usage for child in event.cpu_children)  # a block allocates
        if event in self.open:
            self.open.remove(event)
        self.events.append(event)

    def close(self):
        for event in reversed(self.open):  # blocks still open when recording stops end there
            event.end_ns = _perf_ns()
            self.events.append(event)
        self.open = []
        self.events.sort(key=lambda event: event.start_ns)
        return EventList(self.events, profile_memory=self.profile_memory)

    @staticmethod
    def _stack():
        frames = traceback.extract_stack()[:-3]
        return [f"{frame.filename}({frame.lineno}): {frame.name}" for frame in reversed(frames)
                if os.sep + "ember" + os.sep not in frame.filename]


class record_function(contextlib.ContextDecorator):
    """A named range in the profile around a block (or, as a decorator, around each call)."""

    def __init__(self, name, args=None):
        self.name, self.args = name, args
        self._open = []  # (collector, event) per active entry: a decorated function may recurse

    def __enter__(self):
        collector = state.profiler
        self._open.append((collector, None if collector is None else collector.enter(self.name)))
        return self

    def __exit__(self, *exc_info):
        collector, event = self._open.pop()
        if collector is not None:
            collector.exit(event)
        return False


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """torch.profiler.schedule: skip_first steps, then cycles of wait, warmup and active steps."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
                             f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
                             f"skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        cycle = wait + warmup + active
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def _always_record(_step):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """on_trace_ready handler writing <worker>.<ns>.pt.trace.json into dir_name (TensorBoard's logdir)."""
    def handler_fn(prof):
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as error:
                raise RuntimeError("Can't create directory: " + dir_name) from error
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, file_name))
    return handler_fn


class _KinetoProfile:
    """The recording itself: start/stop, the events of the last recording, and their exports."""

    def __init__(self, *, activities=None, record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None, **_):
        self.activities = set(activities) if activities is not None else supported_activities()
        for activity in self.activities:
            if not isinstance(activity, ProfilerActivity):
                raise TypeError(f"activities must be ProfilerActivity values, got {activity!r}")
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.with_flops, self.with_modules = with_flops, with_modules
        self._collector, self._events, self._previous = None, None, None

    def prepare_trace(self):
        self._collector = Collector(self.record_shapes, self.profile_memory, self.with_stack)

    def start_trace(self):
        if self._collector is None:
            self.prepare_trace()
        self._previous, state.profiler = state.profiler, self._collector

    def stop_trace(self):
        if self._collector is None:
            return
        if state.profiler is self._collector:
            state.profiler = self._previous
        self._events, self._collector = self._collector.close(), None

    def events(self):
        return EventList() if self._events is None else self._events  # while recording: none yet, as torch

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path):
        from ._events import write_chrome_trace
        start = self._events[0].start_ns if self._events else 0
        write_chrome_trace(self.events(), path, start)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        with open(path, "w") as file:
            for event in self.events():
                if event.stack:
                    file.write(";".join(reversed(event.stack)) + " " + str(int(getattr(event, metric))) + "\n")

    def export_memory_timeline(self, path, device=None):
        raise NotImplementedError("ember's profiler does not record a memory timeline; profile_memory=True adds the "
                                  "CPU Mem columns to key_averages().table() instead")


class profile(_KinetoProfile):
    """torch.profiler.profile: records while active, following `schedule` across step() calls."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None, **_):
        if use_cuda:
            activities = set(activities or supported_activities()) | {ProfilerActivity.CUDA}
        super().__init__(activities=activities, record_shapes=record_shapes, profile_memory=profile_memory,
                         with_stack=with_stack, with_flops=with_flops, with_modules=with_modules)
        self.schedule = schedule if schedule is not None else _always_record
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.step_rec_fn = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()
        return False

    def start(self):
        self._transit(ProfilerAction.NONE, self.current_action)
        self._open_step()

    def stop(self):
        self._close_step()
        self._transit(self.current_action, None)

    def step(self):
        """The next training step starts: move along the schedule (saving a finished recording)."""
        self._close_step()
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if self.current_action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError("ProfilerAction.DEVICE_STOPPED is set internally by the profiler and must not be "
                             "returned by a user-provided schedule")
        self._transit(previous, self.current_action)
        self._open_step()

    def _open_step(self):
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def _close_step(self):
        if self.step_rec_fn is not None:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None

    def _trace_ready(self):
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _transit(self, previous, current):
        """torch's action map: which of prepare/start/stop/trace-ready each schedule change does."""
        A = ProfilerAction
        recording = (A.RECORD, A.RECORD_AND_SAVE)
        if previous == A.RECORD_AND_SAVE and current is not None:  # a cycle ended: save it
            self.stop_trace()
            self._trace_ready()
            previous = A.NONE
        if current is None:  # stop()
            if previous == A.WARMUP:
                self.start_trace()
                self.stop_trace()
            elif previous in recording:
                self.stop_trace()
                self._trace_ready()
            return
        if previous == A.NONE and current == A.WARMUP:
            self.prepare_trace()
        elif previous == A.NONE and current in recording:
            self.prepare_trace()
            self.start_trace()
        elif previous == A.WARMUP and current in recording:
            self.start_trace()
        elif previous == A.WARMUP and current == A.NONE:
            self.start_trace()
            self.stop_trace()
        elif previous == A.RECORD and current == A.NONE:
            self.stop_trace()
            self._trace_ready()
        elif previous == A.RECORD and current == A.WARMUP:
            self.stop_trace()
            self._trace_ready()
            self.prepare_trace()


def _record_function_enter(name, args=None):
    """torch.ops.profiler._record_function_enter: open a range; the handle goes to _record_function_exit."""
    handle = record_function(name, args)
    handle.__enter__()
    return handle


def _record_function_exit(handle):
    handle.__exit__(None, None, None)

