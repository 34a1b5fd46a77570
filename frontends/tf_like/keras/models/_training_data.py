"""Where fit/evaluate/predict batches come from (Keras 3's trainers/data_adapters and
epoch_iterator): numpy arrays (and tensors) sliced into batches, tf.data-like iterables of
batches, Python generators and keras.utils.PyDataset. Batches are (x, y, sample_weight)
structures of numpy arrays; floats are cast to float32 (floatx) as Keras does."""

from __future__ import annotations

import math
import types
import warnings

import numpy as np

from core_ir.tensor import Tensor as _CoreTensor

from ..backend import _tree
from ..utils import PyDataset, pack_x_y_sample_weight, unpack_x_y_sample_weight


def _is_array(x) -> bool:
    return x is None or isinstance(x, (np.ndarray, _CoreTensor)) or hasattr(x, "__array__")


def can_convert_arrays(data) -> bool:
    return all(_is_array(leaf) for leaf in _tree.flatten(data))


def to_numpy(x):
    """A leaf as a numpy array, floats as float32."""
    if x is None:
        return None
    a = np.asarray(x.numpy() if isinstance(x, _CoreTensor) else x)
    return a.astype(np.float32) if a.dtype.kind == "f" and a.dtype != np.float32 else a


def check_data_cardinality(data) -> None:
    sizes = {int(leaf.shape[0]) for leaf in _tree.flatten(data) if leaf is not None}
    if len(sizes) > 1:
        msg = ("Data cardinality is ambiguous. Make sure all arrays contain the same number of "
               "samples.")
        for label, part in zip(["x", "y", "sample_weight"], data):
            found = ", ".join(str(leaf.shape[0]) for leaf in _tree.flatten(part)
                              if leaf is not None)
            msg += f"'{label}' sizes: {found}\n"
        raise ValueError(msg)


def class_weight_to_sample_weights(y, class_weight) -> np.ndarray:
    """Each sample weighs class_weight[its class] (argmax of one-hot rows; default 1.0)."""
    y = np.asarray(y)
    weights = np.ones((y.shape[0],), dtype=np.float32)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    y = np.round(y).astype("int32")
    for i in range(y.shape[0]):
        weights[i] = class_weight.get(int(y[i]), 1.0)
    return weights


def _samplewise_weights(y, sample_weight):
    """One sample_weight array for several outputs is used for every output."""
    if sample_weight is None or not _tree.is_nested(y) or isinstance(sample_weight,
                                                                      (list, tuple, dict)):
        return sample_weight
    sw = np.asarray(sample_weight)
    if not (sw.ndim == 1 or (sw.ndim == 2 and sw.shape[1] == 1)):
        raise ValueError("For a model with multiple outputs, when providing a single "
                         "`sample_weight` array, it should only have one scalar score per "
                         "sample (i.e. shape `(num_samples,)`). If you want to use non-scalar "
                         "sample weights, pass a `sample_weight` argument with one array per "
                         "model output.")
    return _tree.map_structure(lambda _: sample_weight, y)


class ArrayDataAdapter:
    """Arrays sliced into batches of `batch_size` (default 32; the last one partial); shuffle
    True permutes all samples each epoch, "batch" permutes within each batch."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None,
                 shuffle=False, class_weight=None):
        if sample_weight is not None and class_weight is not None:
            raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
        sample_weight = _samplewise_weights(y, sample_weight)
        if class_weight is not None:
            if _tree.is_nested(y):
                raise ValueError("`class_weight` is only supported for Models with a single "
                                 "output.")
            sample_weight = class_weight_to_sample_weights(to_numpy(y), class_weight)
        data = _tree.map_structure(to_numpy, (x, y, sample_weight))
        check_data_cardinality(data)
        self._inputs = pack_x_y_sample_weight(*data)
        leaves = [leaf for leaf in _tree.flatten(data) if leaf is not None]
        self._num_samples = int(leaves[0].shape[0]) if leaves else 0
        if not batch_size:
            batch_size = math.ceil(self._num_samples / steps) if steps else 32
        self.batch_size = batch_size
        self.num_batches = math.ceil(self._num_samples / batch_size)
        self._shuffle = shuffle

    def batches(self):
        n, size = self._num_samples, self.batch_size
        order = np.random.permutation(n) if self._shuffle and self._shuffle != "batch" else None
        for i in range(self.num_batches):
            start, stop = i * size, min((i + 1) * size, n)
            if self._shuffle == "batch":
                index = np.random.permutation(stop - start) + start
            elif order is not None:
                index = order[start:stop]
            else:
                index = slice(start, stop)
            yield _tree.map_structure(lambda a, i=index: None if a is None else a[i],
                                      self._inputs)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


class IterableDataAdapter:
    """Already-batched data: a tf.data.Dataset-like iterable (iterated afresh each epoch), a
    Python generator (one iterator for the whole run) or a PyDataset (indexed)."""

    def __init__(self, data, class_weight=None, shuffle=False):
        self._data, self._class_weight, self._shuffle = data, class_weight, shuffle
        self.num_batches = _known_length(data)

    def batches(self):
        data = self._data
        if isinstance(data, PyDataset):
            order = np.arange(self.num_batches) if self.num_batches is not None else None
            if order is not None and self._shuffle:
                np.random.shuffle(order)
            source = (data[int(i)] for i in order) if order is not None else _forever(data)
        else:
            source = data if isinstance(data, types.GeneratorType) else iter(data)
        for batch in source:
            yield self._standardize(batch)

    def _standardize(self, batch):
        x, y, sw = unpack_x_y_sample_weight(batch)
        if self._class_weight is not None and sw is None and y is not None:
            sw = class_weight_to_sample_weights(to_numpy(y), self._class_weight)
        return pack_x_y_sample_weight(*_tree.map_structure(to_numpy, (x, y, sw)))

    def on_epoch_begin(self):
        if isinstance(self._data, PyDataset):
            self._data.on_epoch_begin()

    def on_epoch_end(self):
        if isinstance(self._data, PyDataset):
            self._data.on_epoch_end()


def _forever(dataset):
    i = 0
    while True:
        yield dataset[i]
        i += 1


def _known_length(data):
    if isinstance(data, PyDataset):
        return data.num_batches
    if isinstance(data, types.GeneratorType):
        return None
    cardinality = getattr(data, "cardinality", None)
    if callable(cardinality):
        n = int(np.asarray(cardinality()))
        return n if n >= 0 else None
    try:
        return len(data)
    except TypeError:
        return None


def _raise_unsupported(arg, description, kind):
    raise ValueError(f"When providing `x` as a {kind}, `{arg}` should not be passed. Instead, "
                     f"{description} should be included as part of the {kind}.")


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                     shuffle=False, class_weight=None):
    if isinstance(x, (ArrayDataAdapter, IterableDataAdapter)):
        return x
    if can_convert_arrays((x, y, sample_weight)):
        return ArrayDataAdapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                                steps=steps_per_epoch, shuffle=shuffle, class_weight=class_weight)
    kind = ("PyDataset" if isinstance(x, PyDataset) else "generator"
            if isinstance(x, types.GeneratorType) else "tf.data.Dataset")
    if _tree.is_nested(x) or (not hasattr(x, "__iter__") and not isinstance(x, PyDataset)):
        raise ValueError(f"Unrecognized data type: x={x} (of type {type(x)})")
    if y is not None:
        _raise_unsupported("y", "the targets", kind)
    if sample_weight is not None:
        _raise_unsupported("sample_weights", "the sample weights", kind)
    if class_weight is not None and kind == "generator":
        raise ValueError("Argument `class_weight` is not supported for Python generator inputs. "
                         f"Received: class_weight={class_weight}")
    if shuffle and kind != "PyDataset":
        warnings.warn(f"`shuffle=True` was passed, but will be ignored since the data `x` was "
                      f"provided as a {kind}. The {kind} is expected to already be shuffled.",
                      stacklevel=3)
        shuffle = False
    return IterableDataAdapter(x, class_weight=class_weight, shuffle=shuffle)


class EpochIterator:
    """Yields (step, batch) for one epoch each time it is iterated (Keras's EpochIterator):
    `steps_per_epoch` caps an epoch and, for unsized data, keeps one iterator across epochs."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 shuffle=False, class_weight=None):
        self.steps_per_epoch = steps_per_epoch
        self.data_adapter = get_data_adapter(x, y, sample_weight, batch_size, steps_per_epoch,
                                             shuffle, class_weight)
        self._num_batches = self.data_adapter.num_batches
        self._current = None
        self._steps_seen = 0

    @property
    def num_batches(self):
        return self.steps_per_epoch or self._num_batches

    def reset(self):
        self._current = None
        self._num_batches = self.data_adapter.num_batches
        self._steps_seen = 0

    def __iter__(self):
        self.data_adapter.on_epoch_begin()
        steps = self.steps_per_epoch or self._num_batches or -1
        if steps > 0:
            yield from self._bounded(steps)
        else:
            step = -1
            for step, batch in enumerate(self.data_adapter.batches()):
                yield step, batch
            self._num_batches = step + 1
        self.data_adapter.on_epoch_end()

    def _bounded(self, steps):
        if self._current is None or self.steps_per_epoch is None:
            self._current = iter(self.data_adapter.batches())
            self._steps_seen = 0
        for step in range(steps):
            if self._num_batches and self._steps_seen >= self._num_batches:
                if self.steps_per_epoch:
                    _interrupted_warning()
                break
            try:
                batch = next(self._current)
            except StopIteration:
                if self._num_batches is None:
                    self._num_batches = self._steps_seen
                _interrupted_warning()
                self._current = None
                return
            self._steps_seen += 1
            yield step, batch
        if self._num_batches and self._steps_seen >= self._num_batches:
            self._current = iter(self.data_adapter.batches())
            self._steps_seen = 0


def _interrupted_warning():
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                  "dataset or generator can generate at least `steps_per_epoch * epochs` "
                  "batches. You may need to use the `.repeat()` function when building your "
                  "dataset.", stacklevel=2)


def train_validation_split(arrays, validation_split):
    """The last `validation_split` fraction of the arrays is the validation data (no shuffle
    before the split, as Keras)."""
    flat = _tree.flatten(arrays)
    bad = [type(t) for t in flat if not _is_array(t)]
    if bad:
        raise ValueError("Argument `validation_split` is only supported for tensors or NumPy "
                         f"arrays.Found incompatible type in the input: {bad}")
    first = next((t for t in flat if t is not None), None)
    if first is None:
        return arrays, arrays
    n = int(np.shape(first)[0])
    split_at = math.floor(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split "
                         "it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or a "
                         "different value for the `validation_split` argument.")
    numpy = _tree.map_structure(to_numpy, arrays)
    cut = lambda lo, hi: _tree.map_structure(
        lambda t: None if t is None else t[lo:hi], numpy)
    return cut(0, split_at), cut(split_at, n)
