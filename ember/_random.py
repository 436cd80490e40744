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

    @property
    def device(self):
        from ._tensor import CPU
        return CPU


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator; returns it, as torch does."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def numpy_rng(generator=None):
    return (generator or default_generator)._rng
