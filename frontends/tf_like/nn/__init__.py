"""tf.nn: activations, convolutions and pooling (channels last), losses with logits, moments,
batch_normalization, dropout."""

from __future__ import annotations

from ..math import in_top_k, l2_normalize, log_softmax, softmax, top_k  # noqa: F401
from ._activations import *  # noqa: F401,F403
from ._activations import __all__ as _activations_all
from ._conv import *  # noqa: F401,F403
from ._conv import __all__ as _conv_all
from ._losses import *  # noqa: F401,F403
from ._losses import __all__ as _losses_all

__all__ = [*_activations_all, *_conv_all, *_losses_all, "in_top_k", "l2_normalize",
           "log_softmax", "softmax", "top_k"]
