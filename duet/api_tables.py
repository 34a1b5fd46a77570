"""The README's tables of supported APIs, generated from the facades themselves.

`python -m duet.api_tables` prints them; tests/test_readme.py checks that the README holds
exactly this text (so the tables cannot drift from the code) and that every listed name is
exercised somewhere in tests/ (so a listed name is a tested name)."""

from __future__ import annotations

import importlib
import inspect
import types

START, END = "<!-- api-tables:start -->", "<!-- api-tables:end -->"

# (title, facade module, what to list): "classes", "functions" or "all" public names
TORCH_ROWS = [
    ("torch.nn", "frontends.torch_like.nn", "classes"),
    ("torch.nn.functional", "frontends.torch_like.nn.functional", "functions"),
    ("torch.nn.init", "frontends.torch_like.nn.init", "functions"),
    ("torch.nn.utils", "frontends.torch_like.nn.utils", "functions"),
    ("torch.nn.utils.rnn", "frontends.torch_like.nn.utils.rnn", "all"),
    ("torch.optim", "frontends.torch_like.optim", "classes"),
    ("torch.optim.lr_scheduler", "frontends.torch_like.optim.lr_scheduler", "classes"),
    ("torch.utils.data", "frontends.torch_like.utils.data", "all"),
    ("torch.autograd", "frontends.torch_like.autograd", "all"),
    ("torch.onnx", "frontends.torch_like.onnx", "functions"),
    ("torch.jit", "frontends.torch_like.jit", "functions"),
]
KERAS_ROWS = [
    ("keras.layers", "frontends.tf_like.keras.layers", "classes"),
    ("keras.models", "frontends.tf_like.keras.models", "all"),
    ("keras.losses", "frontends.tf_like.keras.losses", "classes"),
    ("keras.metrics", "frontends.tf_like.keras.metrics", "classes"),
    ("keras.optimizers", "frontends.tf_like.keras.optimizers", "classes"),
    ("keras.optimizers.schedules", "frontends.tf_like.keras.optimizers.schedules", "classes"),
    ("keras.callbacks", "frontends.tf_like.keras.callbacks", "classes"),
    ("keras.saving", "frontends.tf_like.keras.saving", "functions"),
    ("tf (control flow)", "frontends.tf_like", "control"),
    ("tf.data", "frontends.tf_like.data", "classes"),
]
CONTROL_FLOW = ("cond", "while_loop", "map_fn", "TensorArray", "case", "switch_case",
                "function", "GradientTape")


def public_names(module_name: str, kind: str) -> list[str]:
    """The public members of a facade module of one kind, sorted; [] if the module is absent."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return []
    if kind == "control":
        return [n for n in CONTROL_FLOW if hasattr(module, n)]
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    chosen = []
    for name in names:
        value = getattr(module, name, None)
        if value is None or isinstance(value, types.ModuleType) or name.startswith("_"):
            continue
        if kind == "classes" and not inspect.isclass(value):
            continue
        if kind == "functions" and not (inspect.isfunction(value) or inspect.isbuiltin(value)):
            continue
        if not _defined_in_duet(value):
            continue
        chosen.append(name)
    return sorted(set(chosen), key=str.lower)


def _defined_in_duet(value) -> bool:
    module = getattr(value, "__module__", "") or ""
    return module.startswith(("frontends", "core_ir", "backends")) or not callable(value)


def table(title: str, rows: list[tuple[str, str, str]]) -> str:
    lines = [f"#### {title}", "", "| module | members |", "|---|---|"]
    for label, module_name, kind in rows:
        names = public_names(module_name, kind)
        if names:
            lines.append(f"| `{label}` | {', '.join(names)} |")
    return "\n".join(lines)


def generate() -> str:
    return "\n\n".join([START, table("torch_like", TORCH_ROWS),
                        table("tf_like / keras", KERAS_ROWS), END])


def listed_names() -> dict[str, list[str]]:
    """Every name in the tables, by row label."""
    return {label: public_names(module, kind) for label, module, kind in TORCH_ROWS + KERAS_ROWS}


if __name__ == "__main__":
    print(generate())
