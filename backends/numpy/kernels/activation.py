"""Fused kernels of Softmax and LogSoftmax (max-shifted for stability)."""

from __future__ import annotations

import numpy as np

from core_ir import ops


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


KERNELS = {
    ops.softmax: _softmax,
    ops.log_softmax: _log_softmax,
}
