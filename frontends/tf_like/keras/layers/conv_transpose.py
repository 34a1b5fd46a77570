"""Transposed convolutions: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose. Kernels are
(*kernel_size, filters, in_channels); output sizes follow Keras's torch backend: n * s for
'same', (n - 1) * s + max(k_eff, s) for 'valid', or set by output_padding."""

from __future__ import annotations

from .. import ops
from ._input_spec import InputSpec
from ._utils import standardize_tuple
from .conv import BaseConv, _bias_for


class BaseConvTranspose(BaseConv):
    """Mirrors keras.layers.ConvND Transpose base."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, kernel_initializer,
                         bias_initializer, **kwargs)
        self.output_padding = None if output_padding is None else standardize_tuple(
            output_padding, rank, "output_padding", allow_zero=True)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis]
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.kernel = self.add_weight(
            name="kernel", shape=(*self.kernel_size, self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self.add_weight(
            name="bias", shape=(self.filters,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint) if self.use_bias else None

    def call(self, inputs):
        outputs = ops.conv_transpose(inputs, self.kernel, strides=self.strides,
                                     padding=self.padding, output_padding=self.output_padding,
                                     data_format=self.data_format,
                                     dilation_rate=self.dilation_rate)
        if self.use_bias:
            outputs = ops.add(outputs, _bias_for(self.bias, self.rank, self.data_format))
        return self.activation(outputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("groups")
        return {**config, "output_padding": self.output_padding}


class Conv1DTranspose(BaseConvTranspose):
    """Mirrors keras.layers.Conv1DTranspose; kernel (k, filters, in_channels)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """Mirrors keras.layers.Conv2DTranspose; kernel (kh, kw, filters, in_channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """Mirrors keras.layers.Conv3DTranspose; kernel (kd, kh, kw, filters, in_channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)
