"""Cases for the indexing ops."""

from __future__ import annotations

CASES: list = []
