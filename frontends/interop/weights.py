"""Copy weights between Keras layers and torch modules (layouts from CONVENTIONS.md).

| Keras                                  | torch                                         |
|----------------------------------------|-----------------------------------------------|
| Dense kernel (in, out), bias           | Linear weight (out, in), bias                 |
| Conv2D kernel HWIO (kh, kw, in/g, out) | Conv2d weight OIHW (out, in/g, kh, kw)        |
| LSTM kernel (in, 4u), recurrent (u, 4u), bias (4u,); gates i,f,c,o | weight_ih_l0 (4h, in), weight_hh_l0 (4h, h), bias_ih/bias_hh; gates i,f,g,o (same order) |
| GRU (reset_after=True) kernel (in, 3u), recurrent (u, 3u), bias (2, 3u); gates z,r,h | weight_ih_l0 (3h, in), weight_hh_l0, bias_ih, bias_hh; gates r,z,n |

Keras LSTM has one bias, torch two: Keras -> torch puts it in bias_ih and zeros in bias_hh;
torch -> Keras adds them. GRU reset_after=False has no torch counterpart (ValueError). A Dense
after a Flatten of conv features also needs its kernel rows permuted (HWC vs CHW order): these
helpers copy single layers and do not do that.

The array functions work on numpy arrays (so they also convert real Keras/PyTorch weights);
`keras_to_torch(layer, module)` / `torch_to_keras(module, layer)` copy between live objects of
the two frontends (single-layer, unidirectional recurrent modules).
"""

from __future__ import annotations

import numpy as np

GRU_KERAS_TO_TORCH = (1, 0, 2)  # z, r, h -> r, z, n (the same permutation back)


def _blocks(a: np.ndarray, order, axis: int) -> np.ndarray:
    """The gate blocks of `a` along `axis`, reordered."""
    parts = np.split(a, len(order), axis=axis)
    return np.concatenate([parts[i] for i in order], axis=axis)


# -- arrays -----------------------------------------------------------------------------------
def dense_to_linear(kernel, bias=None):
    """Keras Dense (kernel (in, out), bias) -> torch Linear (weight (out, in), bias)."""
    return np.ascontiguousarray(np.asarray(kernel).T), None if bias is None else np.asarray(bias)


def linear_to_dense(weight, bias=None):
    return np.ascontiguousarray(np.asarray(weight).T), None if bias is None else np.asarray(bias)


def conv_to_torch(kernel, bias=None):
    """Keras ConvND kernel (*spatial, in/g, out) -> torch (out, in/g, *spatial)."""
    k = np.asarray(kernel)
    perm = (k.ndim - 1, k.ndim - 2, *range(k.ndim - 2))
    return np.ascontiguousarray(k.transpose(perm)), None if bias is None else np.asarray(bias)


def conv_to_keras(weight, bias=None):
    w = np.asarray(weight)
    perm = (*range(2, w.ndim), 1, 0)
    return np.ascontiguousarray(w.transpose(perm)), None if bias is None else np.asarray(bias)


def lstm_to_torch(kernel, recurrent_kernel, bias=None) -> dict[str, np.ndarray]:
    """Keras LSTM weights -> torch nn.LSTM's layer-0 state_dict entries (same gate order)."""
    out = {"weight_ih_l0": np.ascontiguousarray(np.asarray(kernel).T),
           "weight_hh_l0": np.ascontiguousarray(np.asarray(recurrent_kernel).T)}
    if bias is not None:
        out["bias_ih_l0"] = np.asarray(bias).copy()
        out["bias_hh_l0"] = np.zeros_like(out["bias_ih_l0"])
    return out


def lstm_to_keras(weight_ih, weight_hh, bias_ih=None, bias_hh=None) -> list[np.ndarray]:
    """torch LSTM layer-0 weights -> [kernel, recurrent_kernel(, bias)] (get_weights order)."""
    out = [np.ascontiguousarray(np.asarray(weight_ih).T),
           np.ascontiguousarray(np.asarray(weight_hh).T)]
    if bias_ih is not None:
        out.append(np.asarray(bias_ih) + np.asarray(bias_hh))
    return out


def gru_to_torch(kernel, recurrent_kernel, bias=None, reset_after=True) -> dict[str, np.ndarray]:
    """Keras GRU (reset_after=True) weights -> torch nn.GRU's layer-0 entries (z,r,h -> r,z,n;
    bias row 0 is the input bias, row 1 the recurrent one)."""
    if not reset_after:
        raise ValueError("a Keras GRU with reset_after=False applies the reset gate before the "
                         "recurrent matmul; torch.nn.GRU has no such form")
    order = GRU_KERAS_TO_TORCH
    out = {"weight_ih_l0": np.ascontiguousarray(_blocks(np.asarray(kernel), order, 1).T),
           "weight_hh_l0": np.ascontiguousarray(_blocks(np.asarray(recurrent_kernel), order,
                                                        1).T)}
    if bias is not None:
        b = np.asarray(bias).reshape(2, -1)
        out["bias_ih_l0"] = _blocks(b[0], order, 0)
        out["bias_hh_l0"] = _blocks(b[1], order, 0)
    return out


def gru_to_keras(weight_ih, weight_hh, bias_ih=None, bias_hh=None) -> list[np.ndarray]:
    """torch GRU layer-0 weights -> Keras GRU(reset_after=True) [kernel, recurrent(, bias)]."""
    order = GRU_KERAS_TO_TORCH
    out = [np.ascontiguousarray(_blocks(np.asarray(weight_ih).T, order, 1)),
           np.ascontiguousarray(_blocks(np.asarray(weight_hh).T, order, 1))]
    if bias_ih is not None:
        out.append(np.stack([_blocks(np.asarray(bias_ih), order, 0),
                             _blocks(np.asarray(bias_hh), order, 0)]))
    return out


# -- live objects -------------------------------------------------------------------------------
def _torch_kind(module) -> str:
    return type(module).__name__


def _keras_kind(layer) -> str:
    name = type(layer).__name__
    return {"Conv1D": "Conv", "Conv2D": "Conv", "Conv3D": "Conv"}.get(name, name)


def keras_to_torch(layer, module) -> None:
    """Copy a built tf_like Keras Dense/ConvND/LSTM/GRU layer's weights into a torch_like
    Linear/ConvNd/LSTM/GRU (shapes must match; a missing bias on either side must match too)."""
    kind, weights = _keras_kind(layer), layer.get_weights()
    if kind == "Dense":
        arrays = dict(zip(("weight", "bias"), dense_to_linear(*weights)))
    elif kind == "Conv":
        arrays = dict(zip(("weight", "bias"), conv_to_torch(*weights)))
    elif kind == "LSTM":
        arrays = lstm_to_torch(*weights)
    elif kind == "GRU":
        arrays = gru_to_torch(*weights, reset_after=layer.reset_after)
    else:
        raise TypeError(f"keras_to_torch: no rule for Keras layer {type(layer).__name__}")
    _load(module, {k: v for k, v in arrays.items() if v is not None})


def torch_to_keras(module, layer) -> None:
    """Copy a torch_like Linear/ConvNd/LSTM/GRU's weights into a built tf_like Keras layer."""
    kind, sd = _torch_kind(module), {k: v.detach().numpy() for k, v in
                                     module.state_dict().items()}
    if kind == "Linear":
        arrays = linear_to_dense(sd["weight"], sd.get("bias"))
    elif kind in ("Conv1d", "Conv2d", "Conv3d"):
        arrays = conv_to_keras(sd["weight"], sd.get("bias"))
    elif kind == "LSTM":
        arrays = lstm_to_keras(*_rnn_arrays(module, sd))
    elif kind == "GRU":
        arrays = gru_to_keras(*_rnn_arrays(module, sd))
    else:
        raise TypeError(f"torch_to_keras: no rule for torch module {kind}")
    layer.set_weights([a for a in arrays if a is not None])


def _rnn_arrays(module, sd) -> list:
    if module.num_layers != 1 or module.bidirectional:
        raise ValueError("only single-layer unidirectional LSTM/GRU modules map onto one Keras "
                         "layer")
    return [sd["weight_ih_l0"], sd["weight_hh_l0"], sd.get("bias_ih_l0"), sd.get("bias_hh_l0")]


def _load(module, arrays: dict) -> None:
    from frontends.torch_like import no_grad, tensor

    own = module.state_dict()
    if set(own) != set(arrays):
        raise ValueError(f"{type(module).__name__} has {sorted(own)}, the Keras layer gives "
                         f"{sorted(arrays)} (bias on one side only?)")
    with no_grad():
        for name, array in arrays.items():
            if tuple(own[name].shape) != array.shape:
                raise ValueError(f"{type(module).__name__}.{name} has shape "
                                 f"{tuple(own[name].shape)}, the Keras layer gives {array.shape}")
            own[name].copy_(tensor(array.astype(own[name].detach().numpy().dtype)))
