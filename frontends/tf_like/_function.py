"""tf.function: trace once per input signature into the IR, run as a compiled plan."""

from __future__ import annotations

__all__: list[str] = []
