"""Tensors of one frontend whose storage is another frontend's tensor.

A Keras weight that *is* a torch Parameter's data (and the reverse): reading `.array` reads the
source's current array and writing it (an optimizer's assign, a compiled plan's write-back,
set_weights) writes the source. So a wrapped model has one set of weights, updated from
whichever side trains it. Autograd identity is per object: the wrappers route each side's
computation through its own tensor object (see run_graph / view_as).
"""

from __future__ import annotations

from core_ir.tensor import Tensor as _CoreTensor


def _array_property():
    def get(self):
        return self._source.array

    def set_(self, array):
        self._source.array = array

    return property(get, set_, doc="The source tensor's array (shared storage).")


def linked_keras_variable(source: _CoreTensor, name: str, trainable: bool):
    """A keras Variable whose array is `source`'s (made under the current name scope)."""
    from frontends.tf_like.keras.backend._variable import Variable

    cls = _linked_class(Variable)
    v = object.__new__(cls)
    v._source = source
    Variable.__init__(v, source.array, shape=source.array.shape, dtype=source.array.dtype,
                      trainable=trainable, name=name)
    return v


def linked_parameter(source: _CoreTensor, requires_grad: bool = True):
    """A torch_like Parameter whose array is `source`'s."""
    from frontends.torch_like import Parameter

    p = object.__new__(_linked_class(Parameter))
    p._source = source
    _CoreTensor.__init__(p, source.array, requires_grad=requires_grad)
    return p


def linked_buffer(source: _CoreTensor):
    """A torch_like (non-parameter) Tensor whose array is `source`'s."""
    from frontends.torch_like import Tensor

    t = object.__new__(_linked_class(Tensor))
    t._source = source
    _CoreTensor.__init__(t, source.array)
    return t


_CLASSES: dict[type, type] = {}


def _linked_class(base: type) -> type:
    cls = _CLASSES.get(base)
    if cls is None:
        cls = type(f"Linked{base.__name__}", (base,),
                    {"__slots__": ("_source",), "array": _array_property(),
                     "result_class": base.result_class,  # v * 2 is a plain tensor
                     "__module__": __name__,
                     "__doc__": f"A {base.__name__} whose array is another tensor's."})
        _CLASSES[base] = cls
    return cls
