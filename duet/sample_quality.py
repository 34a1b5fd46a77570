"""How digit-like are a GAN's samples? A number a test can assert on, next to the PNG grids a
person looks at."""

from __future__ import annotations

import numpy as np


def nearest_real_distance(samples: np.ndarray, real: np.ndarray) -> float:
    """Mean over samples of the RMS pixel distance to the closest real image. Noise is far from
    every digit; a generator that draws digits lands near some. Images (N, ...) in [0, 1]."""
    a = samples.reshape(len(samples), -1).astype(np.float64)
    b = real.reshape(len(real), -1).astype(np.float64)
    squared = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
    return float(np.sqrt(np.maximum(squared.min(1), 0) / a.shape[1]).mean())
