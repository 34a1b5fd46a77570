"""Every built-in layer against real Keras 3: same weights (set_weights(get_weights())), same
outputs, same gradients of the inputs and of the trainable weights."""

from __future__ import annotations

import numpy as np
import pytest

from frontends.tf_like.keras import layers as L

from ._keras_layers_diff import compare_layer, rand, real_keras


def ints(*shape, high=10, seed=0):
    return np.random.default_rng(seed).integers(0, high, shape).astype(np.int32)


X2 = rand(4, 6)
X3 = rand(3, 7, 5, seed=1)
X4 = rand(2, 9, 8, 3, seed=2)
X4F = rand(2, 3, 9, 8, seed=3)  # channels_first
X3C6 = rand(2, 8, 6, seed=6)
X5 = rand(2, 5, 6, 4, 3, seed=7)

# (id, class name, args, kwargs, inputs, training)
CASES = [
    ("dense", "Dense", (5,), {}, [X2], None),
    ("dense_relu_nobias", "Dense", (5,), {"activation": "relu", "use_bias": False}, [X2], None),
    ("dense_3d", "Dense", (4,), {"activation": "tanh"}, [X3], None),
    ("activation_gelu", "Activation", ("gelu",), {}, [X2], None),
    ("activation_selu", "Activation", ("selu",), {}, [X2], None),
    ("activation_softmax", "Activation", ("softmax",), {}, [X3], None),
    ("embedding", "Embedding", (10, 4), {}, [ints(3, 5)], None),
    ("flatten", "Flatten", (), {}, [X4], None),
    ("flatten_cf", "Flatten", (), {"data_format": "channels_first"}, [X4F], None),
    ("reshape", "Reshape", ((5, 7),), {}, [X3], None),
    ("reshape_minus1", "Reshape", ((-1, 5),), {}, [X3], None),
    ("permute", "Permute", ((2, 1),), {}, [X3], None),
    ("repeat_vector", "RepeatVector", (3,), {}, [X2], None),
    ("conv1d", "Conv1D", (4, 3), {}, [X3], None),
    ("conv1d_same_s2", "Conv1D", (4, 3), {"padding": "same", "strides": 2}, [X3], None),
    ("conv1d_causal_dil", "Conv1D", (4, 3), {"padding": "causal", "dilation_rate": 2}, [X3],
     None),
    ("conv1d_groups", "Conv1D", (4, 2), {"groups": 2}, [X3C6], None),
    ("conv1d_cf", "Conv1D", (3, 2), {"data_format": "channels_first"}, [X3], None),
    ("conv3d", "Conv3D", (2, 2), {"padding": "same"}, [X5], None),
    ("conv3d_transpose", "Conv3DTranspose", (2, 2), {"strides": 2}, [X5], None),
    ("conv2d", "Conv2D", (4, 3), {"activation": "relu"}, [X4], None),
    ("conv2d_same_s2", "Conv2D", (4, (3, 2)), {"padding": "same", "strides": 2}, [X4], None),
    ("conv2d_dilated", "Conv2D", (2, 3), {"dilation_rate": 2, "padding": "same"}, [X4], None),
    ("conv2d_groups", "Conv2D", (6, 3), {"groups": 3}, [X4], None),
    ("conv2d_cf", "Conv2D", (4, 3), {"data_format": "channels_first", "padding": "same"},
     [X4F], None),
    ("conv2d_transpose", "Conv2DTranspose", (4, 3), {}, [X4], None),
    ("conv2d_transpose_same_s2", "Conv2DTranspose", (4, 3), {"strides": 2, "padding": "same"},
     [X4], None),
    ("conv2d_transpose_k4_s2", "Conv2DTranspose", (2, 4), {"strides": 2, "padding": "same"},
     [X4], None),
    ("conv2d_transpose_valid_s2", "Conv2DTranspose", (2, 3), {"strides": 2}, [X4], None),
    ("conv1d_transpose", "Conv1DTranspose", (3, 3), {"strides": 2}, [X3], None),
    ("conv1d_transpose_same", "Conv1DTranspose", (3, 4), {"strides": 3, "padding": "same"},
     [X3], None),
    ("conv2d_transpose_cf", "Conv2DTranspose", (2, 3),
     {"data_format": "channels_first", "strides": 2, "padding": "same"}, [X4F], None),
    ("conv2d_transpose_dilated", "Conv2DTranspose", (2, 3), {"dilation_rate": 2}, [X4], None),
    ("conv2d_transpose_output_padding", "Conv2DTranspose", (2, 3),
     {"strides": 2, "output_padding": 1}, [X4], None),
    ("conv2d_transpose_same_output_padding", "Conv2DTranspose", (2, 4),
     {"strides": 2, "padding": "same", "output_padding": 1}, [X4], None),
    ("depthwise2d_cf", "DepthwiseConv2D", (3,), {"data_format": "channels_first"}, [X4F],
     None),
    ("separable2d_same_s2", "SeparableConv2D", (3, 3), {"padding": "same", "strides": 2},
     [X4], None),
    ("depthwise2d", "DepthwiseConv2D", (3,), {"depth_multiplier": 2}, [X4], None),
    ("depthwise2d_same_s2", "DepthwiseConv2D", (3,), {"padding": "same", "strides": 2}, [X4],
     None),
    ("depthwise1d", "DepthwiseConv1D", (3,), {"depth_multiplier": 2}, [X3], None),
    ("separable2d", "SeparableConv2D", (4, 3), {"depth_multiplier": 2}, [X4], None),
    ("separable1d", "SeparableConv1D", (4, 3), {"padding": "same"}, [X3], None),
    ("maxpool1d", "MaxPooling1D", (), {}, [X3], None),
    ("maxpool1d_same", "MaxPooling1D", (3, 2), {"padding": "same"}, [X3], None),
    ("maxpool2d", "MaxPooling2D", (), {}, [X4], None),
    ("maxpool2d_same", "MaxPooling2D", ((3, 3), 2), {"padding": "same"}, [X4], None),
    ("avgpool1d", "AveragePooling1D", (2,), {}, [X3], None),
    ("avgpool2d", "AveragePooling2D", ((2, 2),), {}, [X4], None),
    ("avgpool2d_same_sym", "AveragePooling2D", ((3, 3), 1), {"padding": "same"}, [X4], None),
    ("avgpool2d_cf", "AveragePooling2D", (2,), {"data_format": "channels_first"}, [X4F], None),
    ("maxpool3d", "MaxPooling3D", (), {}, [X5], None),
    ("avgpool3d", "AveragePooling3D", (2,), {}, [X5], None),
    ("gap3d", "GlobalAveragePooling3D", (), {}, [X5], None),
    ("gmp3d", "GlobalMaxPooling3D", (), {"keepdims": True}, [X5], None),
    ("gap1d_cf", "GlobalAveragePooling1D", (), {"data_format": "channels_first"}, [X3], None),
    ("gap1d", "GlobalAveragePooling1D", (), {}, [X3], None),
    ("gap2d", "GlobalAveragePooling2D", (), {}, [X4], None),
    ("gap2d_keepdims", "GlobalAveragePooling2D", (), {"keepdims": True}, [X4], None),
    ("gmp1d", "GlobalMaxPooling1D", (), {}, [X3], None),
    ("gmp2d", "GlobalMaxPooling2D", (), {}, [X4], None),
    ("upsampling1d", "UpSampling1D", (2,), {}, [X3], None),
    ("upsampling2d", "UpSampling2D", ((2, 3),), {}, [X4], None),
    ("upsampling2d_bilinear", "UpSampling2D", (), {"interpolation": "bilinear"}, [X4], None),
    ("upsampling3d", "UpSampling3D", ((1, 2, 2),), {}, [X5], None),
    ("upsampling2d_cf", "UpSampling2D", (), {"data_format": "channels_first"}, [X4F], None),
    ("zeropadding1d", "ZeroPadding1D", ((1, 2),), {}, [X3], None),
    ("zeropadding3d", "ZeroPadding3D", (1,), {}, [X5], None),
    ("zeropadding2d_cf", "ZeroPadding2D", (2,), {"data_format": "channels_first"}, [X4F], None),
    ("cropping3d", "Cropping3D", (((1, 0), (1, 1), (0, 1)),), {}, [X5], None),
    ("zeropadding2d", "ZeroPadding2D", (((1, 2), (0, 1)),), {}, [X4], None),
    ("cropping1d", "Cropping1D", ((1, 2),), {}, [X3], None),
    ("cropping2d", "Cropping2D", (((1, 2), (2, 0)),), {}, [X4], None),
    ("batchnorm_infer", "BatchNormalization", (), {}, [X4], False),
    ("batchnorm_train", "BatchNormalization", (), {}, [X4], True),
    ("batchnorm_train_2d", "BatchNormalization", (), {"momentum": 0.9}, [X2], True),
    ("batchnorm_axis1", "BatchNormalization", (), {"axis": 1, "center": False}, [X4F], True),
    ("layernorm", "LayerNormalization", (), {}, [X3], None),
    ("layernorm_axes", "LayerNormalization", (), {"axis": [1, 2]}, [X3], None),
    ("groupnorm", "GroupNormalization", (), {"groups": 3}, [rand(2, 5, 4, 6, seed=5)], None),
    ("unitnorm", "UnitNormalization", (), {}, [X3], None),
    ("rmsnorm", "RMSNormalization", (), {}, [X3], None),
    ("rmsnorm_axes", "RMSNormalization", (), {"axis": [1, 2], "epsilon": 1e-3}, [X3], None),
    ("adaptive_avg1d", "AdaptiveAveragePooling1D", (3,), {}, [X3], None),
    ("adaptive_avg2d", "AdaptiveAveragePooling2D", ((4, 3),), {}, [X4], None),
    ("adaptive_max2d", "AdaptiveMaxPooling2D", (2,), {}, [X4], None),
    ("adaptive_max1d_cf", "AdaptiveMaxPooling1D", (2,), {"data_format": "channels_first"},
     [X3], None),
    ("einsum_dense", "EinsumDense", ("ab,bc->ac",), {"output_shape": 4, "bias_axes": "c"},
     [X2], None),
    ("einsum_dense_3d", "EinsumDense", ("abc,cde->abde",),
     {"output_shape": (None, 2, 3), "bias_axes": "de", "activation": "relu"}, [X3], None),
    ("einsum_dense_ellipsis", "EinsumDense", ("...b,bc->...c",), {"output_shape": 3},
     [X3], None),
    ("softmax", "Softmax", (), {}, [X3], None),
    ("softmax_axis1", "Softmax", (), {"axis": 1}, [X3], None),
    ("relu", "ReLU", (), {}, [X2], None),
    ("relu_max", "ReLU", (), {"max_value": 0.5, "negative_slope": 0.1, "threshold": 0.2},
     [X2], None),
    ("leaky_relu", "LeakyReLU", (), {}, [X2], None),
    ("leaky_relu_slope", "LeakyReLU", (), {"negative_slope": 0.05}, [X2], None),
    ("prelu", "PReLU", (), {"alpha_initializer": "ones"}, [X3], None),
    ("prelu_shared", "PReLU", (), {"shared_axes": [1]}, [X3], None),
    ("elu", "ELU", (), {"alpha": 0.7}, [X2], None),
    ("rescaling", "Rescaling", (1 / 255.0, 0.5), {}, [X2], None),
    ("identity", "Identity", (), {}, [X2], None),
    ("dropout_infer", "Dropout", (0.5,), {}, [X2], False),
    ("spatial_dropout_infer", "SpatialDropout2D", (0.5,), {}, [X4], False),
    ("gaussian_noise_infer", "GaussianNoise", (0.5,), {}, [X2], False),
    ("gaussian_dropout_infer", "GaussianDropout", (0.5,), {}, [X2], False),
    ("masking", "Masking", (), {}, [np.where(X3 > 0.5, 0.0, X3).astype(np.float32)], None),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_keras(case):
    keras = real_keras()
    _, name, args, kwargs, inputs, training = case
    ours = getattr(L, name)(*args, **kwargs)
    theirs = getattr(keras.layers, name)(*args, **kwargs)
    compare_layer(ours, theirs, inputs, training=training, grads=name != "Embedding")


MERGE = [("add", "Add", 3), ("subtract", "Subtract", 2), ("multiply", "Multiply", 3),
         ("average", "Average", 2), ("maximum", "Maximum", 3), ("minimum", "Minimum", 2),
         ("concatenate", "Concatenate", 3)]


@pytest.mark.parametrize("case", MERGE, ids=[c[0] for c in MERGE])
def test_merge_layer_matches_keras(case):
    keras = real_keras()
    _, name, n = case
    xs = [rand(4, 5, seed=i) for i in range(n)]
    compare_layer(getattr(L, name)(), getattr(keras.layers, name)(), [xs])


@pytest.mark.parametrize("axes,shapes,normalize", [
    (1, [(4, 5), (4, 5)], False), (1, [(4, 5), (4, 5)], True),
    ((2, 2), [(3, 4, 5), (3, 6, 5)], False), ((1, 2), [(3, 4, 5), (3, 6, 4)], False)])
def test_dot_matches_keras(axes, shapes, normalize):
    keras = real_keras()
    xs = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    compare_layer(L.Dot(axes, normalize=normalize), keras.layers.Dot(axes, normalize=normalize),
                  [xs])


def test_concatenate_axis_and_rank_broadcast_merge():
    keras = real_keras()
    compare_layer(L.Concatenate(axis=1), keras.layers.Concatenate(axis=1),
                  [[rand(2, 3, 4), rand(2, 5, 4, seed=1)]])
    compare_layer(L.Add(), keras.layers.Add(), [[rand(2, 3, 4), rand(2, 4, seed=1)]])


def test_time_distributed_matches_keras():
    keras = real_keras()
    compare_layer(L.TimeDistributed(L.Dense(4, activation="tanh")),
                  keras.layers.TimeDistributed(keras.layers.Dense(4, activation="tanh")), [X3])
    compare_layer(L.TimeDistributed(L.Conv2D(2, 3)),
                  keras.layers.TimeDistributed(keras.layers.Conv2D(2, 3)),
                  [rand(2, 3, 6, 5, 2, seed=9)])
