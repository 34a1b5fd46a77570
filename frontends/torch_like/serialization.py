"""torch.save / torch.load in PyTorch's own file format, without importing torch.

The format (torch >= 1.6, "zip" serialization): a zip archive (entries stored, not compressed)
whose folder "<name>/" holds
  data.pkl        the object, pickled with protocol 2; each tensor is a reduce call to
                  torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
                  OrderedDict()) and each storage is a persistent id
                  ('storage', torch.FloatStorage, key, 'cpu', numel)
  data/<key>      the storage's raw bytes, little-endian
  version         "3", byteorder "little", and a few small records torch also writes.

Saving uses a pickler subclass that writes torch's globals by name (`_Global`), so nothing of
torch needs to exist here. Loading uses an Unpickler whose find_class only knows an allow-list
(PyTorch's weights_only=True): any other global raises before it is called, so nothing runs.

Memory: each tensor is saved as its own contiguous storage (our tensors own their arrays).
Loaded tensors that share one storage in the file come back as numpy views of one buffer
(as_strided over the storage), so they share memory as in torch.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import secrets
import tempfile
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from ._device import Size, device
from ._tensor import Parameter, Tensor

# torch's typed storage classes <-> the element dtype of their bytes
_STORAGE_DTYPES: dict[str, np.dtype] = {
    "FloatStorage": np.dtype("float32"), "DoubleStorage": np.dtype("float64"),
    "HalfStorage": np.dtype("float16"), "LongStorage": np.dtype("int64"),
    "IntStorage": np.dtype("int32"), "ShortStorage": np.dtype("int16"),
    "CharStorage": np.dtype("int8"), "ByteStorage": np.dtype("uint8"),
    "BoolStorage": np.dtype("bool"),
}
_STORAGE_NAMES = {dt: name for name, dt in _STORAGE_DTYPES.items()}
# torch.float32 etc. may appear as globals (e.g. a dtype stored in a dict)
_TORCH_DTYPES = {dt.name: dt for dt in _STORAGE_DTYPES.values()}
_TORCH_DTYPES.update(half=np.dtype("float16"), float=np.dtype("float32"),
                     double=np.dtype("float64"), long=np.dtype("int64"),
                     int=np.dtype("int32"), short=np.dtype("int16"))


# -- saving -------------------------------------------------------------------------------------
class _Global:
    """A stand-in the pickler writes as GLOBAL 'module name' (torch need not be importable)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> Any:  # pickle's save_reduce insists the func is callable
        raise TypeError(f"{self.module}.{self.name} is only a name to pickle")


_ALIGNMENT = 64  # torch's .storage_alignment
_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_SIZE = _Global("torch", "Size")


class _Storage:
    """One tensor's bytes, written as data/<key> and referenced by a persistent id."""

    def __init__(self, array: np.ndarray) -> None:
        if array.dtype not in _STORAGE_NAMES:
            raise TypeError(f"torch.save: unsupported dtype {array.dtype}")
        self.array = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"),
                                                        copy=False)


class _PlainData:
    """The data tensor inside a Parameter's reduce (requires_grad lives on the Parameter)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def _tensor_args(array: np.ndarray, requires_grad: bool) -> tuple:
    storage = _Storage(np.asarray(array))
    shape = tuple(int(d) for d in array.shape)
    strides = tuple(int(s) // array.dtype.itemsize
                    for s in np.empty(shape, array.dtype).strides) if shape else ()
    return (storage, 0, shape, strides, bool(requires_grad), collections.OrderedDict())


class _TorchPickler(pickle._Pickler):  # the pure-Python pickler: its save() can be extended
    def __init__(self, file: BinaryIO) -> None:
        super().__init__(file, protocol=2)  # torch's DEFAULT_PROTOCOL
        self.storages: list[_Storage] = []

    def save(self, obj: Any, save_persistent_id: bool = True) -> None:
        if isinstance(obj, np.dtype) and obj.name in _TORCH_DTYPES:
            obj = _Global("torch", obj.name)  # our dtypes are numpy's; torch's are globals
        if isinstance(obj, _Global):
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("ascii"))
            return
        if isinstance(obj, np.generic):  # numpy scalars: plain Python numbers torch can read
            obj = obj.item()
        super().save(obj, save_persistent_id)

    def persistent_id(self, obj: Any) -> tuple | None:
        if not isinstance(obj, _Storage):
            return None
        key = str(len(self.storages))
        self.storages.append(obj)
        return ("storage", _Global("torch", _STORAGE_NAMES[obj.array.dtype.newbyteorder("=")]),
                key, "cpu", obj.array.size)

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Parameter):
            return _REBUILD_PARAMETER, (_PlainData(obj.array), obj.requires_grad,
                                        collections.OrderedDict())
        if isinstance(obj, Tensor):
            return _REBUILD_TENSOR, _tensor_args(obj.array, obj.requires_grad)
        if isinstance(obj, _PlainData):
            return _REBUILD_TENSOR, _tensor_args(obj.array, False)
        if isinstance(obj, Size):
            return _SIZE, (tuple(obj),)
        return NotImplemented


def _archive_name(f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _write_archive(obj: Any, out: BinaryIO, name: str) -> None:
    buf = io.BytesIO()
    pickler = _TorchPickler(buf)
    pickler.dump(obj)
    records = [("data.pkl", buf.getvalue()), (".format_version", b"1"),
               (".storage_alignment", str(_ALIGNMENT).encode()), ("byteorder", b"little")]
    records += [(f"data/{i}", s.array.tobytes()) for i, s in enumerate(pickler.storages)]
    records += [("version", b"3\n"),
                (".data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for record, data in records:
            zf.writestr(_aligned_info(zf, f"{name}/{record}"), data)


def _aligned_info(zf: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """A record header padded (as torch does, with an 'FB' extra field) so the data starts at
    a multiple of 64 bytes: torch.load(mmap=True) can then map storages in place."""
    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    data_start = zf.fp.tell() + 30 + len(name.encode()) + 4  # local header, name, extra head
    pad = -data_start % _ALIGNMENT
    info.extra = b"FB" + pad.to_bytes(2, "little") + b"Z" * pad
    return info


def save(obj: Any, f: str | os.PathLike | BinaryIO, pickle_module: Any = None,
         pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True) -> None:
    """torch.save: PyTorch's zip format. A path is written atomically (temp file, then
    os.replace), so a crash never leaves a half-written file under the final name."""
    if not isinstance(f, (str, os.PathLike)):
        _write_archive(obj, f, _archive_name(f))
        return
    path = os.fspath(f)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            _write_archive(obj, out, _archive_name(path))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# -- loading ------------------------------------------------------------------------------------
class _StorageType:
    """What GLOBAL torch.FloatStorage etc. resolve to: just the dtype of the storage bytes."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype


def _rebuild_tensor_v2(storage: np.ndarray, storage_offset: int, size: tuple, stride: tuple,
                       requires_grad: bool, backward_hooks: Any = None,
                       metadata: Any = None) -> Tensor:
    size, stride = tuple(size), tuple(stride)
    needed = storage_offset + sum((d - 1) * s for d, s in zip(size, stride)) + 1
    if 0 not in size and needed > storage.size:
        raise RuntimeError(f"PytorchStreamReader: tensor of size {size} and stride {stride} "
                           f"does not fit its storage of {storage.size} elements")
    item = storage.dtype.itemsize
    # a view of the storage buffer, so tensors sharing a storage share memory
    array = np.lib.stride_tricks.as_strided(storage[storage_offset:] if 0 not in size else
                                            storage[:0], shape=size,
                                            strides=tuple(s * item for s in stride))
    t = Tensor(array)
    t.requires_grad = bool(requires_grad)
    return t


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any = None,
                       state: Any = None) -> Parameter:
    return Parameter(data, requires_grad)


_BUILTINS = {"set": set, "frozenset": frozenset, "complex": complex, "slice": slice,
             "bytearray": bytearray, "list": list, "dict": dict, "tuple": tuple, "int": int,
             "float": float, "bool": bool, "str": str, "bytes": bytes}


def _allowed_global(module: str, name: str) -> Any:
    """The weights_only allow-list; None means refused."""
    if module == "collections" and name == "OrderedDict":
        return collections.OrderedDict
    if module == "torch._utils" and name == "_rebuild_tensor_v2":
        return _rebuild_tensor_v2
    if module == "torch._utils" and name in ("_rebuild_parameter",
                                             "_rebuild_parameter_with_state"):
        return _rebuild_parameter
    if module == "torch":
        if name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        if name in _TORCH_DTYPES:
            return _TORCH_DTYPES[name]
        return {"Size": Size, "device": device}.get(name)
    if module in ("builtins", "__builtin__"):  # protocol 2 writes the Python 2 name
        return _BUILTINS.get(name)
    if module == "_codecs" and name == "encode":  # protocol 2 pickles bytes this way
        import codecs
        return codecs.encode
    return None


class _TorchUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, read_record: Callable[[str], bytes], big_endian: bool,
                 weights_only: bool) -> None:
        super().__init__(io.BytesIO(data))
        self.read_record, self.big_endian = read_record, big_endian
        self.weights_only = weights_only
        self.storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        # Called when GLOBAL is read, before any REDUCE, so a refused name never runs.
        found = _allowed_global(module, name)
        if found is not None:
            return found
        if not self.weights_only and module.split(".")[0] != "torch":
            return super().find_class(module, name)  # the caller said the file is trusted
        raise pickle.UnpicklingError(
            "Weights only load failed. Re-running `torch.load` with `weights_only` set to "
            "`False` will likely succeed, but it can result in arbitrary code execution. Do it "
            "only if you got the file from a trusted source.\n"
            f"Unsupported global: GLOBAL {module}.{name} was not an allowed global by default.")

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"Unsupported persistent id: {pid!r}")
        _, storage_type, key, _location, _numel = pid
        if key not in self.storages:  # one buffer per storage key: views share it
            dtype = storage_type.dtype.newbyteorder(">" if self.big_endian else "<")
            raw = np.frombuffer(bytearray(self.read_record(f"data/{key}")), dtype)
            self.storages[key] = raw.astype(storage_type.dtype, copy=False)
        return self.storages[key]


def _read_bytes(f: Any) -> bytes:
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:  # FileNotFoundError stays what it is, as in torch
            return fh.read()
    return f.read()


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, pickle_module: Any = None,
         *, weights_only: bool = True, mmap: Any = None, **pickle_load_args: Any) -> Any:
    """torch.load of a zip-format file. map_location is accepted and ignored: everything loads
    on the CPU, the only device here. weights_only=True (the default) refuses every global
    outside tensors, containers and primitives."""
    data = _read_bytes(f)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        pkl_name = next((n for n in zf.namelist() if n.endswith("data.pkl")
                         and n.count("/") == 1), None)
        if pkl_name is None:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not "
                               "found")
        prefix = pkl_name[: -len("data.pkl")]
        names = set(zf.namelist())
        big = (prefix + "byteorder" in names
               and zf.read(prefix + "byteorder").strip() == b"big")
        pkl = zf.read(pkl_name)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise RuntimeError("PytorchStreamReader failed reading zip archive: failed finding "
                           f"central directory (the file is truncated, or not a torch.save "
                           f"zip file: {e})") from None

    def read_record(record: str) -> bytes:
        try:
            return zf.read(prefix + record)
        except KeyError:
            raise RuntimeError(f"PytorchStreamReader failed locating file {record}: file not "
                               "found") from None
        except (zipfile.BadZipFile, EOFError, OSError) as e:
            raise RuntimeError(f"PytorchStreamReader failed reading file {record}: {e}") \
                from None

    unpickler = _TorchUnpickler(pkl, read_record, big, weights_only)
    try:
        return unpickler.load()
    except (EOFError, IndexError, KeyError, TypeError, ValueError) as e:
        raise RuntimeError(f"torch.load: malformed data.pkl ({type(e).__name__}: {e})") \
            from None
