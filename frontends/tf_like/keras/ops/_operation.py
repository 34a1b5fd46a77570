"""Operation and Node: the Functional API's graph of calls (Keras 3's ops/operation.py and
ops/node.py). A Layer is an Operation; so is every keras.ops function called on KerasTensors.

Calling an operation on KerasTensors runs `compute_output_spec` (shape inference by tracing)
and records a Node linking the input KerasTensors to the new output KerasTensors; calling it on
real tensors just computes.
"""

from __future__ import annotations

import functools

from ..backend import _state, _tree
from ..backend._keras_tensor import (
    KerasHistory,
    KerasTensor,
    any_symbolic_tensors,
    compute_output_spec,
)


class Operation:
    """Mirrors keras.Operation: `name`, `call`, `symbolic_call`, `compute_output_spec`, and
    the inbound/outbound nodes of the graphs it was called in."""

    def __init__(self, name: str | None = None):
        if name is None:
            name = _state.auto_name(self.__class__.__name__)
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name} (of type {type(name)})")
        self.name = name
        self._inbound_nodes: list[Node] = []
        self._outbound_nodes: list[Node] = []

    def __call__(self, *args, **kwargs):
        if any_symbolic_tensors(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, call_args=args, call_kwargs=kwargs, outputs=outputs)
        return outputs

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Operation {self.name!r} has no call()")

    def compute_output_spec(self, *args, **kwargs):
        return compute_output_spec(self.call, *args, **kwargs)

    # -- the graph ----------------------------------------------------------------------------
    def _node_tensors(self, attr: str, what: str):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                       f"defined {what}.")
        tensors = getattr(self._inbound_nodes[0], attr)
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def input(self):
        return self._node_tensors("input_tensors", "input")

    @property
    def output(self):
        return self._node_tensors("output_tensors", "output")


class Node:
    """One call of an operation in a graph: its arguments (KerasTensors among other values)
    and its flat output KerasTensors, which get `_keras_history` pointing back here."""

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = [] if outputs is None else _tree.flatten(outputs)
        self.input_tensors = [x for x in _tree.flatten((self.call_args, self.call_kwargs))
                              if isinstance(x, KerasTensor)]
        for x in self.outputs:
            if not isinstance(x, KerasTensor):
                msg = ("All operation outputs must be tensors. Operation "
                       f"{operation.name} returned a non-tensor: {x}")
                raise ValueError(msg)  # noqa: TRY004  (Keras's type)
        if any(not x.record_history for x in self.input_tensors):
            return
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for kt in self.input_tensors:
            if kt._keras_history is not None:
                kt._keras_history.operation._outbound_nodes.append(self)
        for i, t in enumerate(self.outputs):
            t._keras_history = KerasHistory(operation, node_index, i)

    @property
    def output_tensors(self) -> list:
        return self.outputs

    @property
    def is_input(self) -> bool:
        return not self.input_tensors

    @property
    def parent_nodes(self) -> list:
        parents = []
        for kt in self.input_tensors:
            if kt._keras_history is not None:
                op, node_index, _ = kt._keras_history
                parents.append(op._inbound_nodes[node_index])
        return parents

    def __repr__(self) -> str:
        return f"<Node operation={self.operation.name}, id={id(self)}>"


class FunctionOperation(Operation):
    """A keras.ops function as an operation of a Functional graph."""

    fn = None

    def call(self, *args, **kwargs):
        return type(self).fn(*args, **kwargs)


def keras_op(fn):
    """Make a keras.ops function accept KerasTensors (then it records a graph node)."""
    camel = "".join(part.capitalize() for part in fn.__name__.strip("_").split("_"))
    cls = type(camel, (FunctionOperation,), {"fn": staticmethod(fn),
                                             "__doc__": f"keras.ops.{fn.__name__} as an op."})

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if any_symbolic_tensors(args, kwargs):
            return cls().symbolic_call(*args, **kwargs)
        return fn(*args, **kwargs)

    wrapper.operation_class = cls
    return wrapper
