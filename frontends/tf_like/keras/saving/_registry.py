"""keras.saving's registry of custom objects: `register_keras_serializable`, the global
custom-objects dict, `custom_object_scope` and the name lookups (Keras 3's
keras/src/saving/object_registration.py)."""

from __future__ import annotations

import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS: dict = {}
_GLOBAL_CUSTOM_NAMES: dict = {}
_SCOPE = threading.local()


class CustomObjectScope:
    """Mirrors keras.saving.CustomObjectScope (alias custom_object_scope): inside the `with`
    block, the given {name: object} dicts are visible to deserialization."""

    def __init__(self, custom_objects):
        self.custom_objects = custom_objects or {}
        self._backup = None

    def __enter__(self):
        self._backup = dict(_scope_objects())
        _SCOPE.objects = {**self._backup, **self.custom_objects}
        return self

    def __exit__(self, *args):
        _SCOPE.objects = self._backup


custom_object_scope = CustomObjectScope


def _scope_objects() -> dict:
    return getattr(_SCOPE, "objects", None) or {}


def get_custom_objects() -> dict:
    """The global {registered name: object} dict (mutable, as Keras's)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Mirrors keras.saving.register_keras_serializable: registers a class or function under
    "<package>><name>" (name defaults to the class/function name)."""

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = package + ">" + class_name
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """The name `obj` is registered under, else its __name__."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Mirrors keras.saving.get_registered_object: the object for `name` from the active
    custom_object_scope, the global registry, `custom_objects`, then `module_objects`; None when
    none has it."""
    for table in (_scope_objects(), _GLOBAL_CUSTOM_OBJECTS, custom_objects or {},
                  module_objects or {}):
        if name in table:
            return table[name]
    return None
