"""Random numbers: a default generator that ``manual_seed`` resets.

ember draws from NumPy's PCG64 generator, so a seed makes ember's results repeatable, but
the numbers are not torch's: ``ember.manual_seed(0); ember.rand(2)`` differs from torch's.
"""
from ._backend import xp


class Generator:
    """torch.Generator's interface over a NumPy random generator."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721  # torch's default seed, for a familiar initial_seed()
        self._rng = xp.random.default_rng(self._seed)

    def manual_seed(self, seed):
        seed = int(seed)
        self._seed = seed
        self._rng = xp.random.default_rng(seed & 0xFFFF_FFFF_FFFF_FFFF)
        return self

    def seed(self):
        return self.manual_seed(int(xp.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF)._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (ember's own layout: PCG64's words and the seed)."""
        from ._creation import from_numpy
        state = self._rng.bit_generator.state
        words = [state["state"]["state"], state["state"]["inc"]]
        packed = b"".join(w.to_bytes(16, "little") for w in words)
        packed += int(state["has_uint32"]).to_bytes(8, "little") + int(state["uinteger"]).to_bytes(8, "little")
        packed += (self._seed & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little")
        return from_numpy(xp.frombuffer(packed, dtype=xp.uint8).copy())

    def set_state(self, new_state):
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state.dtype.name != "uint8":
            raise TypeError("RNG state must be a torch.ByteTensor (a uint8 tensor from get_state() / "
                            "get_rng_state())")
        if new_state.numel() != _STATE_BYTES:
            raise RuntimeError(f"Expected a generator state of size {_STATE_BYTES} but found the input RNG state size "
                               f"to be {new_state.numel()}; pass a state that ember's get_state() returned")
        raw = new_state.numpy().tobytes()
        word = [int.from_bytes(raw[i:i + 16], "little") for i in (0, 16)]
        rng = xp.random.default_rng()
        rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": word[0], "inc": word[1]},
                                   "has_uint32": int.from_bytes(raw[32:40], "little"),
                                   "uinteger": int.from_bytes(raw[40:48], "little")}
        self._rng, self._seed = rng, int.from_bytes(raw[48:56], "little")
        return self

    def clone_state(self):
        return Generator().set_state(self.get_state())

    @property
    def device(self):
        from ._tensor import CPU
        return CPU


_STATE_BYTES = 56
default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator; returns it, as torch does."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


recording = None  # ember.compile's RecordingGenerator class while a call is traced (draws become kernels)


def numpy_rng(generator=None):
    if recording is not None:
        return recording(generator or default_generator)
    return (generator or default_generator)._rng
