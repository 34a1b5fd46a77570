"""The `duet` command line: exec (unmodified scripts on the facades, compared with the real
libraries), inspect and run on exported ONNX files, and the PNG writer the GAN examples use."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from duet.aliases import FacadeNotProvided, facade_name, facades_installed
from duet.cli import main
from duet.png import encode_png, image_grid

SCRIPTS = Path(__file__).parent / "scripts"
ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str) -> str:
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, *argv], check=False, capture_output=True, text=True,
                          env=env,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _numbers(text: str) -> np.ndarray:
    return np.array([float(v) for v in re.findall(r"-?\d+\.\d+", text)])


def test_facade_names():
    assert facade_name("torch.nn.functional") == "frontends.torch_like.nn.functional"
    assert facade_name("tensorflow") == "frontends.tf_like"
    assert facade_name("keras.layers") == "frontends.tf_like.keras.layers"
    assert facade_name("numpy") is None


def test_facades_installed_resolves_and_restores():
    before = sys.modules.get("torch")
    with facades_installed():
        import torch
        import torch.nn.functional as F
        from tensorflow import keras
        assert torch.__name__ == "frontends.torch_like"
        assert F.__name__ == "frontends.torch_like.nn.functional"
        assert keras.__name__ == "frontends.tf_like.keras"
        assert torch.cuda.is_available() is False  # an attribute module counts as provided
        with pytest.raises(FacadeNotProvided, match=r"'torch\.distributed'.*frontends\.torch_"):
            import torch.distributed
    assert sys.modules.get("torch") is before


def test_exec_unmodified_torch_script_matches_real_torch():
    pytest.importorskip("torch")
    theirs = _run(str(SCRIPTS / "plain_torch_seed.py"))
    ours = _run("-m", "duet", "exec", str(SCRIPTS / "plain_torch_seed.py"))
    assert theirs.count("loss") == ours.count("loss") == 10
    np.testing.assert_allclose(_numbers(ours), _numbers(theirs), rtol=1e-4, atol=2e-6)


def test_exec_unmodified_keras_script_matches_real_keras():
    pytest.importorskip("keras")
    theirs = _run(str(SCRIPTS / "plain_keras_seed.py"))
    ours = _run("-m", "duet", "exec", str(SCRIPTS / "plain_keras_seed.py"))
    assert ours.count("loss") == 10
    np.testing.assert_allclose(_numbers(ours), _numbers(theirs), rtol=1e-4, atol=2e-6)


def test_exec_passes_arguments_and_reports_missing_parts(tmp_path, capsys):
    script = tmp_path / "args.py"
    script.write_text("import sys, torch\nprint('argv', sys.argv[1:], torch.__name__)\n")
    assert main(["exec", str(script), "--lr", "0.1"]) == 0
    assert "argv ['--lr', '0.1'] frontends.torch_like" in capsys.readouterr().out
    assert main(["exec", str(SCRIPTS / "imports_missing_part.py")]) == 1
    err = capsys.readouterr().err
    assert "'torch.distributed'" in err and "does not provide" in err


@pytest.fixture(scope="module")
def exported_mlp(tmp_path_factory):
    import frontends.torch_like as torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    path = str(tmp_path_factory.mktemp("onnx") / "mlp.onnx")
    x = torch.randn(2, 4)
    torch.onnx.export(model, x, path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    with torch.no_grad():
        return path, x.numpy(), model(x).numpy()


def test_inspect_prints_ir_inputs_ops_and_parameter_count(exported_mlp, capsys):
    path, _, _ = exported_mlp
    assert main(["inspect", path]) == 0
    out = capsys.readouterr().out
    assert "Gemm" in out and "Relu" in out
    assert "x: float32[batch,4]" in out or "x: float32[?,4]" in out
    assert "parameters: 67 in 4 tensors" in out  # 4*8+8 + 8*3+3


def test_run_prints_and_saves_outputs(exported_mlp, tmp_path, capsys):
    path, x, expected = exported_mlp
    np.save(tmp_path / "x.npy", x)
    out_file = str(tmp_path / "out.npz")
    assert main(["run", path, "--input", str(tmp_path / "x.npy"), "--output", out_file]) == 0
    assert "y: float32[2, 3]" in capsys.readouterr().out
    np.testing.assert_allclose(np.load(out_file)["y"], expected, rtol=1e-5, atol=1e-6)
    assert main(["run", path]) == 2  # wrong number of inputs: a usage error, not a traceback
    assert "takes 1 input(s) (x); got 0" in capsys.readouterr().err


def _decode_png(data: bytes) -> np.ndarray:
    """A minimal independent decoder for the writer's output (8-bit grey, filter 0)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        header = struct.unpack(">IIBBBBB", body) if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height = header[:2]
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width + 1)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:]


def test_png_round_trip_and_grid_layout():
    pixels = (np.arange(6 * 5).reshape(6, 5) * 8).astype(np.uint8)
    np.testing.assert_array_equal(_decode_png(encode_png(pixels)), pixels)
    grid = image_grid(np.ones((3, 2, 2)), columns=2, scale=2, pad=1)
    assert grid.shape == (2 * 5 + 1, 2 * 5 + 1)
    assert grid[1, 1] == 255 and grid[0, 0] == 128  # a tile pixel, the grey border
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((2, 2)))
