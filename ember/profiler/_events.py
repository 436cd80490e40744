"""What a profile recorded: FunctionEvent, EventList, their averages, torch's table and Chrome trace.

Times are kept in nanoseconds from time.perf_counter_ns and shown in microseconds, as torch's
FunctionEvent shows them. An event's self time is its time less its direct children's (an op
inside a record_function block is that block's child).
"""
import json
import os
import threading
from collections import OrderedDict

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList", "DeviceType"]


class DeviceType:
    """torch.autograd.DeviceType's names ember's events use (all of them run on the CPU)."""
    CPU = "CPU"
    CUDA = "CUDA"


class FunctionEvent:
    """One recorded range: an op (category cpu_op) or a record_function block (user_annotation)."""

    def __init__(self, id, name, start_ns, end_ns=None, input_shapes=None, stack=None, parent=None,
                 user_annotation=False, memory=0, thread=None):
        self.id, self.start_ns, self.end_ns = id, start_ns, end_ns
        self.trace_name = name  # the trace keeps "ProfilerStep#3"; the events group as torch's "ProfilerStep*"
        self.name = "ProfilerStep*" if name.startswith("ProfilerStep#") else name
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.stack = stack if stack is not None else []
        self.cpu_parent, self.cpu_children = parent, []
        self.is_user_annotation = user_annotation
        self.cpu_memory_usage = memory
        self.thread = threading.get_ident() if thread is None else thread
        self.count = 1
        self.device_type = DeviceType.CPU
        self.node_id, self.is_async, self.is_remote, self.is_legacy = -1, False, False, False
        self.overload_name = ""
        self.flops = 0
        self.device_time_total = self.self_device_time_total = 0
        self.device_memory_usage = self.self_device_memory_usage = 0
        self.use_device = None
        if parent is not None:
            parent.cpu_children.append(self)

    key = property(lambda self: self.name)
    time_range = property(lambda self: (self.start_ns / 1000, self.end_ns / 1000))
    cpu_time_total = property(lambda self: (self.end_ns - self.start_ns) / 1000)
    cpu_time = cpu_time_total
    self_cpu_time_total = property(lambda self: self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children))
    self_cpu_memory_usage = property(lambda self: self.cpu_memory_usage
                                     - sum(c.cpu_memory_usage for c in self.cpu_children))
    device_time = cuda_time = cuda_time_total = self_cuda_time_total = property(lambda self: 0)

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} device_type={self.device_type} "
                f"cpu_time={_format_time(self.cpu_time_total)} input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events of one key (name, with input shapes or stack when grouped by them), added up."""

    def __init__(self, key, input_shapes=None, stack=None):
        self.key, self.input_shapes, self.stack = key, input_shapes, stack
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.cpu_parent = None
        self.is_user_annotation = False
        self.device_type, self.node_id, self.is_async, self.is_remote, self.is_legacy = DeviceType.CPU, -1, False, \
            False, False
        self.overload_name, self.flops, self.use_device = "", 0, None
        self.device_time_total = self.self_device_time_total = 0
        self.device_memory_usage = self.self_device_memory_usage = 0

    def add(self, other):
        if self.count == 0:
            self.cpu_parent, self.is_user_annotation = other.cpu_parent, other.is_user_annotation
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        return self

    __iadd__ = add
    cpu_time = property(lambda self: self.cpu_time_total / max(self.count, 1))
    device_time = cuda_time = cuda_time_total = self_cuda_time_total = property(lambda self: 0)

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>")


for _name in ("cpu_time", "cpu_time_total", "self_cpu_time_total"):
    for _cls in (FunctionEvent, FunctionEventAvg):
        setattr(_cls, _name + "_str", property(lambda self, name=_name: _format_time(getattr(self, name))))


class EventList(list):
    """torch.autograd.profiler_util.EventList: a list of events with key_averages, table, export_chrome_trace."""

    def __init__(self, *args, profile_memory=False, **_):
        super().__init__(*args)
        self._profile_memory = profile_memory

    @property
    def self_cpu_time_total(self):
        return sum(event.self_cpu_time_total for event in self)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        groups = OrderedDict()
        for event in self:
            key = (event.key,)
            if group_by_input_shapes:
                key += (str(event.input_shapes),)
            if group_by_stack_n:
                key += tuple(event.stack[:group_by_stack_n])
            if key not in groups:
                groups[key] = FunctionEventAvg(event.key, event.input_shapes if group_by_input_shapes else None,
                                               event.stack[:group_by_stack_n] if group_by_stack_n else None)
            groups[key].add(event)
        return EventList(groups.values(), profile_memory=self._profile_memory)

    def total_average(self):
        total = FunctionEventAvg("Total")
        for event in self:
            total.add(event)
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        return build_table(self, sort_by, header, row_limit, max_src_column_width, max_name_column_width,
                           max_shapes_column_width, self._profile_memory, top_level_events_only, time_unit)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        write_chrome_trace(self, path)


# -- torch's table (torch.autograd.profiler_util._build_table, CPU columns) -------------------
def _format_time(time_us):
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_share(time_us, total_us):
    return "NaN" if total_us == 0 else f"{time_us * 100.0 / total_us:.2f}%"


def _format_memory(nbytes):
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if abs(nbytes) >= size:
            return f"{nbytes * 1.0 / size:.2f} {unit}"
    return f"{nbytes} B"


def _override_unit(time_us, time_unit):
    if time_unit == "s":
        return f"{time_us / 1e6:.3f}s"
    if time_unit == "ms":
        return f"{time_us / 1e3:.3f}ms"
    if time_unit == "us":
        return f"{time_us:.3f}us"
    return _format_time(time_us)


def build_table(events, sort_by, header, row_limit, max_src_column_width, max_name_column_width,
                max_shapes_column_width, profile_memory, top_level_events_only, time_unit):
    if not events:
        return ""
    if sort_by is not None:
        attribute = sort_by.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
        if not hasattr(events[0], attribute) and not attribute.startswith(("device", "self_device")):
            raise AttributeError(f"'{type(events[0]).__name__}' object has no attribute '{attribute}'")
        events = sorted(events, key=lambda event: getattr(event, attribute, 0), reverse=True)
    has_shapes = any(event.input_shapes for event in events)
    stacks = [event.stack for event in events if event.stack]
    name_width = max(len(event.key) for event in events) + 4
    name_width = min(name_width, max_name_column_width) if max_name_column_width is not None else name_width
    shapes_width = max(len(str(event.input_shapes)) for event in events) + 4
    shapes_width = min(shapes_width, max_shapes_column_width) if max_shapes_column_width is not None else shapes_width
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    row_format, separator, line_length = "", "", -2

    def add_column(width, direction=">"):
        nonlocal row_format, separator, line_length
        row_format += "{: " + direction + str(width) + "}  "
        separator += "-" * width + "  "
        line_length += width + 2

    add_column(name_width)
    for _ in headers[1:]:
        add_column(12)
    if has_shapes:
        headers.append("Input Shapes")
        add_column(shapes_width)
    if stacks:
        src_width = max(max(len(entry) for entry in stack) for stack in stacks) + 4
        src_width = min(src_width, max_src_column_width) if max_src_column_width is not None else src_width
        headers.append("Source Location")
        add_column(src_width, "<")
    lines = []
    total_self = sum(event.self_cpu_time_total for event in events)
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and event.cpu_parent is not None:
            continue
        shown += 1
        name = event.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        row = [name, _format_share(event.self_cpu_time_total, total_self),
               _override_unit(event.self_cpu_time_total, time_unit),
               _format_share(event.cpu_time_total, total_self), _override_unit(event.cpu_time_total, time_unit),
               _override_unit(event.cpu_time, time_unit)]
        if profile_memory:
            row += [_format_memory(event.cpu_memory_usage), _format_memory(event.self_cpu_memory_usage)]
        row.append(event.count)
        if has_shapes:
            row.append(str(event.input_shapes)[:shapes_width])
        if stacks:
            row.append(_trim_path(event.stack[0], src_width) if event.stack else "")
        lines.append(row_format.format(*row))
        if stacks:
            for entry in event.stack[1:]:
                lines.append(row_format.format(*([""] * (len(headers) - 1) + [_trim_path(entry, src_width)])))
            lines.append(row_format.format(*([""] * len(headers))))
    lines += [separator, f"Self CPU time total: {_override_unit(total_self, time_unit)}"]
    return "\n".join(lines) + "\n"


def _trim_path(path, width):
    if len(path) > width:
        path = path[len(path) - width:]
        if len(path) > 3:
            path = "..." + path[3:]
    return path


# -- Chrome trace (what chrome://tracing, Perfetto and TensorBoard's profiler plugin read) ------
def write_chrome_trace(events, path, base_ns=0):
    pid = os.getpid()
    trace = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "python"}},
             {"ph": "M", "name": "process_labels", "pid": pid, "tid": 0, "args": {"labels": "CPU"}}]
    for thread in sorted({event.thread for event in events}):
        trace.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": thread,
                      "args": {"name": f"thread {thread} (python)"}})
    for index, event in enumerate(sorted(events, key=lambda e: e.start_ns)):
        args = {"External id": event.id, "Ev Idx": index}
        if event.input_shapes:
            args["Input Dims"] = event.input_shapes
        if event.stack:
            args["Call stack"] = ";".join(event.stack)
        trace.append({"ph": "X", "cat": "user_annotation" if event.is_user_annotation else "cpu_op",
                      "name": event.trace_name, "pid": pid, "tid": event.thread,
                      "ts": (event.start_ns - base_ns) / 1000, "dur": (event.end_ns - event.start_ns) / 1000,
                      "args": args})
    document = {"schemaVersion": 1, "deviceProperties": [], "displayTimeUnit": "ms",
                "baseTimeNanoseconds": base_ns, "traceEvents": trace, "traceName": os.fspath(path)}
    opener = open
    if os.fspath(path).endswith(".gz"):
        import gzip
        opener = gzip.open
    with opener(path, "wt") as file:
        json.dump(document, file)
