"""Layer wrappers: Wrapper (the base) and TimeDistributed."""

from __future__ import annotations

from core_ir import ops as ir

from ..._tensor import call
from .. import ops
from ._input_spec import InputSpec
from ._layer import Layer


class Wrapper(Layer):
    """Mirrors keras.layers.Wrapper: a layer that holds another `layer` (its weights are the
    wrapped layer's)."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            msg = ("Layer wrapper must be applied to an instance of `keras.Layer`. "
                   f"Received: layer={layer} (of type {type(layer)})")
            raise ValueError(msg)  # noqa: TRY004  (Keras's type)
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)

    def get_config(self) -> dict:
        from ..models._functional_config import serialize_layer
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..models._functional_config import deserialize_layer
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return super().from_config(config)


class TimeDistributed(Wrapper):
    """Mirrors keras.layers.TimeDistributed: applies `layer` to every step of axis 1, by
    folding the time axis into the batch: (batch, time, ...) -> (batch * time, ...)."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at "
                             f"least 3 dimensions, received: {input_shape}")
        if not self.layer.built:
            self.layer.build((None, *input_shape[2:]))

    def call(self, inputs, training=None, mask=None):
        dims = ops.shape(inputs)
        folded = ops.reshape(inputs, (-1, *dims[2:]))
        kwargs = {}
        if self.layer._call_has_training_arg and training is not None:
            kwargs["training"] = training
        if self.layer._call_has_mask_arg and mask is not None:
            kwargs["mask"] = ops.reshape(mask, (-1, *ops.shape(mask)[2:]))
        out = self.layer(folded, **kwargs)
        if isinstance(dims[1], int):  # a static time axis lets the batch be -1
            return ops.reshape(out, (-1, dims[1], *ops.shape(out)[1:]))
        # (batch, time) of the input and the features of the output, read with Shape so the
        # target stays known symbolically while tracing
        target = call(ir.concat, call(ir.shape, inputs, start=0, end=2),
                      call(ir.shape, out, start=1), axis=0)
        return call(ir.reshape, out, target)

    def compute_mask(self, inputs, mask=None):
        return mask
