"""The eager interpreter: runs each op's kernel at once.

This is the hot path of define-by-run code, so it does as little as it can: look up the kernel,
call it on the arrays, wrap the result. The shape rule is not run on success; when a kernel
raises, `diagnose` runs it to turn the failure into the op's own error (or report a bug).
"""

from __future__ import annotations

from core_ir import interpreters
from core_ir.interpreters import Interpreter, check_shapes, diagnose
from core_ir.tensor import Tensor

from .kernels import KERNELS


class NumpyEager(Interpreter):
    def __init__(self, kernels: dict):
        self.kernels = kernels

    def apply(self, op, inputs, attrs):
        kernel = self.kernels.get(op)
        if kernel is None:
            return self._decompose(op, inputs, attrs)
        try:
            arrays = [t.array for t in inputs]
        except AttributeError:  # an absent optional input
            arrays = [None if t is None else t.array for t in inputs]
        if op.check_eagerly:
            check_shapes(op, inputs, attrs)
        allowed = op.allowed_dtypes
        if allowed is not None:
            first = arrays[0].dtype
            if first not in allowed or (op.homogeneous and not _same_dtype(arrays, first)):
                diagnose(op, inputs, attrs, None)
        try:
            res = kernel(*arrays, **attrs)
        except Exception as exc:  # the shape rule explains it, or it is our bug
            diagnose(op, inputs, attrs, exc)
        cls = inputs[0].result_class if inputs and inputs[0] is not None else Tensor
        if op.num_outputs == 1:
            return cls(res)
        return tuple(cls(r) for r in res)

    def _decompose(self, op, inputs, attrs):
        """A composite without a fused kernel runs its decomposition (not recorded: bind records
        the composite itself)."""
        if op.decompose is None:
            raise NotImplementedError(f"the numpy backend has no kernel for {op.name}")
        with interpreters.no_grad():
            return op.decompose(*inputs, **attrs)

    def constant(self, array, cls=Tensor):
        return cls(array)

    def assign(self, target, new):
        target.array = new.array
        target.version += 1


def _same_dtype(arrays, first) -> bool:
    """numpy would silently promote mixed dtypes; ONNX (and the IR) rejects them."""
    for a in arrays:
        if a is not None and a.dtype != first:
            return False
    return True


EAGER = NumpyEager(KERNELS)
