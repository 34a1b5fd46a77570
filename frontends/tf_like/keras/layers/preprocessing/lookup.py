"""StringLookup and IntegerLookup (Keras 3): map tokens to vocabulary indices (or back, with
`invert=True`), learned by `adapt` or given as `vocabulary`."""

from __future__ import annotations

import numpy as np

from .... import _strings
from ....errors import InvalidArgumentError
from ... import ops
from ...ops import _core
from . import _common as C
from ._index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Mirrors keras.layers.StringLookup: strings -> int64 indices ([mask] [OOV buckets]
    [vocabulary by frequency]) or, with `output_mode`, one_hot / multi_hot / count / tf_idf
    rows (float32); `invert=True` maps indices back to strings.

    Differences: strings are host values (tf_like's StringTensor), so the layer runs outside
    the IR: on eager values and in tf.data pipelines (`dataset.map(layer)`); its integer output
    enters the IR. Inverted output is a string tensor (Keras on torch returns a Python list).
    `sparse=True` is TensorFlow-only in Keras 3 and is refused here too."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, **kwargs)

    def _to_tokens(self, values) -> list:
        if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
            values = values.numpy()
        a = np.asarray(values, dtype=object).reshape(-1)
        return [v.decode(self.encoding) if isinstance(v, bytes) else str(v) for v in a]

    def call(self, inputs):
        self._ensure_known_vocab_size()
        if self.invert:
            return self._invert(inputs)
        if not C.is_string(inputs):
            if C.is_symbolic(inputs):
                raise self.host_only_error()
            raise ValueError(f"Layer '{self.name}' (StringLookup) expects string inputs; "
                             f"received dtype {getattr(inputs, 'dtype', type(inputs))}. Use "
                             "IntegerLookup for integer tokens.")
        raw = C.to_host(self, inputs)
        keys = np.asarray(self._to_tokens(raw), dtype=object).reshape(raw.shape)
        return self._encode(_core.tensor(self._lookup_host(keys)))

    def _invert(self, inputs):
        indices = C.to_host(self, inputs).astype(np.int64)
        table = self._invert_table()
        flat = [table[i] if 0 <= i < len(table) else self.oov_token
                for i in indices.reshape(-1)]
        if self.mask_token is not None:
            flat = [self.mask_token if i == 0 else t for i, t in zip(indices.reshape(-1), flat)]
        out = np.asarray([t.encode(self.encoding) for t in flat], dtype=object)
        return _strings.StringTensor(out.reshape(indices.shape))

    def get_config(self) -> dict:
        config = {**super().get_config(), "encoding": self.encoding}
        del config["vocabulary_dtype"]
        return config


class IntegerLookup(IndexLookup):
    """Mirrors keras.layers.IntegerLookup: integer tokens -> int64 indices, or one_hot /
    multi_hot / count / tf_idf rows; `invert=True` maps indices back to tokens. Defaults:
    mask_token=None, oov_token=-1, oov_method="floormod" (several OOV buckets take
    token mod num_oov_indices; "farmhash" hashes the decimal string as TF does).

    The lookup is built from IR ops (compare against the vocabulary, argmax), so the layer runs
    inside traced train/predict steps too (except oov_method="farmhash" with several OOV
    buckets, which hashes on the host). Difference: with num_oov_indices=0 an OOV input raises
    eagerly; inside a traced step it yields -1 (TF's assert does not exist in the IR)."""

    _string_keys = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If `max_tokens` is set for `IntegerLookup`, it must be greater "
                             f"than 1. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("The value of `num_oov_indices` argument for `IntegerLookup` "
                             f"must >= 0. Received: num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _to_tokens(self, values) -> list:
        if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
            values = values.numpy()
        return [int(v) for v in np.asarray(values).reshape(-1)]

    def call(self, inputs):
        self._ensure_known_vocab_size()
        if C.is_string(inputs):
            raise ValueError(f"Layer '{self.name}' (IntegerLookup) expects integer inputs; "
                             "received strings. Use StringLookup for string tokens.")
        x = ops.cast(inputs, "int64")
        if self.invert:
            return self._invert(x)
        if self.num_oov_indices > 1 and self.oov_method == "farmhash":
            return self._encode(_core.tensor(self._lookup_host(C.to_host(self, x))))
        indices = self._lookup_ir(x)
        if self.num_oov_indices == 0 and not C.is_symbolic(indices):
            oov = np.asarray(indices.array) == -1
            if oov.any():
                raise InvalidArgumentError(None, None, "When `num_oov_indices=0` all inputs "
                                           "should be in vocabulary, found OOV values "
                                           f"{np.asarray(x.array)[oov]}, consider setting "
                                           "`num_oov_indices=1`.")
        return self._encode(indices)

    def _lookup_ir(self, x):
        """Index of each token: match against the vocabulary (a (..., V) comparison)."""
        int64 = lambda v: _core.tensor(np.asarray(v, np.int64))
        if self._tokens:
            hit = ops.equal(ops.expand_dims(x, -1), int64(self._tokens))
            position = ops.cast(ops.argmax(ops.cast(hit, "int32"), axis=-1), "int64")
            found = ops.any(hit, axis=-1)
            indices = ops.where(found, ops.add(position, int64(self._token_start_index())),
                                int64(-1))
        else:
            indices = ops.add(ops.multiply(x, int64(0)), int64(-1))
        if self.num_oov_indices:
            bucket = ops.mod(x, int64(self.num_oov_indices)) if self.num_oov_indices > 1 \
                else int64(0)
            indices = ops.where(ops.equal(indices, int64(-1)),
                                ops.add(bucket, int64(self._oov_start_index())), indices)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
            indices = ops.where(ops.equal(x, int64(self.mask_token)), int64(mask_value),
                                indices)
        return indices

    def _invert(self, x):
        """Token of each index (Gather from the table; out of range gives oov_token)."""
        int64 = lambda v: _core.tensor(np.asarray(v, np.int64))
        table = self._invert_table()
        valid = ops.logical_and(ops.greater_equal(x, int64(0)),
                                ops.less(x, int64(len(table))))
        safe = ops.where(valid, x, int64(0))
        out = ops.where(valid, ops.take(int64(table), safe), int64(self.oov_token))
        if self.mask_token is not None:
            out = ops.where(ops.equal(x, int64(0)), int64(self.mask_token), out)
        return out

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
