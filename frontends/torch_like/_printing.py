"""torch's tensor repr (torch/_tensor_str.py, same algorithm): one width for all elements;
floats in int mode ('1.'), fixed ('1.5000') or scientific ('1.0000e-05') chosen from the
nonzero finite values; rows wrapped at `linewidth`; summarized with '...' past `threshold`
elements; suffixes `dtype=` (when not float32/int64/bool), `requires_grad=True` or
`grad_fn=<...>`, and `size=` for empty tensors."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _dtypes


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Mirrors torch.set_printoptions: precision, threshold, edgeitems, linewidth, profile
    ('default', 'short', 'full') and sci_mode (None: automatic)."""
    if profile is not None:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    return dict(vars(PRINT_OPTS))


class _Formatter:
    def __init__(self, a: np.ndarray):
        self.floating = a.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        values = a.reshape(-1)
        if not self.floating:
            for v in values.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        self._scan_floats(values.astype(np.float64))

    def _scan_floats(self, values: np.ndarray) -> None:
        nonzero = values[np.isfinite(values) & (values != 0)]
        if nonzero.size == 0:
            return
        lo, hi = np.abs(nonzero).min(), np.abs(nonzero).max()
        self.int_mode = builtins_all(nonzero == np.ceil(nonzero))
        self.sci_mode = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) \
            if PRINT_OPTS.sci_mode is None else PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        if self.sci_mode:
            strs = [f"{v:.{p}e}" for v in nonzero.tolist()]
        elif self.int_mode:
            strs = [f"{v:.0f}." for v in nonzero.tolist()]
        else:
            strs = [f"{v:.{p}f}" for v in nonzero.tolist()]
        self.max_width = max(self.max_width, max(len(s) for s in strs))

    def format(self, value) -> str:
        p = PRINT_OPTS.precision
        if not self.floating:
            ret = str(value)
        elif self.sci_mode:
            ret = f"{value:{self.max_width}.{p}e}"
        elif self.int_mode:
            ret = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            ret = f"{value:.{p}f}"
        return (self.max_width - len(ret)) * " " + ret


def builtins_all(mask: np.ndarray) -> bool:
    return bool(np.all(mask))


def _vector_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (fmt.max_width + 2)))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        data = ([fmt.format(v) for v in a[:edge].tolist()] + [" ..."]
                + [fmt.format(v) for v in a[-edge:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    edge = PRINT_OPTS.edgeitems
    if summarize and a.shape[0] > 2 * edge:
        slices = ([_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(edge)] + ["..."]
                  + [_tensor_str(a[i], indent + 1, summarize, fmt)
                     for i in range(a.shape[0] - edge, a.shape[0])])
    else:
        slices = [_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows (they alone decide the format)."""
    edge = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:edge], a[-edge:]]) if a.shape[0] > 2 * edge else a
    if not edge:
        return a[tuple(slice(0, 0) for _ in a.shape)]
    rows = list(range(edge)) + list(range(a.shape[0] - edge, a.shape[0])) \
        if a.shape[0] > 2 * edge else range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


def format_array(a: np.ndarray, indent: int = 7) -> str:
    if a.size == 0:
        return "[]"
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    summarize = a.size > PRINT_OPTS.threshold
    fmt = _Formatter(_summarized(a) if summarize else a)
    return _tensor_str(a, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _suffixes(t, a: np.ndarray) -> list[str]:
    suffixes = []
    shown = {_dtypes.get_default_dtype(), _dtypes.int64, _dtypes.bool}
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if a.dtype != _dtypes.get_default_dtype():
            suffixes.append(f"dtype={_dtypes.torch_name(a.dtype)}")
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if a.dtype not in shown:
            suffixes.append(f"dtype={_dtypes.torch_name(a.dtype)}")
    grad_fn = t.grad_fn
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return suffixes


def tensor_repr(t) -> str:
    prefix = "tensor("
    if t.array is None:
        return f"{prefix}<traced {t.value.type_str()}>)"
    a = np.asarray(t.array)
    return _add_suffixes(prefix + format_array(a, len(prefix)), _suffixes(t, a), len(prefix))
