"""default_collate / default_convert against real torch: same structure, dtypes and values."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import frontends.torch_like as ttorch
from frontends.torch_like.utils import data as tdata

from ._data_helpers import plain

torch = pytest.importorskip("torch")

Point = namedtuple("Point", ["x", "y"])
F32 = np.float32


def _arrays(dtype):
    return [np.arange(6, dtype=dtype).reshape(2, 3) + i for i in range(3)]


# Each case builds a list of samples with the given library (for samples holding tensors).
COLLATE_CASES = {
    "python_ints": lambda lib: [1, 2, 3],
    "python_floats": lambda lib: [1.5, 2.0, -3.25],
    "python_bools": lambda lib: [True, False, True],
    "numpy_float32_scalars": lambda lib: [F32(1.5), F32(2.5)],
    "numpy_int32_scalars": lambda lib: [np.int32(4), np.int32(-1)],
    "numpy_float64_scalars": lambda lib: [np.float64(0.1), np.float64(0.2)],
    "numpy_bool_scalars": lambda lib: [np.bool_(True), np.bool_(False)],
    "numpy_float32_arrays": lambda lib: _arrays(F32),
    "numpy_int32_arrays": lambda lib: _arrays(np.int32),
    "numpy_float64_arrays": lambda lib: _arrays(np.float64),
    "tensors_float32": lambda lib: [lib.from_numpy(a) for a in _arrays(F32)],
    "tensors_int64": lambda lib: [lib.from_numpy(a) for a in _arrays(np.int64)],
    "tuples_become_lists": lambda lib: [(1, 2.0), (3, 4.0), (5, 6.0)],
    "lists_of_ints": lambda lib: [[1, 2], [3, 4]],
    "dicts": lambda lib: [{"a": 1, "b": np.ones(2, F32)}, {"a": 2, "b": np.zeros(2, F32)}],
    "namedtuples": lambda lib: [Point(1, 2.0), Point(3, 4.0)],
    "strings": lambda lib: ["a", "bc"],
    "nested": lambda lib: [{"x": (np.ones(3, F32), 1), "name": "p"},
                           {"x": (np.zeros(3, F32), 2), "name": "q"}],
    "tensor_and_label": lambda lib: [(lib.from_numpy(a), i) for i, a in enumerate(_arrays(F32))],
}


@pytest.mark.parametrize("case", COLLATE_CASES.values(), ids=COLLATE_CASES.keys())
def test_default_collate_matches_torch(case):
    expected = torch.utils.data.default_collate(case(torch))
    assert plain(tdata.default_collate(case(ttorch))) == plain(expected)


CONVERT_CASES = {
    "int": lambda: 3,
    "float": lambda: 2.5,
    "numpy_array": lambda: np.arange(4, dtype=np.int32),
    "numpy_scalar": lambda: F32(1.5),
    "tuple_becomes_list": lambda: (np.ones(2), 3),
    "dict": lambda: {"a": np.zeros(2, F32), "b": "s"},
    "namedtuple": lambda: Point(np.array(0), np.array(1.0)),
    "string_array_stays": lambda: np.array(["a", "b"]),
}


@pytest.mark.parametrize("case", CONVERT_CASES.values(), ids=CONVERT_CASES.keys())
def test_default_convert_matches_torch(case):
    expected = torch.utils.data.default_convert(case())
    assert plain(tdata.default_convert(case())) == plain(expected)


def test_numpy_array_collates_sharing_dtype_not_promoting():
    out = tdata.default_collate([np.ones(2, np.float16), np.ones(2, np.float16)])
    assert out.dtype == ttorch.float16 and tuple(out.shape) == (2, 2)


ERROR_CASES = {
    "unequal_lists": (lambda: [[1, 2], [3]], RuntimeError),
    "unknown_type": (lambda: [object(), object()], TypeError),
    "string_arrays": (lambda: [np.array(["a"]), np.array(["b"])], TypeError),
}


@pytest.mark.parametrize("case, error", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_collate_errors_match_torch(case, error):
    with pytest.raises(error) as expected:
        torch.utils.data.default_collate(case())
    message = str(expected.value).replace("torch.", "")
    with pytest.raises(error) as ours:
        tdata.default_collate(case())
    assert str(ours.value) == message


def test_unequal_tensor_shapes_raise_torchs_stack_error():
    def batch(lib):
        return [lib.from_numpy(np.ones(3, F32)), lib.from_numpy(np.ones(2, F32))]

    with pytest.raises(RuntimeError) as expected:
        torch.utils.data.default_collate(batch(torch))
    with pytest.raises(RuntimeError) as ours:
        tdata.default_collate(batch(ttorch))
    assert str(ours.value) == str(expected.value)


def test_collate_keeps_gradients_of_samples_that_require_grad():
    w = ttorch.from_numpy(np.array([1.0, 2.0], F32)).requires_grad_()
    batch = tdata.default_collate([w * 2, w * 3])
    batch.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 5.0])


def test_collate_with_custom_map_dispatches_on_subclasses():
    class Label(int):
        pass

    def collate_label(batch, *, collate_fn_map=None):
        return ("labels", list(batch))

    fn_map = {**tdata._utils.collate.default_collate_fn_map, Label: collate_label}
    out = tdata._utils.collate.collate([(Label(1), 1.0), (Label(2), 2.0)], collate_fn_map=fn_map)
    assert out[0] == ("labels", [1, 2])
    assert out[1].dtype == ttorch.float64
