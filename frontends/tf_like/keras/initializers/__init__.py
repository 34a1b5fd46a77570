"""keras.initializers: classes, snake_case aliases, `get`, `serialize`, `deserialize`."""

from __future__ import annotations

from ._initializers import *
from ._initializers import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Identity,
    Initializer,  # noqa: F401  (keras.initializers.Initializer)
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
)

IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal
constant, zeros, ones = Constant, Zeros, Ones
random_uniform, random_normal, truncated_normal = RandomUniform, RandomNormal, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal, he_uniform, he_normal = (GlorotUniform, GlorotNormal, HeUniform,
                                                        HeNormal)
lecun_uniform, lecun_normal = LecunUniform, LecunNormal

_CLASSES = {c.__name__: c for c in (Constant, Zeros, Ones, RandomUniform, RandomNormal,
                                    TruncatedNormal, VarianceScaling, GlorotUniform,
                                    GlorotNormal, HeUniform, HeNormal, LecunUniform,
                                    LecunNormal, Orthogonal, Identity)}
_ALIASES = {"constant": Constant, "zeros": Zeros, "ones": Ones, "random_uniform": RandomUniform,
            "random_normal": RandomNormal, "truncated_normal": TruncatedNormal,
            "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
            "glorot_normal": GlorotNormal, "he_uniform": HeUniform,
            "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
            "orthogonal": Orthogonal, "identity": Identity, "uniform": RandomUniform,
            "normal": RandomNormal, "one": Ones, "zero": Zeros,
            "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal}


def serialize(initializer) -> dict:
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        cls = _lookup(config, custom_objects)
        return cls()
    cls = _lookup(config["class_name"], custom_objects)
    return cls.from_config(config.get("config", {}))


def _lookup(name: str, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    cls = _CLASSES.get(name) or _ALIASES.get(name)
    if cls is None:
        raise ValueError(f"Could not interpret initializer identifier: {name}")
    return cls


def get(identifier):
    """None -> None; a name or config -> a new initializer; an initializer or callable passes
    through; a class is instantiated."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")
