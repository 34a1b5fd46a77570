"""The differential harness the tensor/function/autograd tests share: run one program in real
torch 2.13 and in torch_like on the same data, compare outputs (values, shapes, dtypes) and the
gradients of a random weighting of the outputs with respect to every float input.

Tolerances: float32 results agree to rtol 1e-5 / atol 1e-6 (both libraries compute in float32,
in different orders); float64 to 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours

torch = pytest.importorskip("torch")

TOL = {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12), "float16": (1e-3, 1e-3)}


def dtype_name(d) -> str:
    return str(d).replace("torch.", "")


def as_numpy(t):
    if isinstance(t, torch.Tensor):
        if t._is_zerotensor():  # torch's symbolic zero gradients (e.g. of sgn)
            return np.zeros(tuple(t.shape), str(t.dtype).replace("torch.", ""))
        return t.detach().numpy()
    return np.asarray(t.detach().array if isinstance(t, ours.Tensor) else t)


def assert_same(mine, theirs, rtol=None, atol=None, what="output"):
    """Recursively compare a torch_like result with torch's (tensors, tuples, numbers)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, ours.Tensor), f"{what}: expected a Tensor, got {type(mine)}"
        assert tuple(mine.shape) == tuple(theirs.shape), \
            f"{what}: shape {tuple(mine.shape)} != torch's {tuple(theirs.shape)}"
        assert dtype_name(mine.dtype) == dtype_name(theirs.dtype), \
            f"{what}: dtype {mine.dtype} != torch's {theirs.dtype}"
        r, a = TOL.get(dtype_name(theirs.dtype), (0, 0))
        r, a = rtol if rtol is not None else r, atol if atol is not None else a
        np.testing.assert_allclose(as_numpy(mine), as_numpy(theirs), rtol=r, atol=a,
                                   equal_nan=True, err_msg=what)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(mine, (tuple, list)), f"{what}: expected a sequence, got {type(mine)}"
        assert len(mine) == len(theirs), f"{what}: {len(mine)} items, torch has {len(theirs)}"
        if hasattr(theirs, "_fields"):
            assert tuple(mine._fields) == tuple(theirs._fields)
        for i, (m, t) in enumerate(zip(mine, theirs)):
            assert_same(m, t, rtol, atol, f"{what}[{i}]")
    elif isinstance(theirs, float):
        assert mine == pytest.approx(theirs, rel=1e-6, nan_ok=True), what
    else:
        assert mine == theirs, f"{what}: {mine!r} != torch's {theirs!r}"


def _inputs(lib, arrays, grads):
    out = []
    for a, g in zip(arrays, grads):
        if isinstance(a, np.ndarray):
            t = lib.tensor(a)
            if g:
                t.requires_grad_(True)
            out.append(t)
        else:
            out.append(a)
    return out


def _float_outputs(result):
    if isinstance(result, (torch.Tensor, ours.Tensor)):
        return [result] if result.dtype in (torch.float32, torch.float64, ours.float32,
                                            ours.float64) and result.requires_grad else []
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _float_outputs(r)]
    return []


def compare(fn, *arrays, grad=True, rtol=None, atol=None, seed=0):
    """fn(lib, *tensors) runs in both libraries; arrays are numpy inputs (float ones require
    grad when `grad`) or plain Python values passed as they are."""
    grads = [grad and isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    tin, oin = _inputs(torch, arrays, grads), _inputs(ours, arrays, grads)
    theirs, mine = fn(torch, *tin), fn(ours, *oin)
    assert_same(mine, theirs, rtol, atol)
    touts, oouts = _float_outputs(theirs), _float_outputs(mine)
    wanted_t = [t for t, g in zip(tin, grads) if g]
    wanted_o = [t for t, g in zip(oin, grads) if g]
    if not (grad and touts and wanted_t):
        return mine
    assert len(oouts) == len(touts), "ours and torch differ in which outputs carry gradients"
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(tuple(t.shape)) for t in touts]
    t_loss = sum((t * torch.tensor(w, dtype=t.dtype)).sum() for t, w in zip(touts, weights))
    o_loss = sum((o * ours.tensor(w, dtype=o.dtype)).sum() for o, w in zip(oouts, weights))
    t_grads = torch.autograd.grad(t_loss, wanted_t, allow_unused=True)
    o_grads = ours.autograd.grad(o_loss, wanted_o, allow_unused=True)
    # a float64 input reached through float32 ops has float32-accurate gradients
    low = min((TOL.get(dtype_name(t.dtype), (0, 0)) for t in touts), key=lambda p: -p[0])
    rtol, atol = (low[0] if rtol is None else rtol), (low[1] if atol is None else atol)
    for i, (m, t) in enumerate(zip(o_grads, t_grads)):
        if t is None:
            assert m is None or np.all(as_numpy(m) == 0), f"grad {i}: torch has none"
            continue
        assert m is not None, f"grad {i}: torch has one, ours is None"
        assert_same(m, t, rtol, atol, f"grad of input {i}")
    return mine


def same_error(fn, *arrays, match=None):
    """Both libraries raise the same exception type (and torch's message contains `match`,
    which ours must too)."""
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    with pytest.raises(type(theirs.value)) as mine:
        fn(ours, *[ours.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    if match is not None:
        assert match in str(theirs.value), f"torch says: {theirs.value}"
        assert match in str(mine.value), f"ours says: {mine.value}"
    return mine.value


# -- the harness checks itself ----------------------------------------------------------------


def test_the_harness_sees_a_wrong_value():
    with pytest.raises(AssertionError):
        compare(lambda T, x: x * 2 if T is torch else x * 3, np.ones(3, np.float32))


def test_the_harness_sees_a_wrong_gradient():
    def f(T, x):
        return x * 2 if T is torch else (x * 3).detach() * 0 + x * 2 + (x * 0.5).detach()
    with pytest.raises(AssertionError):
        compare(lambda T, x: f(T, x) if T is torch else x * 2 + x.detach(),
                np.ones(3, np.float32))


def test_the_harness_sees_a_wrong_dtype():
    with pytest.raises(AssertionError):
        compare(lambda T, x: x.double() if T is torch else x, np.ones(3, np.float32), grad=False)
