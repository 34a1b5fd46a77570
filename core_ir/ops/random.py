"""Ops that draw random numbers (ONNX semantics): RandomUniform, RandomNormal, their *Like forms,
Bernoulli, and Dropout.

Where the numbers come from is the backend's business, with one contract (the numpy backend's
kernels/random.py keeps it): without a `seed` attribute an op draws from the backend's one
generator, so a compiled plan draws fresh numbers on every run, reproducibly after the backend's
manual_seed(); with a `seed` attribute every call starts a fresh generator from that seed and
returns the same numbers, as ONNX specifies. None of these ops may be constant-folded.

Only Dropout is differentiable (through its mask output); the generators are not.
"""

from __future__ import annotations

from .. import dtypes
from ..errors import DTypeError, ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import Attr, defop
from ..shape_rules import check_dtype, dtype_checked, numel

F = dtypes.FLOATS
SEED = Attr("float", None, optional=True)  # ONNX: a float seed; absent = the backend generator


def _check_out_dtype(op: str, dtype, allowed=F) -> None:
    if dtype not in allowed:
        names = ", ".join(sorted(str(d) for d in allowed))
        raise DTypeError(f"{op} cannot produce dtype {dtype} (expected one of: {names})")


# -- RandomUniform / RandomNormal -----------------------------------------------------------------
def _random_rule(op: str):
    def rule(shape, dtype=dtypes.float32, seed=None, **params):
        _check_out_dtype(op, dtype)
        if any(d < 0 for d in shape):
            raise ShapeError(f"{op} got a negative dim in shape {fmt_shape(shape)}")
        return TypeSpec(dtype, tuple(shape))

    return rule


def _random_like_rule(op: str):
    def rule(x, dtype=None, seed=None, **params):
        out = x.dtype if dtype is None else dtype
        _check_out_dtype(op, out)
        return TypeSpec(out, x.shape)

    return rule


UNIFORM = {"high": Attr("float", 1.0), "low": Attr("float", 0.0), "seed": SEED}
NORMAL = {"mean": Attr("float", 0.0), "scale": Attr("float", 1.0), "seed": SEED}
OUT_DTYPE = {"dtype": Attr("dtype", dtypes.float32)}
LIKE_DTYPE = {"dtype": Attr("dtype", None, optional=True)}  # absent: the input's dtype

random_uniform = defop("RandomUniform", infer=_random_rule("RandomUniform"), vjp=None,
                       attrs={"shape": Attr("ints"), **OUT_DTYPE, **UNIFORM},
                       doc="U[low, high) numbers of the given shape and float dtype.")
random_normal = defop("RandomNormal", infer=_random_rule("RandomNormal"), vjp=None,
                      attrs={"shape": Attr("ints"), **OUT_DTYPE, **NORMAL},
                      doc="N(mean, scale^2) numbers of the given shape and float dtype.")
random_uniform_like = defop("RandomUniformLike", infer=_random_like_rule("RandomUniformLike"),
                            vjp=None, attrs={**LIKE_DTYPE, **UNIFORM},
                            doc="RandomUniform with the input's shape (and dtype, by default).")
random_normal_like = defop("RandomNormalLike", infer=_random_like_rule("RandomNormalLike"),
                           vjp=None, attrs={**LIKE_DTYPE, **NORMAL},
                           doc="RandomNormal with the input's shape (and dtype, by default).")

# -- Bernoulli ------------------------------------------------------------------------------------


def _bernoulli_infer(x, dtype=None, seed=None):
    check_dtype(x, F, "input")
    out = x.dtype if dtype is None else dtype
    _check_out_dtype("Bernoulli", out, dtypes.ALL)
    return TypeSpec(out, x.shape)


bernoulli = defop("Bernoulli", infer=dtype_checked(_bernoulli_infer, F, homogeneous=False),
                  vjp=None, attrs={**LIKE_DTYPE, "seed": SEED},
                  doc="output[i] = 1 with probability input[i], else 0, in `dtype` (default: the "
                      "input's). Probabilities outside [0, 1] act as clipped, NaN as 0 (ONNX "
                      "leaves them undefined).")

# -- Dropout --------------------------------------------------------------------------------------


def _scalar_input(name: str, t, allowed) -> None:
    check_dtype(t, allowed, name)
    n = numel(t.shape)
    if n is not None and n != 1:
        raise ShapeError(f"Dropout's {name} must hold one value, got shape {fmt_shape(t.shape)}")


def _dropout_infer(data, ratio=None, training_mode=None, seed=None):
    check_dtype(data, F, "data")
    if ratio is not None:
        _scalar_input("ratio", ratio, F)
    if training_mode is not None:
        _scalar_input("training_mode", training_mode, {dtypes.bool_})
    return TypeSpec(data.dtype, data.shape), TypeSpec(dtypes.bool_, data.shape)


def _dropout_vjp(g, out, data, ratio=None, training_mode=None, seed=None):
    """Inverted dropout: kept units pass g / (1 - ratio), dropped ones 0. Not training, the op
    is the identity (its mask is all True, but the scale is 1, not 1 / (1 - ratio))."""
    gy = g[0]
    if gy is None or training_mode is None:
        return gy
    rate = const_like(0.5, gy) if ratio is None else reshape(_cast_to(ratio, gy), const_ints([]))
    # NOTE: where, not g * mask / (1 - ratio): ratio = 1 drops everything and 1/0 = inf must
    # not turn the dropped units' zeros into nan
    kept = where(out[1], gy / (1 - rate), zeros_like(gy))
    return where(reshape(training_mode, const_ints([])), kept, gy)


def _cast_to(t, like):
    return t if t.dtype == like.dtype else cast(t, to=like.dtype)


DROPOUT_DOC = """Inverted dropout: output = data * mask / (1 - ratio) when training_mode is
True, each mask element True with probability 1 - ratio; otherwise (training_mode absent or
False, or ratio 0) output = data and the mask is all True. ratio defaults to 0.5; ratio 1 drops
everything (zeros, as torch). Outputs (output, mask). Example, torch F.dropout(x, p=0.2,
training=True): dropout(x, constant(0.2), constant(True))[0]."""

# The ratio is a hyperparameter: no gradient w.r.t. it (as in torch, where p is a Python float).
dropout = defop("Dropout", infer=dtype_checked(_dropout_infer, F, homogeneous=False),
                vjp=(_dropout_vjp, None, None), attrs={"seed": Attr("int", None, optional=True)},
                num_outputs=2, doc=DROPOUT_DOC)

# Declared for core_ir.passes: their outputs are draws, never to be constant-folded (a seeded
# draw repeats, but the flag is per op, and folding one would bake a sample into the graph).
for _op in (random_uniform, random_normal, random_uniform_like, random_normal_like, bernoulli,
            dropout):
    _op.pure = False

__all__ = ["random_uniform", "random_normal", "random_uniform_like", "random_normal_like",
           "bernoulli", "dropout"]

from .elementwise import cast, where  # noqa: E402
from .helpers import const_ints, const_like, zeros_like  # noqa: E402
from .shape import reshape  # noqa: E402
