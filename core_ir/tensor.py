"""Tensor: what every op takes and returns, in any interpreter.

Eagerly it holds an array in `array` (not `data`: torch_like keeps that name for torch's
`.data`); while tracing it holds a graph `Value` in `value`. Autograd
state lives here too: `requires_grad`, `creator` (the tape record that made it, None for a leaf)
and `grad`. Frontends subclass it with `__slots__ = ()`, so an op applied to a torch_like Tensor
returns a torch_like Tensor and a tensor's class can be switched without copying.

The arithmetic operators exist so that VJP rules read like math (`g * y`); they follow ONNX
semantics (same dtypes, numpy broadcasting), not a framework's promotion rules.
"""

from __future__ import annotations

from typing import Any


class Tensor:
    __slots__ = ("array", "value", "requires_grad", "creator", "grad", "retains_grad", "version",
                 "__weakref__")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "result_class" not in cls.__dict__:
            cls.result_class = cls

    def __init__(self, array=None, value=None, requires_grad: bool = False):
        # Only the slots every op reads are set here: this runs once per eager op, so the rest
        # start unset and read as their defaults through __getattr__ (see _DEFAULTS).
        self.array = array
        self.requires_grad = requires_grad
        if value is not None:
            self.value = value

    def __getattr__(self, name):  # called only for slots never assigned
        try:
            return _DEFAULTS[name]
        except KeyError:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'") \
                from None

    # -- type ---------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        d = self.array
        return d.shape if d is not None else self.value.shape

    @property
    def dtype(self):
        d = self.array
        return d.dtype if d is not None else self.value.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def known(self) -> Any:
        """The statically known content: the data itself eagerly, or what tracing knows."""
        d = self.array
        return d if d is not None else self.value.known

    @property
    def is_symbolic(self) -> bool:
        return self.array is None

    # -- math for VJP rules (ONNX semantics) -----------------------------------------------------
    def __add__(self, other):
        return ops.add(self, _lift(other, self))

    def __radd__(self, other):
        return ops.add(_lift(other, self), self)

    def __sub__(self, other):
        return ops.sub(self, _lift(other, self))

    def __rsub__(self, other):
        return ops.sub(_lift(other, self), self)

    def __mul__(self, other):
        return ops.mul(self, _lift(other, self))

    def __rmul__(self, other):
        return ops.mul(_lift(other, self), self)

    def __truediv__(self, other):
        return ops.div(self, _lift(other, self))

    def __rtruediv__(self, other):
        return ops.div(_lift(other, self), self)

    def __neg__(self):
        return ops.neg(self)

    def __pow__(self, other):
        return ops.pow(self, _lift(other, self))

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __repr__(self) -> str:
        if self.array is not None:
            return f"Tensor({self.array!r})"
        return f"Tensor(traced {self.value.type_str()})"


# The class of op results computed from a tensor of this class (a frontend's Parameter class
# sets it to its plain Tensor class: w * 2 is not a Parameter).
Tensor.result_class = Tensor

# value: the graph Value while tracing; creator: the tape record that made it; grad: the
# accumulated gradient; retains_grad: keep .grad on a non-leaf; version: bumped by in-place
# writes.
_DEFAULTS = {"value": None, "creator": None, "grad": None, "retains_grad": False, "version": 0}


def _lift(x, like: Tensor) -> Tensor:
    """A Python scalar in a VJP rule becomes a constant of the other operand's dtype."""
    if isinstance(x, Tensor):
        return x
    return interpreters.constant(x, like.dtype)


from . import interpreters, ops  # noqa: E402  (ops call back into Tensor; import at the end)
