"""Elements of a tf.data pipeline: nested tuples/dicts of numpy arrays inside the pipeline,
EagerTensors at its edges (user functions and iteration), TensorSpecs as their types.

As tf.data does, a Python list inside an element is a tensor (converted by tf.constant's rules:
float32 for Python floats, int32 for ints), not a structure; tuples, namedtuples and dicts are
structures."""

from __future__ import annotations

import numpy as np

from core_ir.tensor import Tensor as _CoreTensor

from .. import _nest, _strings
from .._shape import TensorShape, TensorSpec, leaves_at_specs
from .._tensor import _to_array, convert_to_tensor

AUTOTUNE = -1
INFINITE = INFINITE_CARDINALITY = -1
UNKNOWN = UNKNOWN_CARDINALITY = -2


def normalize(value):
    """A user value as an element: structures kept, every leaf a numpy array."""
    if isinstance(value, dict):
        return type(value)((k, normalize(v)) for k, v in value.items())
    if isinstance(value, tuple):
        items = [normalize(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return to_array(value)


def to_array(value) -> np.ndarray:
    if isinstance(value, _CoreTensor):
        if value.array is None:
            raise TypeError(f"a symbolic tensor cannot be a tf.data element: {value!r}")
        return value.array
    if _strings.is_string_value(value):  # string leaves: object arrays of bytes
        return _strings.as_string_array(value)
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, list) and any(isinstance(v, _CoreTensor) for v in value):
        return convert_to_tensor(value).array
    return _to_array(value)


def flatten(element) -> tuple[list, object]:
    return _nest.flatten(element)


def unflatten(tree, leaves):
    return _nest.unflatten(tree, leaves)


def map_leaves(fn, element):
    leaves, tree = flatten(element)
    return unflatten(tree, [fn(x) for x in leaves])


def to_tensors(element):
    """The element as users see it: EagerTensors in the same structure."""
    return map_leaves(_strings.wrap, element)


def from_user(value):
    """What a user function returned, as an element (lists returned become tuples)."""
    if isinstance(value, list):
        value = tuple(value)
    return normalize(value)


def spec_of(element):
    """The TensorSpec structure of an element."""
    return map_leaves(lambda a: TensorSpec(a.shape, a.dtype), element)


def relax(spec_a, spec_b):
    """The most specific spec compatible with both (dims that differ become None)."""
    a, tree = flatten(spec_a)
    b, tree_b = flatten(spec_b)
    if tree != tree_b:
        return spec_a
    return unflatten(tree, [TensorSpec(x.shape.most_specific_compatible_shape(y.shape), x.dtype)
                            if len(x.shape) == len(y.shape) else x for x, y in zip(a, b)])


def batched_spec(spec, batch):
    return map_leaves(lambda s: TensorSpec(TensorShape([batch]) + s.shape, s.dtype), spec)


def unbatched_spec(spec):
    def drop(s):
        if len(s.shape) == 0:
            raise ValueError("Cannot unbatch an input with scalar components.")
        return TensorSpec(s.shape[1:], s.dtype)
    return map_leaves(drop, spec)


def check_matches(value, spec, what: str = "element"):
    """Convert a generator's output to the declared spec (dtype cast, shape checked)."""
    from ..errors import InvalidArgumentError
    leaves, tree = flatten(spec)
    try:
        given = [to_array(v) for v in leaves_at_specs(spec, value)]
    except (TypeError, ValueError, KeyError) as err:
        raise TypeError(f"`generator` yielded an element that did not match the expected "
                        f"structure. The expected structure was {spec}, but the yielded element "
                        f"was {value} ({err}).") from None
    out = []
    for a, s in zip(given, leaves):
        a = np.asarray(a).astype(s.dtype, copy=False)
        if not s.is_compatible_with(a):
            raise InvalidArgumentError(None, None, f"`generator` yielded an element of shape "
                                       f"{TensorShape(a.shape)} where an element of shape "
                                       f"{s.shape} was expected.")
        out.append(a)
    return unflatten(tree, out)
