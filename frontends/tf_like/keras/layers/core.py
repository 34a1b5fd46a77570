"""Core layers: Dense, Activation, Embedding, Lambda, Identity, Masking."""

from __future__ import annotations

import inspect

from core_ir import ops as ir

from ..._tensor import call
from .. import activations, constraints, initializers, ops, regularizers
from ..ops._core import promote
from ._input_spec import InputSpec
from ._layer import Layer
from ._utils import ser_activation, ser_constraint, ser_initializer, ser_regularizer


class Dense(Layer):
    """Mirrors keras.layers.Dense: outputs = activation(inputs @ kernel + bias), kernel
    (input_dim, units) glorot_uniform, bias (units,) zeros; any input rank >= 2 (the kernel
    applies to the last axis).

    >>> Dense(3)(np.ones((2, 5))).shape     # (2, 3)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs, training=None):
        if self.bias is not None and len(inputs.shape) == 2:
            # one Gemm node, as torch's Linear lowers: a Dense model and the same nn.Linear
            # model give one program (and one ONNX node)
            x, kernel, bias = promote(inputs, self.kernel, self.bias)
            return self.activation(call(ir.gemm, x, kernel, bias))
        x = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "activation": ser_activation(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": ser_initializer(self.kernel_initializer),
                "bias_initializer": ser_initializer(self.bias_initializer),
                "kernel_regularizer": ser_regularizer(self.kernel_regularizer),
                "bias_regularizer": ser_regularizer(self.bias_regularizer),
                "kernel_constraint": ser_constraint(self.kernel_constraint),
                "bias_constraint": ser_constraint(self.bias_constraint),
                "quantization_config": None}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("quantization_config", None)
        return super().from_config(config)


class Activation(Layer):
    """Mirrors keras.layers.Activation: applies an activation function (name or callable)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": ser_activation(self.activation)}


class Embedding(Layer):
    """Mirrors keras.layers.Embedding: integer indices -> rows of `embeddings`
    (input_dim, output_dim), initialized U(-0.05, 0.05). With mask_zero, index 0 is padding:
    the output carries a mask that is False there."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, **kwargs):
        for name, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={v} "
                                 f"(of type {type(v).__name__}).")
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self._convert_input_args = False
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, trainable=True)

    def call(self, inputs):
        if inputs.dtype.name not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        return ops.cast(ops.take(self.embeddings, inputs, axis=0), self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": ser_initializer(self.embeddings_initializer),
                "embeddings_regularizer": ser_regularizer(self.embeddings_regularizer),
                "activity_regularizer": ser_regularizer(self.activity_regularizer),
                "embeddings_constraint": ser_constraint(self.embeddings_constraint),
                "mask_zero": self.mask_zero}


class Lambda(Layer):
    """Mirrors keras.layers.Lambda: wraps `function(inputs, **arguments)` (passing `mask`
    and `training` when the function takes them)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        params = inspect.signature(function).parameters
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self) -> dict:
        return {**super().get_config(), "function": self.function.__name__,
                "arguments": self.arguments, "output_shape": self._output_shape}


class Identity(Layer):
    """Mirrors keras.layers.Identity: returns its inputs (masks pass through)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs


class Masking(Layer):
    """Mirrors keras.layers.Masking: timesteps whose features all equal `mask_value` are
    zeroed and masked out (mask shape: the input's without the last axis)."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.multiply(inputs, ops.cast(keep, inputs.dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
