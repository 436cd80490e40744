"""ember.utils.data against torch.utils.data: the same batches (contents, shapes, dtypes)."""
import collections

import numpy as np
import pytest

import ember
from ember.utils import data

torch = pytest.importorskip("torch")
from torch.utils import data as tdata  # noqa: E402

Point = collections.namedtuple("Point", "x y")


def plain(batch):
    """A batch as comparable Python values: tensors become (dtype, shape, values)."""
    if isinstance(batch, (ember.Tensor, torch.Tensor)):
        return (str(batch.dtype).split(".")[-1], tuple(batch.shape), batch.tolist())
    if isinstance(batch, dict):
        return {key: plain(value) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [plain(item) for item in batch])
    return batch


class Samples:
    """A map-style data set over a list (works with both libraries' DataLoader)."""

    def __init__(self, items):
        self.items = items

    def __getitem__(self, index):
        return self.items[index]

    def __len__(self):
        return len(self.items)


def sample_sets(lib):
    array = np.arange(24, dtype=np.float32).reshape(6, 4)
    return {
        "tensors": lib.utils.data.TensorDataset(lib.tensor(array), lib.arange(6)),
        "floats_ints": Samples([(float(i) / 2, i, i % 2 == 0) for i in range(7)]),
        "dicts": Samples([{"image": lib.ones(2, 3) * i, "label": i, "name": f"s{i}"} for i in range(5)]),
        "numpy": Samples([(array[i], np.int32(i), np.float64(i) / 3) for i in range(6)]),
        "namedtuple": Samples([Point(lib.tensor([i, i + 1]), float(i)) for i in range(5)]),
        "lists": Samples([[i, [i * 2, i * 3]] for i in range(5)]),
    }


@pytest.mark.parametrize("name", ["tensors", "floats_ints", "dicts", "numpy", "namedtuple", "lists"])
@pytest.mark.parametrize("batch_size,drop_last", [(2, False), (2, True), (4, False), (None, False)])
def test_batches_match_torch(name, batch_size, drop_last):
    ours = data.DataLoader(sample_sets(ember)[name], batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(sample_sets(torch)[name], batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]


def test_samplers_and_batch_sampler_match_torch():
    def batches(lib, make_kwargs):
        d = lib.utils.data
        dataset = d.TensorDataset(lib.arange(10))
        return [plain(b) for b in d.DataLoader(dataset, **make_kwargs(d))]

    cases = [lambda d: dict(sampler=[9, 3, 3, 0], batch_size=3),
             lambda d: dict(batch_sampler=[[0, 1], [5], [9, 8, 7]]),
             lambda d: dict(batch_sampler=d.BatchSampler(d.SequentialSampler(range(10)), 4, drop_last=True)),
             lambda d: dict(batch_size=3, num_workers=2)]
    for kwargs in cases:
        assert batches(ember, kwargs) == batches(torch, kwargs)


def test_iterable_dataset_and_concat_and_subset():
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    class TorchStream(tdata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [plain(b) for b in data.DataLoader(Stream(), batch_size=3)] == \
        [plain(b) for b in tdata.DataLoader(TorchStream(), batch_size=3)]
    assert [plain(b) for b in data.DataLoader(Stream(), batch_size=3, drop_last=True)] == \
        [plain(b) for b in tdata.DataLoader(TorchStream(), batch_size=3, drop_last=True)]
    concat = data.ConcatDataset([Samples([1, 2, 3]), Samples([4, 5])])
    assert len(concat) == 5 and [concat[i] for i in range(5)] == [1, 2, 3, 4, 5] and concat[-1] == 5
    subset = data.Subset(Samples(list("abcdef")), [5, 0, 2])
    assert len(subset) == 3 and [subset[i] for i in range(3)] == ["f", "a", "c"]


def test_shuffle_is_a_reproducible_permutation():
    dataset = data.TensorDataset(ember.arange(20))

    def epoch(seed):
        generator = ember.Generator().manual_seed(seed)
        loader = data.DataLoader(dataset, batch_size=6, shuffle=True, generator=generator)
        return [b[0].tolist() for b in loader]

    first = epoch(0)
    assert [len(b) for b in first] == [6, 6, 6, 2]
    assert sorted(sum(first, [])) == list(range(20)) and sum(first, []) != list(range(20))
    assert epoch(0) == first and epoch(1) != first
    ember.manual_seed(3)
    loader = data.DataLoader(dataset, batch_size=20, shuffle=True)
    a = next(iter(loader))[0].tolist()
    b = next(iter(loader))[0].tolist()
    assert a != b  # a new order each epoch
    ember.manual_seed(3)
    assert next(iter(loader))[0].tolist() == a


def test_random_split_lengths_match_torch():
    for lengths in ([0.5, 0.3, 0.2], [0.34, 0.33, 0.33], [3, 7], [1.0]):
        ours = data.random_split(Samples(list(range(10))), lengths, generator=ember.Generator().manual_seed(1))
        theirs = tdata.random_split(Samples(list(range(10))), lengths, generator=torch.Generator().manual_seed(1))
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        assert sorted(x for s in ours for x in (s[i] for i in range(len(s)))) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        data.random_split(Samples(list(range(10))), [3, 3])


def test_samplers():
    generator = ember.Generator().manual_seed(0)
    sampler = data.RandomSampler(range(5), replacement=True, num_samples=12, generator=generator)
    drawn = list(sampler)
    assert len(drawn) == len(sampler) == 12 and set(drawn) <= set(range(5))
    assert sorted(data.SubsetRandomSampler([2, 4, 6], generator=generator)) == [2, 4, 6]
    assert sorted(data.RandomSampler(range(4), num_samples=6, generator=generator)).count(0) >= 1
    assert list(data.BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert len(data.BatchSampler(range(5), 2, drop_last=True)) == 2


def test_errors_match_torch():
    dataset = data.TensorDataset(ember.arange(4))
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        data.DataLoader(dataset, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with batch_size"):
        data.DataLoader(dataset, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        data.TensorDataset(ember.arange(4), ember.arange(3))
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        data.default_collate([[1, 2], [3]])
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        data.BatchSampler(range(3), 0, False)


def test_default_collate_matches_torch_directly():
    batch = [{"a": (1, 2.5), "b": [np.float32(1.5)]}, {"a": (3, 4.0), "b": [np.float32(2.5)]}]
    assert plain(data.default_collate(batch)) == plain(tdata.default_collate(batch))
