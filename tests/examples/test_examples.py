"""Every program in examples/ runs (in quick mode: fewer epochs, lower stated thresholds) and
passes its own asserts, so the examples cannot silently rot; `duet demo` runs end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def _run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONPATH": str(ROOT),
           "DUET_EXAMPLES_QUICK": "1", "DUET_OUTPUT_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, *argv], check=False, capture_output=True, text=True,
                          env=env,
                          cwd=tmp_path, timeout=600)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_meets_its_asserts(path, tmp_path):
    if "onnx" in path.read_text() or "load_digits" in path.read_text():
        pytest.importorskip("sklearn", reason="the examples extra is not installed")
    done = _run([str(path)], tmp_path)
    assert done.returncode == 0, f"{path.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    for onnx_file in tmp_path.glob("*.onnx"):
        assert onnx_file.stat().st_size > 0
    assert "Traceback" not in done.stderr


def test_demo_trains_compares_exports_and_verifies(tmp_path):
    pytest.importorskip("sklearn", reason="the examples extra is not installed")
    pytest.importorskip("onnxruntime")
    done = _run(["-m", "duet", "demo"], tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    assert "identical IR op counts" in out, out[-3000:]
    for name in ("mlp", "cnn"):
        for style in ("keras", "torch"):
            assert (tmp_path / f"demo_{name}_{style}.onnx").exists()
    assert out.count("output equals Duet's") == 4
