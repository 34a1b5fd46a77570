"""tf.nest: nested structures (lists, tuples, namedtuples, dicts with sorted keys) and their
leaves."""

from __future__ import annotations

from . import _nest
from ._nest import map_structure, pack_sequence_as  # noqa: F401


def flatten(structure, expand_composites=False) -> list:
    """tf.nest.flatten: the leaves, dict values in sorted-key order."""
    return _nest.flatten(structure)[0]


def is_nested(structure) -> bool:
    """tf.nest.is_nested: a list, tuple or dict (not a leaf)."""
    return isinstance(structure, (list, tuple, dict))


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False) -> None:
    """tf.nest.assert_same_structure: ValueError unless both have one structure."""
    tree1, tree2 = _nest.flatten(nest1)[1], _nest.flatten(nest2)[1]
    if (tree1 if check_types else _untyped(tree1)) != (tree2 if check_types else
                                                       _untyped(tree2)):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {nest1}\n\nSecond structure: {nest2}")


def _untyped(tree):
    if tree is None:
        return None
    kind, _, *rest = tree
    if kind == "dict":
        return ("dict", rest[0], tuple(_untyped(c) for c in rest[1]))
    return ("seq", tuple(_untyped(c) for c in rest[0]))


__all__ = ["flatten", "is_nested", "assert_same_structure", "map_structure", "pack_sequence_as"]
