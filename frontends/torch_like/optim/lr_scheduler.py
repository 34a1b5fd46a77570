"""torch.optim.lr_scheduler: learning-rate schedules over an optimizer's param groups, ported
from torch 2.13 (chainable and closed forms alike), so lr sequences match torch's floats."""

from __future__ import annotations

from ._lr_base import EPOCH_DEPRECATION_WARNING, LRScheduler, _LRScheduler  # noqa: F401
from ._lr_composite import ChainedScheduler, ReduceLROnPlateau, SequentialLR
from ._lr_cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from ._lr_simple import (
                         ConstantLR,
                         CosineAnnealingLR,
                         ExponentialLR,
                         LambdaLR,
                         LinearLR,
                         MultiplicativeLR,
                         MultiStepLR,
                         PolynomialLR,
                         StepLR,
)

__all__ = [
                         "ChainedScheduler",
                         "ConstantLR",
                         "CosineAnnealingLR",
                         "CosineAnnealingWarmRestarts",
                         "CyclicLR",
                         "ExponentialLR",
                         "LRScheduler",
                         "LambdaLR",
                         "LinearLR",
                         "MultiStepLR",
                         "MultiplicativeLR",
                         "OneCycleLR",
                         "PolynomialLR",
                         "ReduceLROnPlateau",
                         "SequentialLR",
                         "StepLR",
]
