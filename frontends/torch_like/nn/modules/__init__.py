"""torch.nn modules."""

from __future__ import annotations

from . import (
    activation,
    batchnorm,
    container,
    conv,
    distance,
    dropout,
    flatten,
    instancenorm,
    linear,
    normalization,
    pooling,
    sparse,
    upsampling,
)
from .activation import *
from .batchnorm import *
from .container import *
from .conv import *
from .distance import *
from .dropout import *
from .flatten import *
from .instancenorm import *
from .linear import *
from .module import Module
from .normalization import *
from .pooling import *
from .sparse import *
from .upsampling import *

__all__: list[str] = ["Module"]
for _m in (activation, batchnorm, container, conv, distance, dropout, flatten, instancenorm,
           linear, normalization, pooling, sparse, upsampling):
    __all__ += _m.__all__
del _m
from . import rnn  # noqa: I001
from .rnn import *
__all__ += rnn.__all__
from . import multihead_attention, transformer  # noqa: E402
from .multihead_attention import *  # noqa: E402,F403
from .transformer import *  # noqa: E402,F403
__all__ += multihead_attention.__all__ + transformer.__all__
from frontends.interop.keras_module import KerasModuleWrapper  # noqa: E402  (duet's interop)
__all__ += ["KerasModuleWrapper"]
