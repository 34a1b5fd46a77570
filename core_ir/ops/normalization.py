"""Normalization ops (ONNX semantics): BatchNormalization, LayerNormalization,
InstanceNormalization and GroupNormalization. (Dropout draws random masks: it lives with the
random ops in core_ir/ops/random.py.)

Each one standardizes X over some axes, xhat = (x - mean) / sqrt(var + epsilon) with the biased
(population) variance, then applies an affine scale * xhat + bias. They share one VJP core, the
fused formula dx = inv_std * (gh - mean(gh) - xhat * mean(gh * xhat)) with gh = g * scale:
differentiating the decomposition instead would send the gradient through the mean and the
variance separately, subtracting large, nearly equal terms.

Extra attributes where the frameworks differ from ONNX (CONVENTIONS.md): BatchNormalization's
`axis` (the channel axis: 1 for NCHW and torch, -1 for Keras channels_last) and
`running_var_unbiased` (torch stores n/(n-1) * var in its running variance; Keras and ONNX the
biased one). `momentum` is always in the ONNX/Keras form, new = running * momentum + batch *
(1 - momentum); a torch frontend passes 1 - torch_momentum.
"""

from __future__ import annotations

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import Attr, defop
from ..shape_rules import check_dtype, dtype_checked, normalize_axis, numel, same_dtypes

F = dtypes.FLOATS
# stash_type is a TensorProto element type code, as in ONNX's function bodies
STASH_TYPES = {1: dtypes.float32, 10: dtypes.float16, 11: dtypes.float64}


def stash_dtype(x_dtype, stash_type: int):
    """The dtype statistics are computed in: the wider of X's dtype and the stash type, so
    float16 runs in float32 (as ONNX asks) and float64 stays float64 (as onnxruntime and
    onnx.reference do, whatever stash_type says)."""
    stash = STASH_TYPES[stash_type]
    return stash if stash.itemsize > x_dtype.itemsize else x_dtype


def channel_shape(rank: int, axis: int) -> list:
    """The shape that makes a per-channel vector broadcast along `axis` of a rank-`rank` X."""
    return [-1 if i == axis else 1 for i in range(rank)]


def _wants(t) -> bool:
    return t is not None and t.requires_grad


# -- shared pieces, in IR ops (decompositions and VJPs) -------------------------------------------
def moments(x, axes, epsilon: float):
    """(centered, inv_std) of x over `axes` (an int64 tensor), keepdims, two-pass variance."""
    centered = x - reduce_mean(x, axes, keepdims=1)
    var = reduce_mean(centered * centered, axes, keepdims=1)
    return centered, reciprocal(sqrt(var + epsilon))


def standardize_grad(gh, xhat, inv_std, axes):
    """The cotangent of x, given the cotangent gh of xhat = standardize(x) over `axes`."""
    m1 = reduce_mean(gh, axes, keepdims=1)
    m2 = reduce_mean(gh * xhat, axes, keepdims=1)
    return (gh - m1 - xhat * m2) * inv_std


def per_channel(t, rank: int, axis: int):
    return reshape(t, const_ints(channel_shape(rank, axis)))


def _to(t, dtype):
    return t if t is None or t.dtype == dtype else cast(t, to=dtype)


def _affine_grads(gy, x, scale, b, xhat, inv_std, stat_axes, param_axes, axis: int):
    """(dx, dscale, db) of y = scale * xhat + b with per-channel scale and b (None when not
    wanted); xhat was standardized over stat_axes, scale and b are summed over param_axes."""
    dx = ds = db = None
    if _wants(x):
        dx = standardize_grad(gy * per_channel(scale, x.ndim, axis), xhat, inv_std, stat_axes)
    if _wants(scale):
        ds = reduce_sum(gy * xhat, param_axes, keepdims=0)
    if _wants(b):
        db = reduce_sum(gy, param_axes, keepdims=0)
    return dx, ds, db


def _add_to(dx, term, x):
    """dx + term, where term may be smaller than x (the driver only sums down, never expands)."""
    if dx is not None:
        return dx + term
    return term if tuple(term.shape) == tuple(x.shape) else expand(term, shape_tensor(x))


# -- BatchNormalization ---------------------------------------------------------------------------
BN_ATTRS = {"epsilon": Attr("float", 1e-5), "momentum": Attr("float", 0.9),
            "training_mode": Attr("int", 0, (0, 1)), "axis": Attr("int", 1),
            "running_var_unbiased": Attr("int", 0, (0, 1))}
BN_INPUTS = ("scale", "B", "input_mean", "input_var")


def _check_channel_vector(op: str, name: str, t, x, axis: int) -> None:
    c, n = x.shape[axis], t.shape[0] if t.ndim == 1 else None
    if t.ndim != 1 or (isinstance(c, int) and isinstance(n, int) and c != n):
        raise ShapeError(f"{op}'s {name} of shape {fmt_shape(t.shape)} does not match the {c} "
                         f"channels on axis {axis} of X of shape {fmt_shape(x.shape)}")


def _bn_infer(x, scale, b, mean, var, epsilon=1e-5, momentum=0.9, training_mode=0, axis=1,
              running_var_unbiased=0):
    check_dtype(x, F, "X")
    same_dtypes(x, scale, b, mean, var)
    if x.ndim < 2:
        raise ShapeError(f"BatchNormalization expects X of rank >= 2 (batch, channels, ...), got "
                         f"shape {fmt_shape(x.shape)}")
    ax = normalize_axis(axis, x.ndim, x.shape)
    for name, t in zip(BN_INPUTS, (scale, b, mean, var)):
        _check_channel_vector("BatchNormalization", name, t, x, ax)
    y = TypeSpec(x.dtype, x.shape)
    if not training_mode:
        return [y]
    n = numel(x.shape[:ax] + x.shape[ax + 1:])
    if running_var_unbiased and n == 1:
        raise ShapeError(f"BatchNormalization with running_var_unbiased=1 needs more than 1 value "
                         f"per channel when training, got X of shape {fmt_shape(x.shape)}")
    return [y, TypeSpec(mean.dtype, mean.shape), TypeSpec(var.dtype, var.shape)]


def _bn_vjp(g, out, x, scale, b, mean, var, epsilon=1e-5, momentum=0.9, training_mode=0, axis=1,
            running_var_unbiased=0):
    ax = axis % x.ndim
    red = const_ints([i for i in range(x.ndim) if i != ax])
    if not training_mode:  # one output: g is a single cotangent
        return _bn_inference_vjp(g, x, scale, b, mean, var, epsilon, red, ax)
    gy, g_mean, g_var = g
    centered, inv_std = moments(x, red, epsilon)
    dx = ds = db = None
    if gy is not None:
        dx, ds, db = _affine_grads(gy, x, scale, b, centered * inv_std, inv_std, red, red, ax)
    if _wants(x) and (g_mean is not None or g_var is not None):
        dx = _running_stats_dx(dx, g_mean, g_var, x, centered, inv_std, momentum,
                               running_var_unbiased, ax)
    dmean = g_mean * momentum if g_mean is not None and _wants(mean) else None
    dvar = g_var * momentum if g_var is not None and _wants(var) else None
    return dx, ds, db, dmean, dvar


def _running_stats_dx(dx, g_mean, g_var, x, centered, inv_std, momentum, unbiased, ax):
    """The updated running statistics depend on x through the batch mean (d/dx = 1/n) and the
    batch variance (d/dx = 2 (x - mean) / n, times n / (n - 1) when stored unbiased)."""
    n = reduction_count(x, inv_std)
    keep = const_like(1.0 - momentum, x)
    if g_mean is not None:
        dx = _add_to(dx, per_channel(g_mean, x.ndim, ax) * (keep / n), x)
    if g_var is not None:
        denom = n - const_like(1, x) if unbiased else n
        dx = _add_to(dx, per_channel(g_var, x.ndim, ax) * centered * (keep * 2 / denom), x)
    return dx


def _bn_inference_vjp(g, x, scale, b, mean, var, epsilon, red, ax):
    """y = (x - mean) * k + b with k = scale / sqrt(var + epsilon): all inputs are constants
    of the batch, so this is an affine map of x."""
    inv = reciprocal(sqrt(var + epsilon))
    k = scale * inv
    dx = g * per_channel(k, x.ndim, ax) if _wants(x) else None
    g_sum = reduce_sum(g, red, keepdims=0) if _wants(b) or _wants(mean) else None
    gc = None
    if _wants(scale) or _wants(var):
        gc = reduce_sum(g * (x - per_channel(mean, x.ndim, ax)), red, keepdims=0)
    ds = gc * inv if _wants(scale) else None
    dmean = -(g_sum * k) if _wants(mean) else None
    dvar = gc * k * inv * inv * -0.5 if _wants(var) else None
    return dx, ds, g_sum if _wants(b) else None, dmean, dvar


BN_DOC = """Y = (X - mean) / sqrt(var + epsilon) * scale + B, per channel along `axis`.

Inputs: X (rank >= 2), scale, B, input_mean, input_var (each (C,), C = X.shape[axis]).
training_mode=0: mean/var are input_mean/input_var; outputs (Y,).
training_mode=1: mean/var are the batch statistics over all axes but `axis` (biased variance);
outputs (Y, running_mean, running_var) with running = input * momentum + batch * (1 - momentum),
the stored batch variance being n/(n-1) * var when running_var_unbiased=1 (torch).
Example: torch BatchNorm2d(momentum=0.1) is axis=1, momentum=0.9, running_var_unbiased=1;
Keras BatchNormalization() is axis=-1, momentum=0.99, epsilon=1e-3.
Raises ShapeError when a per-channel input's shape is not (C,)."""

batch_normalization = defop(
    "BatchNormalization", infer=dtype_checked(_bn_infer, F, homogeneous=True), vjp=_bn_vjp,
    attrs=BN_ATTRS, num_outputs=-1, doc=BN_DOC)  # Y; plus running_mean, running_var if training

# -- LayerNormalization ---------------------------------------------------------------------------
LN_ATTRS = {"axis": Attr("int", -1), "epsilon": Attr("float", 1e-5),
            "stash_type": Attr("int", 1, tuple(STASH_TYPES))}


def _check_unidirectional(op: str, name: str, t, x, axis: int) -> None:
    """ONNX: Scale and B broadcast to X one way (each of their dims is 1 or X's)."""
    fits = t.ndim <= x.ndim and all(
        dt == 1 or dt == dx or not isinstance(dt, int) or not isinstance(dx, int)
        for dt, dx in zip(t.shape[::-1], x.shape[::-1]))
    if not fits:
        raise ShapeError(f"{op}'s {name} of shape {fmt_shape(t.shape)} does not broadcast to X "
                         f"of shape {fmt_shape(x.shape)} (normalized from axis {axis}: "
                         f"{fmt_shape(x.shape[axis:])})")


def _ln_infer(x, scale, b=None, axis=-1, epsilon=1e-5, stash_type=1):
    check_dtype(x, F, "X")
    same_dtypes(*(t for t in (x, scale, b) if t is not None))
    ax = normalize_axis(axis, x.ndim, x.shape)
    for name, t in (("Scale", scale), ("B", b)):
        if t is not None:
            _check_unidirectional("LayerNormalization", name, t, x, ax)
    stats = TypeSpec(stash_dtype(x.dtype, stash_type), x.shape[:ax] + (1,) * (x.ndim - ax))
    return [TypeSpec(x.dtype, x.shape), stats, stats]


def _ln_decompose(x, scale, b=None, axis=-1, epsilon=1e-5, stash_type=1):
    ax = axis % x.ndim
    xs = _to(x, stash_dtype(x.dtype, stash_type))
    red = const_ints(list(range(ax, x.ndim)))
    mean = reduce_mean(xs, red, keepdims=1)
    centered = xs - mean
    inv_std = reciprocal(sqrt(reduce_mean(centered * centered, red, keepdims=1) + epsilon))
    y = _to(centered * inv_std, x.dtype) * scale
    return (y if b is None else y + b), mean, inv_std


def _ln_vjp(g, out, x, scale, b=None, axis=-1, epsilon=1e-5, stash_type=1):
    """From the saved Mean and InvStdDev; their own cotangents (they are outputs) come back
    through d mean / dx = 1/M and d inv_std / dx = -inv_std^3 (x - mean) / M. Computed in X's
    dtype; the driver sums dScale and dB down to their shapes."""
    gy, g_mean, g_inv = g
    mean, inv_std = _to(out[1], x.dtype), _to(out[2], x.dtype)
    red = const_ints(list(range(axis % x.ndim, x.ndim)))
    xhat = (x - mean) * inv_std
    dx = ds = db = None
    if gy is not None:
        dx = standardize_grad(gy * scale, xhat, inv_std, red) if _wants(x) else None
        ds = gy * xhat if _wants(scale) else None
        db = gy if _wants(b) else None
    if _wants(x):
        m = reduction_count(x, mean)
        if g_mean is not None:
            dx = _add_to(dx, _to(g_mean, x.dtype) / m, x)
        if g_inv is not None:
            dx = _add_to(dx, -(_to(g_inv, x.dtype) * inv_std * inv_std / m) * xhat, x)
    return dx, ds, db


LN_DOC = """Y = (X - Mean) * InvStdDev * Scale + B, statistics over axes [axis, ..., rank-1].

Outputs (Y, Mean, InvStdDev); Mean and InvStdDev have X's shape with the normalized axes kept
as 1, in the stash dtype (float32 for float16 X, else X's dtype). Scale and B (optional)
broadcast one way to X. Example: torch F.layer_norm(x, (4, 5), w, b) is axis=-2 with w, b of
shape (4, 5); Keras LayerNormalization() is axis=-1, epsilon=1e-3.
Raises ShapeError when Scale or B does not broadcast to X."""

layer_normalization = defop(
    "LayerNormalization", infer=dtype_checked(_ln_infer, F, homogeneous=False), vjp=_ln_vjp,
    attrs=LN_ATTRS, num_outputs=3, decompose=_ln_decompose, doc=LN_DOC)

# -- InstanceNormalization ------------------------------------------------------------------------


def _check_nc(op: str, x, min_rank: int) -> None:
    if x.ndim < min_rank:
        what = "(N, C, D1, ...)" if min_rank > 2 else "(N, C, ...)"
        raise ShapeError(f"{op} expects X of rank >= {min_rank} {what}, got shape "
                         f"{fmt_shape(x.shape)}")


def _in_infer(x, scale, b, epsilon=1e-5):
    check_dtype(x, F, "input")
    same_dtypes(x, scale, b)
    _check_nc("InstanceNormalization", x, 3)
    for name, t in (("scale", scale), ("B", b)):
        _check_channel_vector("InstanceNormalization", name, t, x, 1)
    return TypeSpec(x.dtype, x.shape)


def _spatial_axes(x):
    return const_ints(list(range(2, x.ndim)))


def _all_but_channel(x):
    return const_ints([0] + list(range(2, x.ndim)))


def _in_decompose(x, scale, b, epsilon=1e-5):
    centered, inv_std = moments(x, _spatial_axes(x), epsilon)
    return centered * inv_std * per_channel(scale, x.ndim, 1) + per_channel(b, x.ndim, 1)


def _in_vjp(g, out, x, scale, b, epsilon=1e-5):
    centered, inv_std = moments(x, _spatial_axes(x), epsilon)
    return _affine_grads(g, x, scale, b, centered * inv_std, inv_std, _spatial_axes(x),
                         _all_but_channel(x), 1)


instance_normalization = defop(
    "InstanceNormalization", infer=dtype_checked(_in_infer, F, homogeneous=True), vjp=_in_vjp,
    attrs={"epsilon": Attr("float", 1e-5)}, decompose=_in_decompose,
    doc="y = (x - mean) / sqrt(var + epsilon) * scale + B, statistics per (sample, channel) over "
        "the spatial axes of an (N, C, D1, ...) input; scale and B are (C,).")

# -- GroupNormalization (opset 21: per-channel scale and bias) -------------------------------------
GN_ATTRS = {"num_groups": Attr("int"), "epsilon": Attr("float", 1e-5),
            "stash_type": Attr("int", 1, tuple(STASH_TYPES))}


def _gn_infer(x, scale, bias, num_groups, epsilon=1e-5, stash_type=1):
    check_dtype(x, F, "X")
    same_dtypes(x, scale, bias)
    _check_nc("GroupNormalization", x, 2)
    c = x.shape[1]
    if num_groups <= 0 or (isinstance(c, int) and c % num_groups):
        raise ShapeError(f"GroupNormalization's num_groups={num_groups} does not divide the {c} "
                         f"channels of X of shape {fmt_shape(x.shape)}")
    for name, t in (("scale", scale), ("bias", bias)):
        _check_channel_vector("GroupNormalization", name, t, x, 1)
    return TypeSpec(x.dtype, x.shape)


def _grouped(t, num_groups: int):
    """(N, C, ...) -> (N, G, C/G * ...): each group's elements along the last axis."""
    return reshape(t, const_ints([0, num_groups, -1]))


def _gn_xhat(x, num_groups: int, epsilon: float, dtype):
    """(xhat in X's shape, xhat grouped, inv_std (N, G, 1)), computed in `dtype`."""
    centered, inv_std = moments(_grouped(_to(x, dtype), num_groups), const_ints([2]), epsilon)
    xhat_g = centered * inv_std
    return reshape(xhat_g, shape_tensor(x)), xhat_g, inv_std


def _gn_decompose(x, scale, bias, num_groups, epsilon=1e-5, stash_type=1):
    xhat = _gn_xhat(x, num_groups, epsilon, stash_dtype(x.dtype, stash_type))[0]
    return _to(xhat, x.dtype) * per_channel(scale, x.ndim, 1) + per_channel(bias, x.ndim, 1)


def _gn_vjp(g, out, x, scale, bias, num_groups, epsilon=1e-5, stash_type=1):
    """Per-channel affine grads in X's layout; the standardization's in the grouped layout."""
    xhat, xhat_g, inv_std = _gn_xhat(x, num_groups, epsilon, x.dtype)
    dx = ds = db = None
    if _wants(x):
        gh = _grouped(g * per_channel(scale, x.ndim, 1), num_groups)
        dx = reshape(standardize_grad(gh, xhat_g, inv_std, const_ints([2])), shape_tensor(x))
    if _wants(scale):
        ds = reduce_sum(g * xhat, _all_but_channel(x), keepdims=0)
    if _wants(bias):
        db = reduce_sum(g, _all_but_channel(x), keepdims=0)
    return dx, ds, db


group_normalization = defop(
    "GroupNormalization", infer=dtype_checked(_gn_infer, F, homogeneous=True), vjp=_gn_vjp,
    attrs=GN_ATTRS, decompose=_gn_decompose,
    doc="y = (x - mean) / sqrt(var + epsilon) * scale + bias, statistics per sample and group of "
        "C / num_groups consecutive channels of an (N, C, ...) input; scale and bias are per "
        "channel, (C,) (opset 21). Raises ShapeError when num_groups does not divide C.")

__all__ = ["batch_normalization", "layer_normalization", "instance_normalization",
           "group_normalization", "stash_dtype", "channel_shape", "moments", "standardize_grad",
           "per_channel", "STASH_TYPES"]

from .elementwise import cast, reciprocal, sqrt  # noqa: E402
from .helpers import const_ints, const_like, shape_tensor  # noqa: E402
from .reduction import reduce_mean, reduce_sum, reduction_count  # noqa: E402
from .shape import expand, reshape  # noqa: E402
