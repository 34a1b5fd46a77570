"""IndexLookup: the vocabulary machinery behind StringLookup, IntegerLookup and
TextVectorization (Keras 3's layers/preprocessing/index_lookup.py).

Index layout (forward): [mask (int mode only)] [num_oov_indices OOV buckets] [tokens...].
adapt() orders tokens by count, most frequent first; ties go to the larger token (Keras sorts
with np.lexsort((tokens, counts))[::-1]). tf_idf weights are log(1 + docs / (1 + doc_count)),
the special indices getting the mean weight.
"""

from __future__ import annotations

import collections
import os

import numpy as np

from ....errors import InvalidArgumentError
from ... import ops
from ...ops import _core
from . import _common as C
from ._fingerprint import hash_buckets


class IndexLookup(C.HostInputLayer):
    """Shared base of the lookup layers; subclasses set `_string_keys` and conversions."""

    _string_keys = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="farmhash", salt=None, **kwargs):
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(**kwargs)
        layer = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"Unknown value for `oov_method` argument of {layer}. Allowed "
                             "values are: ('floormod', 'farmhash'). Received: "
                             f"oov_method={oov_method}")
        output_mode = C.standardize_output_mode(output_mode, C.OUTPUT_MODES, layer)
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                             f"Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        if isinstance(salt, int):
            salt = [salt, salt]
        self.invert, self.max_tokens, self.num_oov_indices = invert, max_tokens, num_oov_indices
        self.mask_token, self.oov_token, self.output_mode = mask_token, oov_token, output_mode
        self.sparse, self.pad_to_max_tokens = sparse, pad_to_max_tokens
        self.oov_method, self.salt = oov_method, salt
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._tokens: list = []
        self.idf_weights = None
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, "
                             "the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.reset_state()
        self.built = True

    # -- the vocabulary ---------------------------------------------------------------------
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """Size of the vocabulary, including the mask and OOV indices."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    def _to_tokens(self, values) -> list:
        """Vocabulary entries as Python str (StringLookup) or int (IntegerLookup)."""
        raise NotImplementedError(f"{type(self).__name__} must define _to_tokens")

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (list, array, tensor or a file path) and, for tf_idf, the idf
        weights; special tokens may lead the list, in Keras's order."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = f.read().splitlines()
        tokens = self._to_tokens(vocabulary)
        if not tokens:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={tokens}")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * \
            self.num_oov_indices
        found_special = tokens[:start] == special
        if found_special:
            tokens = tokens[start:]
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        self._check_reserved(tokens, special)
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. "
                             f"Received vocabulary size is {start + len(tokens)}; `max_tokens` "
                             f"is {self.max_tokens}.")
        self._tokens = tokens
        self._frozen_vocab_size = self.vocabulary_size()
        if self.output_mode == "tf_idf":
            self._set_idf(np.asarray(idf_weights, dtype=np.float64), found_special, len(tokens)
                          + (start if found_special else 0))

    def _check_reserved(self, tokens, special) -> None:
        """The mask token (and, inverting, the OOV token) may only lead the vocabulary."""
        for token, what in ((self.mask_token, "mask"), (self.oov_token, "OOV")):
            if token is None or token not in tokens or (what == "OOV" and not self.invert):
                continue
            raise ValueError(f"Found reserved {what} token at unexpected location in "
                             "`vocabulary`. Note that passed `vocabulary` does not need to "
                             "include the OOV and mask tokens. Either remove all mask and OOV "
                             "tokens, or include them only at the start of the vocabulary in "
                             f"precisely this order: {special}. Received: "
                             f"{what.lower()}_token={token}")

    def _set_idf(self, weights: np.ndarray, found_special: bool, vocab_len: int) -> None:
        if len(weights) != vocab_len:
            raise ValueError("`idf_weights` must be the same length as vocabulary. "
                             f"len(idf_weights) is {len(weights)}; len(vocabulary) is "
                             f"{vocab_len}")
        front = 0 if found_special else self._token_start_index()
        front_value = 0.0 if found_special else float(np.average(weights))
        back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
        self.idf_weights = np.concatenate([np.full(front, front_value), weights,
                                           np.zeros(back)]).astype(np.float32)

    # -- adapt ------------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learn the vocabulary (and idf weights) from data: an array, list, tensor, a
        tf.data.Dataset or any iterable of batches."""
        self.reset_state()
        for batch in C.adapt_batches(data, steps):
            self.update_state(C.batch_values(batch))
        self.finalize_state()

    def reset_state(self):
        self._counts: collections.Counter = collections.Counter()
        self._doc_counts: collections.Counter = collections.Counter()
        self._num_documents = 0

    def update_state(self, data):
        """Count tokens of one batch (rows are documents for tf_idf). `data` is an array or a
        list of token lists (ragged rows)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` method.")
        rows = data if isinstance(data, list) else C.as_rows(np.asarray(data))
        rows = [self._to_tokens(np.asarray(r, dtype=object).reshape(-1) if isinstance(r, list)
                                else np.asarray(r).reshape(-1)) for r in rows]
        for row in rows:
            self._counts.update(row)
            if self.output_mode == "tf_idf":
                self._doc_counts.update(set(row))
        self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            self._frozen_vocab_size = self.vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            self._counts.pop(special, None)
        ranked = sorted(self._counts.items(), key=lambda kv: (kv[1], self._sort_key(kv[0])),
                        reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start_index()]
        self._tokens = [t for t, _ in ranked]
        if self.output_mode == "tf_idf":
            docs = np.asarray([self._doc_counts[t] for t in self._tokens], dtype=np.float64)
            idf = np.log(1 + self._num_documents / (1 + docs)).astype(np.float32)
            self._set_idf(idf, False, len(idf))
        self.reset_state()
        self._frozen_vocab_size = self.vocabulary_size()

    def _sort_key(self, token):
        return token.encode("utf-8") if isinstance(token, str) else token  # TF compares bytes

    # -- lookup -----------------------------------------------------------------------------
    def _oov_buckets_host(self, keys: np.ndarray) -> np.ndarray:
        """OOV bucket (offset into the OOV range) of each key, as TF hashes it."""
        if self.num_oov_indices <= 1:
            return np.zeros(keys.shape, np.int64)
        if not self._string_keys and self.oov_method != "farmhash":
            return np.mod(keys.astype(np.int64), self.num_oov_indices)
        text = [(k if isinstance(k, str) else str(int(k))).encode("utf-8")
                for k in keys.reshape(-1)]
        return np.asarray(hash_buckets(text, self.num_oov_indices, self.salt),
                          np.int64).reshape(keys.shape)

    def _lookup_host(self, keys: np.ndarray) -> np.ndarray:
        """Forward lookup of concrete keys (Python str or int values) to int64 indices."""
        table = {t: i for i, t in enumerate(self._tokens, self._token_start_index())}
        flat = keys.reshape(-1)
        out = np.fromiter((table.get(k, -1) for k in flat), np.int64, len(flat)).reshape(
            keys.shape)
        oov = out == -1
        if self.num_oov_indices == 0 and oov.any():
            raise InvalidArgumentError(None, None, "When `num_oov_indices=0` all inputs should "
                                       f"be in vocabulary, found OOV values {keys[oov]}, "
                                       "consider setting `num_oov_indices=1`.")
        if self.num_oov_indices:
            out = np.where(oov, self._oov_buckets_host(keys) + self._oov_start_index(), out)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
            out = np.where(keys == self.mask_token, mask_value, out)
        return out

    def _invert_table(self) -> list:
        """Index -> token for indices below vocabulary_size (OOV slots give oov_token)."""
        return [self.oov_token] * self._token_start_index() + list(self._tokens)

    def _ensure_known_vocab_size(self) -> None:
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, you must set the layer's vocabulary "
                               "before calling it. Either pass a `vocabulary` argument to the "
                               "layer, or call `adapt` with some sample data.")

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _encode(self, indices):
        """The int indices (a tensor) in the layer's output_mode."""
        if self.output_mode == "int":
            return indices
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        # Keras encodes with the table's value dtype: int64 rows (float32 for tf_idf)
        out = C.encode(indices, mode, self._depth(), "float32" if mode != self.output_mode
                       else "int64")
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be "
                                 "provided.")
            out = ops.multiply(out, _core.tensor(self.idf_weights))
        return out

    def output_spec(self, input_shape):
        if self.output_mode == "int":
            return input_shape, self._vocabulary_dtype() if self.invert else "int64"
        dtype = "float32" if self.output_mode == "tf_idf" else "int64"
        return C.encoded_shape(input_shape, self.output_mode, self._depth()), dtype

    def _vocabulary_dtype(self) -> str:
        return "string" if self._string_keys else "int64"

    # -- Keras's saving hooks: an adapted vocabulary is an asset, idf weights a variable --------
    def save_assets(self, dir_path):
        if self.input_vocabulary is None:
            path = os.path.join(dir_path, "vocabulary.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(str(w) for w in self.get_vocabulary()))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        idf = self.idf_weights[:len(lines)] if self.output_mode == "tf_idf" else None
        self.set_vocabulary(lines if self._string_keys else [int(v) for v in lines], idf)

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf":
            store["idf_weights"] = np.asarray(self.idf_weights)

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf":
            self.idf_weights = np.asarray(store["idf_weights"], np.float32)

    def get_config(self) -> dict:
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self._vocabulary_dtype(),
                "idf_weights": _listify(self.input_idf_weights),
                "vocabulary": _listify(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size, "oov_method": self.oov_method,
                "salt": self.salt}


def _listify(x):
    if x is None:
        return None
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x).tolist() if isinstance(x, np.ndarray) else list(x)

