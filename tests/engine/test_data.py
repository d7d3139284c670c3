"""torch.utils.data as a training tutorial uses it: the same batches, in the same shuffled order, as torch."""
import collections
import warnings

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.utils.data import (BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler, Subset,
                                         TensorDataset, default_collate, random_split)


def as_plain(batch):
    """A batch as nested lists/dicts of (dtype name, shape, values), comparable across both libraries."""
    if hasattr(batch, "dtype") and hasattr(batch, "shape"):
        return (str(batch.dtype), tuple(batch.shape), batch.tolist(), bool(batch.requires_grad))
    if isinstance(batch, dict):
        return {k: as_plain(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [as_plain(v) for v in batch])
    return batch


class Squares:
    """A custom Dataset (subclassing each library's Dataset): sample i is (features, label, dict)."""

    @staticmethod
    def make(lib, n):
        class SquaresDataset(lib.utils.data.Dataset):
            def __len__(self):
                return n

            def __getitem__(self, i):
                x = lib.tensor([float(i), float(i * i)])
                return x, i % 3, {"id": i, "w": i / 2, "arr": np.arange(i, i + 2, dtype=np.float32)}

        return SquaresDataset()


def tensor_dataset(lib, n):
    x = lib.arange(n * 3, dtype=lib.float32).reshape(n, 3)
    y = lib.arange(n) % 2
    return lib.utils.data.TensorDataset(x, y)


def all_batches(lib, dataset, **kwargs):
    return [as_plain(b) for b in lib.utils.data.DataLoader(dataset, **kwargs)]


# --------------------------------------------------------------------------------------------
# Without torch
# --------------------------------------------------------------------------------------------

def test_unshuffled_batches_of_a_tensor_dataset():
    x = gt.arange(10.).reshape(5, 2)
    y = gt.tensor([0, 1, 0, 1, 1])
    loader = DataLoader(TensorDataset(x, y), batch_size=2)
    batches = list(loader)
    assert len(loader) == 3
    assert [b[0].tolist() for b in batches] == [[[0., 1.], [2., 3.]], [[4., 5.], [6., 7.]], [[8., 9.]]]
    assert [b[1].tolist() for b in batches] == [[0, 1], [0, 1], [1]]
    assert isinstance(batches[0], list)


def test_drop_last_and_len():
    loader = DataLoader(list(range(10)), batch_size=3, drop_last=True)
    assert len(loader) == 3
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_default_collate_types():
    assert default_collate([1, 2]).dtype == gt.int64
    assert default_collate([1.0, 2.0]).dtype == gt.float64
    assert default_collate([True, False]).dtype == gt.bool
    assert default_collate(["a", "b"]) == ["a", "b"]
    batch = default_collate([{"a": 1, "b": (1.0, 2)}, {"a": 3, "b": (4.0, 5)}])
    assert batch["a"].tolist() == [1, 3] and batch["b"][0].tolist() == [1.0, 4.0]


def test_batch_size_none_returns_samples_unbatched():
    loader = DataLoader([np.array([1, 2]), np.array([3, 4])], batch_size=None)
    items = list(loader)
    assert [i.tolist() for i in items] == [[1, 2], [3, 4]] and isinstance(items[0], gt.Tensor)


def test_num_workers_runs_in_process():
    assert [b.tolist() for b in DataLoader(list(range(5)), batch_size=2, num_workers=2)] == [[0, 1], [2, 3], [4]]


def test_random_split_lengths_and_fractions_cover_the_dataset():
    gt.manual_seed(0)
    a, b = random_split(range(10), [3, 7])
    assert sorted(list(a) + list(b)) == list(range(10)) and (len(a), len(b)) == (3, 7)
    parts = random_split(range(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]


def test_subset_and_samplers():
    s = Subset(list("abcdef"), [5, 0, 2])
    assert [s[i] for i in range(len(s))] == ["f", "a", "c"]
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    g = gt.Generator().manual_seed(3)
    assert sorted(RandomSampler(range(6), generator=g)) == list(range(6))


@pytest.mark.parametrize("kwargs, message", [
    (dict(shuffle=True, sampler=SequentialSampler(range(3))), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2),
     "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"),
    (dict(batch_size=None, drop_last=True),
     "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"),
    (dict(num_workers=-1), "num_workers option should be non-negative; use num_workers=0 to disable "
                           "multiprocessing."),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(batch_size=0), "batch_size should be a positive integer value, but got batch_size=0"),
])
def test_loader_argument_errors(kwargs, message):
    with pytest.raises(ValueError) as err:
        DataLoader(list(range(3)), **kwargs)
    assert str(err.value) == message


def test_random_split_lengths_not_summing():
    with pytest.raises(ValueError, match="^Sum of input lengths does not equal the length of the input dataset!$"):
        random_split(range(10), [3, 3])


def test_setting_batch_size_after_init_is_refused():
    loader = DataLoader(list(range(3)))
    with pytest.raises(ValueError, match="^batch_size attribute should not be set after DataLoader is initialized$"):
        loader.batch_size = 4


def test_dataset_without_getitem():
    with pytest.raises(NotImplementedError, match="^Subclasses of Dataset should implement __getitem__.$"):
        Dataset()[0]


def test_collate_of_unequal_lists():
    with pytest.raises(RuntimeError, match="^each element in list of batch should be of equal size$"):
        default_collate([[1, 2], [3]])


# --------------------------------------------------------------------------------------------
# Against torch
# --------------------------------------------------------------------------------------------

SEEDS = [0, 1, 42, 2024, 123456789]


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (17, 4, False), (64, 64, False),
                                                       (5, 8, False), (100, 7, True)])
def test_shuffled_tensor_dataset_matches_torch(real_torch, seed, n, batch_size, drop_last):
    results = []
    for lib in (gt, real_torch):
        lib.manual_seed(seed)
        ds = tensor_dataset(lib, n)
        loader = lib.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=True, drop_last=drop_last)
        epochs = [[as_plain(b) for b in loader] for _ in range(2)]  # two epochs: the second reshuffles
        results.append((len(loader), epochs, lib.rand(3).tolist()))  # and the default stream moves the same
    assert results[0] == results[1]


@pytest.mark.torch
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("seed", SEEDS[:3])
def test_custom_dataset_with_tuples_dicts_and_numpy_matches_torch(real_torch, seed, shuffle):
    results = []
    for lib in (gt, real_torch):
        lib.manual_seed(seed)
        results.append(all_batches(lib, Squares.make(lib, 11), batch_size=4, shuffle=shuffle))
    assert results[0] == results[1]


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS[:3])
def test_generator_argument_and_samplers_match_torch(real_torch, seed):
    results = []
    for lib in (gt, real_torch):
        lib.manual_seed(99)
        g = lib.Generator().manual_seed(seed)
        data = list(range(13))
        out = [all_batches(lib, data, batch_size=5, shuffle=True, generator=g),
               list(lib.utils.data.RandomSampler(data, replacement=True, num_samples=40, generator=g)),
               list(lib.utils.data.RandomSampler(data, num_samples=30, generator=g)),
               list(lib.utils.data.SubsetRandomSampler([3, 5, 7, 9], generator=g)),
               all_batches(lib, data, batch_sampler=lib.utils.data.BatchSampler(
                   lib.utils.data.RandomSampler(data, generator=g), 4, True)),
               all_batches(lib, data, sampler=lib.utils.data.SequentialSampler(data), batch_size=6),
               all_batches(lib, data, batch_size=None),
               all_batches(lib, data, batch_size=4, collate_fn=lambda b: sum(b)),
               lib.rand(2).tolist()]
        results.append(out)
    assert results[0] == results[1]


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [0.1, 0.2, 0.7], [10, 0]])
def test_random_split_matches_torch(real_torch, seed, lengths):
    results = []
    for lib in (gt, real_torch):
        lib.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = lib.utils.data.random_split(range(10), lengths)
            parts_gen = lib.utils.data.random_split(range(10), lengths, generator=lib.Generator().manual_seed(seed))
        results.append(([list(p.indices) for p in parts], [list(p.indices) for p in parts_gen], lib.rand(2).tolist()))
    assert results[0] == results[1]


@pytest.mark.torch
def test_zero_length_split_warns_as_torch(real_torch):
    messages = []
    for lib in (gt, real_torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.utils.data.random_split(range(3), [0.1, 0.1, 0.8], generator=lib.Generator())
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] == ["Length of split at index 1 is 0. This might result in an empty dataset."]


@pytest.mark.torch
@pytest.mark.parametrize("batch", [
    [1, 2, 3], [1.5, 2.5], [True, False], ["a", "b"], [b"x", b"y"],
    [np.float32(1.5), np.float32(2)], [np.int16(3), np.int16(4)], [np.array([1, 2]), np.array([3, 4])],
    [np.array([1.5], dtype=np.float16), np.array([2], dtype=np.float16)],
    [(1, 2.0), (3, 4.0)], [[1, 2], [3, 4]], [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    [collections.OrderedDict(x=1), collections.OrderedDict(x=2)],
])
def test_default_collate_matches_torch(real_torch, batch):
    mine = as_plain(default_collate(batch))
    theirs = as_plain(real_torch.utils.data.default_collate(batch))
    assert mine == theirs


@pytest.mark.torch
def test_collate_of_tensors_matches_torch(real_torch):
    results = []
    for lib in (gt, real_torch):
        batch = [lib.tensor([1., 2.], requires_grad=True) * 2, lib.tensor([3., 4.])]
        results.append(as_plain(lib.utils.data.default_collate(batch)))
    assert results[0] == results[1]


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.utils.data.default_collate([object(), object()]),
    lambda lib: lib.utils.data.default_collate([np.array(["a"]), np.array(["b"])]),
    lambda lib: lib.utils.data.TensorDataset(lib.ones(3), lib.ones(4)),
    lambda lib: lib.utils.data.random_split(range(10), [0.5, 0.6]),
    lambda lib: lib.utils.data.random_split(range(10), [1.5, -0.5]),
    lambda lib: lib.utils.data.RandomSampler(range(3), replacement=1),
    lambda lib: lib.utils.data.RandomSampler(range(3), num_samples=0),
    lambda lib: lib.utils.data.BatchSampler(range(3), 2, drop_last=None),
    lambda lib: lib.utils.data.DataLoader(range(3), prefetch_factor=2),
    lambda lib: lib.utils.data.DataLoader(range(3), timeout=-1),
])
def test_errors_match_torch(real_torch, call):
    outcomes = []
    for lib in (gt, real_torch):
        with pytest.raises(Exception) as err:
            call(lib)
        outcomes.append((type(err.value).__name__, str(err.value).replace("gradtrace", "torch")))
    assert outcomes[0] == outcomes[1]
