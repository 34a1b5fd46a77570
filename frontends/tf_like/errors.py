"""tf.errors: the exception types TF raises, plus the translation from IR errors.

Each class mirrors its tf.errors namesake (same name, error_code and constructor
`(node_def, op, message)`). Difference: InvalidArgumentError is also a ValueError.
"""

from __future__ import annotations

from core_ir.errors import IRError, KernelBug, OpAttributeError

OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND = 0, 1, 2, 3, 4, 5
ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION = 6, 7, 8, 9
ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS = 10, 11, 12, 13, 14, 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """tf.errors.OpError: the base of the errors an op raises."""

    error_code = UNKNOWN

    def __init__(self, node_def=None, op=None, message: str = "", *args):
        if message == "" and isinstance(node_def, str) and op is None:
            node_def, message = None, node_def
        super().__init__(message)
        self.node_def, self.op, self.message = node_def, op, message

    def __str__(self) -> str:
        return self.message


def _error(name: str, code: int, *bases):
    doc = f"tf.errors.{name} (error_code {code})."
    return type(name, (OpError, *bases), {"error_code": code, "__doc__": doc,
                                          "__module__": __name__})


CancelledError = _error("CancelledError", CANCELLED)
UnknownError = _error("UnknownError", UNKNOWN)
# also a ValueError, so Keras-style callers that catch ValueError see bad shapes too
InvalidArgumentError = _error("InvalidArgumentError", INVALID_ARGUMENT, ValueError)
DeadlineExceededError = _error("DeadlineExceededError", DEADLINE_EXCEEDED)
NotFoundError = _error("NotFoundError", NOT_FOUND)
AlreadyExistsError = _error("AlreadyExistsError", ALREADY_EXISTS)
PermissionDeniedError = _error("PermissionDeniedError", PERMISSION_DENIED)
ResourceExhaustedError = _error("ResourceExhaustedError", RESOURCE_EXHAUSTED)
FailedPreconditionError = _error("FailedPreconditionError", FAILED_PRECONDITION)
AbortedError = _error("AbortedError", ABORTED)
OutOfRangeError = _error("OutOfRangeError", OUT_OF_RANGE)
UnimplementedError = _error("UnimplementedError", UNIMPLEMENTED)
InternalError = _error("InternalError", INTERNAL)
UnavailableError = _error("UnavailableError", UNAVAILABLE)
DataLossError = _error("DataLossError", DATA_LOSS)
UnauthenticatedError = _error("UnauthenticatedError", UNAUTHENTICATED)


class OperatorNotAllowedInGraphError(TypeError):
    """tf.errors.OperatorNotAllowedInGraphError: a symbolic tensor used as a Python bool (or
    iterated) while tracing. There is no AutoGraph here to rewrite the Python control flow."""


def tf_error(err: IRError) -> Exception:
    """TF reports bad shapes, dtypes and index values of an op as InvalidArgumentError; a bad
    attribute is a TypeError (a Python-level misuse), and a kernel bug stays what it is."""
    if isinstance(err, KernelBug):
        return err
    if isinstance(err, OpAttributeError):
        return TypeError(str(err))
    return InvalidArgumentError(None, None, str(err))


__all__ = ["OpError", "CancelledError", "UnknownError", "InvalidArgumentError",
           "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
           "PermissionDeniedError", "ResourceExhaustedError", "FailedPreconditionError",
           "AbortedError", "OutOfRangeError", "UnimplementedError", "InternalError",
           "UnavailableError", "DataLossError", "UnauthenticatedError",
           "OperatorNotAllowedInGraphError", "tf_error"]
