"""The kernel table: one entry per op, merged from the family modules (same families and order
as core_ir/ops)."""

from __future__ import annotations

from . import activation, elementwise, indexing, linalg, reduction, shape

KERNELS = {
    **elementwise.KERNELS,
    **reduction.KERNELS,
    **linalg.KERNELS,
    **shape.KERNELS,
    **indexing.KERNELS,
    **activation.KERNELS,
}
