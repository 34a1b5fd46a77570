"""TextVectorization (Keras 3): standardize -> split -> ngrams -> StringLookup."""

from __future__ import annotations

import re

import numpy as np

from .... import _strings
from ...ops import _core
from . import _common as C
from .lookup import StringLookup

# Keras's punctuation class (tf.strings.regex_replace, applied to UTF-8 bytes)
_PUNCTUATION = re.compile(rb'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")


def _check_arg(value, allowed, name):
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(f"Unknown value for `{name}` argument of TextVectorization. Allowed values "
                     f"are: {allowed}. Received: {name}={value}")


class TextVectorization(C.HostInputLayer):
    """Mirrors keras.layers.TextVectorization: each string is standardized (ASCII lowercase
    and/or punctuation stripped, as tf.strings.lower / regex_replace do), split (whitespace or
    characters), turned into ngrams (joined by " ") and looked up in a vocabulary learned by
    `adapt` (index 0 is the padding/mask token "", 1 is "[UNK]"). output_mode "int" gives
    (batch, sequence) int64 indices padded with 0 (to `output_sequence_length` if set); the
    other modes give (batch, vocabulary_size) rows.

    Differences: strings are host values, so the layer runs outside the IR (eagerly and in
    tf.data pipelines; inside a model it raises unless its string input is fed directly, see
    the README); a callable `standardize` receives and returns a string tensor (or an array or
    list of str/bytes), a callable `split` receives a (batch,) string tensor and returns a list
    of token lists. `sparse` and `ragged` are TensorFlow-only in Keras 3 and refused here."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if ragged:
            raise ValueError("`ragged=True` can only be used with the TensorFlow backend.")
        _check_arg(standardize, _STANDARDIZE, "standardize")
        _check_arg(split, ("whitespace", "character"), "split")
        output_mode = C.standardize_output_mode(output_mode, C.OUTPUT_MODES, "TextVectorization")
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple) and all(
                isinstance(n, int) for n in ngrams)):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(
                output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        has_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._ragged, self._encoding = ragged, encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, has_input_vocabulary=has_vocab, encoding=encoding,
            vocabulary_size=vocabulary_size)
        self.built = True

    # -- vocabulary -------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf weights) from strings: an array/list/tensor, a
        tf.data.Dataset or an iterable of batches."""
        self.reset_state()
        for batch in C.adapt_batches(data, steps):
            self.update_state(C.batch_values(batch))
        self.finalize_state()

    def update_state(self, data):
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    # -- preprocessing (host) ---------------------------------------------------------------
    def _standardized(self, inputs) -> np.ndarray:
        a = C.to_host(self, inputs)
        if not (a.dtype == object or a.dtype.kind in "US"):
            raise ValueError(f"Layer '{self.name}' (TextVectorization) expects string inputs; "
                             f"received dtype {a.dtype}.")
        a = _strings.as_string_array(a)
        if callable(self._standardize):
            return _strings.as_string_array(self._standardize(_strings.StringTensor(a)))
        flat = list(a.reshape(-1))
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            flat = [s.lower() for s in flat]  # bytes.lower: ASCII only, as tf.strings.lower
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [_PUNCTUATION.sub(b"", s) for s in flat]
        out = np.empty(a.shape, dtype=object)
        out.reshape(-1)[:] = flat
        return out

    def _split_docs(self, a: np.ndarray) -> list:
        """One token list per string (the batch axis kept)."""
        if a.ndim > 1:
            if a.shape[-1] != 1:
                raise ValueError("When using `TextVectorization` to tokenize strings, the input "
                                 "rank must be 1 or the last shape dimension must be 1. "
                                 f"Received: inputs.shape={a.shape} with rank={a.ndim}")
            a = a.reshape(a.shape[:-1])
        if callable(self._split):
            return [list(_strings.as_string_array(list(doc)).reshape(-1))
                    for doc in self._split(_strings.StringTensor(a))]
        if self._split == "whitespace":
            return [s.split() for s in a.reshape(-1)]
        return [[c.encode("utf-8") for c in s.decode("utf-8")] for s in a.reshape(-1)]

    def _with_ngrams(self, docs: list) -> list:
        if self._ngrams is None:
            return docs
        return [[b" ".join(doc[i:i + n]) for n in self._ngrams for i in range(len(doc) - n + 1)]
                for doc in docs]

    def _preprocess(self, inputs):
        """Standardized strings (split=None) or one token list per document."""
        a = self._standardized(inputs)
        if self._split is None:
            if self._ngrams is None:
                return a
            return self._with_ngrams([list(r) for r in C.as_rows(a)])
        docs = self._with_ngrams(self._split_docs(a.reshape(1) if a.ndim == 0 else a))
        return docs

    # -- call -------------------------------------------------------------------------------
    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._ensure_known_vocab_size()
        data = self._preprocess(inputs)
        if isinstance(data, np.ndarray):
            keys = np.asarray(lookup._to_tokens(data), dtype=object).reshape(data.shape)
            indices = lookup._lookup_host(keys)
            if self._output_mode == "int" and self._output_sequence_length is not None:
                indices = _fit_length(indices, self._output_sequence_length, 0)
            return lookup._encode(_core.tensor(indices))
        pad = 0 if self._output_mode == "int" else -1  # -1: outside the depth, counts nothing
        indices = _pad_rows([lookup._lookup_host(np.asarray(lookup._to_tokens(d) or [],
                                                            dtype=object)) for d in data],
                            self._output_sequence_length, pad)
        if np.ndim(C.to_host(self, inputs)) == 0:
            indices = indices[0]
        return lookup._encode(_core.tensor(indices))

    def output_spec(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0] if input_shape else None, self._output_sequence_length), \
                "int64"
        if self._split is None:
            shape = tuple(input_shape) + (1,) if len(input_shape) <= 1 else tuple(input_shape)
        else:
            shape = tuple(input_shape) + (None,)
        if len(shape) > 2 and shape[-2] == 1 and self._split is not None:
            shape = shape[:-2] + shape[-1:]
        return self._lookup_layer.output_spec(shape)

    def get_config(self) -> dict:
        lookup = self._lookup_layer
        return {**super().get_config(), "max_tokens": lookup.max_tokens,
                "standardize": self._standardize, "split": self._split,
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": lookup.sparse,
                "ragged": self._ragged, "vocabulary": _listify(lookup.input_vocabulary),
                "idf_weights": _listify(lookup.input_idf_weights), "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)


def _listify(x):
    if x is None:
        return None
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x).tolist()


def _fit_length(indices: np.ndarray, length: int, pad) -> np.ndarray:
    """Truncate or pad the last axis to `length`."""
    indices = indices[..., :length]
    missing = length - indices.shape[-1]
    if missing > 0:
        widths = [(0, 0)] * (indices.ndim - 1) + [(0, missing)]
        indices = np.pad(indices, widths, constant_values=pad)
    return indices


def _pad_rows(rows: list, length, pad) -> np.ndarray:
    """Ragged rows as one (batch, length) int64 array (length: the longest row if None)."""
    width = max((len(r) for r in rows), default=0) if length is None else length
    out = np.full((len(rows), width), pad, dtype=np.int64)
    for i, r in enumerate(rows):  # ragged rows: one copy each
        n = min(len(r), width)
        out[i, :n] = r[:n]
    return out
