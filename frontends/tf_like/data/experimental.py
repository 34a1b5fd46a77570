"""tf.data.experimental: the names that moved to tf.data, under their older home."""

from __future__ import annotations

from ._structure import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY


def cardinality(dataset):
    """tf.data.experimental.cardinality(dataset) = dataset.cardinality()."""
    return dataset.cardinality()


__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality"]
