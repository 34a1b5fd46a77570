"""get_config / from_config of Functional models in Keras 3's format: each layer's config with
its inbound nodes (the KerasTensors it was called on, as [layer name, node index, tensor
index]), plus the input and output layers."""

from __future__ import annotations

from ..backend import _tree
from ..backend._keras_tensor import KerasTensor
from ..layers._layer import Layer


def serialize_layer(layer: Layer) -> dict:
    """serialize_keras_object of a layer inside a model config (no compile config; an
    InputLayer has no build config)."""
    from ..saving._serialization import _serialize_instance
    entry = _serialize_instance(layer)
    entry.pop("compile_config", None)
    if type(layer).__name__ == "InputLayer":
        entry.pop("build_config", None)
    return entry


def deserialize_layer(config: dict, custom_objects=None) -> Layer:
    """The layer (or model) a serialize_layer() entry describes: custom objects and classes
    registered with keras.saving.register_keras_serializable first, then built-ins."""
    from ..saving._serialization import _from_config, resolve_class
    cls = resolve_class(config, custom_objects)
    layer = _from_config(cls, config["config"], custom_objects)
    if config.get("build_config") and not layer.built:
        layer.build_from_config(config["build_config"])
    return layer


def _tensor_ref(x: KerasTensor, node_index_map) -> list:
    op, node_index, tensor_index = x._keras_history
    return [op.name, node_index_map.get((id(op), node_index), node_index), tensor_index]


def _serialize_arg(x, node_index_map):
    if isinstance(x, KerasTensor):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": x.shape, "dtype": x.dtype.name,
                           "keras_history": _tensor_ref(x, node_index_map)}}
    return x


def functional_config(model) -> dict:
    node_index_map = _node_index_map(model)
    layers = []
    for op in model._operations:
        entry = serialize_layer(op)
        entry["name"] = op.name
        inbound = []
        for i, node in enumerate(op._inbound_nodes):
            if (id(op), i) not in node_index_map or node.is_input:
                continue
            inbound.append({"args": _tree.map_structure(
                lambda x: _serialize_arg(x, node_index_map), node.call_args),
                "kwargs": _tree.map_structure(lambda x: _serialize_arg(x, node_index_map),
                                              node.call_kwargs)})
        entry["inbound_nodes"] = inbound
        layers.append(entry)
    refs = {"input_layers": [_tensor_ref(x, node_index_map) for x in model._inputs],
            "output_layers": [_tensor_ref(x, node_index_map) for x in model._outputs]}
    if isinstance(model._inputs_struct, dict):
        refs["input_layers"] = {k: _tensor_ref(v, node_index_map)
                                for k, v in model._inputs_struct.items()}
    if isinstance(model._outputs_struct, dict):
        refs["output_layers"] = {k: _tensor_ref(v, node_index_map)
                                 for k, v in model._outputs_struct.items()}
    return {"name": model.name, "trainable": model.trainable, "layers": layers, **refs}


def _node_index_map(model) -> dict:
    """(id(op), original node index) -> index among the op's nodes that belong to this
    model (a shared layer may also have nodes from other graphs)."""
    in_model = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
    mapping = {}
    for op in model._operations:
        k = 0
        for i, node in enumerate(op._inbound_nodes):
            if id(node) in in_model:
                mapping[(id(op), i)] = k
                k += 1
    return mapping


def functional_from_config(cls, config: dict, custom_objects=None, make_layer=None):
    """Rebuild the layers (`make_layer(entry)` when given, as clone_model does), then replay
    their inbound nodes in order until all are made."""
    created, outputs_of = {}, {}
    pending = []
    for entry in config["layers"]:
        layer = make_layer(entry) if make_layer else deserialize_layer(entry, custom_objects)
        created[entry["name"]] = layer
        if type(layer).__name__ == "InputLayer":
            outputs_of[(entry["name"], 0)] = [layer.output]
        for node in entry["inbound_nodes"]:
            pending.append((layer, entry["name"], node))
    while pending:
        progress = False
        for item in list(pending):
            layer, name, node = item
            try:
                args = _resolve(node["args"], outputs_of)
                kwargs = _resolve(node["kwargs"], outputs_of)
            except KeyError:
                continue
            out = layer(*args, **kwargs)
            index = sum(1 for k in outputs_of if k[0] == name)
            outputs_of[(name, index)] = _tree.flatten(out)
            pending.remove(item)
            progress = True
        if not progress:
            raise ValueError("Cannot rebuild the Functional model: some layers' inputs are never "
                             "produced")

    def tensor(ref):
        return outputs_of[(ref[0], ref[1])][ref[2]]

    def structure(refs):
        if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
            return tensor(refs)  # one tensor, as Keras writes a single input or output
        if isinstance(refs, dict):
            return {k: structure(v) for k, v in refs.items()}
        return [structure(r) for r in refs]

    inputs, outputs = structure(config["input_layers"]), structure(config["output_layers"])
    inputs = inputs[0] if isinstance(inputs, list) and len(inputs) == 1 else inputs
    outputs = outputs[0] if isinstance(outputs, list) and len(outputs) == 1 else outputs
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


def _resolve(x, outputs_of):
    """Serialized KerasTensor references replaced by the rebuilt tensors (KeyError: the
    producing node has not been replayed yet)."""
    if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
        name, node_index, tensor_index = x["config"]["keras_history"]
        return outputs_of[(name, node_index)][tensor_index]
    if isinstance(x, dict):
        return {k: _resolve(v, outputs_of) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_resolve(v, outputs_of) for v in x)
    return x
