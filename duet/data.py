"""The data the examples and `duet demo` use: scikit-learn's 8x8 handwritten digits (1,797
real images shipped inside the scikit-learn package, so nothing is downloaded) and its
breast-cancer table for the seed programs' binary task."""

from __future__ import annotations

import os

import numpy as np


def _sklearn_datasets():
    try:
        from sklearn import datasets
    except ImportError:
        raise SystemExit("The examples read scikit-learn's bundled datasets: install them with "
                         "`pip install -e \".[examples]\"`.") from None
    return datasets


def quick_mode() -> bool:
    """DUET_EXAMPLES_QUICK=1 (set by the test suite) runs fewer epochs; the examples then
    assert lower, stated thresholds."""
    return os.environ.get("DUET_EXAMPLES_QUICK", "") not in ("", "0")


def epochs(full: int, quick: int) -> int:
    return quick if quick_mode() else full


def load_digits(test_fraction: float = 0.2, seed: int = 0):
    """Images scaled to [0, 1] as float32 (N, 8, 8) and int64 labels, split into a shuffled
    train part and a test part: ((x_train, y_train), (x_test, y_test))."""
    bunch = _sklearn_datasets().load_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    labels = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (images[train], labels[train]), (images[test], labels[test])


def load_breast_cancer_10(test_fraction: float = 0.2, seed: int = 0):
    """The seed programs' binary task on real data: scikit-learn's Wisconsin breast cancer table
    (569 tumours); the 10 "mean" measurements (radius, texture, ..., fractal dimension) are the
    features, exactly the seed's nn.Linear(10, 1), standardized; the label is benign (1) or
    malignant (0). float32 features and (N, 1) labels: ((x_train, y_train), (x_test, y_test))."""
    bunch = _sklearn_datasets().load_breast_cancer()
    x = bunch.data[:, :10].astype(np.float64)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    y = bunch.target.astype(np.float32)[:, None]
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])


def output_path(filename: str) -> str:
    """Where examples write their files (ONNX models, sample grids): $DUET_OUTPUT_DIR or
    ./duet_output, created on first use."""
    directory = os.environ.get("DUET_OUTPUT_DIR") or os.path.join(os.getcwd(), "duet_output")
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, filename)
