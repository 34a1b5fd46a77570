"""The optimizer options shared by every Keras optimizer: argument checks and gradient clipping
by global norm (keras/src/optimizers/base_optimizer.py)."""

from __future__ import annotations

from ..losses import _math as K


def check_options(accumulation, use_ema, ema_momentum, ema_frequency, clipnorm, clipvalue,
                   global_clipnorm) -> None:
    if accumulation and not accumulation >= 2:
        raise ValueError(f"`gradient_accumulation_steps` must be an integer >= 2. Received: "
                         f"gradient_accumulation_steps={accumulation}")
    if use_ema:
        if ema_momentum > 1 or ema_momentum < 0:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: "
                             f"ema_momentum={ema_momentum}")
        if ema_frequency and (not isinstance(ema_frequency, int) or ema_frequency < 1):
            raise ValueError(f"`ema_overwrite_frequency` must be an integer >= 1 or None. "
                             f"Received: ema_overwrite_frequency={ema_frequency}")
    if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
        raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                         f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                         f"global_clipnorm={global_clipnorm}")


def global_norm(values):
    return K.sqrt(sum(K.sum_(K.square(v)) for v in values if v is not None))


def clip_by_global_norm(values, clip_norm):
    """Scale all gradients by min(1, clip_norm / global_norm); a NaN norm propagates."""
    norm = global_norm(values)
    scale = K.minimum(1.0 / norm, 1.0 / clip_norm) * float(clip_norm) + (norm - norm)
    return [v * K.cast(scale, v.dtype) if v is not None else v for v in values]
