"""The state half of keras.layers.Layer: weights (creation, tracking, order, get/set), the
`trainable` flag, sublayer discovery and losses."""

from __future__ import annotations

import collections

import numpy as np

from .. import constraints, initializers, regularizers
from ..backend import _config, _tree
from ..backend._variable import Variable
from ._layer_utils import _UNTRACKED, _is_dtype_name


class LayerState:
    """Mixin of Layer: what a layer owns. Weights are `_trainable_variables` then
    `_non_trainable_variables` (split when created, as Keras), then the sublayers' weights."""

    # -- attributes: variables assigned directly are tracked like add_weight's ------------------
    def __setattr__(self, name, value):
        if isinstance(value, Variable) and "_trainable_variables" in self.__dict__:
            self._track_variable(value)
        object.__setattr__(self, name, value)

    def _track_variable(self, variable: Variable) -> None:
        if any(v is variable for v in self._trainable_variables + self._non_trainable_variables):
            return
        (self._trainable_variables if variable.trainable else
         self._non_trainable_variables).append(variable)
        if not self.trainable:
            variable.trainable = False

    # -- weights ------------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   synchronization="auto", name=None, **kwargs):
        """Create a Variable owned by this layer (Keras 3 order: shape first; a str first
        argument is taken as the name, Keras 2 style)."""
        if isinstance(shape, str):  # Keras 2 / STYLE.md order: (name, shape, initializer)
            name, shape = shape, initializer
            initializer = kwargs.pop("initializer", None)
            if dtype is not None and not _is_dtype_name(dtype):
                initializer, dtype = dtype, None
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _config.standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if _config.is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        with self._name_scope():
            variable = Variable(init, shape=shape, dtype=dtype, trainable=trainable,
                                autocast=autocast, aggregation=aggregation,
                                synchronization=synchronization, name=name)
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        self._track_variable(variable)
        return variable

    add_variable = add_weight

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    @property
    def _layers(self) -> list:
        """Directly tracked sublayers, in attribute order (lists, tuples and dicts of layers
        count; they are read when asked, so layers appended to a list later count too)."""
        found, seen = [], set()
        for key, value in self.__dict__.items():
            if key in _UNTRACKED:
                continue
            for v in _tree.flatten(value) if isinstance(value, (list, tuple, dict)) else [value]:
                if isinstance(v, LayerState) and v is not self and id(v) not in seen:
                    seen.add(id(v))
                    found.append(v)
        return found

    def _flatten_layers(self, include_self=True, recursive=True) -> list:
        """This layer and all layers below it, depth first, each once (Keras's order)."""
        layers = [self] if include_self else []
        seen = {id(self)}
        queue = collections.deque(self._layers)
        while queue:
            layer = queue.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            layers.append(layer)
            if recursive:
                queue.extendleft(layer._layers)
        return layers

    @property
    def weights(self) -> list:
        """Own trainable then non-trainable weights (creation-time split), then sublayers'."""
        out, seen = [], set()
        for w in self._trainable_variables + self._non_trainable_variables:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        for layer in self._layers:
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    variables = weights

    @property
    def trainable_weights(self) -> list:
        return [v for v in self.weights if v.trainable] if self.trainable else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        return [v for v in self.weights if not v.trainable] if self.trainable else self.weights

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        layer_weights = self.weights
        if len(layer_weights) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a "
                             f"weight list of length {len(weights)}, but the layer was "
                             f"expecting {len(layer_weights)} weights.")
        for variable, value in zip(layer_weights, weights):
            value = np.asarray(value)
            if tuple(variable.shape) != tuple(value.shape):
                raise ValueError(f"Layer {self.name} weight shape {tuple(variable.shape)} is not "
                                 f"compatible with provided weight shape {value.shape}.")
        for variable, value in zip(layer_weights, weights):
            variable.assign(np.asarray(value, dtype=variable.dtype))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. You can build it manually via: "
                             "`layer.build(input_shape)`.")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    def _apply_initial_weights(self) -> None:
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    # -- losses -------------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        self._losses.extend(_tree.flatten(loss))

    @property
    def losses(self) -> list:
        """add_loss losses of this layer and its sublayers, then the weight regularization
        penalties of the trainable weights (computed now: inside a traced train step they are
        graph nodes)."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for v in self.trainable_weights:
            if getattr(v, "regularizer", None) is not None:
                out.append(v.regularizer(v))
        return out

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers():
            layer._losses.clear()

