"""Kernels of the linear-algebra ops."""

from __future__ import annotations

import numpy as np

from core_ir import ops

KERNELS = {
    ops.matmul: np.matmul,
}
