"""Every op is wired: a kernel, a shape rule, a VJP rule or an explicit 'not differentiable',
and at least one case in the op table (gradient-checked when differentiable)."""

from __future__ import annotations

import pytest

from backends.numpy import KERNELS
from core_ir import all_ops
from tests.op_cases import all_cases

OPS = all_ops()
CASES = all_cases()


def _name(op):
    return f"{op.domain}.{op.name}" if op.domain else op.name


@pytest.mark.parametrize("op", OPS, ids=_name)
def test_every_op_has_a_kernel(op):
    assert op in KERNELS, f"no numpy kernel for {op.name}"


@pytest.mark.parametrize("op", OPS, ids=_name)
def test_every_op_has_a_case(op):
    assert any(c.op is op for c in CASES), f"no case in tests/op_cases for {op.name}"


@pytest.mark.parametrize("op", [o for o in OPS if o.differentiable], ids=_name)
def test_every_differentiable_op_is_gradient_checked(op):
    assert any(c.op is op and c.grad for c in CASES), f"no gradient-checked case for {op.name}"


@pytest.mark.parametrize("op", [o for o in OPS if o.is_composite], ids=_name)
def test_composites_decompose_into_primitives_with_the_same_result(op):
    import numpy as np

    from core_ir.tensor import Tensor
    case = next(c for c in CASES if c.op is op)
    tensors = [None if x is None else Tensor(x) for x in case.inputs]
    fused = op(*tensors, **case.attrs)
    decomposed = op.decompose(*tensors, **op.resolve_attrs(case.attrs))
    for a, b in zip(fused if isinstance(fused, tuple) else (fused,),
                    decomposed if isinstance(decomposed, tuple) else (decomposed,)):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-5, atol=1e-6)
