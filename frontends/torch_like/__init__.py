"""torch_like: PyTorch's API, define-by-run, over the shared IR and the NumPy engine.

    import frontends.torch_like as torch
"""

from __future__ import annotations

import backends.numpy as _engine  # noqa: F401  (activates the eager interpreter)

from . import _tensor_ops  # noqa: F401  (installs the operators on Tensor)
from . import _indexing, _tensor_methods  # noqa: F401,E402  (install indexing and the methods)
from ._dtypes import (bool, double, float, float16, float32, float64, get_default_dtype,  # noqa: A004
                      half, int, int8, int16, int32, int64, long, set_default_dtype, short, uint8)
from ._dtypes import finfo, iinfo, uint16, uint32, uint64  # noqa: E402,F401
from ._tensor import Parameter, Size, Tensor, device
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd import is_inference_mode_enabled  # noqa: E402,F401
from . import autograd  # noqa: E402
from . import _cuda as cuda  # noqa: E402,F401

dtype = type(float32)
from ._creation import *  # noqa: E402,F401,F403
from ._functions import *  # noqa: E402,F401,F403
from ._random import *  # noqa: E402,F401,F403
from . import nn, optim, utils  # noqa: E402,F401
from .serialization import load, save  # noqa: E402,F401
from . import onnx  # noqa: E402,F401
from ._compile import _dynamo, compile, compiler  # noqa: E402,F401,A004
from . import jit  # noqa: E402,F401
