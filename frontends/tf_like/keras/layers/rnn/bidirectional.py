"""keras.layers.Bidirectional: a recurrent layer run forwards and backwards, outputs merged."""

from __future__ import annotations

import copy

from ... import ops
from .._layer import Layer

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _renamed_copy(layer, prefix: str, **overrides):
    """A fresh layer from `layer`'s config, named prefix + its name (Keras's forward_/backward_
    copies; a built layer's copy is built too, with its own new weights)."""
    from ...models._functional_config import deserialize_layer, serialize_layer
    config = copy.deepcopy(serialize_layer(layer))
    name = layer.name.removeprefix(prefix)
    config["config"]["name"] = prefix + name
    config["config"].update(overrides)
    return deserialize_layer(config)


class Bidirectional(Layer):
    """Mirrors keras.layers.Bidirectional: `forward_layer` is a copy of `layer`, and
    `backward_layer` a copy with go_backwards flipped (or the given `backward_layer`); outputs
    merge by merge_mode "concat" (default), "sum", "mul", "ave" or None (a list of both). A
    backward output sequence is flipped back to time order first. With return_state the
    states follow: forward states, then backward states. initial_state: forward states then
    backward states. Weights: the forward layer's, then the backward layer's."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            msg = ("Please initialize `Bidirectional` layer with a `keras.layers.Layer` "
                   f"instance. Received: {layer}")
            raise ValueError(msg)  # noqa: TRY004  (Keras's type)
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             'one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _renamed_copy(layer, "forward_")
        self.backward_layer = backward_layer if backward_layer is not None else \
            _renamed_copy(layer, "backward_", go_backwards=not layer.go_backwards)
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences  # as Keras forces it
        self.merge_mode = merge_mode
        if weights:
            half = len(weights) // 2
            self.forward_layer._initial_weights = weights[:half]
            self.backward_layer._initial_weights = weights[half:]
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self) -> None:
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{fwd.go_backwards}, backward_layer.go_backwards="
                             f"{bwd.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError("Forward layer and backward layer are expected to have the "
                                 f'same value for attribute "{attr}", got "{getattr(fwd, attr)}" '
                                 f'for forward layer and "{getattr(bwd, attr)}" for backward '
                                 "layer")

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(sequences_shape)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_has_training_arg and training is not None:
            kwargs["training"] = training
        if self.forward_layer._call_has_mask_arg:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        output = self._merge(y, y_rev)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return ops.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return ops.add(y, y_rev)
        if self.merge_mode == "ave":
            return ops.divide(ops.add(y, y_rev), 2.0)
        if self.merge_mode == "mul":
            return ops.multiply(y, y_rev)
        return [y, y_rev]

    def compute_mask(self, _, mask):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else [mask]
        else:
            output_mask = [None, None] if not self.merge_mode else [None]
        if self.return_state:  # the states carry no mask
            n_states = 2 * len(self.forward_layer.state_size)
            return output_mask + [None] * n_states
        return output_mask if not self.merge_mode else output_mask[0]

    @property
    def states(self):
        return None

    def get_config(self) -> dict:
        from ...models._functional_config import serialize_layer
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...models._functional_config import deserialize_layer
        config = copy.deepcopy(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"],
                                                         custom_objects)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"]["config"]["name"]
        return cls(**config)
