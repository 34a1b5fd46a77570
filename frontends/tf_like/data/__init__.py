"""tf.data: in-memory input pipelines (Dataset)."""

from __future__ import annotations

from . import experimental  # noqa: F401
from ._dataset import Dataset, OwnedIterator
from ._structure import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY

Iterator = OwnedIterator


class Options:
    """Mirrors tf.data.Options: accepted and kept; nothing here runs in parallel, so no option
    changes how a pipeline runs."""

    def __init__(self):
        self.deterministic = None
        self.experimental_deterministic = None

    def merge(self, options) -> "Options":
        return self


__all__ = ["Dataset", "Iterator", "Options", "AUTOTUNE", "INFINITE_CARDINALITY",
           "UNKNOWN_CARDINALITY", "experimental"]
