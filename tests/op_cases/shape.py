"""Cases for the shape ops."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import OpCase, ints, rand

CASES = [
    OpCase("shape", ops.shape, [rand(2, 3, 4)], lambda x: np.array([2, 3, 4]), grad=False),
    OpCase("shape_slice", ops.shape, [rand(2, 3, 4)], lambda x: np.array([3]),
           attrs={"start": 1, "end": 2}, grad=False),
    OpCase("size", ops.size, [rand(2, 3, 4)], lambda x: np.array(24), grad=False),
    OpCase("reshape_minus_one_zero", ops.reshape, [rand(2, 3, 4), ints(0, -1)],
           lambda x, s: x.reshape(2, 12)),
    OpCase("expand", ops.expand, [rand(3, 1), ints(2, 3, 4)],
           lambda x, s: np.tile(x[None], (2, 1, 4))),
    OpCase("transpose_default", ops.transpose, [rand(2, 3, 4)], lambda x: x.T.copy()),
    OpCase("transpose_perm", ops.transpose, [rand(2, 3, 4)],
           lambda x: np.moveaxis(x, 0, -1), attrs={"perm": [1, 2, 0]}),
    OpCase("unsqueeze", ops.unsqueeze, [rand(2, 3), ints(0, -1)], lambda x, a: x[None, :, :, None]),
    OpCase("squeeze", ops.squeeze, [rand(2, 1, 3, 1), ints(1)], lambda x, a: x[:, 0]),
    OpCase("squeeze_all", ops.squeeze, [rand(2, 1, 3, 1)], lambda x: x[:, 0, :, 0],
           symbolic=False),  # without axes, which dims are 1 must be known
]
