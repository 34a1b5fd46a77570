"""tf.errors: the exception types TF raises, plus the translation from IR errors."""

from __future__ import annotations

from core_ir.errors import IndexOutOfRange, IRError, OpAttributeError


class OpError(Exception):
    """tf.errors.OpError."""

    def __init__(self, node_def=None, op=None, message: str = "", *args):
        if message == "" and isinstance(node_def, str) and op is None:
            node_def, message = None, node_def
        super().__init__(message)
        self.node_def, self.op, self.message = node_def, op, message


class InvalidArgumentError(OpError, ValueError):
    """tf.errors.InvalidArgumentError (also a ValueError, so Keras-style callers can catch it)."""


class ResourceExhaustedError(OpError):
    """tf.errors.ResourceExhaustedError."""


class NotFoundError(OpError):
    """tf.errors.NotFoundError."""


def tf_error(err: IRError) -> Exception:
    """TF reports bad shapes/dtypes/indices of an op as InvalidArgumentError."""
    if isinstance(err, OpAttributeError):
        return TypeError(str(err))
    if isinstance(err, IndexOutOfRange):
        return InvalidArgumentError(str(err))
    return InvalidArgumentError(str(err))
