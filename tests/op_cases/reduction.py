"""Cases for the reductions."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import OpCase, ints, rand

CASES = [
    OpCase("reduce_sum_axis1_keep", ops.reduce_sum, [rand(2, 3, 4), ints(1)],
           lambda x, a: x.sum(axis=1, keepdims=True)),
    OpCase("reduce_sum_all_nokeep", ops.reduce_sum, [rand(2, 3)],
           lambda x: np.array(x.sum()), attrs={"keepdims": 0}),
    OpCase("reduce_mean_neg_axes", ops.reduce_mean, [rand(2, 3, 4), ints(-1, 0)],
           lambda x, a: x.mean(axis=(0, 2)), attrs={"keepdims": 0}),
    OpCase("reduce_max", ops.reduce_max, [rand(2, 3, 4), ints(2)],
           lambda x, a: x.max(axis=2, keepdims=True)),
    OpCase("reduce_min", ops.reduce_min, [rand(2, 3, 4), ints(0)],
           lambda x, a: x.min(axis=0), attrs={"keepdims": 0}),
]
