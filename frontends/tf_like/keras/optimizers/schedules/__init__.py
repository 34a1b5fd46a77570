"""keras.optimizers.schedules."""

from __future__ import annotations

from .learning_rate_schedule import (CosineDecay, CosineDecayRestarts, ExponentialDecay,
                                     InverseTimeDecay, LearningRateSchedule,
                                     PiecewiseConstantDecay, PolynomialDecay, deserialize,
                                     serialize)

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]
