"""Indexing ops: gather/scatter, slicing, padding, tiling, resizing."""

from __future__ import annotations

__all__: list[str] = []
