"""keras.callbacks: Keras 3's training callbacks."""

from __future__ import annotations

from .callback import Callback, CallbackList
from .history import History, ProgbarLogger
from .misc import CSVLogger, LambdaCallback, LearningRateScheduler, TerminateOnNaN
from .model_checkpoint import ModelCheckpoint
from .monitor import EarlyStopping, MonitorCallback, ReduceLROnPlateau  # noqa: F401

__all__ = [
           "CSVLogger",
           "Callback",
           "CallbackList",
           "EarlyStopping",
           "History",
           "LambdaCallback",
           "LearningRateScheduler",
           "ModelCheckpoint",
           "ProgbarLogger",
           "ReduceLROnPlateau",
           "TerminateOnNaN",
]
