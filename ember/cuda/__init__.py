"""ember.cuda: the GPU, as CuPy sees it (``pip install ember[cuda]``).

With CuPy and a GPU, these answer from CuPy. Without (CuPy absent, no driver, no device), they
answer exactly as a CPU-only torch build does: ``is_available()`` is False, ``device_count()`` 0,
the memory counters 0, seeding and ``empty_cache`` do nothing, and the questions only a GPU can
answer raise torch's ``AssertionError: Torch not compiled with CUDA enabled``. Finding CuPy can
take seconds, so it happens once, on the first question (ember._backend caches it).

ember draws random numbers on the host and moves them (so CPU and GPU runs of a seeded program
agree): ``ember.manual_seed`` seeds them all, and ``ember.cuda.manual_seed`` (``seed``, ``seed_all``)
has nothing to seed; ``get_rng_state``/``set_rng_state`` read and restore the host generator's state.

Several GPUs are cuda:0, cuda:1 ...: ``set_device``, ``with ember.cuda.device(i):`` and
``current_device`` are CuPy's current device (``cupy.cuda.Device(i)``), where "cuda" alone puts
new tensors. Streams and events (ember.cuda.streams) are CuPy's.
"""
from collections import namedtuple

from .. import _backend

_NOT_COMPILED = "Torch not compiled with CUDA enabled"
_peak_allocated = _peak_reserved = 0

_DeviceProperties = namedtuple("_CudaDeviceProperties", "name major minor total_memory multi_processor_count")


def _cupy():
    """CuPy, or torch's CPU-build AssertionError."""
    module = _backend.cupy()
    if module is None:
        raise AssertionError(_NOT_COMPILED)
    return module


def _index(device):
    """A GPU index for torch's device arguments (None: the current GPU; an int, "cuda:1", a device)."""
    from .._tensor import device as device_class
    if device is None:
        return current_device() if is_available() else 0
    if isinstance(device, int):
        return device
    index = device_class(device).index
    return (current_device() if is_available() else 0) if index is None else index


def is_available():
    return _backend.cupy() is not None


def device_count():
    module = _backend.cupy()
    return 0 if module is None else module.cuda.runtime.getDeviceCount()


def is_initialized():
    return _backend._cupy not in (False, None)


def current_device():
    return _cupy().cuda.runtime.getDevice()


def set_device(device):
    """Make GPU `device` current: "cuda" tensors go there, and CuPy runs kernels there. A negative
    index does nothing, as in torch."""
    if _backend.cupy() is None:  # what torch's CPU build raises here
        raise AttributeError("module 'torch._C' has no attribute '_cuda_setDevice' (ember found no GPU)")
    index = _index(device)
    if index >= 0:
        _checked(index)
        _backend.device_guard(index).use()


def _checked(index):
    count = device_count()
    if not 0 <= index < count:
        raise RuntimeError(f"CUDA error: invalid device ordinal (there are {count} GPUs, cuda:0 to cuda:{count - 1}; "
                           f"got cuda:{index})")
    return index


def get_device_properties(device=None):
    _cupy()
    raw = _cupy().cuda.runtime.getDeviceProperties(_checked(_index(device)))
    name = raw["name"].decode() if isinstance(raw["name"], bytes) else raw["name"]
    return _DeviceProperties(name, raw["major"], raw["minor"], raw["totalGlobalMem"], raw["multiProcessorCount"])


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    properties = get_device_properties(device)
    return properties.major, properties.minor


def synchronize(device=None):
    """Wait until the GPU has finished its queued work (time GPU code only after this)."""
    _cupy().cuda.Device(_checked(_index(device))).synchronize()


def empty_cache():
    """Give CuPy's cached, unused GPU memory back to the driver."""
    module = _backend.cupy()
    if module is not None:
        module.get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    """Bytes of GPU memory held by arrays now (CuPy's memory pool; CuPy keeps one per GPU and
    answers for the current one)."""
    global _peak_allocated
    module = _backend.cupy()
    if module is None:
        return 0
    used = module.get_default_memory_pool().used_bytes()
    _peak_allocated = max(_peak_allocated, used)
    return used


def max_memory_allocated(device=None):
    """The largest memory_allocated() seen so far (CuPy keeps no peak, so ember samples it)."""
    return max(_peak_allocated, memory_allocated(device))


def memory_reserved(device=None):
    module = _backend.cupy()
    return 0 if module is None else module.get_default_memory_pool().total_bytes()


def max_memory_reserved(device=None):
    """The largest memory_reserved() seen so far (sampled, as max_memory_allocated)."""
    global _peak_reserved
    _peak_reserved = max(_peak_reserved, memory_reserved(device))
    return _peak_reserved


def reset_peak_memory_stats(device=None):
    global _peak_allocated, _peak_reserved
    if _backend.cupy() is None:  # what torch's CPU build raises here
        raise AttributeError("module 'torch._C' has no attribute '_cuda_resetPeakMemoryStats' (ember found no GPU)")
    _peak_allocated = _peak_reserved = 0


def mem_get_info(device=None):
    """(free, total) bytes of the GPU's memory, as the driver counts them (cudaMemGetInfo)."""
    module = _cupy()
    with module.cuda.Device(_checked(_index(device))):
        return tuple(module.cuda.runtime.memGetInfo())


def memory_stats(device=None):
    """The counters ember can answer, under torch's key names: the bytes CuPy's pool holds in arrays
    (allocated) and from the driver (reserved), now and at their sampled peak. Empty without a GPU."""
    from collections import OrderedDict
    if _backend.cupy() is None:
        return OrderedDict()
    stats = {"allocated_bytes.all.current": memory_allocated(device),
             "allocated_bytes.all.peak": max_memory_allocated(device),
             "reserved_bytes.all.current": memory_reserved(device),
             "reserved_bytes.all.peak": max_memory_reserved(device)}
    return OrderedDict(sorted(stats.items()))


def memory_summary(device=None, abbreviated=False):
    """A table of memory_stats(), in torch's layout for the rows ember counts."""
    stats = memory_stats(device)
    if not stats:  # torch's CPU build fails looking up the first counter
        raise KeyError("allocated_bytes.all.current (memory_summary needs a GPU; ember found none)")
    rule = "|" + "=" * 75 + "|"
    lines = [rule, f"|{f'PyTorch CUDA memory summary, device ID {_index(device)}':^75}|", rule,
             f"|{'        Metric':<26}|{' Cur Usage':<16}|{' Peak Usage':<16}|{'':<15}|", rule]
    for title, key in (("Allocated memory", "allocated_bytes"), ("GPU reserved memory", "reserved_bytes")):
        current, peak = _bytes(stats[f"{key}.all.current"]), _bytes(stats[f"{key}.all.peak"])
        lines.append(f"| {title:<25}| {current:>14} | {peak:>14} |{'':<15}|")
    lines.append(rule)
    return "\n".join(lines) + "\n"


def _bytes(count):
    """torch's memory_summary sizes: B, KiB, MiB, GiB."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.2f} {unit}"
        count /= 1024


# -- random numbers: GPU tensors draw theirs from the host generator (see the module's text) --------------
def manual_seed(seed):
    """Nothing to seed: ember draws GPU tensors' random numbers with the host generator
    (ember.manual_seed), as a CPU-only torch build also ignores this call."""


manual_seed_all = manual_seed


def seed():
    """Nothing to seed (see manual_seed)."""


seed_all = seed


def initial_seed():
    """The host generator's initial seed, which GPU tensors' random numbers come from."""
    _cupy()
    from .. import _random
    return _random.initial_seed()


def get_rng_state(device="cuda"):
    """The state of the generator GPU tensors draw from: the host's (a uint8 CPU tensor, as torch's)."""
    _cupy()
    _checked(_index(device))
    from .. import _random
    return _random.get_rng_state()


def set_rng_state(new_state, device="cuda"):
    """Restore a state from get_rng_state (the host generator's). Without a GPU nothing happens, as
    torch's CPU build queues the call for a GPU that never comes."""
    if _backend.cupy() is None:
        return
    _checked(_index(device))
    from .. import _random
    _random.set_rng_state(new_state)


def get_rng_state_all():
    return [get_rng_state(index) for index in range(device_count())]


def set_rng_state_all(new_states):
    for index, state in enumerate(new_states):
        set_rng_state(state, index)


def is_bf16_supported(including_emulation=True):
    return False  # ember's bfloat16 (ml_dtypes) lives on the host only


class device:
    """``with ember.cuda.device(i):`` makes GPU i current inside the block (a negative index or None:
    nothing changes), as torch.cuda.device."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev_idx = current_device()
            if self.prev_idx != self.idx:
                set_device(self.idx)
        return self

    def __exit__(self, *exception):
        if self.idx >= 0 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """``with ember.cuda.device_of(tensor):`` makes the tensor's GPU current (a CPU tensor: nothing)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


from .._legacy import CUDA_TYPED  # noqa: E402
globals().update({cls.__name__: cls for cls in CUDA_TYPED.values()})  # FloatTensor, LongTensor ... on the GPU
from . import amp  # noqa: E402,F401  (torch.cuda.amp)
from .streams import Event, Stream, StreamContext, current_stream, default_stream, set_stream, stream  # noqa: E402,F401
