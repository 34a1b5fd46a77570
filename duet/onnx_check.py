"""Checking an exported ONNX file the way a user shipping it would: onnx's full checker, then
onnxruntime (when installed) running it against Duet's own output."""

from __future__ import annotations

import numpy as np
import onnx


def run_onnx(path: str, inputs: list[np.ndarray]) -> tuple[list[np.ndarray], str]:
    """Run the file in onnxruntime, or in Duet's NumPy backend when onnxruntime is absent.
    Returns (outputs, the runtime's name)."""
    try:
        import onnxruntime
    except ImportError:
        from backends.onnx import run_model
        return run_model(path, inputs), "Duet's NumPy backend (onnxruntime is not installed)"
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {spec.name: x for spec, x in zip(session.get_inputs(), inputs)}
    return session.run(None, feeds), f"onnxruntime {onnxruntime.__version__}"


def verify_onnx(path: str, inputs: list[np.ndarray], expected: np.ndarray | list,
                rtol: float = 1e-4, atol: float = 1e-5) -> float:
    """check_model(full_check=True), run, compare every output with Duet's; prints one line and
    returns the largest absolute difference. Raises AssertionError on a mismatch."""
    onnx.checker.check_model(onnx.load(path), full_check=True)
    outputs, runtime = run_onnx(path, [np.asarray(x) for x in inputs])
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    worst = 0.0
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, np.asarray(want), rtol=rtol, atol=atol)
        worst = max(worst, float(np.max(np.abs(got - want))) if got.size else 0.0)
    print(f"ONNX file {path}: passes onnx.checker; {runtime} output equals Duet's "
          f"(max |difference| {worst:.1e})")
    return worst
