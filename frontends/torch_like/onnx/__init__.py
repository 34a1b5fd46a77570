"""torch.onnx over the shared IR: `export` (torch.onnx.export's arguments, TorchScript-exporter
meaning) and `load_module`, which turns an .onnx file into a trainable nn.Module.

    import frontends.torch_like as torch
    torch.onnx.export(model, torch.randn(1, 4), "model.onnx", input_names=["x"],
                      dynamic_axes={"x": {0: "batch"}})
    module = torch.onnx.load_module("model.onnx")   # duet's addition (torch has no importer)

The names load on first use, so `import frontends.torch_like` does not import the onnx package.
"""

from __future__ import annotations

import importlib

_HOMES = {"export": "._export", "TrainingMode": "._export", "is_in_onnx_export": "._export",
          "load_module": "._module", "OnnxModule": "._module",
          "ExportError": "backends.onnx", "OnnxImportError": "backends.onnx"}

__all__ = ["ExportError", "OnnxImportError", "OnnxModule", "TrainingMode", "export",
           "is_in_onnx_export", "load_module"]


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'torch.onnx' has no attribute '{name}'")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
