"""tf.nest's core: flatten nested lists, tuples, namedtuples and dicts (keys sorted, as TF)
into leaves and a hashable tree definition, and rebuild them."""

from __future__ import annotations

from typing import Any, Callable


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def flatten(structure) -> tuple[list, Any]:
    """(leaves, treedef). The treedef is hashable, so it can key a cache."""
    leaves: list = []
    return leaves, _flatten(structure, leaves)


def _flatten(x, leaves: list):
    if isinstance(x, dict):
        keys = sorted(x)
        return ("dict", type(x), tuple(keys), tuple(_flatten(x[k], leaves) for k in keys))
    if _is_namedtuple(x):
        return ("namedtuple", type(x), tuple(_flatten(e, leaves) for e in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, type(x), tuple(_flatten(e, leaves) for e in x))
    leaves.append(x)
    return None


def unflatten(treedef, leaves) -> Any:
    return _build(treedef, iter(leaves))


def _build(node, it):
    if node is None:
        return next(it)
    kind, cls, *rest = node
    if kind == "dict":
        keys, children = rest
        return cls((k, _build(c, it)) for k, c in zip(keys, children))
    children = [_build(c, it) for c in rest[0]]
    return cls(*children) if kind == "namedtuple" else cls(children)


def map_structure(fn: Callable, *structures):
    """tf.nest.map_structure: fn applied leafwise to structures of one shape."""
    flat = [flatten(s) for s in structures]
    treedef = flat[0][1]
    for _, t in flat[1:]:
        if t != treedef:
            raise ValueError("The two structures don't have the same nested structure.")
    return unflatten(treedef, [fn(*xs) for xs in zip(*[f[0] for f in flat])])


def pack_sequence_as(structure, flat_sequence):
    """tf.nest.pack_sequence_as."""
    return unflatten(flatten(structure)[1], list(flat_sequence))
