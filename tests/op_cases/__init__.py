"""One table of op cases drives the op harnesses (tests/core_ir/test_op_cases.py): shape rule vs
kernel, kernel vs an independent numpy reference, VJP vs finite differences (float64), and
second derivatives where a case asks for them.

Each family module lists CASES; `all_cases()` collects them. A case's inputs are concrete
arrays; integer and bool inputs are passed as constants when tracing (so shape rules can read
axes, shapes and pads), float inputs as graph inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

RNG = np.random.default_rng(0)


@dataclass
class OpCase:
    id: str
    op: Any
    inputs: list
    reference: Callable
    attrs: dict = field(default_factory=dict)
    grad: bool = True  # check the VJP against finite differences
    wrt: tuple | None = None  # input indices to differentiate (default: every float input)
    second_order: bool = False  # also check the VJP of the VJP
    rtol: float = 1e-5
    atol: float = 1e-6
    fd_eps: float = 1e-6  # central-difference step (float64)
    symbolic: bool = True  # also trace with a symbolic leading dim (False: the rule needs it static)

    def float_inputs(self) -> list[int]:
        if self.wrt is not None:
            return list(self.wrt)
        return [i for i, x in enumerate(self.inputs)
                if isinstance(x, np.ndarray) and x.dtype.kind == "f"]


def rand(*shape, dtype=np.float32, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape).astype(dtype)


def positive(*shape, dtype=np.float32):
    return rand(*shape, dtype=dtype, low=0.5, high=2.0)


def away_from_zero(*shape, dtype=np.float32, margin=0.2):
    """Values with |x| >= margin, for ops with a kink at 0 (finite differences need smoothness)."""
    x = rand(*shape, dtype=dtype)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-9) * margin + x, x).astype(dtype)


def ints(*values, dtype=np.int64):
    return np.asarray(values, dtype=dtype)


def all_cases() -> list[OpCase]:
    from . import (activation, attention, conv, elementwise, indexing, linalg, loss,
                   normalization, optim, pool, random, recurrent, reduction, shape, slicing,
                   spatial)
    cases = []
    for module in (elementwise, reduction, linalg, shape, indexing, slicing, spatial, activation,
                   conv, pool, normalization, random, recurrent, loss, attention, optim):
        cases.extend(module.CASES)
    return cases
