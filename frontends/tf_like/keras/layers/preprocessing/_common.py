"""What the preprocessing layers share: host-side input handling (strings never enter the IR),
output specs for symbolic calls, adapt's batch iteration, and Keras's categorical encodings
(one_hot / multi_hot / count, as IR ops)."""

from __future__ import annotations

import numpy as np

import core_ir

from .... import _strings
from ....data._dataset import Dataset
from ... import ops
from ...backend._keras_tensor import KerasTensor
from ...ops import _core
from .._layer import Layer

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def standardize_output_mode(output_mode, allowed, layer: str) -> str:
    """Keras's aliases ('binary' is multi_hot, 'tf-idf' is tf_idf) and its validation."""
    output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
    if output_mode not in allowed:
        raise ValueError(f"Unknown value for `output_mode` argument of {layer}. Allowed values "
                         f"are: {allowed}. Received: output_mode={output_mode}")
    return output_mode


def is_string(x) -> bool:
    if isinstance(x, KerasTensor):
        return x.dtype.kind in "SUO"
    return _strings.is_string_value(x)


def is_symbolic(x) -> bool:
    return isinstance(x, core_ir.Tensor) and x.array is None


class HostInputLayer(Layer):
    """A preprocessing layer that accepts Python lists and string values as inputs (Keras's
    `_allow_non_tensor_positional_args`): strings stay host-side StringTensors, numbers become
    tensors; symbolic calls get their output spec from `output_spec(input_shape)`."""

    _convert_input_args = False

    def _convert_args(self, args, kwargs):
        def convert(x):
            if is_string(x) and not isinstance(x, KerasTensor):
                return _strings.StringTensor(_strings.as_string_array(x))
            if isinstance(x, (list, tuple, np.ndarray, np.generic, int, float)):
                return _core.tensor(np.asarray(x))
            return x
        if args:
            args = (convert(args[0]),) + tuple(args[1:])
        return args, kwargs

    def compute_output_spec(self, inputs, *args, **kwargs):
        shape, dtype = self.output_spec(tuple(inputs.shape))
        return KerasTensor(shape, dtype=dtype)

    def compute_output_shape(self, input_shape):
        return self.output_spec(tuple(input_shape))[0]

    def host_only_error(self, what: str = "strings") -> ValueError:
        """Raised when a host-side layer meets a symbolic (traced) tensor."""
        return ValueError(
            f"Layer '{self.name}' ({type(self).__name__}) processes {what} on the host, "
            f"outside the IR graph, so it cannot run on a symbolic tensor (inside a traced "
            f"train/predict step or tf.function). Apply it in the input pipeline instead, "
            f"e.g. `dataset.map(layer)`, or call it eagerly on the data.")


def to_host(layer: HostInputLayer, inputs) -> np.ndarray:
    """The concrete input values as numpy (strings: an object array of bytes)."""
    if isinstance(inputs, _strings.StringTensor):
        return inputs.array
    if is_symbolic(inputs):
        raise layer.host_only_error()
    if isinstance(inputs, core_ir.Tensor):
        return np.asarray(inputs.array)
    if is_string(inputs):
        return _strings.as_string_array(inputs)
    return np.asarray(inputs)


def as_rows(a: np.ndarray) -> np.ndarray:
    """adapt's update_state reshaping: a scalar becomes (1,), a vector one row (1, n)."""
    if a.ndim == 0:
        a = a.reshape(1)
    return a.reshape(1, -1) if a.ndim == 1 else a


def adapt_batches(data, steps=None):
    """The batches adapt() sees (Keras 3's rule): datasets and other iterables batch by batch;
    an array, list or tensor is one batch whose rank-1 form becomes a column (n, 1)."""
    if isinstance(data, Dataset) or (hasattr(data, "__iter__") and not isinstance(
            data, (list, tuple, np.ndarray, str, bytes, core_ir.Tensor,
                   _strings.StringTensor))):
        for i, batch in enumerate(data):
            if steps is not None and i >= steps:
                break
            yield batch
        return
    a = _strings.as_string_array(data) if is_string(data) else np.asarray(
        data.numpy() if isinstance(data, core_ir.Tensor) else data)
    yield a.reshape(-1, 1) if a.ndim == 1 else a


def batch_values(batch) -> np.ndarray:
    """One adapt batch as numpy (a (x, y) tuple contributes x)."""
    if isinstance(batch, tuple):
        batch = batch[0]
    if is_string(batch):
        return _strings.as_string_array(batch)
    return np.asarray(batch.numpy() if isinstance(batch, core_ir.Tensor) else batch)


# -- categorical encodings (IR ops) ----------------------------------------------------------
def _one_hot(indices, depth: int, dtype):
    """Rows of `depth` with a 1 at each index; indices outside [0, depth) give zero rows (as
    TF's one_hot and bincount drop them)."""
    classes = _core.tensor(np.arange(depth, dtype=np.dtype(indices.dtype)))
    hit = ops.equal(ops.expand_dims(indices, -1), classes)
    return ops.cast(hit, dtype)


def encode(indices, output_mode: str, depth: int, dtype="float32", count_weights=None,
           max_rank: int | None = 2):
    """Keras's encode_categorical_inputs for one_hot / multi_hot / count. one_hot drops a
    trailing axis of size 1; multi_hot and count reduce the last axis (a vector is one
    sample). `max_rank` is the TF path's limit on the output rank (None: no limit)."""
    if indices.ndim == 0:
        indices = ops.expand_dims(indices, -1)
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = ops.squeeze(indices, -1)
        out_rank = indices.ndim + 1
    else:
        out_rank = indices.ndim
    if max_rank is not None and out_rank > max_rank:
        raise ValueError(f"When output_mode is not `'int'`, maximum supported output rank is "
                         f"{max_rank}. Received output_mode {output_mode} and input shape "
                         f"{tuple(indices.shape)}, which would result in output rank "
                         f"{out_rank}.")
    hot = _one_hot(indices, depth, dtype)
    if output_mode == "one_hot":
        return hot
    if output_mode == "multi_hot":
        return ops.max(hot, axis=-2)
    if count_weights is not None:
        hot = ops.multiply(hot, ops.expand_dims(ops.cast(count_weights, dtype), -1))
    return ops.sum(hot, axis=-2)


def encoded_shape(input_shape: tuple, output_mode: str, depth) -> tuple:
    """The output shape of `encode` for an input shape."""
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return tuple(input_shape[:-1]) + (depth,)
        return tuple(input_shape) + (depth,)
    return tuple(input_shape[:-1]) + (depth,)
