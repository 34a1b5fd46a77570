"""keras.ops (Keras 3): backend-neutral numpy-like ops and `keras.ops.nn`, over the IR.

Every function works on eager tensors, on tensors being traced (inside `fit` or tf.function)
and on KerasTensors (then it adds an operation to the Functional graph). Differences from
Keras: dtypes are numpy dtypes; shapes that depend on data (`where` with one argument,
`nonzero`, `unique`) are not offered, since IR shapes are static up to symbolic dims.
"""

from __future__ import annotations

from . import nn
from ._array import *
from ._array import __all__ as _array_all
from ._core import *
from ._core import __all__ as _core_all
from ._indexing import *
from ._indexing import __all__ as _indexing_all
from ._linalg import *
from ._linalg import __all__ as _linalg_all
from ._math import *
from ._math import __all__ as _math_all
from ._operation import Node, Operation
from ._reduce import *
from ._reduce import __all__ as _reduce_all
from .nn import *
from .nn import __all__ as _nn_all

__all__ = (_core_all + _math_all + _reduce_all + _linalg_all  # noqa: PLE0605
           + _array_all + _indexing_all + _nn_all + ["nn", "Operation", "Node"])
