"""Flatten and Unflatten (torch.nn.modules.flatten)."""

from __future__ import annotations

import math

from core_ir import ops

from ..._tensor import call
from .module import Module

__all__ = ["Flatten", "Unflatten"]


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """torch.flatten: merge dims start_dim..end_dim into one."""
    if input.ndim == 0:
        return call(ops.reshape, input, ops.const_ints([1]))
    start, end = start_dim % input.ndim, end_dim % input.ndim
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = list(input.shape)
    merged = math.prod(shape[start:end + 1]) if all(
        isinstance(d, int) for d in shape[start:end + 1]) else -1
    new = [d if isinstance(d, int) else 0 for d in shape[:start]] + [merged] + \
        [d if isinstance(d, int) else 0 for d in shape[end + 1:]]
    return call(ops.reshape, input, ops.const_ints(new))


class Flatten(Module):
    """Mirrors torch.nn.Flatten: (N, *dims) -> (N, prod(dims)) by default (C, H, W order)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Mirrors torch.nn.Unflatten: split dim into unflattened_size (one entry may be -1)."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError("unflattened_size must be tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for idx, elem in enumerate(unflattened_size):
            if not isinstance(elem, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element "
                                f"of type {type(elem).__name__} at pos {idx}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        dim = self.dim % input.ndim
        sizes = list(self.unflattened_size)
        known = math.prod(s for s in sizes if s != -1)
        if -1 not in sizes and isinstance(input.shape[dim], int) and known != input.shape[dim]:
            raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the "
                               f"size of dim {self.dim} ({input.shape[dim]}) in the input "
                               "tensor")
        # symbolic dims (tracing for ONNX export with dynamic axes): ONNX Reshape copies a 0 dim
        # (the leading dims keep their index) and infers one -1
        shape = [*(d if isinstance(d, int) else 0 for d in input.shape[:dim]), *sizes,
                 *(d if isinstance(d, int) else -1 for d in input.shape[dim + 1:])]
        return call(ops.reshape, input, ops.const_ints(shape))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
