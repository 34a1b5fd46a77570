"""torch's tensor repr: `tensor([1., 2.])`, dtype shown when it is not the default, and
`requires_grad=True` / `grad_fn=<...>` suffixes."""

from __future__ import annotations

import numpy as np

from . import _dtypes

_DEFAULT_SHOWN = {"float32", "int64", "bool"}


def _float_formatter(a: np.ndarray):
    """torch's choice: integral values as '1.', else 4 decimals, scientific for wide ranges."""
    finite = a[np.isfinite(a)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    nonzero = np.abs(finite[finite != 0])
    if nonzero.size and (nonzero.max() >= 1e8 or nonzero.min() < 1e-4):
        return lambda v: f"{v:.4e}"
    return lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)


def _format_array(a: np.ndarray) -> str:
    if a.dtype.kind == "f":
        return np.array2string(a, separator=", ", prefix="tensor(",
                               formatter={"float_kind": _float_formatter(a)})
    if a.dtype.kind == "b":
        return np.array2string(a, separator=", ", formatter={"bool": lambda v: str(bool(v))},
                               prefix="tensor(")
    return np.array2string(a, separator=", ", prefix="tensor(")


def tensor_repr(t) -> str:
    if t.array is None:
        return f"tensor(<traced {t.value.type_str()}>)"
    a = np.asarray(t.array)
    parts = [_format_array(a)]
    if a.size == 0:
        parts = [f"[]"]
        if a.ndim > 1:
            parts.append(f"size={tuple(a.shape)}")
    dtype_name = str(a.dtype)
    default = str(_dtypes.get_default_dtype())
    if dtype_name not in (_DEFAULT_SHOWN - {"float32"}) | {default}:
        parts.append(f"dtype=torch.{dtype_name}")
    if t.creator is not None:
        parts.append(f"grad_fn=<{t.creator.op.name}Backward0>")
    elif t.requires_grad:
        parts.append("requires_grad=True")
    return "tensor(" + ", ".join(parts) + ")"
