"""Keras model -> ONNX: trace the model's inference call into the IR and export it."""

from __future__ import annotations

import numpy as np
import onnx

import core_ir
from backends.onnx import ExportError, export_graph

from .. import _variable
from .._tensor import EagerTensor

BATCH = "batch"  # the dim_param of a None batch dimension


def _signature(model, input_signature) -> list[tuple[np.dtype, tuple, str]]:
    """(dtype, shape, name) per model input: from input_signature (TensorSpecs, InputSpecs,
    KerasTensors: anything with .shape and .dtype) or the model's own inputs. None dims become
    named dim_params: the batch axis `batch`, others `<input>_dim<i>`."""
    if input_signature is None:
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):  # a subclassed model has no symbolic inputs
            inputs = None
        if not inputs:
            raise ValueError("The model has no known inputs (a subclassed model that was never "
                             "called?). Call it on data first or pass `input_signature`.")
        input_signature = inputs
    if not isinstance(input_signature, (list, tuple)):
        input_signature = [input_signature]
    specs = []
    for i, spec in enumerate(input_signature):
        name = getattr(spec, "name", None) or f"input_{i}"
        shape = tuple(None if d is None else int(d) for d in tuple(spec.shape))
        dims = tuple((BATCH if k == 0 else f"{name}_dim{k}") if d is None else d
                     for k, d in enumerate(shape))
        specs.append((np.dtype(getattr(spec, "dtype", None) or "float32"), dims, str(name)))
    return specs


def _trace(model, specs):
    def call(*xs):
        out = model(xs[0] if len(xs) == 1 else list(xs), training=False)
        return list(out) if isinstance(out, (list, tuple)) else \
            list(out.values()) if isinstance(out, dict) else [out]

    try:
        with core_ir.no_grad():
            graph, captured, _ = core_ir.trace(call, [(d, s) for d, s, _ in specs],
                                               [n for _, _, n in specs], cls=EagerTensor,
                                               name=model.name)
    except Exception as exc:
        if not any(isinstance(d, str) for _, s, _ in specs for d in s):
            raise
        raise ExportError(f"tracing model '{model.name}' with symbolic dims "
                          f"{[s for _, s, _ in specs]} failed: {exc}. Pass input_signature with "
                          f"fixed sizes (e.g. [tf.TensorSpec((1, ...))]) for a static-shape "
                          f"model") from exc
    finally:
        _variable.forget_traced_values()
    paths = {id(v): v.path for v in model.weights}
    params = {}
    for i, (value, t) in enumerate(zip(graph.params, captured)):
        value.name = paths.get(id(t), f"_captured_{i}")
        params[value.name] = np.asarray(t.array)
    return graph, params


def export_keras(model, filepath=None, input_signature=None, opset=None,
                 output_names=None) -> onnx.ModelProto:
    """The ONNX form of a Keras model's inference call (`training=False`: Dropout removed,
    BatchNormalization with its moving statistics). Initializers are named by the weights'
    paths (`sequential/dense/kernel`); the NHWC convolutions are lowered with Transposes only at
    the boundaries. Written to `filepath` when given (a path or a binary file object)."""
    specs = _signature(model, input_signature)
    graph, params = _trace(model, specs)
    proto = export_graph(graph, params, opset=opset, input_names=[n for _, _, n in specs],
                         output_names=output_names,
                         doc_string=f"exported by duet from tf_like keras model '{model.name}'")
    if filepath is not None:
        if hasattr(filepath, "write"):
            filepath.write(proto.SerializeToString())
        else:
            onnx.save(proto, str(filepath))
    return proto


def from_keras(model, input_signature=None, opset=None, custom_ops=None,
               custom_op_handlers=None, custom_rewriter=None, inputs_as_nchw=None,
               outputs_as_nchw=None, extra_opset=None, shape_override=None, target=None,
               large_model=False, output_path=None, optimizers=None):
    """Mirrors tf2onnx.convert.from_keras: returns (model_proto, external_tensor_storage),
    the storage always None (no large-model format). `input_signature` is a list of
    tf.TensorSpec (None: the model's inputs). Differences: custom_ops, custom_op_handlers,
    custom_rewriter, extra_opset, target and optimizers are not supported (ValueError if
    given); inputs_as_nchw/outputs_as_nchw are not supported either."""
    unsupported = {"custom_ops": custom_ops, "custom_op_handlers": custom_op_handlers,
                   "custom_rewriter": custom_rewriter, "extra_opset": extra_opset,
                   "target": target, "optimizers": optimizers, "inputs_as_nchw": inputs_as_nchw,
                   "outputs_as_nchw": outputs_as_nchw, "shape_override": shape_override}
    given = [k for k, v in unsupported.items() if v]
    if given or large_model:
        raise ValueError(f"from_keras: {', '.join(given) or 'large_model'} not supported")
    return export_keras(model, output_path, input_signature, opset), None
