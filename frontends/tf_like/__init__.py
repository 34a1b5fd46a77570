"""tf_like: TensorFlow 2 / Keras 3's API over the shared IR and the NumPy engine.

    import frontends.tf_like as tf          # tf.keras is frontends.tf_like.keras
"""

from __future__ import annotations

import backends.numpy as _engine  # noqa: F401  (activates the eager interpreter)
import numpy as _np

from . import errors  # noqa: F401
from ._gradient_tape import GradientTape, UnconnectedGradients  # noqa: F401
from ._tensor import EagerTensor, TensorShape, Variable, constant, convert_to_tensor  # noqa: F401

Tensor = EagerTensor
float16, float32, float64 = _np.dtype("float16"), _np.dtype("float32"), _np.dtype("float64")
int8, int16, int32, int64 = (_np.dtype(n) for n in ("int8", "int16", "int32", "int64"))
uint8, bool = _np.dtype("uint8"), _np.dtype("bool")  # noqa: A001
DType = type(float32)

from . import dtypes, nest  # noqa: E402,F401
from .dtypes import DType, as_dtype, double, half, uint16, uint32, uint64  # noqa: E402,F401
from ._shape import TensorSpec  # noqa: E402,F401
from .dtypes import string  # noqa: E402,F401
from ._function import *  # noqa: E402,F401,F403
from ._ops import *  # noqa: E402,F401,F403
from ._control_flow import case, cond, switch_case, while_loop  # noqa: E402,F401
from ._control_flow_map import map_fn  # noqa: E402,F401
from ._tensor_array import TensorArray  # noqa: E402,F401
from ._autograph import autograph  # noqa: E402,F401
from . import data, linalg, math, nn, random  # noqa: E402,F401
from . import keras  # noqa: E402,F401
