"""DistributedSampler: each rank reads its own slice of the data set, as torch's does.

The shuffled order is torch's own, index for index: torch seeds a fresh CPU generator (a
Mersenne Twister, MT19937) with ``seed + epoch`` and shuffles with ``randperm``, whose
Fisher-Yates loop swaps element i with element ``i + random() % (n - i)``. NumPy's legacy
MT19937 seeding is the same ``init_genrand`` as torch's, so the same 32-bit draws give the
same permutation. (ember's own ``randperm`` draws from PCG64 and is not torch's; a sampler
must agree with the torch ranks and checkpoints a job may be mixed with.)
"""
import math

import numpy as np

from .sampler import Sampler

# Above this length torch's randperm switches to another algorithm (a batched shuffle),
# which is not reproduced here.
_TORCH_SMALL_RANDPERM = (2 ** 32 - 1) // 20


def torch_randperm(n, seed):
    """The list ``torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()``."""
    if n >= _TORCH_SMALL_RANDPERM:
        raise NotImplementedError(f"DistributedSampler reproduces torch's shuffle for data sets of fewer than "
                                  f"{_TORCH_SMALL_RANDPERM} samples, and this one has {n}; use shuffle=False and "
                                  "shuffle inside the data set instead")
    # torch's manual_seed keeps the low 32 bits for the Mersenne Twister's init_genrand
    draws = np.random.RandomState(seed & 0xFFFF_FFFF)._bit_generator.random_raw(max(n - 1, 0))
    offsets = (draws % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
    perm = list(range(n))
    for i, offset in enumerate(offsets):
        j = i + offset
        perm[i], perm[j] = perm[j], perm[i]
    return perm


class DistributedSampler(Sampler):
    """Restricts loading to this rank's share: ``num_samples`` indices, every ``num_replicas``-th.

    Without ``drop_last`` the index list is padded (by repeating its start) to a multiple of
    ``num_replicas``; with it, the tail is cut instead. ``num_replicas`` and ``rank`` default
    to the process group's; pass both to use the sampler without one."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, drop_last, shuffle, seed
        if drop_last and len(dataset) % num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        indices = torch_randperm(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            padding = self.total_size - len(indices)
            indices += (indices * math.ceil(padding / len(indices)))[:padding] if padding > 0 else []
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Reshuffle: the next iteration uses seed + epoch (call it before each epoch on every rank)."""
        self.epoch = epoch
