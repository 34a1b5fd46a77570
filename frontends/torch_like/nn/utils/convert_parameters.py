"""torch.nn.utils.convert_parameters: parameters_to_vector and vector_to_parameters."""

from __future__ import annotations

import numpy as np

from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from ..._tensor import call
from ..modules._util import typename

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    flat = [call(ops.reshape, p, ops.const_ints([-1])) for p in parameters]
    if not flat:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    return flat[0] if len(flat) == 1 else call(ops.concat, *flat, axis=0)


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-D vec into the parameters (their .data)."""
    if not isinstance(vec, _CoreTensor):
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    data = np.asarray(vec.array).reshape(-1)
    pointer = 0
    for param in parameters:
        n = int(np.prod(param.shape))
        param.array = data[pointer:pointer + n].reshape(param.shape).astype(param.dtype)
        param.version += 1
        pointer += n
