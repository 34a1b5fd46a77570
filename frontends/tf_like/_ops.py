"""tf.* ops (reshape, concat, reduce_*, gather, ...): the tf namespace's array functions."""

from __future__ import annotations

__all__: list[str] = []
