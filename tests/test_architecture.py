"""Imports point one way: frontends -> core_ir <- backends (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

# package -> top-level modules (or dotted prefixes) it must never import
FORBIDDEN = {
    "core_ir": ("backends", "frontends", "onnx", "onnxruntime", "torch", "keras"),
    "backends": ("frontends", "torch", "keras"),
    # a frontend calls IR ops, never kernels directly
    "frontends": ("backends.numpy.kernels", "torch", "keras"),
}


def imported_modules(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            for bad in FORBIDDEN[package]:
                if name == bad or name.startswith(bad + "."):
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    assert violations(package) == []


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    bad = tmp_path / "core_ir"
    bad.mkdir()
    (bad / "x.py").write_text("import backends.numpy\nfrom onnx import helper\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert len(violations("core_ir")) == 2
