"""Cases for the TensorFlow-backed Keras preprocessing layers (StringLookup, IntegerLookup,
TextVectorization, Hashing), and the recorder of real Keras's answers.

Keras 3 builds these layers on TensorFlow (without it they raise ImportError even on the
torch backend), and TensorFlow is not a dependency here. So real Keras's results (vocabulary,
idf weights, outputs) are recorded once into keras_preprocessing_golden.json by running this
module where TensorFlow is importable:

    KERAS_BACKEND=torch python -m tests.frontends.tf_like._preprocessing_cases

(recorded with keras 3.15.1 + tensorflow-cpu 2.21.0); test_keras_preprocessing.py compares
Duet with the file, and with live Keras when TensorFlow is importable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).with_name("keras_preprocessing_golden.json")

WORDS = [["a", "c", "d", "e"], ["d", "z", "b", "a"], ["a", "b", "b", "c"], ["", "e", "e", "a"]]
WORD_QUERY = [["a", "q", "z", ""], ["b", "b", "c", "e"]]
INTS = [[12, 1138, 42, 7], [42, 1000, 36, 7], [0, 42, 12, 12]]
INT_QUERY = [[12, 5, 1138, 0], [36, 36, 99, -3]]
CORPUS = ["The cat sat on the mat.", "The dog ate my HOMEWORK!", "cats, dogs & mats; the end",
          "Ünïcode Straße ok", "", "a b a b a b c"]
TEXT_QUERY = ["the cat ate the dog's homework", "zebra", "", "Straße  MAT", "a b c a"]
HASH_STRINGS = [["A"], ["B"], ["C"], ["D"], ["E"], [""], ["a much longer string " * 5]]

# (id, layer, kwargs, adapt data or None, query)
CASES = [
    ("str_default", "StringLookup", {}, WORDS, WORD_QUERY),
    ("str_mask_2oov", "StringLookup", {"mask_token": "", "num_oov_indices": 2}, WORDS,
     WORD_QUERY),
    ("str_max_tokens", "StringLookup", {"max_tokens": 4}, WORDS, WORD_QUERY),
    ("str_salt_3oov", "StringLookup", {"num_oov_indices": 3, "salt": 7}, WORDS, WORD_QUERY),
    ("str_multi_hot", "StringLookup", {"output_mode": "multi_hot"}, WORDS, WORD_QUERY),
    ("str_count_mask", "StringLookup", {"output_mode": "count", "mask_token": ""}, WORDS,
     WORD_QUERY),
    ("str_one_hot", "StringLookup", {"output_mode": "one_hot"}, WORDS, ["a", "q", "z", "b"]),
    ("str_tf_idf", "StringLookup", {"output_mode": "tf_idf"}, WORDS, WORD_QUERY),
    ("str_tf_idf_pad", "StringLookup", {"output_mode": "tf_idf", "max_tokens": 10,
                                        "pad_to_max_tokens": True}, WORDS, WORD_QUERY),
    ("str_vocab", "StringLookup", {"vocabulary": ["x", "y", "a"]}, None, WORD_QUERY),
    ("str_vocab_special", "StringLookup", {"vocabulary": ["", "[UNK]", "x", "a"],
                                           "mask_token": ""}, None, WORD_QUERY),
    ("str_vocab_idf", "StringLookup", {"vocabulary": ["x", "a", "b"], "output_mode": "tf_idf",
                                       "idf_weights": [0.5, 0.25, 2.0]}, None, WORD_QUERY),
    ("str_invert", "StringLookup", {"vocabulary": ["x", "y", "a"], "invert": True}, None,
     [[0, 1, 2], [3, 4, 9]]),
    ("str_invert_mask", "StringLookup", {"vocabulary": ["x", "y", "a"], "invert": True,
                                         "mask_token": "[M]"}, None, [[0, 1, 2], [3, 4, 9]]),
    ("int_default", "IntegerLookup", {}, INTS, INT_QUERY),
    ("int_mask_3oov", "IntegerLookup", {"mask_token": 0, "num_oov_indices": 3}, INTS,
     INT_QUERY),
    ("int_farmhash", "IntegerLookup", {"num_oov_indices": 2, "oov_method": "farmhash"}, INTS,
     INT_QUERY),
    ("int_multi_hot", "IntegerLookup", {"output_mode": "multi_hot", "max_tokens": 5}, INTS,
     INT_QUERY),
    ("int_tf_idf", "IntegerLookup", {"output_mode": "tf_idf"}, INTS, INT_QUERY),
    ("int_invert", "IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True,
                                     "mask_token": 0}, None, [[0, 1, 2, 3], [4, 5, 6, 9]]),
    ("tv_default", "TextVectorization", {}, CORPUS, TEXT_QUERY),
    ("tv_max_tokens_len", "TextVectorization", {"max_tokens": 6, "output_sequence_length": 4},
     CORPUS, TEXT_QUERY),
    ("tv_ngrams", "TextVectorization", {"ngrams": 2}, CORPUS, TEXT_QUERY),
    ("tv_ngrams_1_3", "TextVectorization", {"ngrams": (1, 3), "output_sequence_length": 12},
     CORPUS, TEXT_QUERY),
    ("tv_lower", "TextVectorization", {"standardize": "lower"}, CORPUS, TEXT_QUERY),
    ("tv_strip", "TextVectorization", {"standardize": "strip_punctuation"}, CORPUS,
     TEXT_QUERY),
    ("tv_chars", "TextVectorization", {"standardize": None, "split": "character"}, CORPUS,
     TEXT_QUERY),
    ("tv_no_split", "TextVectorization", {"split": None}, CORPUS, TEXT_QUERY),
    ("tv_multi_hot", "TextVectorization", {"output_mode": "multi_hot"}, CORPUS, TEXT_QUERY),
    ("tv_count_pad", "TextVectorization", {"output_mode": "count", "max_tokens": 30,
                                           "pad_to_max_tokens": True}, CORPUS, TEXT_QUERY),
    ("tv_tf_idf", "TextVectorization", {"output_mode": "tf_idf", "ngrams": 2}, CORPUS,
     TEXT_QUERY),
    ("tv_vocab", "TextVectorization", {"vocabulary": ["cat", "the", "dog"],
                                       "output_sequence_length": 3}, None, TEXT_QUERY),
    ("hash_fast", "Hashing", {"num_bins": 3}, None, HASH_STRINGS),
    ("hash_mask", "Hashing", {"num_bins": 3, "mask_value": ""}, None, HASH_STRINGS),
    ("hash_salt_int", "Hashing", {"num_bins": 5, "salt": 133}, None, HASH_STRINGS),
    ("hash_salt_pair", "Hashing", {"num_bins": 3, "salt": [133, 137]}, None, HASH_STRINGS),
    ("hash_ints", "Hashing", {"num_bins": 7}, None, [[1, 2, 0], [3, 40000000000, -5]]),
    ("hash_ints_mask", "Hashing", {"num_bins": 7, "mask_value": 0}, None, [[1, 0], [3, 4]]),
    ("hash_floats", "Hashing", {"num_bins": 5}, None, [[1.5, 2.7], [-3.2, 4.0]]),
    ("hash_multi_hot", "Hashing", {"num_bins": 4, "output_mode": "multi_hot"}, None,
     [["A", "B"], ["C", "D"]]),
    ("hash_one_hot", "Hashing", {"num_bins": 4, "output_mode": "one_hot"}, None,
     [["A"], ["C"]]),
    ("hash_count", "Hashing", {"num_bins": 4, "output_mode": "count"}, None,
     [["A", "A"], ["C", "D"]]),
]


def query_array(query):
    return np.array(query, dtype=np.float32 if isinstance(np.ravel(query)[0], float) else None)


def run_case(layers, layer, kwargs, adapt_data, query, convert=None) -> dict:
    """Build, adapt and call a layer from `layers` (real keras.layers or Duet's); `convert`
    turns the query array into the layer's input (default: the array itself)."""
    obj = getattr(layers, layer)(**{k: (tuple(v) if k == "ngrams" and isinstance(v, list)
                                        else v) for k, v in kwargs.items()})
    if adapt_data is not None:
        obj.adapt(np.array(adapt_data))
    out = obj(query_array(query) if convert is None else convert(query_array(query)))
    arr = np.asarray(out.numpy() if hasattr(out, "numpy") else out)
    if arr.dtype == object or arr.dtype.kind in "US":
        text = [b.decode() if isinstance(b, bytes) else str(b) for b in arr.reshape(-1)]
        result = {"output": np.array(text, dtype=object).reshape(arr.shape).tolist(),
                  "dtype": "string"}
    else:
        result = {"output": arr.tolist(), "dtype": str(arr.dtype)}
    if hasattr(obj, "get_vocabulary"):
        result["vocabulary"] = [v if isinstance(v, str) else int(v)
                                for v in obj.get_vocabulary()]
    lookup = getattr(obj, "_lookup_layer", obj)
    idf = getattr(lookup, "idf_weights", None)
    if idf is not None:
        result["idf_weights"] = np.asarray(idf).astype(float).tolist()
    return result


def record() -> None:
    """Run every case in real Keras (TensorFlow must be importable) into GOLDEN."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import tensorflow as tf

    golden = {"keras": keras.__version__, "tensorflow": tf.__version__, "cases": {}}
    for case_id, layer, kwargs, adapt_data, query in CASES:
        # Keras's StringLookup(invert=True) fails on numpy input under torch: feed a tf tensor
        convert = tf.constant if kwargs.get("invert") and layer == "StringLookup" else None
        golden["cases"][case_id] = run_case(keras.layers, layer, kwargs, adapt_data, query,
                                            convert)
    GOLDEN.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    record()
