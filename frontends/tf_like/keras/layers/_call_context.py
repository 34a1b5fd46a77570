"""The call context: values such as `training` that the outermost layer call resolves and the
layers it calls inherit (Keras 3's CallContext)."""

from __future__ import annotations

_current = None


class CallContext:
    """What the outermost layer call decided (`training`), read by the layers it calls."""

    def __init__(self, entry_layer):
        self.entry_layer = entry_layer
        self.training = None


def enter_context(layer):
    """(the active context, whether this layer's call created it)."""
    global _current
    if _current is None:
        _current = CallContext(layer)
        return _current, True
    return _current, False


def exit_context(layer, entered: bool) -> None:
    global _current
    if entered:
        _current = None
