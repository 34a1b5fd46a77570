"""keras.models: Model (Functional when given inputs and outputs), Sequential, and the
Functional class. Training methods come from the Trainer mixin (training.py)."""

from __future__ import annotations

from ._functional import Functional
from ._model import Model
from ._model_saving import clone_model, load_model, model_from_json, save_model
from ._sequential import Sequential

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json",
           "save_model"]
