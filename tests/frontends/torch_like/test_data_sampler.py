"""Samplers and datasets against real torch: same indices where deterministic, same lengths,
sizes and errors where random (the random streams themselves are not torch's)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import frontends.torch_like as ttorch
from frontends.torch_like.utils import data as tdata

from ._data_helpers import plain

torch = pytest.importorskip("torch")


def _both(build):
    """build(data_module) for real torch and ours."""
    return build(torch.utils.data), build(tdata)


def _lib_of(d):
    return torch if d is torch.utils.data else ttorch


def _gen(seed: int):
    return ttorch.Generator().manual_seed(seed)


# -- deterministic samplers ---------------------------------------------------------------------
BATCH_SAMPLER_CASES = [(10, 3, False), (10, 3, True), (9, 3, True), (9, 3, False), (2, 5, False),
                       (2, 5, True), (0, 4, False), (7, 1, True)]


@pytest.mark.parametrize("n, batch_size, drop_last", BATCH_SAMPLER_CASES,
                         ids=[f"n{n}-b{b}-drop{d}" for n, b, d in BATCH_SAMPLER_CASES])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    theirs, ours = _both(lambda d: d.BatchSampler(d.SequentialSampler(range(n)), batch_size,
                                                  drop_last))
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_sequential_sampler_matches_torch():
    theirs, ours = _both(lambda d: d.SequentialSampler("abcde"))
    assert list(ours) == list(theirs) and len(ours) == len(theirs) == 5


SAMPLER_ERRORS = {
    "batch_size_zero": lambda d: d.BatchSampler(range(3), 0, False),
    "batch_size_bool": lambda d: d.BatchSampler(range(3), True, False),
    "drop_last_int": lambda d: d.BatchSampler(range(3), 2, 1),
    "random_replacement_int": lambda d: d.RandomSampler(range(3), replacement=1),
    "random_num_samples_zero": lambda d: d.RandomSampler(range(3), num_samples=0),
    "random_empty_dataset": lambda d: d.RandomSampler([]),
    "weighted_num_samples": lambda d: d.WeightedRandomSampler([1.0, 2.0], 0),
    "weighted_replacement": lambda d: d.WeightedRandomSampler([1.0, 2.0], 1, replacement=None),
    "weighted_2d": lambda d: d.WeightedRandomSampler([[1.0, 2.0]], 1),
}


@pytest.mark.parametrize("build", SAMPLER_ERRORS.values(), ids=SAMPLER_ERRORS.keys())
def test_sampler_argument_errors_match_torch(build):
    with pytest.raises(Exception) as theirs:
        build(torch.utils.data)
    with pytest.raises(type(theirs.value), match="^" + _escape(theirs.value) + "$"):
        build(tdata)


def _escape(err: Exception) -> str:
    import re
    return re.escape(str(err))


# -- random samplers ----------------------------------------------------------------------------
def test_random_sampler_gives_a_permutation_reproducible_with_a_seeded_generator():
    orders = [list(tdata.RandomSampler(range(50), generator=_gen(3))) for _ in range(2)]
    assert sorted(orders[0]) == list(range(50))
    assert orders[0] == orders[1]
    assert orders[0] != list(range(50))


def test_random_sampler_with_num_samples_and_replacement_matches_torch_lengths():
    for kwargs in [{"num_samples": 23}, {"num_samples": 7}, {"replacement": True},
                   {"replacement": True, "num_samples": 70}]:
        theirs, ours = _both(lambda d, kw=kwargs: d.RandomSampler(range(10), **kw))
        drawn = list(ours)
        assert len(drawn) == len(ours) == len(theirs) == len(list(theirs))
        assert set(drawn) <= set(range(10))
    # more samples than items without replacement: whole permutations, then a partial one
    drawn = list(tdata.RandomSampler(range(10), num_samples=23))
    assert sorted(drawn[:10]) == sorted(drawn[10:20]) == list(range(10))


def test_random_sampler_global_seed_reproduces_epochs():
    sampler = tdata.RandomSampler(range(30))
    ttorch.manual_seed(0)
    first = [list(sampler), list(sampler)]
    ttorch.manual_seed(0)
    second = [list(sampler), list(sampler)]
    assert first == second
    assert first[0] != first[1]  # each epoch draws a new order


def test_subset_random_sampler_permutes_its_indices():
    sampler = tdata.SubsetRandomSampler([5, 7, 11, 13], generator=_gen(0))
    assert sorted(sampler) == [5, 7, 11, 13] and len(sampler) == 4


def test_weighted_random_sampler_never_draws_zero_weights():
    sampler = tdata.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=_gen(0))
    drawn = np.array(list(sampler))
    assert len(drawn) == len(sampler) == 200
    assert set(drawn.tolist()) == {1, 3}
    assert 0.65 < np.mean(drawn == 3) < 0.85  # p = 0.75; 200 draws: sd 0.03
    assert sampler.weights.dtype == ttorch.float64


def test_weighted_random_sampler_without_replacement_draws_distinct_indices():
    drawn = list(tdata.WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5,
                                             replacement=False, generator=_gen(1)))
    assert len(set(drawn)) == 5


# -- datasets -----------------------------------------------------------------------------------
def test_concat_subset_stack_and_chain_datasets_match_torch():
    def build(d):
        concat = d.ConcatDataset([list(range(3)), list(range(10, 15))])
        subset = d.Subset(concat, [6, 0, 2])
        stack = d.StackDataset(list("abcdefgh"), concat)
        named = d.StackDataset(a=list("abcdefgh"), b=concat)
        return concat, subset, stack, named

    theirs, ours = _both(build)
    for t, o in zip(theirs, ours):
        assert len(o) == len(t)
        assert [o[i] for i in range(len(o))] == [t[i] for i in range(len(t))]
    assert ours[0].cumulative_sizes == theirs[0].cumulative_sizes == [3, 8]
    assert ours[0][-1] == theirs[0][-1] == 14
    assert ours[1].__getitems__([0, 2]) == theirs[1].__getitems__([0, 2])


class Stream(tdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_dataset_addition_concatenates_and_chains():
    class Items(tdata.Dataset):
        def __getitem__(self, i):
            return [1, 2][i]

        def __len__(self):
            return 2

    both = Items() + Items()
    assert isinstance(both, tdata.ConcatDataset) and [both[i] for i in range(4)] == [1, 2, 1, 2]
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, tdata.ChainDataset)
    assert list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5


DATASET_ERRORS = {
    "base_getitem": lambda d: d.Dataset()[0],
    "tensor_sizes": lambda d: d.TensorDataset(_t(d, 3), _t(d, 4)),
    "concat_empty": lambda d: d.ConcatDataset([]),
    "concat_iterable": lambda d: d.ConcatDataset([_stream(d)]),
    "concat_negative_index": lambda d: d.ConcatDataset([[1, 2]])[-3],
    "stack_sizes": lambda d: d.StackDataset([1], [1, 2]),
    "stack_none": lambda d: d.StackDataset(),
    "stack_both": lambda d: d.StackDataset([1], a=[1]),
    "chain_map_style": lambda d: list(d.ChainDataset([[1, 2]])),
    "split_sum": lambda d: d.random_split(range(10), [3, 3]),
    "split_fraction": lambda d: d.random_split(range(10), [1.5, -0.5]),
}


def _t(d, n):
    return _lib_of(d).from_numpy(np.zeros(n, np.float32))


def _stream(d):
    class S(d.IterableDataset):
        def __iter__(self):
            return iter([])
    return S()


@pytest.mark.parametrize("build", DATASET_ERRORS.values(), ids=DATASET_ERRORS.keys())
def test_dataset_errors_match_torch(build):
    with pytest.raises(Exception) as theirs:
        build(torch.utils.data)
    with pytest.raises(type(theirs.value), match="^" + _escape(theirs.value) + "$"):
        build(tdata)


# -- random_split -------------------------------------------------------------------------------
SPLITS = [[3, 7], [10, 0], [0.8, 0.2], [0.3, 0.3, 0.4], [1 / 3] * 3, [0.5, 0.5], [0.25] * 4]


@pytest.mark.parametrize("lengths", SPLITS, ids=[str(s) for s in SPLITS])
def test_random_split_sizes_match_torch_and_cover_the_dataset(lengths):
    with warnings.catch_warnings(record=True) as their_warnings:
        warnings.simplefilter("always")
        theirs = torch.utils.data.random_split(range(10), lengths)
    with warnings.catch_warnings(record=True) as our_warnings:
        warnings.simplefilter("always")
        ours = tdata.random_split(range(10), lengths, generator=_gen(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert [str(w.message) for w in our_warnings] == [str(w.message) for w in their_warnings]
    assert sorted(i for s in ours for i in s) == list(range(10))
    assert all(isinstance(s, tdata.Subset) for s in ours)


def test_random_split_is_reproducible_with_a_generator():
    def split(seed):
        return [list(s) for s in tdata.random_split(range(20), [5, 15], generator=_gen(seed))]

    assert split(1) == split(1)
    assert split(1) != split(2)


def test_random_split_default_generator_follows_manual_seed():
    def split():
        ttorch.manual_seed(7)
        return [list(s) for s in tdata.random_split(range(20), [0.5, 0.5])]

    assert split() == split()


def test_subset_of_a_tensor_dataset_matches_torch():
    def build(d):
        lib = _lib_of(d)
        x = lib.from_numpy(np.arange(12, dtype=np.float32).reshape(6, 2))
        y = lib.from_numpy(np.arange(6))
        return d.Subset(d.TensorDataset(x, y), [4, 1])

    theirs, ours = _both(build)
    assert len(ours) == len(theirs) == 2
    assert plain([ours[i] for i in range(2)]) == plain([theirs[i] for i in range(2)])


def test_tensor_dataset_items_match_torch_and_keep_gradients():
    def build(d):
        lib = _lib_of(d)
        return d.TensorDataset(lib.from_numpy(np.arange(6.0).reshape(3, 2)), lib.arange(3))

    theirs, ours = _both(build)
    for i in (0, 2, -1, np.int64(1)):
        assert plain(ours[i]) == plain(theirs[i])
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        ours[3]
    w = ttorch.ones(3, 2, requires_grad=True)
    (row,) = tdata.TensorDataset(w)[1]
    row.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 0], [1, 1], [0, 0]])
