"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and
their functional forms add, subtract, ... (each builds the layer and calls it)."""

from __future__ import annotations

from .. import ops
from ..backend import _state
from ._layer import Layer

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Merge(Layer):
    """Mirrors Keras's Merge base: an elementwise function of a list of inputs; inputs of
    lower rank get size-1 axes inserted after the batch axis; masks are ORed."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (tuple, list)):
            raise ValueError("A merge layer should be called on a list of inputs. Received: "
                             f"input_shape={input_shape} (not a list of shapes)")
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError("Cannot merge tensors with different batch sizes. Received "
                             f"tensors with shapes {input_shape}")
        out = input_shape[0][1:]
        for shape in input_shape[1:]:
            out = _elementwise_shape(out, shape[1:])

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            msg = ("A merge layer should be called on a list of inputs. Received: "
                   f"inputs={inputs} (not a list of tensors)")
            raise ValueError(msg)  # noqa: TRY004  (Keras's type)
        rank = max(len(x.shape) for x in inputs)
        expanded = []
        for x in inputs:
            for _ in range(rank - len(x.shape)):
                x = ops.expand_dims(x, 1)
            expanded.append(x)
        return self._merge_function(expanded)

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        if mask is None or any(m is None for m in mask):
            return None
        out = mask[0]
        for m in mask[1:]:
            out = ops.logical_or(out, m)
        return out


def _elementwise_shape(shape1, shape2):
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    out = list(shape1[:len(shape1) - len(shape2)])
    for a, b in zip(shape1[len(shape1) - len(shape2):], shape2):
        if a is None or b is None:
            out.append(None)
        elif a == 1:
            out.append(b)
        elif b == 1 or a == b:
            out.append(a)
        else:
            raise ValueError("Inputs have incompatible shapes. Received shapes "
                             f"{tuple(shape1)} and {tuple(shape2)}")
    return tuple(out)


def _fold(fn, inputs):
    out = inputs[0]
    for x in inputs[1:]:
        out = fn(out, x)
    return out


class Add(Merge):
    """Mirrors keras.layers.Add: the elementwise sum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(ops.add, inputs)


class Subtract(Merge):
    """Mirrors keras.layers.Subtract: inputs[0] - inputs[1] (exactly two inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Mirrors keras.layers.Multiply: the elementwise product."""

    def _merge_function(self, inputs):
        return _fold(ops.multiply, inputs)


class Average(Merge):
    """Mirrors keras.layers.Average: the elementwise mean."""

    def _merge_function(self, inputs):
        return ops.divide(_fold(ops.add, inputs), len(inputs))


class _MaskedExtremum(Merge):
    """Maximum/Minimum: masked-out entries do not compete (Keras's or-mask merge)."""

    _fn = None

    def _merge_function(self, inputs):
        output, output_mask = None, None
        for x in inputs:
            mask = _state.get_keras_mask(x)
            if mask is not None:
                mask = ops.broadcast_to(ops.expand_dims(mask, -1), ops.shape(x))
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = ops.where(mask, x, output)
            if output_mask is not None:
                output = ops.where(output_mask, output, x)
            output_mask = ops.logical_or(output_mask, mask) if (
                mask is not None and output_mask is not None) else None
            output = type(self)._fn(output, x)
        return output


class Maximum(_MaskedExtremum):
    """Mirrors keras.layers.Maximum: the elementwise maximum."""

    _fn = staticmethod(ops.maximum)


class Minimum(_MaskedExtremum):
    """Mirrors keras.layers.Minimum: the elementwise minimum."""

    _fn = staticmethod(ops.minimum)


class Concatenate(Merge):
    """Mirrors keras.layers.Concatenate: joins the inputs along `axis` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1 or \
                not isinstance(input_shape[0], (tuple, list)):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 "
                             f"input. Received: input_shape={input_shape}")
        if all(s is None for s in input_shape):
            return
        shapes = [list(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank
        for s in shapes:
            if len(s) != rank or any(a is not None and b is not None and a != b for i, (a, b)
                                     in enumerate(zip(s, shapes[0])) if i != axis):
                raise ValueError("A `Concatenate` layer requires inputs with matching shapes "
                                 "except for the concatenation axis. Received: input_shape="
                                 f"{[tuple(x) for x in input_shape]}")

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ops.ones_like(x, dtype="bool")
            elif len(m.shape) < len(x.shape):
                m = ops.broadcast_to(ops.expand_dims(m, -1), ops.shape(x))
            masks.append(m)
        return ops.all(ops.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def batch_dot(x, y, axes=None):
    """Keras's batch_dot: contract x's axes[0] with y's axes[1], batch axis shared; the
    result keeps x's other axes then y's; rank 1 results become (batch, 1)."""
    xr, yr = len(x.shape), len(y.shape)
    if xr < 2 or yr < 2:
        raise ValueError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with "
                         f"shapes {tuple(x.shape)} and {tuple(y.shape)}.")
    if isinstance(axes, int):
        axes = [axes, axes]
    if axes is None:
        axes = [xr - 1, yr - 1 if yr == 2 else yr - 2]
    a0, a1 = axes[0] % xr, axes[1] % yr
    if 0 in (a0, a1):
        raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not "
                         "batched, add a dummy batch dimension to your inputs using "
                         "keras.ops.expand_dims(x, 0)")
    lx = ["z"] + list(_LETTERS[:xr - 1])
    ly = ["z"] + list(_LETTERS[xr - 1:xr + yr - 2])
    ly[a1] = lx[a0]
    out = [c for i, c in enumerate(lx) if i != a0] + [c for i, c in enumerate(ly)
                                                      if i not in (0, a1)]
    result = ops.einsum(f"{''.join(lx)},{''.join(ly)}->{''.join(out)}", x, y)
    return ops.expand_dims(result, 1) if len(out) == 1 else result


class Dot(Merge):
    """Mirrors keras.layers.Dot: the batchwise dot product of two inputs along `axes`
    (optionally of L2-normalized inputs: cosine similarity)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) and (not isinstance(axes, (list, tuple)) or len(axes) != 2
                                          or not all(isinstance(a, int) for a in axes)):
            raise ValueError("Invalid format for argument `axes`: expected an integer or a "
                             f"list of 2 integers. Received: axes={axes}")
        self.axes, self.normalize = axes, normalize
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape[0], (tuple, list)) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={input_shape}")
        s1, s2 = input_shape
        axes = self._axes(len(s1), len(s2))
        if s1[axes[0]] is not None and s2[axes[1]] is not None and s1[axes[0]] != s2[axes[1]]:
            raise ValueError(f"Incompatible input shapes: axis values {s1[axes[0]]} (at axis "
                             f"{axes[0]}) != {s2[axes[1]]} (at axis {axes[1]}). Full input "
                             f"shapes: {tuple(s1)}, {tuple(s2)}")

    def _axes(self, r1: int, r2: int) -> list:
        if isinstance(self.axes, int):
            return [self.axes % r1, self.axes % r2] if self.axes < 0 else [self.axes] * 2
        return [self.axes[0] % r1, self.axes[1] % r2]

    def call(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: "
                             f"inputs={inputs}")
        x1, x2 = inputs
        axes = self._axes(len(x1.shape), len(x2.shape))
        if self.normalize:
            x1, x2 = ops.normalize(x1, axis=axes[0]), ops.normalize(x2, axis=axes[1])
        return batch_dot(x1, x2, axes)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """keras.layers.add: Add()(inputs)."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    return Dot(axes=axes, **kwargs)(inputs)
