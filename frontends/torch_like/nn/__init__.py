"""torch.nn: Module, Parameter, the layers, losses, functional, init and utils."""

from __future__ import annotations

from .._tensor import Parameter  # noqa: F401
from . import functional, init, utils  # noqa: F401
from .modules import *
from .modules.loss import *
