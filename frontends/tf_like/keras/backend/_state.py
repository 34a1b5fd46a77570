"""Keras's global state: unique names, name scopes (variable paths), Keras masks.

Names: `auto_name('Dense')` gives dense, dense_1, dense_2, ... until clear_session().
Paths: a layer opens a name scope around its build and call, so a variable created inside
gets the path of every enclosing layer ("sequential/dense/kernel"), as in Keras 3.
Masks: Keras 3 keeps a tensor's mask on the tensor (`_keras_mask`); our tensors have fixed
slots, so masks live in a side table keyed by the tensor's id and dropped with the tensor.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import re
import weakref

_uids: collections.defaultdict = collections.defaultdict(int)
_scopes: list[tuple[str, object]] = []  # (name, the layer that opened it)
_masks: dict[int, tuple[weakref.ref, object]] = {}
_clear_hooks: list = []


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def uniquify(name: str) -> str:
    """name the first time, then name_1, name_2, ..."""
    unique = f"{name}_{_uids[name]}" if name in _uids else name
    _uids[name] += 1
    return unique


def auto_name(prefix: str) -> str:
    return uniquify(to_snake_case(prefix))


def get_uid(prefix: str = "") -> int:
    """keras.backend.get_uid: 1 on the first call for a prefix, then 2, 3, ..."""
    _uids[prefix] += 1
    return _uids[prefix]


def register_clear_hook(fn) -> None:
    """Other modules' state that clear_session must reset too."""
    _clear_hooks.append(fn)


def clear_session(free_memory: bool = True) -> None:
    """keras.backend.clear_session: forget generated names (and run the registered hooks)."""
    _uids.clear()
    _scopes.clear()
    for fn in _clear_hooks:
        fn()
    if free_memory:
        gc.collect()


# -- name scopes ------------------------------------------------------------------------------
@contextlib.contextmanager
def name_scope(name: str, caller=None):
    """Enter `name` (not again when the same caller's scope is already the innermost one)."""
    if caller is not None and _scopes and _scopes[-1][1] is caller:
        yield
        return
    _scopes.append((name, caller))
    try:
        yield
    finally:
        _scopes.pop()


def current_path() -> str:
    return "/".join(name for name, _ in _scopes)


# -- masks ------------------------------------------------------------------------------------
def get_keras_mask(x):
    hit = _masks.get(id(x))
    if hit is None or hit[0]() is not x:
        return None
    return hit[1]


def set_keras_mask(x, mask) -> None:
    key = id(x)
    if mask is None:
        _masks.pop(key, None)
        return
    try:
        ref = weakref.ref(x, lambda _, key=key: _masks.pop(key, None))
    except TypeError:  # not weak-referenceable (a Python number): it carries no mask
        return
    _masks[key] = (ref, mask)
