"""keras.saving.serialize_keras_object / deserialize_keras_object in Keras 3's format
(keras/src/saving/serialization_lib.py): an object becomes {"module", "class_name", "config",
"registered_name"} (+ "build_config" when built, "compile_config" when compiled). Built-in
classes are written under Keras's public module names ("keras.layers", "keras.optimizers", ...)
so real Keras reads what Duet writes and the reverse."""

from __future__ import annotations

import importlib
import inspect
import types

import numpy as np

from ._registry import get_registered_name, get_registered_object

_OURS = "frontends.tf_like.keras"
# Keras's public module for each of this package's submodules
_PUBLIC = {"layers": "keras.layers", "initializers": "keras.initializers",
           "optimizers": "keras.optimizers", "losses": "keras.losses",
           "metrics": "keras.metrics", "regularizers": "keras.regularizers",
           "constraints": "keras.constraints", "activations": "keras.activations",
           "models": "keras.models", "backend": "keras", "random": "keras.random"}
# the Keras class names whose module Keras writes specially
_SPECIAL = {"Sequential": ("keras", None), "Functional": ("keras.src.models.functional",
                                                           "Functional"),
            "Model": ("keras", None)}
_SEARCH = ("layers", "models", "optimizers", "losses", "metrics", "initializers",
           "regularizers", "constraints", "activations", "optimizers.schedules")


def _is_builtin(cls) -> bool:
    return cls.__module__.startswith(_OURS + ".")


def _public_module(cls) -> str:
    if cls.__name__ in _SPECIAL and _is_builtin(cls):
        return _SPECIAL[cls.__name__][0]
    if _is_builtin(cls):
        sub = cls.__module__[len(_OURS) + 1:].split(".")[0]
        if sub == "optimizers" and "schedules" in cls.__module__:
            return "keras.optimizers.schedules"
        return _PUBLIC.get(sub, "keras")
    return cls.__module__


def serialize_keras_object(obj):
    """Mirrors keras.saving.serialize_keras_object: a JSON-compatible description of `obj`."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, np.ndarray) or hasattr(obj, "numpy") and not hasattr(obj, "get_config"):
        value = np.asarray(obj)
        return {"class_name": "__numpy__", "config": {"value": value.tolist(),
                                                      "dtype": value.dtype.name}}
    if isinstance(obj, (list, tuple)):  # a tuple stays a tuple (JSON writes a list), as Keras
        items = [serialize_keras_object(v) for v in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return _serialize_function(obj)
    if inspect.isclass(obj):
        return {"class_name": "__typespec__", "spec_name": obj.__name__,
                "module": obj.__module__, "registered_name": None}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj)}. To be "
                        "serializable, a class must implement the `get_config()` method.")
    return _serialize_instance(obj)


def _serialize_function(fn):
    if fn.__name__ == "<lambda>":
        raise ValueError("Lambda functions are not serializable with the `.keras` format "
                         "(they would be stored as Python bytecode).")
    builtin = fn.__module__.startswith(_OURS + ".")
    registered = get_registered_name(fn)
    if builtin and fn.__module__.split(".")[3] in ("losses", "activations", "metrics"):
        return fn.__name__  # Keras writes built-in loss/activation functions by name
    return {"module": _public_module(fn) if builtin else fn.__module__, "class_name": "function",
            "config": fn.__name__, "registered_name": registered}


def _serialize_instance(obj) -> dict:
    cls = type(obj)
    registered = get_registered_name(cls)
    if _is_builtin(cls):
        registered = _SPECIAL.get(cls.__name__, (None, None))[1]
    config = obj.get_config()
    entry = {"module": _public_module(cls), "class_name": cls.__name__,
             "config": serialize_keras_object(config), "registered_name": registered}
    if getattr(obj, "built", False) and hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            entry["build_config"] = serialize_keras_object(build_config)
    if getattr(obj, "compiled", False) and hasattr(obj, "get_compile_config"):
        entry["compile_config"] = serialize_compile_config(obj)
    return entry


def serialize_compile_config(model) -> dict:
    """The model's compile arguments, with the optimizer (an instance after compile) and any
    loss/metric objects serialized."""
    config = dict(model.get_compile_config())
    config["optimizer"] = model.optimizer
    return {k: serialize_keras_object(v) for k, v in config.items()}


# -- deserialization ------------------------------------------------------------------------------
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Mirrors keras.saving.deserialize_keras_object: the object `config` describes. Classes are
    found in `custom_objects`, the registry (`register_keras_serializable`), then the built-in
    modules; `safe_mode` refuses Python lambdas stored as bytecode."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):  # names ("mse", "relu") stay names, as in Keras
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config}")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode)
                for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__numpy__":
        return np.asarray(inner["value"], dtype=inner["dtype"])
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(v, custom_objects, safe_mode)
                     for v in inner["value"])
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError("Requested the deserialization of a `lambda` object. This carries "
                             "a potential risk of arbitrary code execution and thus it is "
                             "disallowed by default. If you trust the source of the saved model, "
                             "you can pass `safe_mode=False` to the loading function in order to "
                             "allow `lambda` loading, or call "
                             "`keras.config.enable_unsafe_deserialization()`.")
        raise ValueError("Python lambdas stored as bytecode cannot be loaded by this engine.")
    if class_name == "function":
        fn = get_registered_object(config.get("registered_name") or inner, custom_objects) \
            or get_registered_object(inner, custom_objects) or _builtin_function(inner)
        if fn is None:
            raise TypeError(f"Could not locate function '{inner}'. Make sure custom classes and "
                            "functions are decorated with "
                            "`@keras.saving.register_keras_serializable()`.")
        return fn
    cls = resolve_class(config, custom_objects)
    obj = _from_config(cls, inner, custom_objects)
    if config.get("build_config") and hasattr(obj, "build_from_config") and \
            not getattr(obj, "built", False):
        obj.build_from_config(config["build_config"])
    if config.get("compile_config") and hasattr(obj, "compile_from_config"):
        obj.compile_from_config(config["compile_config"])
    return obj


def resolve_class(config: dict, custom_objects=None):
    """The class a serialized entry names (registered name, then class name; custom objects
    first, then Duet's built-in modules)."""
    class_name, registered = config["class_name"], config.get("registered_name")
    for name in (registered, class_name):
        if name:
            cls = get_registered_object(name, custom_objects)
            if cls is not None:
                return cls
    cls = _builtin(class_name, config.get("module"))
    if cls is None:
        raise TypeError(f"Could not locate class '{class_name}'. Make sure custom classes are "
                        "decorated with `@keras.saving.register_keras_serializable()`. Full "
                        f"object config: {config}")
    return cls


def _builtin(class_name: str, module):
    from .. import models
    if class_name in ("Functional", "Sequential", "Model"):
        return getattr(models, class_name)
    if class_name == "DTypePolicy":
        return None
    order = list(_SEARCH)
    if isinstance(module, str):
        sub = module.replace("keras.src.", "keras.").split(".")
        if len(sub) > 1 and sub[1] in order:  # the module it names first
            order.remove(sub[1])
            order.insert(0, sub[1])
    for sub in order:
        mod = importlib.import_module(f"{_OURS}.{sub}")
        cls = getattr(mod, class_name, None)
        if inspect.isclass(cls):
            return cls
    return None


# config keys newer Keras versions write with these default values, for features this engine
# does not have (quantization, LoRA): dropped when a layer does not accept them
_UNSUPPORTED_DEFAULTS = {"quantization_config": None, "lora_rank": None, "lora_alpha": None,
                         "lora_enabled": False, "gptq": None}


def _custom_functions(inner, custom_objects):
    """Activation entries naming a registered or custom function, replaced by the function (the
    layers' own `activations.get` knows only the built-ins)."""
    if not isinstance(inner, dict):
        return inner
    from ._registry import get_custom_objects
    out = dict(inner)
    for key, value in inner.items():
        if not key.endswith("activation"):
            continue
        if isinstance(value, dict) and value.get("class_name") == "function":
            out[key] = deserialize_keras_object(value, custom_objects)
        elif isinstance(value, str) and _builtin_function(value) is None:
            fn = get_registered_object(value, custom_objects) or next(
                (f for k, f in get_custom_objects().items() if k.split(">")[-1] == value), None)
            if fn is not None:
                out[key] = fn
    return out


def _from_config(cls, inner, custom_objects):
    inner = _custom_functions(inner, custom_objects)
    params = inspect.signature(cls.from_config).parameters
    kwargs = {"custom_objects": custom_objects} if "custom_objects" in params else {}
    try:
        return cls.from_config(inner, **kwargs)
    except (TypeError, ValueError) as e:
        if not isinstance(inner, dict) or "argument" not in str(e):
            raise
        trimmed = {k: v for k, v in inner.items()
                   if k not in _UNSUPPORTED_DEFAULTS or v != _UNSUPPORTED_DEFAULTS[k]}
        if trimmed == inner:
            raise
        return cls.from_config(trimmed, **kwargs)


def _builtin_function(name: str):
    for sub in ("losses", "activations", "metrics"):
        fn = getattr(importlib.import_module(f"{_OURS}.{sub}"), name, None)
        if callable(fn) and not inspect.isclass(fn):
            return fn
    return None
