"""DataLoader against real torch: batches, lengths, drop_last, batch_size=None, custom samplers
and collate functions, iterable datasets and argument errors. Shuffled orders are only checked
for being permutations and reproducible: the random streams are not torch's."""

from __future__ import annotations

import re

import numpy as np
import pytest

import frontends.torch_like as ttorch
from frontends.torch_like.utils import data as tdata

from ._data_helpers import batches, plain

torch = pytest.importorskip("torch")


def _lib(d):
    return torch if d is torch.utils.data else ttorch


def tensor_dataset(d, n=10):
    lib = _lib(d)
    x = lib.from_numpy(np.arange(3 * n, dtype=np.float32).reshape(n, 3))
    y = lib.from_numpy(np.arange(n) % 2)
    return d.TensorDataset(x, y)


def dict_dataset(d, n=7):
    return [{"id": i, "score": i / 2, "v": np.full(2, i, np.float32)} for i in range(n)]


LOADER_CASES = {
    "default_batch_size_1": lambda d: d.DataLoader(tensor_dataset(d)),
    "batch_4": lambda d: d.DataLoader(tensor_dataset(d), batch_size=4),
    "batch_4_drop_last": lambda d: d.DataLoader(tensor_dataset(d), batch_size=4, drop_last=True),
    "batch_5_drop_last_exact": lambda d: d.DataLoader(tensor_dataset(d), batch_size=5,
                                                      drop_last=True),
    "batch_larger_than_dataset": lambda d: d.DataLoader(tensor_dataset(d), batch_size=32),
    "dict_samples": lambda d: d.DataLoader(dict_dataset(d), batch_size=3),
    "no_auto_batching": lambda d: d.DataLoader(dict_dataset(d), batch_size=None),
    "batch_sampler": lambda d: d.DataLoader(
        tensor_dataset(d), batch_sampler=[[0, 1, 2], [9], [5, 3]]),
    "sampler_list": lambda d: d.DataLoader(tensor_dataset(d), sampler=[9, 8, 1], batch_size=2),
    "collate_fn": lambda d: d.DataLoader(list(range(7)), batch_size=3, collate_fn=sum),
    "subset": lambda d: d.DataLoader(d.Subset(tensor_dataset(d), [3, 1, 4, 1, 5]),
                                     batch_size=2),
    "concat": lambda d: d.DataLoader(d.ConcatDataset([list(range(3)), list(range(5))]),
                                     batch_size=3),
    "plain_list_of_floats": lambda d: d.DataLoader([0.5, 1.5, 2.5], batch_size=2),
    "numpy_rows": lambda d: d.DataLoader(np.arange(12, dtype=np.int32).reshape(6, 2),
                                         batch_size=4),
}


@pytest.mark.parametrize("build", LOADER_CASES.values(), ids=LOADER_CASES.keys())
def test_loader_batches_and_len_match_torch(build):
    theirs, ours = build(torch.utils.data), build(tdata)
    assert len(ours) == len(theirs)
    assert batches(ours) == batches(theirs)
    assert batches(ours) == batches(ours)  # a new pass starts from the beginning


class Stream:
    """An IterableDataset class for either library, with or without __len__."""

    @staticmethod
    def build(d, n, with_len=True):
        class S(d.IterableDataset):
            def __iter__(self):
                return iter([{"i": i, "x": np.full(2, i, np.float32)} for i in range(n)])

        if with_len:
            S.__len__ = lambda self: n
        return S()


ITERABLE_CASES = {
    "batch_3": lambda d: d.DataLoader(Stream.build(d, 7), batch_size=3),
    "batch_3_drop_last": lambda d: d.DataLoader(Stream.build(d, 7), batch_size=3, drop_last=True),
    "exact": lambda d: d.DataLoader(Stream.build(d, 6), batch_size=3, drop_last=True),
    "no_auto_batching": lambda d: d.DataLoader(Stream.build(d, 3), batch_size=None),
    "shuffle_false_allowed": lambda d: d.DataLoader(Stream.build(d, 4), batch_size=2,
                                                    shuffle=False),
}


@pytest.mark.parametrize("build", ITERABLE_CASES.values(), ids=ITERABLE_CASES.keys())
def test_iterable_dataset_loader_matches_torch(build):
    theirs, ours = build(torch.utils.data), build(tdata)
    assert len(ours) == len(theirs)
    assert batches(ours) == batches(theirs)


def test_iterable_dataset_without_len_has_no_loader_len():
    loader = tdata.DataLoader(Stream.build(tdata, 5, with_len=False), batch_size=2)
    assert len(batches(loader)) == 3
    with pytest.raises(TypeError):
        len(loader)


def test_shuffle_gives_each_epoch_a_new_permutation_reproducible_with_a_generator():
    def epochs(seed):
        loader = tdata.DataLoader(list(range(40)), batch_size=8, shuffle=True,
                                  generator=ttorch.Generator().manual_seed(seed))
        return [[b.tolist() for b in loader] for _ in range(2)]

    first = epochs(0)
    assert first == epochs(0)
    assert first != epochs(1)
    assert first[0] != first[1]
    for epoch in first:
        assert len(epoch) == 5
        assert sorted(i for batch in epoch for i in batch) == list(range(40))


def test_shuffled_tensor_dataset_keeps_inputs_and_labels_together():
    loader = tdata.DataLoader(tensor_dataset(tdata, 10), batch_size=4, shuffle=True,
                              drop_last=True, generator=ttorch.Generator().manual_seed(5))
    assert len(loader) == 2
    for x, y in loader:
        assert tuple(x.shape) == (4, 3) and x.dtype == ttorch.float32 and y.dtype == ttorch.int64
        np.testing.assert_array_equal(y.numpy(), (x.numpy()[:, 0] // 3) % 2)


def test_num_workers_loads_in_process_with_the_same_batches():
    serial = tdata.DataLoader(tensor_dataset(tdata), batch_size=3)
    workers = tdata.DataLoader(tensor_dataset(tdata), batch_size=3, num_workers=2,
                               persistent_workers=True, prefetch_factor=4)
    assert batches(workers) == batches(serial)
    assert workers.prefetch_factor == 4
    assert tdata.DataLoader([1], num_workers=2).prefetch_factor == 2
    assert tdata.get_worker_info() is None


def test_default_samplers_and_attributes_match_torch():
    theirs, ours = (d.DataLoader(list(range(5)), batch_size=2, shuffle=True)
                    for d in (torch.utils.data, tdata))
    assert type(ours.sampler).__name__ == type(theirs.sampler).__name__ == "RandomSampler"
    assert type(ours.batch_sampler).__name__ == "BatchSampler"
    assert (ours.batch_size, ours.drop_last, ours.num_workers) == (2, False, 0)
    unbatched = tdata.DataLoader(list(range(5)), batch_size=None)
    assert unbatched.batch_sampler is None and type(unbatched.sampler).__name__ == \
        "SequentialSampler"


LOADER_ERRORS = {
    "negative_workers": lambda d: d.DataLoader([1], num_workers=-1),
    "negative_timeout": lambda d: d.DataLoader([1], timeout=-1),
    "prefetch_without_workers": lambda d: d.DataLoader([1], prefetch_factor=2),
    "negative_prefetch": lambda d: d.DataLoader([1], num_workers=1, prefetch_factor=-1),
    "persistent_without_workers": lambda d: d.DataLoader([1], persistent_workers=True),
    "context_without_workers": lambda d: d.DataLoader([1], multiprocessing_context="spawn"),
    "sampler_and_shuffle": lambda d: d.DataLoader([1], sampler=[0], shuffle=True),
    "batch_sampler_and_batch_size": lambda d: d.DataLoader([1], batch_sampler=[[0]],
                                                           batch_size=2),
    "batch_sampler_and_drop_last": lambda d: d.DataLoader([1], batch_sampler=[[0]],
                                                          drop_last=True),
    "no_batching_and_drop_last": lambda d: d.DataLoader([1], batch_size=None, drop_last=True),
    "iterable_shuffle": lambda d: d.DataLoader(Stream.build(d, 2), shuffle=True),
    "iterable_sampler": lambda d: d.DataLoader(Stream.build(d, 2), sampler=[0]),
    "iterable_batch_sampler": lambda d: d.DataLoader(Stream.build(d, 2), batch_sampler=[[0]]),
    "bad_batch_size": lambda d: d.DataLoader([1], batch_size=0),
    "set_batch_size_after_init": lambda d: setattr(d.DataLoader([1]), "batch_size", 2),
}


@pytest.mark.parametrize("build", LOADER_ERRORS.values(), ids=LOADER_ERRORS.keys())
def test_loader_argument_errors_match_torch(build):
    with pytest.raises(Exception) as theirs:
        build(torch.utils.data)
    with pytest.raises(type(theirs.value), match="^" + re.escape(str(theirs.value)) + "$"):
        build(tdata)


def test_loader_yields_ours_tensors_usable_in_a_model_step():
    x, y = next(iter(tdata.DataLoader(tensor_dataset(tdata), batch_size=4)))
    assert isinstance(x, ttorch.Tensor) and plain(y)[1] == "int64"
    assert not x.requires_grad and x.is_leaf
