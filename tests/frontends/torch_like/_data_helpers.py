"""Shared by the torch.utils.data tests: turn batches of either library into plain Python
structures so that ours and real torch's can be compared with ==."""

from __future__ import annotations

import numpy as np

import frontends.torch_like as ttorch


def plain(x):
    """A batch as nested (kind, ...) tuples: containers keep their type name, tensors become
    ("tensor", dtype name, shape, values)."""
    if isinstance(x, ttorch.Tensor):
        return _tensor(x.dtype.name, x.numpy())
    if type(x).__module__.startswith("torch") and hasattr(x, "dtype"):
        return _tensor(str(x.dtype).removeprefix("torch."), x.detach().numpy())
    if isinstance(x, dict):
        return ("dict", tuple((k, plain(v)) for k, v in x.items()))
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, tuple(plain(v) for v in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(plain(v) for v in x))
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.name, x.tolist())
    return x


def _tensor(dtype: str, values: np.ndarray):
    return ("tensor", dtype, values.shape, values.tolist())


def batches(loader) -> list:
    return [plain(b) for b in loader]
