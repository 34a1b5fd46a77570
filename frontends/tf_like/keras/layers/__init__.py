"""keras.layers (Keras 3): the Layer base, InputSpec, Input/InputLayer and the built-in
layers, with Keras's names, arguments, defaults, weight names and weight order."""

from __future__ import annotations

from ._input_layer import Input, InputLayer
from ._input_spec import InputSpec
from ._layer import Layer
from .core import Activation, Dense, Embedding, Identity, Lambda, Masking

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "Activation", "Dense", "Embedding",
           "Identity", "Lambda", "Masking"]
