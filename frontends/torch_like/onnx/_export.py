"""torch.onnx.export: trace a Module (in eval mode) into the IR and write it as ONNX."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Mapping

import numpy as np
import onnx

import core_ir
from backends.onnx import ExportError, export_graph
from core_ir.tensor import Tensor as _CoreTensor

from .._tensor import Tensor

_exporting = [False]


class TrainingMode(enum.IntEnum):
    """Mirrors torch.onnx.TrainingMode. Only EVAL and PRESERVE (of an eval-mode model) export:
    an ONNX inference graph has no training form."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


def is_in_onnx_export() -> bool:
    """Mirrors torch.onnx.is_in_onnx_export: True while export traces the model."""
    return _exporting[0]


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None,
           output_names=None, opset_version=None, dynamo=False, external_data=True,
           dynamic_shapes=None, export_params=True, keep_initializers_as_inputs=False,
           dynamic_axes=None, training=TrainingMode.EVAL, operator_export_type=None,
           do_constant_folding=True, custom_opsets=None, export_modules_as_functions=False,
           autograd_inlining=True, optimize=True, verify=False, report=False, profile=False,
           dump_exported_program=False, artifacts_dir=".",
           custom_translation_table=None) -> onnx.ModelProto:
    """Mirrors torch.onnx.export (the TorchScript exporter's argument meanings).

    `args` is a tensor or a tuple of tensors (a trailing dict is keyword arguments, as torch);
    `f` a path or a binary file object (None: only return the model). The model is traced in
    eval mode (Dropout is identity, BatchNorm uses running statistics) and its training flag is
    restored afterwards. Parameters and buffers become initializers named by their state_dict
    keys (`fc1.weight`). `dynamic_axes` maps an input/output name to {axis: dim name} or to a
    list of axes (named `<name>_dynamic_axes_<k>`, as torch); those axes become dim_params.
    Accepted and without effect here: verbose, do_constant_folding, operator_export_type,
    keep_initializers_as_inputs, external_data, optimize, and dynamo (the IR trace is the one
    exporter). Differences: returns the onnx.ModelProto; `export_params=False` and
    `training=TrainingMode.TRAINING` raise ValueError; `dynamic_shapes` is not supported.

    Raises:
        ExportError: an op with no ONNX counterpart (names the op and the module path).
    """
    if not export_params:
        raise ValueError("export_params=False is not supported: parameters are written as "
                         "initializers")
    if dynamic_shapes is not None:
        raise ValueError("dynamic_shapes is not supported; use dynamic_axes")
    if training == TrainingMode.TRAINING:
        raise ValueError("training=TrainingMode.TRAINING is not supported: duet exports "
                         "inference graphs")
    args, call_kwargs = _split_args(args, kwargs)
    names = list(input_names or _forward_names(model, len(args)))
    axes = _dynamic_axes(dynamic_axes or {})
    specs = [(a.array.dtype, _spec_shape(a.array.shape, axes.get(n, {})))
             for a, n in zip(args, names)]
    graph, params = _trace(model, args, call_kwargs, specs, names, training)
    try:
        proto = export_graph(graph, params, opset=opset_version, input_names=names[:len(args)],
                             output_names=output_names,
                             doc_string=f"exported by duet from torch_like {type(model).__name__}")
    except ExportError as exc:  # origins are module paths inside the model: name the model too
        raise ExportError(f"{exc} [exporting {type(model).__name__}]") from None
    _name_output_axes(proto, axes)
    _write(proto, f)
    return proto


def _split_args(args, kwargs) -> tuple[list, dict]:
    if isinstance(args, _CoreTensor):
        args = (args,)
    args = list(args)
    call_kwargs = dict(kwargs or {})
    if args and isinstance(args[-1], Mapping):
        call_kwargs.update(args.pop())
    for i, a in enumerate(args):
        if not isinstance(a, _CoreTensor):
            raise TypeError(f"export args[{i}] must be a Tensor, got {type(a).__name__}")
    return args, call_kwargs


def _forward_names(model, count: int) -> list[str]:
    """Default input names: forward's parameter names (what torch's exporters use)."""
    try:
        params = [p.name for p in inspect.signature(model.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return (params + [f"input_{i}" for i in range(len(params), count)])[:count]


def _dynamic_axes(spec) -> dict[str, dict[int, str]]:
    out = {}
    for name, axes in spec.items():
        if isinstance(axes, Mapping):
            out[name] = {int(k): str(v) for k, v in axes.items()}
        else:
            out[name] = {int(a): f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}
    return out


def _spec_shape(shape: tuple, axes: dict[int, str]) -> tuple:
    rank = len(shape)
    named = {a % rank: n for a, n in axes.items()}
    return tuple(named.get(i, d) for i, d in enumerate(shape))


def _trace(model, args, call_kwargs, specs, names, training):
    """The eval-mode trace of model(*args) and its params by state_dict name."""
    was_training = getattr(model, "training", False)
    keep = training == TrainingMode.PRESERVE and not was_training
    if hasattr(model, "eval") and not keep:
        model.eval()
    _exporting[0] = True
    try:
        with core_ir.no_grad():
            graph, captured, _ = core_ir.trace(lambda *xs: _outputs(model(*xs, **call_kwargs)),
                                               specs, names, cls=Tensor,
                                               name=type(model).__name__)
    except (ValueError, TypeError) as exc:
        dynamic = {n: [d for d in s if isinstance(d, str)] for (_, s), n in zip(specs, names)}
        if not any(dynamic.values()):
            raise
        raise ExportError(f"tracing {type(model).__name__} with the dynamic axes "
                          f"{ {k: v for k, v in dynamic.items() if v} } failed: {exc}. Some code "
                          f"reads a symbolic size as an int (e.g. torch.flatten or "
                          f"x.view(x.size(0), -1)); export with static shapes (no dynamic_axes) "
                          f"or use nn.Flatten") from exc
    finally:
        _exporting[0] = False
        if hasattr(model, "train"):
            model.train(was_training)
    return graph, _param_arrays(model, graph, captured)


def _outputs(result) -> list:
    if isinstance(result, _CoreTensor):
        return [result]
    flat = []
    for r in result.values() if isinstance(result, Mapping) else result:
        flat += _outputs(r)
    return flat


def _param_arrays(model, graph, captured) -> dict[str, np.ndarray]:
    """Name each captured tensor by its state_dict key (captured non-members: `_captured_<i>`)."""
    named = {}
    if hasattr(model, "named_parameters"):
        for name, t in [*model.named_parameters(), *model.named_buffers()]:
            named.setdefault(id(t), name)
    arrays = {}
    for i, (value, t) in enumerate(zip(graph.params, captured)):
        value.name = named.get(id(t), f"_captured_{i}")
        arrays[value.name] = np.asarray(t.array)
    return arrays


def _name_output_axes(proto: onnx.ModelProto, axes: dict[str, dict[int, str]]) -> None:
    """dynamic_axes of outputs: name those dims (shape inference left them symbolic or fixed)."""
    for out in proto.graph.output:
        dims = out.type.tensor_type.shape.dim
        for axis, name in axes.get(out.name, {}).items():
            dims[axis % len(dims)].dim_param = name


def _write(proto: onnx.ModelProto, f) -> None:
    if f is None:
        return
    if hasattr(f, "write"):
        f.write(proto.SerializeToString())
    else:
        onnx.save(proto, f)
