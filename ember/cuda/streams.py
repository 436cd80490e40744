"""torch.cuda's streams and events, as CuPy's (``cupy.cuda.Stream``, ``cupy.cuda.Event``).

ember queues every kernel on CuPy's current stream, so ``with ember.cuda.stream(s):`` makes `s`
CuPy's current stream for the block. Events time GPU work: ``start.record(); ...; end.record();
end.synchronize(); start.elapsed_time(end)`` gives milliseconds between the two, measured by
the GPU. Under the CuPy stand-in (EMBER_CUDA_STANDIN=1) there is no GPU: work is done when it is
queued, streams are always idle, and events read the host's clock when recorded, so
elapsed_time measures host time.

Without a GPU, these answer as torch's CPU build: making a Stream raises "torch.cuda.Stream
requires CUDA support", an Event "Tried to instantiate dummy base class Event", and
current_stream() torch's "Torch not compiled with CUDA enabled".
"""
from .. import _backend


def _cupy(message="Torch not compiled with CUDA enabled"):
    module = _backend.cupy()
    if module is None:
        raise AssertionError(message) if message.startswith("Torch not") else RuntimeError(message)
    return module


class Stream:
    """A CUDA stream: kernels queued on it run in order, streams run alongside each other."""

    def __init__(self, device=None, priority=0, **kwargs):
        from . import _index
        from . import device as device_context
        module = _cupy("torch.cuda.Stream requires CUDA support")
        raw = kwargs.get("_raw")
        if raw is None:
            with device_context(_index(device)):
                raw = module.cuda.Stream(non_blocking=True, priority=priority)
        self._raw = raw
        self.device_index = raw.device_id if hasattr(raw, "device_id") else _index(device)
        self.priority = priority

    @property
    def device(self):
        from .._tensor import cuda_device
        return cuda_device(self.device_index)

    @property
    def cuda_stream(self):
        return self._raw.ptr

    def query(self):
        """True when all work queued on this stream has finished."""
        return bool(self._raw.done)

    def synchronize(self):
        self._raw.synchronize()

    def wait_event(self, event):
        self._raw.wait_event(event._raw)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def __eq__(self, other):
        return isinstance(other, Stream) and other.cuda_stream == self.cuda_stream

    def __hash__(self):
        return hash((self.cuda_stream, self.device_index))

    def __repr__(self):
        return f"<ember.cuda.Stream device={self.device} cuda_stream={self.cuda_stream:#x}>"


def current_stream(device=None):
    """The stream ember (CuPy) queues work on now."""
    from . import _index
    module = _cupy()
    return Stream(_raw=module.cuda.get_current_stream(), device=_index(device))


def default_stream(device=None):
    from . import _index
    module = _cupy()
    return Stream(_raw=module.cuda.Stream.null, device=_index(device))


def set_stream(stream):
    if stream is not None:
        stream._raw.use()


class StreamContext:
    """``with ember.cuda.stream(s):`` queues the block's work on `s` (None: nothing changes)."""

    def __init__(self, stream):
        self.stream = stream
        self._previous = None

    def __enter__(self):
        if self.stream is not None:
            self._previous = _cupy().cuda.get_current_stream()
            self.stream._raw.use()
        return self.stream

    def __exit__(self, *exception):
        if self.stream is not None:
            self._previous.use()
        return False


def stream(stream):
    return StreamContext(stream)


class Event:
    """A marker in a stream: record it, wait for it, or time the work between two of them."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        module = _cupy("Tried to instantiate dummy base class Event")
        self.enable_timing = enable_timing
        self._raw = module.cuda.Event(block=blocking, disable_timing=not enable_timing, interprocess=interprocess)
        self._recorded = False

    def record(self, stream=None):
        """Mark this point of `stream`'s work (the current stream by default)."""
        self._raw.record(None if stream is None else stream._raw)
        self._recorded = True

    def wait(self, stream=None):
        (current_stream() if stream is None else stream).wait_event(self)

    def query(self):
        """True when the work before record() has finished (or it was never recorded)."""
        return bool(self._raw.done)

    def synchronize(self):
        """Wait on the host until the work before record() has finished."""
        self._raw.synchronize()

    def elapsed_time(self, end_event):
        """Milliseconds between this event and `end_event` (both recorded, both with enable_timing)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if not (self._recorded and end_event._recorded):
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return float(_cupy().cuda.get_elapsed_time(self._raw, end_event._raw))

    @property
    def cuda_event(self):
        return self._raw.ptr

    def __repr__(self):
        return f"<ember.cuda.Event {self.cuda_event:#x}>" if self._recorded else "<ember.cuda.Event uninitialized>"
