"""Cases for Softmax and LogSoftmax."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import OpCase, rand


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


CASES = [
    OpCase("softmax_last", ops.softmax, [rand(3, 5)], lambda x: _softmax(x, -1), second_order=True),
    OpCase("softmax_axis0", ops.softmax, [rand(3, 5)], lambda x: _softmax(x, 0), attrs={"axis": 0}),
    OpCase("softmax_large_logits", ops.softmax, [np.array([[1000.0, 0.0, -1000.0]], np.float32)],
           lambda x: np.array([[1.0, 0.0, 0.0]]), grad=False),
    OpCase("log_softmax_last", ops.log_softmax, [rand(3, 5)],
           lambda x: np.log(_softmax(x, -1)), second_order=True),
]
