"""keras.optimizers.schedules."""

from __future__ import annotations

from .learning_rate_schedule import (
                                     CosineDecay,
                                     CosineDecayRestarts,
                                     ExponentialDecay,
                                     InverseTimeDecay,
                                     LearningRateSchedule,
                                     PiecewiseConstantDecay,
                                     PolynomialDecay,
                                     deserialize,
                                     serialize,
)

__all__ = [
                                     "CosineDecay",
                                     "CosineDecayRestarts",
                                     "ExponentialDecay",
                                     "InverseTimeDecay",
                                     "LearningRateSchedule",
                                     "PiecewiseConstantDecay",
                                     "PolynomialDecay",
                                     "deserialize",
                                     "serialize",
]
