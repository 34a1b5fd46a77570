"""Nested structures (lists, tuples, namedtuples, dicts) as Keras's `tree` sees them: dicts
flatten in sorted key order, None is a leaf."""

from __future__ import annotations


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(structure) -> list:
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure, key=_sort_key) for leaf in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [leaf for e in structure for leaf in flatten(e)]
    return [structure]


def pack_sequence_as(structure, flat):
    it = iter(flat)
    result = _pack(structure, it)
    return result


def _pack(structure, it):
    if isinstance(structure, dict):
        packed = {k: _pack(structure[k], it) for k in sorted(structure, key=_sort_key)}
        return type(structure)((k, packed[k]) for k in structure) \
            if type(structure) is not dict else {k: packed[k] for k in structure}
    if isinstance(structure, (list, tuple)):
        items = [_pack(e, it) for e in structure]
        if hasattr(structure, "_fields"):
            return type(structure)(*items)
        return type(structure)(items)
    return next(it)


def map_structure(fn, structure):
    return pack_sequence_as(structure, [fn(x) for x in flatten(structure)])


def _sort_key(k):
    return (str(type(k)), k) if not isinstance(k, str) else ("", k)
