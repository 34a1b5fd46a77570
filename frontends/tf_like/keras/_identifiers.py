"""Keras's serialize/deserialize/get trio for a family of small config objects (constraints,
regularizers): one implementation, parametrized by the family's module and names."""

from __future__ import annotations

from typing import Callable


def identifier_functions(module: str, kind: str, names: dict) -> tuple[Callable, Callable,
                                                                        Callable]:
    """(serialize, deserialize, get) for objects named in `names` (str -> class)."""

    def serialize(obj) -> dict:
        return {"module": module, "class_name": type(obj).__name__,
                "config": obj.get_config(), "registered_name": None}

    def deserialize(config, custom_objects=None):
        name = config if isinstance(config, str) else config["class_name"]
        cls = (custom_objects or {}).get(name) or names.get(name)
        if cls is None:
            raise ValueError(f"Could not interpret {kind} identifier: {config}")
        return cls() if isinstance(config, str) else cls.from_config(config.get("config", {}))

    def get(identifier):
        if identifier is None:
            return None
        if isinstance(identifier, (str, dict)):
            return deserialize(identifier)
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {kind} identifier: {identifier}")

    return serialize, deserialize, get
