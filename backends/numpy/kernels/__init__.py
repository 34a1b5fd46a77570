"""The kernel table: one entry per op, merged from the family modules (same families and order
as core_ir/ops)."""

from __future__ import annotations

from . import (activation, attention, conv, elementwise, indexing, linalg, loss, normalization,
               optim, pool, random, recurrent, reduction, shape, slicing, spatial)

KERNELS = {
    **elementwise.KERNELS,
    **reduction.KERNELS,
    **linalg.KERNELS,
    **shape.KERNELS,
    **indexing.KERNELS,
    **slicing.KERNELS,
    **spatial.KERNELS,
    **activation.KERNELS,
    **conv.KERNELS,
    **pool.KERNELS,
    **normalization.KERNELS,
    **random.KERNELS,
    **recurrent.KERNELS,
    **loss.KERNELS,
    **attention.KERNELS,
    **optim.KERNELS,
}
