"""keras.utils.to_categorical and normalize; set_random_seed."""

from __future__ import annotations

import random

import numpy as np

import core_ir
from core_ir import ops


def to_categorical(x, num_classes=None):
    """Mirrors keras.utils.to_categorical: integer class vector -> one-hot matrix with the class
    axis last (a trailing axis of size 1 is dropped first). Like Keras, arrays and lists give
    a float64 numpy array, a tensor gives a float32 tensor (the IR's OneHot).

    Example:
        >>> to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.]])
    """
    if isinstance(x, core_ir.Tensor):
        return _one_hot_tensor(x, num_classes)
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def _one_hot_tensor(x, num_classes):
    from ..._tensor import call
    if x.ndim > 1 and x.shape[-1] == 1:
        x = call(ops.squeeze, x, ops.const_ints([x.ndim - 1]))
    if num_classes is None:
        num_classes = int(np.max(x.numpy())) + 1
    values = core_ir.constant(np.array([0.0, 1.0], np.float32), cls=type(x))
    return call(ops.one_hot, x, ops.const_ints([num_classes]), values, axis=-1)


def normalize(x, axis=-1, order=2):
    """Mirrors keras.utils.normalize: x divided by its `order`-norm along `axis` (numpy arrays;
    tensors go through the L2 formula of keras.ops.normalize)."""
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, axis or -1)
    from ..losses.functions import l2_normalize
    if order != 2:
        raise ValueError(f"normalize of a tensor supports order=2 only, got order={order}")
    return l2_normalize(x, axis=axis)


def set_random_seed(seed):
    """Mirrors keras.utils.set_random_seed: seeds Python's `random`, numpy's global generator,
    tf.random (whose streams feed dropout and initializers in tf_like) and the engine's
    generator (which random IR ops without a seed draw from).

    Raises:
        ValueError: the seed is not an int.
    """
    if not isinstance(seed, int):
        raise ValueError(  # noqa: TRY004  (Keras's type)
            f"Expected `seed` argument to be an integer. Received: seed={seed} "
            f"(of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    from ... import random as tf_random
    tf_random.set_seed(seed)
    import backends.numpy as engine  # the generator unseeded IR random ops draw from
    engine.manual_seed(seed)
