"""torch.autograd.gradcheck: compare the gradients autograd computes with central finite
differences, as torch does (use float64 inputs). Differences: only real tensors; the Jacobian is
built one output element at a time (fine for the small inputs gradcheck is meant for)."""

from __future__ import annotations

import numpy as np

import core_ir

from .._tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _outputs(func, inputs) -> list:
    out = func(*inputs)
    return [out] if isinstance(out, Tensor) else [o for o in out if isinstance(o, Tensor)]


def _numerical(func, inputs, i: int, eps: float) -> list[np.ndarray]:
    """d outputs / d inputs[i] by central differences: one (numel_in, numel_out) per output."""
    x = inputs[i]
    base = np.asarray(x.array)
    flat = base.reshape(-1)
    columns = []
    with core_ir.no_grad():
        for k in range(flat.size):
            saved = flat[k]
            flat[k] = saved + eps
            plus = [np.asarray(o.array, np.float64).reshape(-1) for o in _outputs(func, inputs)]
            flat[k] = saved - eps
            minus = [np.asarray(o.array, np.float64).reshape(-1) for o in _outputs(func, inputs)]
            flat[k] = saved
            columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    return [np.stack([c[j] for c in columns]) if columns else np.zeros((0, 0))
            for j in range(len(columns[0]) if columns else 0)]


def _analytical(func, inputs, i: int) -> list[np.ndarray]:
    from . import grad
    outputs = _outputs(func, inputs)
    x = inputs[i]
    jacobians = []
    for out in outputs:
        rows = []
        for k in range(out.numel()):
            seed = np.zeros(out.numel(), out.dtype)
            seed[k] = 1
            if not out.requires_grad:
                rows.append(np.zeros(x.numel()))
                continue
            (g,) = grad(out, x, Tensor(seed.reshape(tuple(out.shape))), retain_graph=True,
                        allow_unused=True)
            rows.append(np.zeros(x.numel()) if g is None else np.asarray(g.array).reshape(-1))
        jacobians.append(np.stack(rows, 1) if rows else np.zeros((x.numel(), 0)))
    return jacobians


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """True when autograd's Jacobian of func at inputs matches finite differences (for every
    input that requires grad); otherwise raises GradcheckError (or returns False)."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        for j, (num, ana) in enumerate(zip(_numerical(func, inputs, i, eps),
                                           _analytical(func, inputs, i))):
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(f"Jacobian mismatch for output {j} with respect to input "
                                     f"{i},\nnumerical:{num}\nanalytical:{ana}\n")
    return True
