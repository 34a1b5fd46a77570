"""Where a model's weights go: the paths Keras 3 gives them and the two file formats.

Paths follow Keras 3's saving_lib walk: an object's own variables are "<path>/vars/<i>"; a
Sequential or Functional model's layers are under "layers/<snake_case class name>[_k]" (named
by class, not by layer name, so two instances of one architecture agree); other sublayers and
optimizers are under their attribute (or property) name, public names in sorted order then
private ones (a Model's `layers` property among them); an object reached twice is stored once,
at its first path.

Files: h5 in Keras's layout (groups and datasets "layers/dense/vars/0") when h5py is importable;
otherwise an .npz whose keys are those same paths (no pickled objects).
"""

from __future__ import annotations

import io
import re

import numpy as np

from ..layers._layer import Layer
from ..optimizers import Optimizer


def h5py_module():
    """h5py when installed (it is optional for Duet), else None."""
    try:
        import h5py
    except ImportError:
        return None
    return h5py


def _snake(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


_LAYER_INTERNALS: set | None = None
_MODEL_INTERNALS = {"_operations", "_seq_layers", "_functional", "_inputs", "_outputs",
                    "_inputs_struct", "_outputs_struct", "_nodes_by_depth", "_compile_loss",
                    "_compile_metrics", "_loss_tracker", "train_function", "test_function",
                    "predict_function", "history", "_metrics", "_compile_config",
                    "_trainable_signature", "_last_output_losses", "_predict_structure"}


def _skipped() -> set:
    global _LAYER_INTERNALS
    if _LAYER_INTERNALS is None:
        _LAYER_INTERNALS = set(vars(Layer())) | set(dir(Layer)) | _MODEL_INTERNALS
    return _LAYER_INTERNALS


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name  # Keras visits private names last


def _is_saveable(obj) -> bool:
    return isinstance(obj, (Layer, Optimizer))


def own_variables(obj) -> list:
    if isinstance(obj, Optimizer):
        return list(obj.variables)
    return list(obj._trainable_variables) + list(obj._non_trainable_variables)


def _children(obj):
    from ..models import Functional, Model, Sequential
    if isinstance(obj, (Sequential, Functional)):
        yield "layers", obj.layers
    if isinstance(obj, Optimizer):
        return
    cls = type(obj)
    names = set(vars(obj)) | {n for n in dir(cls) if isinstance(getattr(cls, n, None), property)}
    names = {n for n in names if n not in _skipped() and not n.startswith("__")}
    if isinstance(obj, Model):
        names.add("layers")
    for name in sorted(names, key=_name_key):
        try:
            child = getattr(obj, name)
        except Exception:  # noqa: BLE001  (a property that cannot be read now: skipped, as Keras)
            child = None
        yield name, child


def variable_paths(root, include_optimizer: bool = True) -> list:
    """[(path, owner, [variables])] for every saveable object under `root`, in walk order."""
    found: list = []
    visited: set = set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        found.append((path, obj, own_variables(obj)))
        for name, child in _children(obj):
            if name == "optimizer" and not include_optimizer:
                continue
            if _is_saveable(child):
                visit(child, _join(path, name))
            elif isinstance(child, (list, tuple, dict)):
                container(child, _join(path, name))

    def container(items, path):
        used: dict = {}
        for item in (items.values() if isinstance(items, dict) else items):
            if not _is_saveable(item):
                continue
            name = _snake(type(item).__name__)
            if name in used:
                used[name] += 1
                name = f"{name}_{used[name]}"
            else:
                used[name] = 0
            visit(item, _join(path, name))

    visit(root, "")
    return found


def collect_arrays(root, include_optimizer: bool = True) -> tuple[dict, dict]:
    """({"<path>/vars/<i>": array}, {"<path>": object name}) for saving."""
    arrays, names = {}, {}
    for path, owner, variables in variable_paths(root, include_optimizer):
        names[_join(path, "vars")] = getattr(owner, "name", "")
        for i, v in enumerate(variables):
            arrays[_join(path, f"vars/{i}")] = np.asarray(v.numpy())
    return arrays, names


# -- file formats ---------------------------------------------------------------------------------
def h5_bytes(arrays: dict, names: dict) -> bytes:
    h5py = h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for group, name in names.items():
            f.require_group(group).attrs["name"] = str(name)
        for key, value in arrays.items():
            f.create_dataset(key, data=value)
    return buffer.getvalue()


def npz_bytes(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def read_h5(data: bytes, where: str) -> dict:
    h5py = h5py_module()
    if h5py is None:
        raise ValueError(f"Cannot read the weights in {where}: they are in HDF5 (.h5) format and "
                         "reading it needs h5py (`pip install h5py`).")
    arrays: dict = {}
    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            f.visititems(lambda k, v: arrays.__setitem__(k, v[()])
                         if isinstance(v, h5py.Dataset) else None)
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f"Cannot read the weights in {where}: the HDF5 data is corrupted or "
                         f"truncated ({e}).") from None
    return {k: np.asarray(v) for k, v in arrays.items()}


def read_npz(data: bytes, where: str) -> dict:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError) as e:
        raise ValueError(f"Cannot read the weights in {where}: the .npz data is corrupted or "
                         f"truncated ({e}).") from None


def read_weights(data: bytes, fmt: str, where: str) -> dict:
    return read_h5(data, where) if fmt == "h5" else read_npz(data, where)
