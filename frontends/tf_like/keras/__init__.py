"""keras (Keras 3) over the IR: `import frontends.tf_like.keras as keras` or `tf.keras`."""

from __future__ import annotations

from . import (activations, backend, callbacks, constraints, initializers, layers, losses,  # noqa: F401
               metrics, models, ops, optimizers, regularizers, utils)
from .layers import *  # noqa: F401,F403  (Input, Layer, ... are also keras.* names)
from .models import *  # noqa: F401,F403
