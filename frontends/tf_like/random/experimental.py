"""tf.random.experimental: the Generator API under its older home."""

from __future__ import annotations

from ._generator import Generator, get_global_generator, set_global_generator  # noqa: F401

__all__ = ["Generator", "get_global_generator", "set_global_generator"]
