"""Constructor arguments for every exported keras.layers class, for the get_config/from_config
round trips of test_keras_saving.py (classes exported under several names are one entry)."""

from __future__ import annotations

import inspect

from frontends.tf_like.keras import layers as L
from frontends.tf_like.keras.layers._layer import Layer


def _dense():
    return L.Dense(2)


# class name -> (args, kwargs); a callable value builds a fresh sublayer per call
LAYER_ARGS = {
    "Activation": (("relu",), {}), "ActivityRegularization": ((), {"l1": 0.01}),
    "AdaptiveAveragePooling1D": ((2,), {}), "AdaptiveAveragePooling2D": ((2,), {}),
    "AdaptiveAveragePooling3D": ((2,), {}), "AdaptiveMaxPooling1D": ((2,), {}),
    "AdaptiveMaxPooling2D": ((2,), {}), "AdaptiveMaxPooling3D": ((2,), {}),
    "Add": ((), {}), "AdditiveAttention": ((), {"use_scale": False}),
    "AlphaDropout": ((0.2,), {}), "Attention": ((), {"use_scale": True}),
    "Average": ((), {}), "AveragePooling1D": ((2,), {}), "AveragePooling2D": ((2,), {}),
    "AveragePooling3D": ((2,), {}), "BatchNormalization": ((), {"momentum": 0.9}),
    "Bidirectional": ((), {"layer": lambda: L.LSTM(3), "merge_mode": "sum"}),
    "CategoryEncoding": ((), {"num_tokens": 4, "output_mode": "multi_hot"}),
    "Concatenate": ((), {"axis": 1}), "Conv1D": ((2, 3), {}),
    "Conv1DTranspose": ((2, 3), {}), "Conv2D": ((2, 3), {"strides": 2}),
    "Conv2DTranspose": ((2, 3), {}), "Conv3D": ((2, 3), {}), "Conv3DTranspose": ((2, 3), {}),
    "Cropping1D": ((1,), {}), "Cropping2D": ((1,), {}), "Cropping3D": ((1,), {}),
    "Dense": ((3,), {"activation": "tanh", "use_bias": False}),
    "DepthwiseConv1D": ((3,), {}), "DepthwiseConv2D": ((3,), {}),
    "Discretization": ((), {"bin_boundaries": [0.0, 1.0]}), "Dot": ((1,), {}),
    "Dropout": ((0.3,), {}), "ELU": ((), {}),
    "EinsumDense": (("ab,bc->ac",), {"output_shape": 4}),
    "Embedding": ((10, 4), {"mask_zero": True}), "Flatten": ((), {}),
    "GRU": ((3,), {"reset_after": False}), "GRUCell": ((3,), {}),
    "GaussianDropout": ((0.2,), {}), "GaussianNoise": ((0.1,), {}),
    "GlobalAveragePooling1D": ((), {}), "GlobalAveragePooling2D": ((), {}),
    "GlobalAveragePooling3D": ((), {}), "GlobalMaxPooling1D": ((), {}),
    "GlobalMaxPooling2D": ((), {}), "GlobalMaxPooling3D": ((), {}),
    "GroupNormalization": ((), {"groups": 2}), "Hashing": ((5,), {}), "Identity": ((), {}),
    "InputLayer": ((), {"shape": (3,)}), "IntegerLookup": ((), {"vocabulary": [1, 2, 3]}),
    "LSTM": ((3,), {"return_sequences": True}), "LSTMCell": ((3,), {}),
    "Layer": ((), {}), "LayerNormalization": ((), {"epsilon": 1e-5}),
    "LeakyReLU": ((), {"negative_slope": 0.2}), "Masking": ((), {"mask_value": 0.0}),
    "MaxPooling1D": ((), {}), "MaxPooling2D": ((), {}), "MaxPooling3D": ((), {}),
    "Maximum": ((), {}), "Minimum": ((), {}),
    "MultiHeadAttention": ((2, 4), {"dropout": 0.1}), "Multiply": ((), {}),
    "Normalization": ((), {"mean": 1.0, "variance": 4.0}), "PReLU": ((), {}),
    "Permute": (((2, 1),), {}), "RMSNormalization": ((), {}),
    "RNN": ((), {"cell": lambda: L.SimpleRNNCell(3)}),
    "RandomContrast": ((0.2,), {"seed": 1}), "RandomFlip": ((), {"seed": 1}),
    "RandomRotation": ((0.1,), {"seed": 1}), "RandomTranslation": ((0.1, 0.1), {"seed": 1}),
    "RandomZoom": ((0.1,), {"seed": 1}), "ReLU": ((), {"max_value": 6.0}),
    "RepeatVector": ((3,), {}), "Rescaling": ((1 / 255,), {}), "Reshape": (((2, 3),), {}),
    "SeparableConv1D": ((2, 3), {}), "SeparableConv2D": ((2, 3), {}),
    "SimpleRNN": ((3,), {}), "SimpleRNNCell": ((3,), {}), "Softmax": ((), {"axis": -1}),
    "SpatialDropout1D": ((0.2,), {}), "SpatialDropout2D": ((0.2,), {}),
    "SpatialDropout3D": ((0.2,), {}),
    "StackedRNNCells": ((), {"cells": lambda: [L.SimpleRNNCell(2), L.SimpleRNNCell(3)]}),
    "StringLookup": ((), {"vocabulary": ["a", "b"]}), "Subtract": ((), {}),
    "TextVectorization": ((), {"max_tokens": 10, "output_sequence_length": 4}),
    "TimeDistributed": ((), {"layer": _dense}),
    "UnitNormalization": ((), {}), "UpSampling1D": ((2,), {}), "UpSampling2D": ((2,), {}),
    "UpSampling3D": ((2,), {}), "ZeroPadding1D": ((1,), {}), "ZeroPadding2D": ((1,), {}),
    "ZeroPadding3D": ((1,), {}),
}

# exported classes whose config cannot be written by any Keras (with reasons)
NOT_SERIALIZABLE = {
    "Lambda": "holds a Python function: Keras stores its bytecode, refused by safe_mode",
    "TorchModuleWrapper": "holds a torch module",
    "Wrapper": "abstract base of Bidirectional/TimeDistributed",
}


def exported_layer_classes() -> dict:
    """{class name: class} for every Layer class keras.layers exports, each class once."""
    found = {}
    for name in sorted(dir(L)):
        cls = getattr(L, name)
        if inspect.isclass(cls) and issubclass(cls, Layer):
            found.setdefault(cls.__name__, cls)
    return found


def make_layer(name: str):
    args, kwargs = LAYER_ARGS[name]
    kwargs = {k: v() if callable(v) and not isinstance(v, type) else v
              for k, v in kwargs.items()}
    return exported_layer_classes()[name](*args, **kwargs)
