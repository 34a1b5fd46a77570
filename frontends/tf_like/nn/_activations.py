"""tf.nn activations, lowered to the IR's activation ops. Gradients at kinks follow TF: relu and
relu6 pass nothing at 0 (and relu6 nothing at 6), leaky_relu passes alpha at 0."""

from __future__ import annotations

from core_ir import ops

from .._helpers import tensor
from .._tensor import call


def relu(features, name=None):
    """tf.nn.relu: max(x, 0)."""
    return call(ops.relu, tensor(features))


def relu6(features, name=None):
    """tf.nn.relu6: min(max(x, 0), 6); the gradient is 1 only for 0 < x < 6, as TF's."""
    x = tensor(features)
    six = ops.const_like(6, x)
    return call(ops.where, call(ops.greater_or_equal, x, six), six, call(ops.relu, x))


def elu(features, name=None):
    """tf.nn.elu: x if x > 0 else exp(x) - 1."""
    return call(ops.elu, tensor(features), alpha=1.0)


def selu(features, name=None):
    """tf.nn.selu: scale * elu(x, alpha) with the self-normalizing constants."""
    return call(ops.selu, tensor(features))


def gelu(features, approximate=False, name=None):
    """tf.nn.gelu: x * Phi(x) (exact, erf) or its tanh approximation."""
    return call(ops.gelu, tensor(features), approximate="tanh" if approximate else "none")


def silu(features, beta=1.0, name=None):
    """tf.nn.silu (tf.nn.swish): x * sigmoid(beta * x)."""
    x = tensor(features)
    scaled = x if beta == 1.0 else x * ops.const_like(beta, x)
    return x * call(ops.sigmoid, scaled)


swish = silu


def leaky_relu(features, alpha=0.2, name=None):
    """tf.nn.leaky_relu: x if x > 0 else alpha * x (TF's default alpha is 0.2; Keras's
    LeakyReLU layer defaults to 0.3)."""
    return call(ops.leaky_relu, tensor(features), alpha=float(alpha))


def sigmoid(x, name=None):
    """tf.nn.sigmoid."""
    return call(ops.sigmoid, tensor(x))


def tanh(x, name=None):
    """tf.nn.tanh."""
    return call(ops.tanh, tensor(x))


def softplus(features, name=None):
    """tf.nn.softplus: log(exp(x) + 1)."""
    return call(ops.softplus, tensor(features))


def softsign(features, name=None):
    """tf.nn.softsign: x / (|x| + 1)."""
    return call(ops.softsign, tensor(features))


def crelu(features, axis=-1, name=None):
    """tf.nn.crelu: concat(relu(x), relu(-x)) along axis."""
    x = tensor(features)
    a = axis % x.ndim
    return call(ops.concat, call(ops.relu, x), call(ops.relu, call(ops.neg, x)), axis=a)


def log_sigmoid(x, name=None):
    """tf.math.log_sigmoid: -softplus(-x)."""
    return call(ops.neg, call(ops.softplus, call(ops.neg, tensor(x))))


__all__ = ["relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "leaky_relu", "sigmoid",
           "tanh", "softplus", "softsign", "crelu", "log_sigmoid"]
