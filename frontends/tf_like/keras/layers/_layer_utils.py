"""Helpers of the Layer base: dtype policies, constructor keywords, and the input shapes that
`build` receives."""

from __future__ import annotations

import numpy as np

import core_ir

from ..backend import _config, _tree
from ..backend._keras_tensor import KerasTensor

_KWARGS = {"input_shape", "input_dim", "batch_input_shape", "batch_size", "weights"}


class DTypePolicy:
    """A layer's dtype policy (only plain policies: compute dtype = variable dtype)."""

    def __init__(self, name: str):
        self.name = name

    def get_config(self) -> dict:
        return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": self.name},
                "registered_name": None}

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self.name}">'


def _policy_name(dtype) -> str:
    if isinstance(dtype, DTypePolicy):
        return dtype.name
    if isinstance(dtype, dict):
        return dtype["config"]["name"]
    return _config.standardize_dtype(dtype)


def _is_dtype_name(x) -> bool:
    try:
        _config.standardize_dtype(x)
        return isinstance(x, (str, np.dtype))
    except (TypeError, ValueError):
        return False


_UNTRACKED = {"_inbound_nodes", "_outbound_nodes", "_build_shapes_dict", "_initial_weights",
              "_input_shape_arg", "_call_signature", "input_spec", "dtype_policy",
              "activity_regularizer", "_losses", "_trainable_variables",
              "_non_trainable_variables", "build"}


def _has_var_kwargs(params) -> bool:
    return any(p.kind == p.VAR_KEYWORD for p in params.values())


def _input_shape_arg(kwargs: dict):
    """The batch shape a first layer of a Sequential gets from input_shape=/input_dim=."""
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"), *kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _shape_of(x):
    if isinstance(x, (KerasTensor, core_ir.Tensor)):
        return tuple(d if isinstance(d, int) else None for d in tuple(x.shape))
    return None


def _is_tensor_arg(value) -> bool:
    leaves = _tree.flatten(value)
    return bool(leaves) and all(isinstance(x, (KerasTensor, core_ir.Tensor)) or x is None
                                for x in leaves) and any(x is not None for x in leaves)


def _shapes_dict(signature, args, kwargs) -> dict:
    """{'<arg>_shape': shape structure} for each tensor argument of call, in call order."""
    try:
        bound = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:
        bound = {f"arg{i}": a for i, a in enumerate(args)} | dict(kwargs)
    shapes = {}
    for name, value in bound.items():
        if name in ("training", "mask") or not _is_tensor_arg(value):
            continue
        shapes[f"{name}_shape"] = _tree.map_structure(_shape_of, value)
    return shapes


def _shapes_from_args(args, kwargs) -> dict:
    if args:
        return {"input_shape": args[0]}
    return dict(kwargs)


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer))
                                                for d in x)


def _map_shapes(structure, fn):
    """Apply fn to each shape tuple in a nested structure of shapes."""
    if _is_shape(structure):
        return fn(tuple(structure))
    if isinstance(structure, dict):
        return {k: _map_shapes(v, fn) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map_shapes(v, fn) for v in structure)
    return structure


