"""torch.nn: Module, Parameter, the layers, losses, functional, init and utils."""

from __future__ import annotations

from .._tensor import Parameter
from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules.loss import *  # noqa: F401,F403
