"""The `.keras` archive and `.weights.h5` files (Keras 3's keras/src/saving/saving_lib.py).

A `.keras` file is a zip holding config.json (serialize_keras_object of the model, with its
build and compile configs), metadata.json (keras_version, date_saved) and the weights:
model.weights.h5 when h5py is installed, else model.weights.npz (same paths as keys). Every
write goes to a temporary file in the target directory first, then os.replace, so a failed or
interrupted save never leaves a half-written file. Loading reads and checks everything (archive,
JSON, every weight's presence and shape) before any variable is assigned: a failed load raises
ValueError naming the file and leaves existing models untouched.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from . import _stores
from ._registry import CustomObjectScope
from ._serialization import deserialize_keras_object, serialize_keras_object

KERAS_VERSION = "3.15.1"  # the Keras version whose format this writes
CONFIG, METADATA = "config.json", "metadata.json"
WEIGHTS_H5, WEIGHTS_NPZ = "model.weights.h5", "model.weights.npz"


def atomic_write(filepath, data: bytes) -> None:
    """Write `data` to a temp file next to `filepath`, then rename it over `filepath`."""
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _check_overwrite(filepath, overwrite: bool) -> None:
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"File {filepath} already exists and overwrite=False.")


def _weights_member(model, include_optimizer=True) -> tuple[str, bytes]:
    arrays, names = _stores.collect_arrays(model, include_optimizer)
    if _stores.h5py_module() is not None:
        return WEIGHTS_H5, _stores.h5_bytes(arrays, names)
    return WEIGHTS_NPZ, _stores.npz_bytes(arrays)


# -- saving ---------------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, zipped=True, **kwargs):
    """Mirrors keras.saving.save_model for the `.keras` format."""
    filepath = os.fspath(filepath)
    if not str(filepath).endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                         "extension for the native Keras format (recommended) or a `.h5` "
                         "extension. Use `model.export(filepath)` if you want to export a "
                         f"SavedModel for use with TFLite/TFServing/etc. Received: "
                         f"filepath={filepath}.")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported with the native Keras "
                         f"format: {list(kwargs)}")
    _check_overwrite(filepath, overwrite)
    config = json.dumps(serialize_keras_object(model), default=_json_default)
    metadata = json.dumps({"keras_version": KERAS_VERSION, "date_saved":
                           datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    member, weights = _weights_member(model)
    buffer = _zip_bytes({METADATA: metadata.encode(), CONFIG: config.encode(), member: weights})
    atomic_write(filepath, buffer)


def _json_default(obj):
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _zip_bytes(members: dict) -> bytes:
    import io
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def save_weights(model, filepath, overwrite=True):
    """Mirrors keras.saving.save_weights: `.weights.h5` (h5py needed) or `.weights.npz`."""
    filepath = os.fspath(filepath)
    if not filepath.endswith((".weights.h5", ".weights.npz")):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    _check_overwrite(filepath, overwrite)
    arrays, names = _stores.collect_arrays(model)
    if filepath.endswith(".weights.h5"):
        if _stores.h5py_module() is None:
            raise ValueError(f"Saving {filepath} needs h5py (`pip install h5py`); without it, "
                             "save to a `.weights.npz` file.")
        atomic_write(filepath, _stores.h5_bytes(arrays, names))
    else:
        atomic_write(filepath, _stores.npz_bytes(arrays))


# -- loading --------------------------------------------------------------------------------------
def _read_archive(filepath) -> tuple[dict, dict, str]:
    """(config, weights, weights member name) of a `.keras` file, or a ValueError."""
    try:
        with zipfile.ZipFile(filepath, "r") as z:
            names = set(z.namelist())
            if CONFIG not in names:
                raise ValueError(f"Cannot load {filepath}: the archive has no {CONFIG}.")
            member = next((m for m in (WEIGHTS_H5, WEIGHTS_NPZ) if m in names), None)
            if member is None:
                raise ValueError(f"Cannot load {filepath}: the archive has no weights file "
                                 f"({WEIGHTS_H5} or {WEIGHTS_NPZ}).")
            config_bytes, weights_bytes = z.read(CONFIG), z.read(member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as e:
        raise ValueError(f"Cannot load {filepath}: it is not a valid `.keras` zip archive "
                         f"(corrupted or truncated: {e}).") from None
    try:
        config = json.loads(config_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"Cannot load {filepath}: {CONFIG} is not valid JSON ({e}).") from None
    fmt = "h5" if member == WEIGHTS_H5 else "npz"
    return config, _stores.read_weights(weights_bytes, fmt, f"{filepath} ({member})"), member


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Mirrors keras.saving.load_model for `.keras` files: the model, built, with its weights
    (and, with compile=True, compiled with its optimizer state)."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only supports "
                         "V3 `.keras` files and legacy H5 format files (`.h5` extension); this "
                         "engine reads `.keras` files.")
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    config, arrays, _ = _read_archive(filepath)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot load {filepath}: {CONFIG} does not describe a model.")
    if not compile:
        config = {k: v for k, v in config.items() if k != "compile_config"}
    with CustomObjectScope(custom_objects or {}):
        try:
            model = deserialize_keras_object(config, custom_objects, safe_mode=safe_mode)
        except (KeyError, IndexError) as e:
            raise ValueError(f"Cannot load {filepath}: {CONFIG} is incomplete "
                             f"(missing {e}).") from None
    ensure_built(model, config.get("build_config"))
    assign_weights(model, arrays, filepath)
    return model


def load_weights(model, filepath, skip_mismatch=False):
    """Mirrors keras.saving.load_weights: from `.keras`, `.weights.h5` or `.weights.npz`."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"File not found: filepath={filepath}")
    if filepath.endswith(".keras"):
        _, arrays, _ = _read_archive(filepath)
    elif filepath.endswith((".weights.h5", ".weights.npz")):
        with open(filepath, "rb") as f:
            data = f.read()
        arrays = _stores.read_weights(data, "h5" if filepath.endswith(".h5") else "npz",
                                      filepath)
    else:
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only supports "
                         "V3 `.keras` and `.weights.h5` files, or `.weights.npz` here.")
    assign_weights(model, arrays, filepath, skip_mismatch=skip_mismatch)


def ensure_built(model, build_config=None) -> None:
    """A subclassed model creates its weights on its first call (Keras builds it symbolically):
    call it once on zeros of the build shape."""
    if model.weights or not build_config or "input_shape" not in build_config:
        return
    shape = build_config["input_shape"]
    if not shape or not all(isinstance(d, (int, type(None))) for d in shape):
        return
    import core_ir
    x = np.zeros(tuple(1 if d is None else d for d in shape), np.float32)
    with core_ir.no_grad():
        model(x)


def assign_weights(model, arrays: dict, filepath, skip_mismatch=False) -> None:
    """Check every stored weight against the model, then assign them all (or none)."""
    plan, problems = [], []
    for path, owner, variables in _stores.variable_paths(model):
        prefix = f"{path}/vars/" if path else "vars/"
        stored = sorted((k for k in arrays if k.startswith(prefix) and "/" not in k[len(prefix):]),
                        key=lambda k: int(k[len(prefix):]))
        from ..optimizers import Optimizer
        if isinstance(owner, Optimizer):
            plan.extend(_optimizer_plan(model, owner, path, prefix, stored, arrays))
            continue
        if len(stored) != len(variables):
            problems.append(f"Layer '{owner.name}' expected {len(variables)} variables, but "
                            f"received {len(stored)} variables during loading. Expected: "
                            f"{[v.name for v in variables]}")
            continue
        for v, key in zip(variables, stored):
            if tuple(arrays[key].shape) != tuple(v.shape):
                problems.append(f"the weight {key} ({v.path}) has shape {tuple(v.shape)} in the "
                                f"model but {tuple(arrays[key].shape)} in the file")
            else:
                plan.append((v, arrays[key]))
    if problems and not skip_mismatch:
        raise ValueError(f"Cannot load weights from {filepath} into model '{model.name}': "
                         + "; ".join(problems))
    for variable, value in plan:
        variable.assign(np.asarray(value).astype(variable.dtype))


def _optimizer_plan(model, optimizer, path, prefix, stored, arrays) -> list:
    if stored and not optimizer.built and optimizer is getattr(model, "optimizer", None) \
            and model.trainable_variables:
        optimizer.build(model.trainable_variables)  # the compiled optimizer: the model's weights
    variables = optimizer.variables
    if len(stored) != len(variables) or any(
            tuple(arrays[k].shape) != tuple(v.shape) for k, v in zip(stored, variables)):
        if stored:
            warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}', because "
                          f"it has {len(variables)} variables whereas the saved optimizer has "
                          f"{len(stored)} variables.", stacklevel=3)
        return []
    return [(v, arrays[k]) for v, k in zip(variables, stored)]
