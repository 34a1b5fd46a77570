"""Run unmodified PyTorch or Keras/TF scripts on Duet's facades (`duet exec script.py`).

An import hook placed first on `sys.meta_path` resolves `torch`, `tensorflow` and `keras` (and
their submodules) to frontends.torch_like, frontends.tf_like and frontends.tf_like.keras. The
aliased name and the facade share one module object, so `torch.nn is frontends.torch_like.nn`.
A submodule the facade does not have raises ModuleNotFoundError naming both, instead of an
import error deep inside the script."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import runpy
import sys
import types
from contextlib import contextmanager

FACADES = {
    "torch": "frontends.torch_like",
    "tensorflow": "frontends.tf_like",
    "keras": "frontends.tf_like.keras",
}


class FacadeNotProvided(ModuleNotFoundError):
    """The script imports a part of torch/tensorflow/keras that Duet does not provide."""


def facade_name(fullname: str) -> str | None:
    """'torch.nn.functional' -> 'frontends.torch_like.nn.functional'; None when not aliased."""
    top, _, rest = fullname.partition(".")
    if top not in FACADES:
        return None
    return FACADES[top] + ("." + rest if rest else "")


def import_facade(fullname: str) -> types.ModuleType:
    """Import the facade module standing for `fullname`. A name the facade exposes only as an
    attribute (torch.cuda is a module object on frontends.torch_like) counts as provided."""
    target = facade_name(fullname)
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as err:
        if err.name != target:
            raise  # a genuine missing dependency inside the facade: keep numpy's/onnx's message
    parent_name, _, attr = fullname.rpartition(".")
    if parent_name:
        candidate = getattr(import_facade(parent_name), attr, None)
        if isinstance(candidate, types.ModuleType):
            return candidate
    top = fullname.partition(".")[0]
    raise FacadeNotProvided(
        f"The script imports '{fullname}', which Duet does not provide: '{top}' is resolved to "
        f"Duet's facade '{FACADES[top]}', and it has no '{target}'.", name=fullname)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module: types.ModuleType):
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        # the import system stamped the alias spec on the shared module: give it its own back
        module.__spec__ = self.spec


class FacadeFinder(importlib.abc.MetaPathFinder):
    """Resolves torch/tensorflow/keras imports to the facades (see the module docstring)."""

    def find_spec(self, fullname, path=None, target=None):
        if facade_name(fullname) is None:
            return None
        module = import_facade(fullname)
        is_package = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_package)


@contextmanager
def facades_installed():
    """While active, `import torch` etc. give the facades; afterwards sys.modules and
    sys.meta_path are as they were (real torch, if it was imported before, comes back)."""
    finder = FacadeFinder()
    saved = {name: mod for name, mod in sys.modules.items() if name.partition(".")[0] in FACADES}
    for name in saved:
        del sys.modules[name]
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.partition(".")[0] in FACADES]:
            del sys.modules[name]
        sys.modules.update(saved)


def run_script(path: str, args: list[str]) -> None:
    """Run `path` as __main__ with sys.argv = [path, *args] and the facades installed."""
    saved_argv = sys.argv
    sys.argv = [path, *args]
    try:
        with facades_installed():
            runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = saved_argv
