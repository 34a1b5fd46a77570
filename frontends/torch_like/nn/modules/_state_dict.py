"""Module.state_dict and Module.load_state_dict, with torch's key names and order (each
module's parameters, then its persistent buffers, then its children depth-first), its
IncompatibleKeys result and its error texts."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from core_ir.tensor import Tensor as _CoreTensor

from ..._tensor import Parameter
from ._util import write_array

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns (torch's NamedTuple of missing and unexpected keys)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _has_extra_state(module) -> bool:
    from .module import Module
    return type(module).get_extra_state is not Module.get_extra_state


def save_to_state_dict(self, destination, prefix: str, keep_vars: bool) -> None:
    for name, param in self._parameters.items():
        if param is not None:
            destination[prefix + name] = param if keep_vars else param.detach()
    for name, buf in self._buffers.items():
        if buf is not None and name not in self._non_persistent_buffers_set:
            destination[prefix + name] = buf if keep_vars else buf.detach()
    if _has_extra_state(self):
        destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()


def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
    """An OrderedDict of every parameter and persistent buffer by dotted name; the values are
    detached tensors sharing memory with the module's (the tensors themselves with
    keep_vars=True)."""
    if args:  # torch's deprecated positional form: (destination, prefix, keep_vars)
        destination = args[0]
        prefix = args[1] if len(args) > 1 else prefix
        keep_vars = args[2] if len(args) > 2 else keep_vars
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = {"version": self._version}
    for hook in self._state_dict_pre_hooks.values():
        hook(self, prefix, keep_vars)
    self._save_to_state_dict(destination, prefix, keep_vars)
    for name, module in self._modules.items():
        if module is not None:
            module.state_dict(destination=destination, prefix=prefix + name + ".",
                              keep_vars=keep_vars)
    for hook in self._state_dict_hooks.values():
        result = hook(self, destination, prefix, {"version": self._version})
        if result is not None:
            destination = result
    return destination


def _copy_into(self, name: str, param, input_param, assign: bool) -> None:
    if assign:
        if isinstance(param, Parameter) and not isinstance(input_param, Parameter):
            input_param = Parameter(input_param, requires_grad=param.requires_grad)
        setattr(self, name, input_param)
    else:
        write_array(param, np.asarray(input_param.array).astype(param.dtype))


def load_from_state_dict(self, state_dict, prefix: str, local_metadata, strict: bool,
                         missing_keys: list, unexpected_keys: list, error_msgs: list) -> None:
    for hook in self._load_state_dict_pre_hooks.values():
        hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
             error_msgs)
    persistent = {k: v for k, v in self._buffers.items()
                  if k not in self._non_persistent_buffers_set}
    local_state = {k: v for k, v in [*self._parameters.items(), *persistent.items()]
                   if v is not None}
    assign = local_metadata.get("assign_to_params_buffers", False)
    for name, param in local_state.items():
        key = prefix + name
        if key not in state_dict:
            if strict:
                missing_keys.append(key)
            continue
        input_param = state_dict[key]
        if not isinstance(input_param, _CoreTensor):
            error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor '
                              "or Tensor-like object from checkpoint but received "
                              f"{type(input_param)}")
            continue
        if len(param.shape) == 0 and len(input_param.shape) == 1:  # 0.3-era 1-element params
            input_param = type(input_param)(np.asarray(input_param.array).reshape(-1)[0])
        if tuple(input_param.shape) != tuple(param.shape):
            error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                              f"{input_param.shape!r} from checkpoint, the shape in current "
                              f"model is {param.shape!r}.")
            continue
        try:
            _copy_into(self, name, param, input_param, assign)
        except Exception as ex:  # noqa: BLE001  (torch reports any copy failure this way)
            error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in '
                              f"the model are {param.shape!r} and whose dimensions in the "
                              f"checkpoint are {input_param.shape!r}, an exception occurred : "
                              f"{ex.args}.")
    extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
    if _has_extra_state(self):
        if extra_key in state_dict:
            self.set_extra_state(state_dict[extra_key])
        elif strict:
            missing_keys.append(extra_key)
    elif strict and extra_key in state_dict:
        unexpected_keys.append(extra_key)
    if strict:
        _find_unexpected(self, state_dict, prefix, local_state, extra_key, unexpected_keys)


def _find_unexpected(self, state_dict, prefix, local_state, extra_key, unexpected_keys) -> None:
    for key in state_dict:
        if key.startswith(prefix) and key != extra_key:
            input_name = key[len(prefix):].split(".", 1)
            if len(input_name) > 1:
                if input_name[0] not in self._modules:
                    unexpected_keys.append(key)
            elif input_name[0] not in local_state:
                unexpected_keys.append(key)


def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
    """Copy parameters and buffers from state_dict into this module and its descendants.
    Returns (missing_keys, unexpected_keys); with strict=True any of those, and any size
    mismatch, raise RuntimeError listing them all."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing_keys: list[str] = []
    unexpected_keys: list[str] = []
    error_msgs: list[str] = []
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)

    def load(module, local_state_dict, prefix=""):
        local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
        if assign:
            local_metadata["assign_to_params_buffers"] = assign
        module._load_from_state_dict(local_state_dict, prefix, local_metadata, True,
                                     missing_keys, unexpected_keys, error_msgs)
        for name, child in module._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                child_state = {k: v for k, v in local_state_dict.items()
                               if k.startswith(child_prefix)}
                load(child, child_state, child_prefix)
        keys = _IncompatibleKeys(missing_keys, unexpected_keys)
        for hook in module._load_state_dict_post_hooks.values():
            hook(module, keys)

    load(self, state_dict)
    if strict:
        if unexpected_keys:
            error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected_keys)))
        if missing_keys:
            error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing_keys)))
    if error_msgs:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            self.__class__.__name__, "\n\t".join(error_msgs)))
    return _IncompatibleKeys(missing_keys, unexpected_keys)
