"""torch.autograd.Variable, the legacy wrapper: today a Variable is a Tensor. Calling it gives a
tensor sharing the data's memory, with the requested requires_grad; isinstance(t, Variable)
holds for every tensor."""

from __future__ import annotations

from .._tensor import Tensor, wrap


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)

    def __call__(cls, data, requires_grad: bool = False, volatile: bool = False):
        t = Tensor(wrap(data).array)
        return t.requires_grad_(True) if requires_grad else t


class Variable(metaclass=_VariableMeta):
    """Mirrors torch.autograd.Variable (see the module docstring)."""
