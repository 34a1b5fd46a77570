"""keras.activations (Keras 3): functions of one tensor, `get`, `serialize`, `deserialize`.

Each is a keras.ops composition (so it works eagerly, traced and on KerasTensors). Keras 3
formulas: hard_sigmoid = relu6(x + 3) / 6, gelu exact by default (approximate=False), softmax
over axis -1, leaky_relu negative_slope 0.2.
"""

from __future__ import annotations

from .. import ops

__all__ = [
    "celu",
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) by default; `threshold` moves the kink, `negative_slope` leaks below it and
    `max_value` saturates, as keras.activations.relu."""
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    negative_part = None
    if negative_slope != 0.0:
        negative_part = ops.relu(ops.add(ops.negative(x), threshold)) if threshold != 0 \
            else ops.relu(ops.negative(x))
    if threshold != 0:
        y = ops.where(ops.greater(x, threshold), x, ops.zeros_like(x))
    elif max_value == 6:
        y = ops.relu6(x)
    else:
        y = ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, max_value)
    if negative_part is not None:
        y = ops.subtract(y, ops.multiply(negative_slope, negative_part))
    return y


def relu6(x):
    return ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return ops.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha=alpha)


def selu(x):
    return ops.selu(x)


def celu(x, alpha=1.0):
    return ops.celu(x, alpha=alpha)


def gelu(x, approximate=False):
    return ops.gelu(x, approximate=approximate)


def glu(x, axis=-1):
    return ops.glu(x, axis=axis)


def silu(x):
    return ops.silu(x)


swish = silu


def mish(x):
    return ops.mish(x)


def sigmoid(x):
    return ops.sigmoid(x)


def hard_sigmoid(x):
    return ops.hard_sigmoid(x)


def log_sigmoid(x):
    return ops.log_sigmoid(x)


def hard_silu(x):
    return ops.hard_silu(x)


hard_swish = hard_silu


def softmax(x, axis=-1):
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return ops.softsign(x)


def tanh(x):
    return ops.tanh(x)


def hard_tanh(x):
    return ops.hard_tanh(x)


def exponential(x):
    return ops.exp(x)


def linear(x):
    return x


def soft_shrink(x, threshold=0.5):
    """x - t above t, x + t below -t, 0 between."""
    return ops.where(ops.greater(x, threshold), ops.subtract(x, threshold),
                     ops.where(ops.less(x, -threshold), ops.add(x, threshold),
                               ops.zeros_like(x)))


def hard_shrink(x, threshold=0.5):
    return ops.where(ops.greater(ops.absolute(x), threshold), x, ops.zeros_like(x))


def tanh_shrink(x):
    return ops.subtract(x, ops.tanh(x))


def threshold(x, threshold, default_value):
    return ops.where(ops.greater(x, threshold), x, ops.full_like(x, default_value))


def squareplus(x, b=4):
    return ops.divide(ops.add(x, ops.sqrt(ops.add(ops.square(x), b))), 2.0)


def sparse_plus(x):
    """0 below -1, x above 1, (x + 1)^2 / 4 between."""
    mid = ops.divide(ops.square(ops.add(x, 1.0)), 4.0)
    return ops.where(ops.less_equal(x, -1.0), ops.zeros_like(x),
                     ops.where(ops.greater_equal(x, 1.0), x, mid))


_ALL = {name: globals()[name] for name in __all__ if name not in ("get", "serialize",
                                                                  "deserialize")}
# Keras serializes an alias under its canonical function's name
_CANONICAL = {"swish": "silu", "hard_swish": "hard_silu"}


def serialize(activation) -> str:
    """The registered name of an activation function (Keras 3 returns the plain name)."""
    for name, fn in _ALL.items():
        if fn is activation and name not in _CANONICAL:
            return name
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize activation {activation!r}")
    return name


def deserialize(config, custom_objects=None):
    name = config if isinstance(config, str) else config.get("config", config.get("class_name"))
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _ALL:
        return _ALL[name]
    raise ValueError(f"Could not interpret activation function identifier: {config}")


def get(identifier):
    """None -> linear; a name -> the function; a callable passes through."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")
