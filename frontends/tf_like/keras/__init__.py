"""keras (Keras 3) over the IR: `import frontends.tf_like.keras as keras` or `tf.keras`."""

from __future__ import annotations

from . import (  # noqa: F401
               activations,
               backend,
               callbacks,
               constraints,
               initializers,
               layers,
               losses,
               metrics,
               models,
               ops,
               optimizers,
               random,
               regularizers,
               saving,
               utils,
)
from .backend import KerasTensor, Variable  # noqa: F401
from .layers import Input, InputSpec, Layer  # noqa: F401
from .models import Model, Sequential  # noqa: F401
from .ops import Operation  # noqa: F401
from .losses import Loss  # noqa: E402,F401
from .metrics import Metric  # noqa: E402,F401
from .optimizers import Optimizer  # noqa: E402,F401
