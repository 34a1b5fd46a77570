"""Special functions numpy lacks."""

from __future__ import annotations

import math

import numpy as np

_erf_scalar = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    """Vectorized error function (temporary: elementwise through math.erf)."""
    return _erf_scalar(x).astype(x.dtype)
