"""Convolution layers: Conv1D/2D/3D (valid/same/causal, strides, dilation_rate, groups, both
data formats). Kernels are (*kernel_size, in_channels / groups, filters), glorot_uniform; biases
(filters,), zeros."""

from __future__ import annotations

from .. import activations, constraints, initializers, ops, regularizers
from ..ops.nn import conv_with_bias
from ._input_spec import InputSpec
from ._layer import Layer
from ._utils import (
    ser_activation,
    ser_constraint,
    ser_initializer,
    ser_regularizer,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)


class BaseConv(Layer):
    """Mirrors keras.layers.Conv (the N-D base): outputs = activation(conv(inputs, kernel) +
    bias)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank, self.filters, self.groups = rank, filters, groups
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=rank == 1)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        _validate(self)

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis]
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis: channels})
        if channels % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {channels} channels (full input shape is {input_shape}).")
        self.kernel = self.add_weight(
            name="kernel", shape=(*self.kernel_size, channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self.add_weight(
            name="bias", shape=(self.filters,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint) if self.use_bias else None

    def convolution_op(self, inputs, kernel):
        return ops.conv(inputs, kernel, strides=self.strides, padding=self.padding,
                        dilation_rate=self.dilation_rate, data_format=self.data_format)

    def call(self, inputs):
        if self.use_bias and type(self).convolution_op is BaseConv.convolution_op:
            outputs = conv_with_bias(inputs, self.kernel, self.bias, strides=self.strides,
                                     padding=self.padding, dilation_rate=self.dilation_rate,
                                     data_format=self.data_format)
            return self.activation(outputs)
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            outputs = ops.add(outputs, _bias_for(self.bias, self.rank, self.data_format))
        return self.activation(outputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                "activation": ser_activation(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": ser_initializer(self.kernel_initializer),
                "bias_initializer": ser_initializer(self.bias_initializer),
                "kernel_regularizer": ser_regularizer(self.kernel_regularizer),
                "bias_regularizer": ser_regularizer(self.bias_regularizer),
                "activity_regularizer": ser_regularizer(self.activity_regularizer),
                "kernel_constraint": ser_constraint(self.kernel_constraint),
                "bias_constraint": ser_constraint(self.bias_constraint)}


def _bias_for(bias, rank: int, data_format: str):
    """The bias shaped to broadcast over the channel axis."""
    if data_format == "channels_last":
        return bias
    return ops.reshape(bias, (1, -1) + (1,) * rank)


def _validate(layer) -> None:
    if layer.filters is not None and layer.filters <= 0:
        raise ValueError("Invalid value for argument `filters`. Expected a strictly positive "
                         f"value. Received filters={layer.filters}.")
    if layer.groups <= 0:
        raise ValueError("The number of groups must be a positive integer. Received: "
                         f"groups={layer.groups}.")
    if layer.filters is not None and layer.filters % layer.groups:
        raise ValueError("The number of filters must be evenly divisible by the number of "
                         f"groups. Received: groups={layer.groups}, filters={layer.filters}.")
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                         f"Received: strides={layer.strides} and "
                         f"dilation_rate={layer.dilation_rate}")


class Conv1D(BaseConv):
    """Mirrors keras.layers.Conv1D on (batch, steps, channels) inputs; padding 'causal' pads
    dilation_rate * (kernel_size - 1) zeros on the left, so output t sees inputs <= t."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         **kwargs)

    def call(self, inputs):
        if self.padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            pads = [[0, 0], [left, 0], [0, 0]] if self.data_format == "channels_last" else \
                [[0, 0], [0, 0], [left, 0]]
            inputs = ops.pad(inputs, pads)
        return super().call(inputs)

    def convolution_op(self, inputs, kernel):
        padding = "valid" if self.padding == "causal" else self.padding
        return ops.conv(inputs, kernel, strides=self.strides, padding=padding,
                        dilation_rate=self.dilation_rate, data_format=self.data_format)


class Conv2D(BaseConv):
    """Mirrors keras.layers.Conv2D on (batch, rows, cols, channels) inputs (channels_last) or
    (batch, channels, rows, cols); kernel (kh, kw, in / groups, filters)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         **kwargs)


class Conv3D(BaseConv):
    """Mirrors keras.layers.Conv3D; kernel (kd, kh, kw, in / groups, filters)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         **kwargs)
