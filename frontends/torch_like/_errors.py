"""`call`: bind an IR op and turn IR errors into torch's exception types and wording."""

from __future__ import annotations

from core_ir.errors import IndexOutOfRange, IRError, OpAttributeError, ShapeError


def call(op, *inputs, **attrs):
    """Bind an IR op with torch's error types (RuntimeError for shapes and dtypes, IndexError
    for index values, TypeError for bad arguments)."""
    try:
        return op(*inputs, **attrs)
    except IRError as err:
        raise torch_error(err, inputs) from None


def torch_error(err: IRError, inputs=()) -> Exception:
    if isinstance(err, IndexOutOfRange):
        return IndexError(str(err))
    if isinstance(err, OpAttributeError):
        return TypeError(str(err))
    if isinstance(err, ShapeError) and "cannot be broadcast" in str(err) and len(inputs) >= 2:
        return RuntimeError(broadcast_message(*[t.shape for t in inputs if t is not None][:2])
                            + origin_suffix(str(err)))
    return RuntimeError(str(err))


def broadcast_message(a: tuple, b: tuple) -> str:
    """torch's wording: The size of tensor a (3) must match the size of tensor b (2) at
    non-singleton dimension 0."""
    rank = max(len(a), len(b))
    pa, pb = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
    for i in range(rank - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return (f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) "
                    f"at non-singleton dimension {i}")
    return f"shapes {tuple(a)} and {tuple(b)} cannot be broadcast"


def origin_suffix(msg: str) -> str:
    """The " [in 'encoder.fc1']" part the IR adds to errors raised inside a module."""
    at = msg.rfind(" [in '")
    return msg[at:] if at >= 0 and msg.endswith("']") else ""
