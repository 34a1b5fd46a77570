"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization. Keras defaults: epsilon 1e-3; BatchNormalization momentum 0.99 in the form
moving = moving * momentum + batch * (1 - momentum), the biased batch variance stored."""

from __future__ import annotations

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from .. import constraints, initializers, ops, regularizers
from ._input_spec import InputSpec
from ._layer import Layer
from ._utils import ser_constraint, ser_initializer, ser_regularizer


def _affine_args(self):
    self.beta_initializer = initializers.get(self._cfg["beta_initializer"])
    self.gamma_initializer = initializers.get(self._cfg["gamma_initializer"])
    self.beta_regularizer = regularizers.get(self._cfg["beta_regularizer"])
    self.gamma_regularizer = regularizers.get(self._cfg["gamma_regularizer"])
    self.beta_constraint = constraints.get(self._cfg["beta_constraint"])
    self.gamma_constraint = constraints.get(self._cfg["gamma_constraint"])


def _affine_config(self) -> dict:
    return {"beta_initializer": ser_initializer(self.beta_initializer),
            "gamma_initializer": ser_initializer(self.gamma_initializer),
            "beta_regularizer": ser_regularizer(self.beta_regularizer),
            "gamma_regularizer": ser_regularizer(self.gamma_regularizer),
            "beta_constraint": ser_constraint(self.beta_constraint),
            "gamma_constraint": ser_constraint(self.gamma_constraint)}


def _add_affine(self, shape):
    self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                 regularizer=self.gamma_regularizer,
                                 constraint=self.gamma_constraint, trainable=True,
                                 autocast=False) if self.scale else None
    self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                regularizer=self.beta_regularizer,
                                constraint=self.beta_constraint, trainable=True,
                                autocast=False) if self.center else None


def _const(value, shape, dtype):
    return ops.convert_to_tensor(np.full(shape, value, dtype=np.dtype(dtype)))


class BatchNormalization(Layer):
    """Mirrors keras.layers.BatchNormalization. Training (training=True and the layer
    trainable) normalizes with the batch statistics over all axes but `axis` and updates
    moving_mean/moving_variance; otherwise (including trainable=False) it uses the moving
    statistics. Weights: gamma, beta, moving_mean, moving_variance. Differences: no renorm or
    synchronized mode."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            raise ValueError("BatchNormalization(renorm=True) is not supported by this engine")
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self._cfg = {"beta_initializer": beta_initializer, "gamma_initializer": gamma_initializer,
                     "beta_regularizer": beta_regularizer, "gamma_regularizer": gamma_regularizer,
                     "beta_constraint": beta_constraint, "gamma_constraint": gamma_constraint}
        _affine_args(self)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape):
        shape = (input_shape[self.axis],)
        _add_affine(self, shape)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={self.axis: input_shape[self.axis]})

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError("The mask provided should be one dimension less than the inputs. "
                             f"Received: mask.shape={tuple(mask.shape)}, "
                             f"inputs.shape={tuple(inputs.shape)}")
        n = inputs.shape[self.axis]
        gamma = self.gamma if self.scale else _const(1, (n,), inputs.dtype)
        beta = self.beta if self.center else _const(0, (n,), inputs.dtype)
        training = bool(training) and self.trainable
        if training and mask is not None:
            return self._masked_training(inputs, mask, gamma, beta)
        outs = call(ir.batch_normalization, inputs, gamma, beta, self.moving_mean,
                    self.moving_variance, epsilon=self.epsilon, momentum=self.momentum,
                    training_mode=int(training), axis=self.axis)
        if training:
            self.moving_mean.assign(outs[1])
            self.moving_variance.assign(outs[2])
        return outs[0]

    def _masked_training(self, inputs, mask, gamma, beta):
        """Batch statistics over the unmasked positions only (Keras's weighted moments)."""
        axes = [a for a in range(len(inputs.shape)) if a != self.axis % len(inputs.shape)]
        w = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        total = ops.sum(w, axis=axes, keepdims=True)
        mean = ops.divide(ops.sum(ops.multiply(inputs, w), axis=axes, keepdims=True), total)
        var = ops.divide(ops.sum(ops.multiply(ops.square(ops.subtract(inputs, mean)), w),
                                 axis=axes, keepdims=True), total)
        mean, var = ops.reshape(mean, (-1,)), ops.reshape(var, (-1,))
        m = self.momentum
        self.moving_mean.assign(ops.add(ops.multiply(self.moving_mean, m),
                                        ops.multiply(mean, 1.0 - m)))
        self.moving_variance.assign(ops.add(ops.multiply(self.moving_variance, m),
                                            ops.multiply(var, 1.0 - m)))
        return ops.batch_normalization(inputs, mean, var, self.axis, offset=beta, scale=gamma,
                                       epsilon=self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **{k: v for k, v in _affine_config(self).items() if "initializer" in k},
                "moving_mean_initializer": ser_initializer(self.moving_mean_initializer),
                "moving_variance_initializer": ser_initializer(
                    self.moving_variance_initializer),
                **{k: v for k, v in _affine_config(self).items() if "initializer" not in k},
                "synchronized": self.synchronized, "renorm": False, "renorm_clipping": None,
                "renorm_momentum": 0.99}


class LayerNormalization(Layer):
    """Mirrors keras.layers.LayerNormalization: per sample, (x - mean) / sqrt(var + epsilon)
    over `axis` (default -1, epsilon 1e-3), then * gamma + beta (shaped like those axes)."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            raise ValueError("LayerNormalization(rms_scaling=True) is deprecated in Keras and "
                             "not supported here: use keras.layers.RMSNormalization")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), center, scale
        self.rms_scaling = False
        self._cfg = {"beta_initializer": beta_initializer, "gamma_initializer": gamma_initializer,
                     "beta_regularizer": beta_regularizer, "gamma_regularizer": gamma_regularizer,
                     "beta_constraint": beta_constraint, "gamma_constraint": gamma_constraint}
        _affine_args(self)
        self.supports_masking = True

    def build(self, input_shape):
        if isinstance(self.axis, list):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[d] for d in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        _add_affine(self, shape)

    def call(self, inputs):
        rank = len(inputs.shape)
        axes = sorted(a % rank for a in self.axis)
        if axes == list(range(axes[0], rank)):  # trailing axes: the fused IR op
            shape = tuple(inputs.shape[a] for a in axes)
            gamma = self.gamma if self.gamma is not None else _const(1, shape, inputs.dtype)
            return call(ir.layer_normalization, inputs, gamma, self.beta, axis=axes[0],
                        epsilon=self.epsilon)[0]
        return self._generic(inputs, axes)

    def _generic(self, inputs, axes):
        mean, var = ops.moments(inputs, axes, keepdims=True)
        y = ops.multiply(ops.subtract(inputs, mean), ops.rsqrt(ops.add(var, self.epsilon)))
        shape = [inputs.shape[a] if a in axes else 1 for a in range(len(inputs.shape))]
        if self.gamma is not None:
            y = ops.multiply(y, ops.reshape(self.gamma, shape))
        if self.beta is not None:
            y = ops.add(y, ops.reshape(self.beta, shape))
        return y

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                **_affine_config(self)}


class GroupNormalization(Layer):
    """Mirrors keras.layers.GroupNormalization: channels (on `axis`) split into `groups`;
    each sample's group normalized over its channels and all other non-batch axes."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups, self.axis, self.epsilon = groups, axis, float(epsilon)
        self.center, self.scale = center, scale
        self._cfg = {"beta_initializer": beta_initializer, "gamma_initializer": gamma_initializer,
                     "beta_regularizer": beta_regularizer, "gamma_regularizer": gamma_regularizer,
                     "beta_constraint": beta_constraint, "gamma_constraint": gamma_constraint}
        _affine_args(self)

    def build(self, input_shape):
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({dim}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        _add_affine(self, (dim,))

    def call(self, inputs):
        rank = len(inputs.shape)
        axis = self.axis % rank
        dims = list(ops.shape(inputs))
        per = inputs.shape[axis] // self.groups
        grouped = ops.reshape(inputs, dims[:axis] + [self.groups, per] + dims[axis + 1:])
        red = [a for a in range(1, rank + 1) if a != axis]
        mean, var = ops.moments(grouped, red, keepdims=True)
        inv = ops.rsqrt(ops.add(var, self.epsilon))
        shape = [1] * (rank + 1)
        shape[axis], shape[axis + 1] = self.groups, per
        if self.gamma is not None:
            inv = ops.multiply(inv, ops.reshape(self.gamma, shape))
        offset = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            offset = ops.add(offset, ops.reshape(self.beta, shape))
        y = ops.add(ops.multiply(grouped, inv), offset)
        return call(ir.reshape, y, ir.shape_tensor(inputs))

    def get_config(self) -> dict:
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **_affine_config(self)}


class UnitNormalization(Layer):
    """Mirrors keras.layers.UnitNormalization: x / max(||x||_2, 1e-12) along `axis`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        return ops.normalize(x, axis=self.axis, order=2, epsilon=1e-12)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """Mirrors keras.layers.RMSNormalization: x / sqrt(mean(x^2 over axis) + epsilon) * scale,
    epsilon 1e-6, `scale` initialized to ones."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, epsilon

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[d] for d in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")

    def call(self, x):
        return ops.rms_normalization(x, scale=self.scale, axis=self.axis, epsilon=self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
