"""EinsumDense: a Dense whose contraction is any einsum equation (Keras's
layers/core/einsum_dense.py; MultiHeadAttention's projections are EinsumDense layers)."""

from __future__ import annotations

import re

from .. import activations, constraints, initializers, ops, regularizers
from ..initializers import VarianceScaling
from ._input_spec import InputSpec
from ._layer import Layer
from ._utils import ser_activation, ser_constraint, ser_initializer, ser_regularizer


class EinsumDense(Layer):
    """Mirrors keras.layers.EinsumDense: y = activation(einsum(equation, x, kernel) + bias).

    The kernel's shape follows from the equation, the input shape and `output_shape` (the
    output without its batch axis; None entries are inferred); `bias_axes` names the output
    axes that get a bias. A variance-scaling kernel initializer counts the fans over the
    kernel's input and output axes, as Keras.

    >>> EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else \
            tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, in_axes, out_axes = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, VarianceScaling) and (init.input_axes is None
                                                  or init.output_axes is None):
            config = {**init.get_config(), "seed": init.seed, "input_axes": in_axes,
                      "output_axes": out_axes}
            init = type(init).from_config(config)
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                      initializer=init, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True)
        self.bias = None if bias_shape is None else self.add_weight(
            name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint, trainable=True)

    def call(self, inputs, training=None):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x)

    def get_config(self) -> dict:
        return {**super().get_config(), "output_shape": self.partial_output_shape,
                "equation": self.equation, "activation": ser_activation(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": ser_initializer(self.kernel_initializer),
                "bias_initializer": ser_initializer(self.bias_initializer),
                "kernel_regularizer": ser_regularizer(self.kernel_regularizer),
                "bias_regularizer": ser_regularizer(self.bias_regularizer),
                "activity_regularizer": ser_regularizer(self.activity_regularizer),
                "kernel_constraint": ser_constraint(self.kernel_constraint),
                "bias_constraint": ser_constraint(self.bias_constraint),
                "quantization_config": None}


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape, output shape, kernel input axes, kernel output axes) for
    equations "X,Y->Z", "...X,Y->...Z" or "X...,Y->Z..." (Keras's analysis)."""
    dotless = re.sub(r"\.\.\.", "0", equation)
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        match = re.match(pattern, dotless)
        if match:
            return _analyze(*match.groups(), bias_axes, input_shape, output_shape, left)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze(input_spec, weight_spec, output_spec, bias_axes, input_shape, output_shape,
             left_elided):
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        in_map = {d: (i + elided) - len(input_shape) for i, d in enumerate(input_spec)}
        out_map = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        in_map = {d: i for i, d in enumerate(input_spec)}
        out_map = {d: i for i, d in enumerate(output_spec)}
    _check_dims(input_spec, weight_spec, output_spec, input_shape, output_shape, in_map,
                out_map)
    weight_shape, in_axes, out_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in out_map:
            weight_shape.append(output_shape[out_map[d]])
            out_axes.append(i)
        elif d in in_map:
            weight_shape.append(input_shape[in_map[d]])
            in_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{d}' did not have a match in either the input "
                             f"spec '{input_spec}' or the output spec '{output_spec}'. For "
                             "this layer, the weight must be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        bias_shape = _bias_shape(bias_axes, output_spec, output_shape,
                                 elided if left_elided else 0)
        if not left_elided:
            bias_shape += [1] * elided
    return weight_shape, bias_shape, output_shape, in_axes, out_axes


def _check_dims(input_spec, weight_spec, output_spec, input_shape, output_shape, in_map,
                out_map) -> None:
    for d in input_spec:
        if d in out_map:
            got, want = input_shape[in_map[d]], output_shape[out_map[d]]
            if want is not None and want != got:
                raise ValueError(f"Input shape and output shape do not match at shared "
                                 f"dimension '{d}'. Input shape is {got}, and output shape is "
                                 f"{want}.")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"Dimension '{d}' was specified in the output '{output_spec}' but "
                             f"has no corresponding dim in the input spec '{input_spec}' or "
                             f"weight spec '{output_spec}'")


def _bias_shape(bias_axes, output_spec, output_shape, num_left_elided) -> list:
    sizes = {c: output_shape[i + num_left_elided] for i, c in enumerate(output_spec)}
    for c in bias_axes:
        if c not in output_spec:
            raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the "
                             f"output spec '{output_spec}'")
    first = min(output_spec.find(c) for c in bias_axes)
    return [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]]
