"""KerasTensor: the symbolic tensor of the Functional API (a shape, a dtype and where it came
from), and compute_output_spec, which finds a function's output specs by tracing it.

Shape inference traces the function into a throwaway IR graph (core_ir.trace): each unknown
dim (None) becomes a symbol named by its axis ("batch" for axis 0), shape rules propagate the
symbols, and symbols left in the outputs read back as None. Nothing runs on data.
"""

from __future__ import annotations

import collections

import numpy as np

import core_ir

from ..._tensor import EagerTensor
from . import _config, _state, _tree

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


class KerasTensor:
    """Mirrors keras.KerasTensor: a symbolic placeholder with `shape` (None for unknown dims),
    `dtype`, `name`, and `_keras_history` (the operation, node and output index that made it).
    Operators (`x + y`, `x[:, 0]`, ...) call keras.ops and so add operations to the graph."""

    def __init__(self, shape, dtype="float32", sparse: bool = False, ragged: bool = False,
                 record_history: bool = True, name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        dtype = _config.standardize_dtype(dtype)
        self.dtype = np.dtype(object if dtype == "string" else dtype)  # object: tf.string
        self.sparse, self.ragged = bool(sparse), bool(ragged)
        self.name = name or _state.auto_name(self.__class__.__name__)
        self.record_history = record_history
        self._keras_history = None
        self._keras_mask = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def reshape(self, newshape):
        from .. import ops
        return ops.reshape(self, newshape)

    def squeeze(self, axis=None):
        from .. import ops
        return ops.squeeze(self, axis=axis)

    def __repr__(self) -> str:
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, "
                f"sparse={self.sparse}, ragged={self.ragged}, name={self.name}>")

    def __iter__(self):
        raise NotImplementedError("Iterating over a symbolic KerasTensor is not supported.")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a boolean.")

    def __array__(self, dtype=None, copy=None):
        raise ValueError(
            "A KerasTensor cannot be used as input to a TensorFlow function. A KerasTensor is a "
            "symbolic placeholder for a shape and dtype, used when constructing Keras Functional "
            "models or Keras Functions. You can only use it as input to a Keras layer or a Keras "
            "operation (from the namespaces `keras.layers` and `keras.ops`).")

    def numpy(self):
        self.__array__()


def _ops():
    from .. import ops  # keras.ops imports this module
    return ops


def _install_operators() -> None:
    binary = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
              "floordiv": "floor_divide", "mod": "mod", "pow": "power", "matmul": "matmul"}
    for dunder, name in binary.items():
        setattr(KerasTensor, f"__{dunder}__",
                lambda self, other, name=name: getattr(_ops(), name)(self, other))
        setattr(KerasTensor, f"__r{dunder}__",
                lambda self, other, name=name: getattr(_ops(), name)(other, self))
    compare = {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
               "and": "logical_and", "or": "logical_or", "xor": "logical_xor"}
    for dunder, name in compare.items():
        setattr(KerasTensor, f"__{dunder}__",
                lambda self, other, name=name: getattr(_ops(), name)(self, other))
    for dunder, name in {"neg": "negative", "abs": "absolute", "invert": "logical_not"}.items():
        setattr(KerasTensor, f"__{dunder}__", lambda self, name=name: getattr(_ops(), name)(self))
    KerasTensor.__pos__ = lambda self: self
    KerasTensor.__getitem__ = lambda self, key: _ops().get_item(self, key)


_install_operators()


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)


def any_symbolic_tensors(args=(), kwargs=None) -> bool:
    return any(isinstance(x, KerasTensor) for x in _tree.flatten((args, kwargs or {})))


# -- shape inference by tracing ---------------------------------------------------------------
def _symbolic_dims(shape) -> tuple:
    return tuple(("batch" if i == 0 else f"dim{i}") if d is None else d
                 for i, d in enumerate(shape))


def _static_dims(shape) -> tuple:
    return tuple(d if isinstance(d, int) else None for d in shape)


def compute_output_spec(fn, *args, **kwargs):
    """Call fn on symbolic stand-ins of the KerasTensors in args/kwargs; return KerasTensors
    (without history) in the structure fn returned, with their masks attached."""
    structure = (args, kwargs)
    flat = _tree.flatten(structure)
    symbolic = [i for i, x in enumerate(flat) if isinstance(x, KerasTensor)]
    masked = [i for i in symbolic if flat[i]._keras_mask is not None]
    specs = [(flat[i].dtype, _symbolic_dims(flat[i].shape)) for i in symbolic]
    specs += [(flat[i]._keras_mask.dtype, _symbolic_dims(flat[i]._keras_mask.shape))
              for i in masked]
    box = {}

    def traced(*tensors):
        values = list(flat)
        for i, t in zip(symbolic, tensors):
            values[i] = t
        for i, m in zip(masked, tensors[len(symbolic):]):
            _state.set_keras_mask(values[i], m)
        a, kw = _tree.pack_sequence_as(structure, values)
        out = fn(*a, **kw)
        box["structure"] = out
        leaves = _tree.flatten(out)
        tensors_out = [x for x in leaves if isinstance(x, core_ir.Tensor)]
        masks = [_state.get_keras_mask(x) for x in tensors_out]
        box["masks"] = masks
        return tensors_out + [m for m in masks if m is not None]

    with core_ir.no_grad():
        graph, _, _ = core_ir.trace(traced, specs, cls=EagerTensor, name="compute_output_spec")
    return _outputs_as_keras_tensors(box["structure"], box["masks"], graph.outputs)


def _outputs_as_keras_tensors(structure, masks, values):
    values = iter(values)
    leaves = _tree.flatten(structure)
    tensors = [x for x in leaves if isinstance(x, core_ir.Tensor)]
    made = {id(t): KerasTensor(_static_dims(v.shape), v.dtype)
            for t, v in zip(tensors, [next(values) for _ in tensors])}
    for t, m in zip(tensors, masks):
        if m is not None:
            v = next(values)
            made[id(t)]._keras_mask = KerasTensor(_static_dims(v.shape), v.dtype)
    return _tree.pack_sequence_as(structure, [made.get(id(x), x) if isinstance(
        x, core_ir.Tensor) else x for x in leaves])
