"""Functional models: a graph of layer calls recorded on KerasTensors, replayed on real tensors.

`Functional(inputs, outputs)` maps the graph once (models/_graph.py). Calling the model walks
the nodes inputs-first, calling each layer on the tensors computed so far, so layers behave
exactly as when called directly (builds, masks, `training`, name scopes); under `fit` the same
walk happens while tracing, so the whole model becomes one IR graph.
"""

from __future__ import annotations

import numpy as np

import core_ir

from ... import _strings
from ..backend import _state, _tree
from ..backend._keras_tensor import KerasTensor
from ..layers._input_layer import InputLayer
from ..layers._input_spec import InputSpec
from ..layers._layer import Layer
from ..ops import _core
from ._graph import map_graph
from ._model import Model


class Functional(Model):
    """Mirrors Keras 3's Functional model: `Model(inputs, outputs)` with inputs/outputs a
    KerasTensor, a list, or a dict of them (dict inputs are fed by name). Shared layers and
    nested models work; each layer call is a node of the graph."""

    def __init__(self, inputs, outputs, name=None, **kwargs):
        trainable = kwargs.pop("trainable", True)
        Layer.__init__(self, name=name or _state.auto_name(type(self).__name__),
                       trainable=trainable, **kwargs)
        self._inputs_struct = _tree.map_structure(lambda x: x, inputs)
        self._outputs_struct = _tree.map_structure(lambda x: x, outputs)
        self._inputs = _tree.flatten(inputs)
        self._outputs = _tree.flatten(outputs)
        for x in self._inputs + self._outputs:
            if not isinstance(x, KerasTensor):
                msg = ("All `inputs` and `outputs` values must be KerasTensors. "
                       f"Received: inputs={inputs} including invalid value {x} of type "
                       f"{type(x)}")
                raise ValueError(msg)  # noqa: TRY004  (Keras's type)
        self._nodes_by_depth, self._operations = map_graph(self._inputs, self._outputs)
        self._check_outputs_connected()
        self.built = True
        self._build_shapes_dict = None

    # -- structure ----------------------------------------------------------------------------
    @property
    def _layers(self) -> list:
        return [op for op in self.__dict__.get("_operations", []) if isinstance(op, Layer)]

    @property
    def layers(self) -> list:
        return self._layers

    @property
    def inputs(self) -> list:
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [x.shape for x in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = _tree.map_structure(lambda x: x.shape, self._outputs_struct)
        return shapes

    @property
    def input_spec(self):
        if "_manual_input_spec" in self.__dict__:
            return self.__dict__["_manual_input_spec"]
        if isinstance(self._inputs_struct, dict):
            names = sorted(self._inputs_struct)
            return [_spec_for(self._inputs_struct[k], k) for k in names]
        specs = [_spec_for(x) for x in self._inputs]
        return specs[0] if len(specs) == 1 else specs

    @input_spec.setter
    def input_spec(self, value):
        if value is not None or "_inputs" in self.__dict__:
            self.__dict__["_manual_input_spec"] = value

    def _check_outputs_connected(self) -> None:
        """Every output must be computable from the inputs (Keras checks by a symbolic run)."""
        known = {id(x) for x in self._inputs}
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                if not node.is_input and all(id(x) in known for x in node.input_tensors):
                    known.update(id(x) for x in node.outputs)
        for path, x in zip(_paths(self._outputs_struct), self._outputs):
            if id(x) not in known:
                raise ValueError(f"Output with path `{path}` is not connected to `inputs`")

    # -- running ----------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        flat = self._standardize_inputs(inputs)
        if mask is not None:
            for x, m in zip(flat, _tree.flatten(mask)):
                _state.set_keras_mask(x, m)
        return self._run_through_graph(flat, training)

    def _run_through_graph(self, inputs: list, training):
        values = {id(x): y for x, y in zip(self._inputs, inputs)}
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                if node.is_input or any(id(x) not in values for x in node.input_tensors):
                    continue
                args, kwargs = _fill_in(node, values)
                op = node.operation
                if training is not None and getattr(op, "_call_has_training_arg", False) \
                        and "training" not in kwargs:
                    kwargs["training"] = training
                outputs = op(*args, **kwargs)
                for x, y in zip(node.outputs, _tree.flatten(outputs)):
                    values[id(x)] = y
        return _tree.pack_sequence_as(self._outputs_struct,
                                      [values[id(x)] for x in self._outputs])

    def _standardize_inputs(self, inputs) -> list:
        """Inputs as a flat list in the order of `self.inputs` (dicts matched by name), as
        tensors of the Input dtypes, with a trailing axis of 1 added or squeezed to fit."""
        flat = self._flatten_to_reference(inputs)
        if len(flat) != len(self._inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self._inputs)} input(s), but it '
                             f"received {len(flat)} input tensors. Inputs received: {inputs}")
        return [_adjust_rank(_convert(x, ref), ref) for x, ref in zip(flat, self._inputs)]

    def _flatten_to_reference(self, inputs) -> list:
        struct = self._inputs_struct
        if isinstance(inputs, dict):
            if isinstance(struct, dict):
                names = sorted(struct)
            else:
                names = [x._keras_history.operation.name for x in self._inputs]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f'Missing data for input "{missing[0]}". You passed a data '
                                 f"dictionary with keys {list(inputs.keys())}. Expected the "
                                 f"following keys: {names}")
            return [inputs[n] for n in names]
        if isinstance(struct, dict) and isinstance(inputs, (list, tuple)):
            return list(inputs)
        return _tree.flatten(inputs)

    def compute_output_spec(self, *args, **kwargs):
        return Layer.compute_output_spec(self, *args, **kwargs)

    # -- config -------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from ._functional_config import functional_config
        return functional_config(self)


def _paths(structure, prefix=()) -> list:
    """Keras's flatten_with_path paths, joined by '.' ('' for a single tensor)."""
    if isinstance(structure, dict):
        return [p for k in sorted(structure) for p in _paths(structure[k], (*prefix, k))]
    if isinstance(structure, (list, tuple)):
        return [p for i, v in enumerate(structure) for p in _paths(v, (*prefix, i))]
    return [".".join(str(p) for p in prefix)]


def _spec_for(x: KerasTensor, name=None) -> InputSpec:
    shape = list(x.shape)
    if shape:
        shape[0] = None
    layer = x._keras_history.operation
    return InputSpec(shape=tuple(shape), allow_last_axis_squeeze=True,
                     name=layer.name if name is None else name,
                     optional=isinstance(layer, InputLayer) and layer.optional)


def _fill_in(node, values):
    def fill(x):
        return values[id(x)] if isinstance(x, KerasTensor) else x
    args = _tree.map_structure(fill, node.call_args)
    kwargs = _tree.map_structure(fill, node.call_kwargs)
    return tuple(args), dict(kwargs)


def _convert(x, ref: KerasTensor):
    if x is None:
        return None
    if _strings.is_string_value(x):  # string inputs stay host values (tf_like/_strings.py)
        return _strings.fit_rank(x, len(ref.shape))
    if not isinstance(x, core_ir.Tensor):
        x = _core.tensor(np.asarray(x))
    if x.dtype != ref.dtype and (x.dtype.kind == "f" or ref.dtype.kind in "iub"):
        mask = _state.get_keras_mask(x)
        x = _core.cast(x, ref.dtype)
        _state.set_keras_mask(x, mask)
    return x


def _adjust_rank(x, ref: KerasTensor):
    if x is None:
        return x
    rank, want = len(x.shape), len(ref.shape)
    if rank == want:
        return x
    from .. import ops
    if rank == want + 1 and x.shape[-1] == 1:
        return ops.squeeze(x, axis=-1)
    if rank == want - 1 and ref.shape[-1] == 1:
        return ops.expand_dims(x, axis=-1)
    raise ValueError(f"Invalid input shape for input {x}. Expected shape {ref.shape}, but input "
                     f"has incompatible shape {tuple(x.shape)}")


def functional_from_config(cls, config, custom_objects=None):
    from ._functional_config import functional_from_config as build
    return build(cls, config, custom_objects)
