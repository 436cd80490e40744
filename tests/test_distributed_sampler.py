"""DistributedSampler (one process, explicit num_replicas/rank) against torch's own index lists,
and DDP's gradient buckets against torch's bucket assignment. No MPI needed."""
import pytest

import ember
from ember import nn
from ember.nn.parallel.distributed import bucket_assignment
from ember.utils.data import DistributedSampler, TensorDataset
from ember.utils.data.distributed import torch_randperm

CASES = [(n, replicas, shuffle, drop_last, seed)
         for n, replicas in ((10, 3), (12, 4), (7, 2), (5, 8), (1, 2), (100, 7), (3, 3))
         for shuffle in (False, True) for drop_last in (False, True) for seed in (0, 41)]


def _data(n):
    return TensorDataset(ember.arange(n))


def _shards(n, replicas, shuffle, drop_last, seed, epoch, sampler_class, data):
    shards = []
    for rank in range(replicas):
        sampler = sampler_class(data, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                                drop_last=drop_last)
        sampler.set_epoch(epoch)
        shards.append((list(sampler), len(sampler)))
    return shards


@pytest.mark.parametrize("n,replicas,shuffle,drop_last,seed", CASES)
def test_shards_are_torchs(n, replicas, shuffle, drop_last, seed):
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    for epoch in (0, 3):
        want = _shards(n, replicas, shuffle, drop_last, seed, epoch, TorchSampler, torch.utils.data.TensorDataset(
            torch.arange(n)))
        assert _shards(n, replicas, shuffle, drop_last, seed, epoch, DistributedSampler, _data(n)) == want


@pytest.mark.parametrize("n,seed", [(0, 0), (1, 5), (2, 0), (50, 2 ** 40 + 17), (1000, 123), (257, -3)])
def test_randperm_is_torchs(n, seed):
    torch = pytest.importorskip("torch")
    assert torch_randperm(n, seed) == torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()


@pytest.mark.parametrize("n,replicas", [(10, 3), (12, 4), (7, 2), (100, 7)])
def test_shards_are_disjoint_and_cover_the_data(n, replicas):
    for drop_last in (False, True):
        shards = [list(DistributedSampler(_data(n), num_replicas=replicas, rank=r, seed=3, drop_last=drop_last))
                  for r in range(replicas)]
        assert len({len(s) for s in shards}) == 1  # every rank takes as many steps
        flat = [i for s in shards for i in s]
        if drop_last:  # disjoint, and only the remainder (fewer than one per rank) is left out
            assert len(set(flat)) == len(flat) and n - len(flat) < replicas
        else:  # everything, with the padding (fewer than one per rank) repeated from the start
            assert set(flat) == set(range(n)) and len(flat) - n < replicas


def test_epoch_reshuffles_and_seed_is_shared():
    a = DistributedSampler(_data(20), num_replicas=2, rank=0, seed=1)
    b = DistributedSampler(_data(20), num_replicas=2, rank=1, seed=1)
    first = list(a)
    assert first == list(a) and set(first).isdisjoint(b)
    a.set_epoch(1)
    assert list(a) != first


def test_bad_rank_and_no_group():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(_data(4), num_replicas=2, rank=2)
    if ember.distributed.is_available():
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            DistributedSampler(_data(4))
    else:  # torch's answer without the distributed package (here: without mpi4py)
        with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
            DistributedSampler(_data(4))


def _mlp_params():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(300, 300), nn.ReLU(), nn.Linear(300, 700), nn.ReLU(), nn.Linear(700, 10),
                          nn.Linear(10, 5).double(), nn.Linear(5, 100000))
    return list(model.parameters())


@pytest.mark.parametrize("first,cap", [(1024 * 1024, 25 * 1024 * 1024), (1000, 400000), (10, 10), (2 ** 62, 2 ** 62)])
def test_bucket_assignment_is_torchs(first, cap):
    torch = pytest.importorskip("torch")
    import torch.distributed as dist
    params = _mlp_params()
    theirs = [torch.zeros(tuple(p.shape), dtype=torch.float64 if p.dtype == ember.float64 else torch.float32)
              for p in params]
    n = len(theirs)
    want, _ = dist._compute_bucket_assignment_by_size(list(reversed(theirs)), [first, cap], [False] * n,
                                                      list(reversed(range(n))))
    assert bucket_assignment(params, first, cap) == want
