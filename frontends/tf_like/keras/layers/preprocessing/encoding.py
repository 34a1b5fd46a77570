"""CategoryEncoding, Hashing and Discretization (Keras 3)."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...ops import _core
from . import _common as C
from ._fingerprint import hash_buckets


class CategoryEncoding(C.HostInputLayer):
    """Mirrors keras.layers.CategoryEncoding: integer indices in [0, num_tokens) -> one_hot,
    multi_hot (default) or count rows of `num_tokens` (dtype float32); `count_weights`
    weights the counts. Built from IR ops (compare with range(num_tokens), reduce), so it runs
    inside traced steps. Differences: `sparse=True` is refused (no sparse tensors); indices
    outside the range give zero rows."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("`sparse=True` is not supported: tf_like has no sparse tensors.")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        if C.is_string(inputs):
            raise ValueError(f"Layer '{self.name}' (CategoryEncoding) expects integer inputs; "
                             "received strings.")
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                             f"Received `count_weights={count_weights}`.")
        if count_weights is not None:
            count_weights = _core.tensor(count_weights, self.compute_dtype)
        return C.encode(inputs, self.output_mode, self.num_tokens, self.compute_dtype,
                        count_weights, max_rank=None)

    def output_spec(self, input_shape):
        return C.encoded_shape(input_shape, self.output_mode, self.num_tokens), \
            self.compute_dtype

    def get_config(self) -> dict:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}


class Hashing(C.HostInputLayer):
    """Mirrors keras.layers.Hashing: each value -> FarmHash Fingerprint64 of its string form
    (integers in decimal, floats cast to int64 first) mod num_bins, or SipHash-2-4 keyed by
    `salt` (TF's to_hash_bucket_fast / _strong): the same bins as Keras on TensorFlow.
    `mask_value` maps to bin 0 and shifts the rest up by one. output_mode one_hot / multi_hot
    / count encodes the bins (float32).

    Difference: hashing runs on the host (pure Python hashes), outside the IR: eagerly and in
    tf.data pipelines, not on symbolic tensors inside a traced model step."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, '
                             f"'int32' or 'in64'. Received: dtype={self.dtype}")
        modes = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in modes:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{modes}. Received: output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` is not supported: tf_like has no sparse tensors.")
        if salt is not None and not (isinstance(salt, int) or isinstance(salt, (tuple, list))
                                     and len(salt) == 2):
            raise ValueError("The `salt` argument for `Hashing` can only be a tuple of size 2 "
                             f"integers, or a single integer. Received: salt={salt}.")
        self.num_bins, self.mask_value, self.output_mode, self.sparse = (
            num_bins, mask_value, output_mode, sparse)
        self.strong_hash = salt is not None
        self.salt = None if salt is None else [salt, salt] if isinstance(salt, int) else \
            list(salt)
        self.built = True

    def _hash_values(self, values: np.ndarray) -> np.ndarray:
        bins, mask = self.num_bins, None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == (self.mask_value.encode() if isinstance(self.mask_value, str)
                              else self.mask_value)
        if values.dtype.kind == "f":
            values = values.astype(np.int64)
        text = [v if isinstance(v, bytes) else str(int(v)).encode()
                for v in values.reshape(-1)]
        out = np.asarray(hash_buckets(text, bins, self.salt), np.int64).reshape(values.shape)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs):
        values = C.to_host(self, inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values.reshape(values.shape[:-1])
        bins = _core.tensor(self._hash_values(values))
        if self.output_mode == "int":
            return ops.cast(bins, self.dtype)
        return C.encode(bins, self.output_mode, self.num_bins, self.dtype)

    def output_spec(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape), self.dtype
        base = tuple(input_shape)[:-1] if input_shape else ()
        return base + (self.num_bins,), self.dtype

    def get_config(self) -> dict:
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}


class Discretization(C.HostInputLayer):
    """Mirrors keras.layers.Discretization: bucket index of each value (np.digitize: the
    number of boundaries <= x) as int32, or one_hot / multi_hot / count rows; boundaries are
    given or learned by `adapt` with Keras's approximate quantiles (sorted samples every
    ~epsilon*n, merged and compressed to num_bins - 1 interior boundaries). The bucketing is
    built from IR ops, so the layer runs inside traced steps. Difference: `sparse=True` is
    refused."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise ValueError("`sparse=True` is not supported: tf_like has no sparse tensors.")
        C.standardize_output_mode(output_mode, ("int", "one_hot", "multi_hot", "count"),
                                  "Discretization")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries, self.num_bins, self.epsilon = bin_boundaries, num_bins, epsilon
        self.output_mode, self.sparse = output_mode, sparse
        self.summary = None if bin_boundaries else np.zeros((2, 0), np.float32)
        self.built = True

    @property
    def output_dtype(self) -> str:
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def adapt(self, data, steps=None):
        """Learn `num_bins` quantile boundaries from data (array, tensor, dataset, batches)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        self.reset_state()
        for batch in C.adapt_batches(data, steps):
            self.update_state(C.batch_values(batch))
        self.finalize_state()

    def update_state(self, data):
        summary = _summarize(np.asarray(data, np.float32), self.epsilon)
        self.summary = _merge(summary, self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = np.zeros((2, 0), np.float32)

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can start "
                             "using the `Discretization` layer.")
        x = ops.cast(inputs, "float32")
        bounds = _core.tensor(np.asarray(self.bin_boundaries, np.float32))
        above = ops.greater_equal(ops.expand_dims(x, -1), bounds)
        indices = ops.sum(ops.cast(above, "int32"), axis=-1)
        if self.output_mode == "int":
            return indices
        return C.encode(indices, self.output_mode, len(self.bin_boundaries) + 1,
                        self.output_dtype, max_rank=None)

    def output_spec(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape), "int32"
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None \
            else self.num_bins
        return C.encoded_shape(tuple(input_shape), self.output_mode, depth), self.output_dtype

    def get_config(self) -> dict:
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"]["config"]["name"]
        boundaries = config.pop("bin_boundaries", None)
        if boundaries is not None and config.get("num_bins") is not None:
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(bin_boundaries=boundaries, **config)


# -- Keras's approximate quantiles (numpy, host side) ----------------------------------------
def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Every step-th sorted value, weighted by step (step = n * epsilon, at least 1)."""
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge(prev: np.ndarray, nxt: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((prev, nxt), axis=1)
    return _compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Interpolate the summary down to 1/epsilon points of equal weight."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    cum_percents = cum / cum[-1]
    bins = np.interp(percents, cum_percents, summary[0])
    cum = np.interp(percents, cum_percents, cum)
    weights = cum - np.concatenate((np.array([0]), cum[:-1]))
    return np.stack((bins, weights)).astype("float32")
