"""Dataset.batch, padded_batch, unbatch and shuffle (mixed into Dataset)."""

from __future__ import annotations

import numpy as np

from .._shape import TensorSpec
from ..errors import InvalidArgumentError
from ..random import _sampling
from . import _structure as S


def _stack(elements: list):
    """One batch: each component stacked along a new first axis."""
    flat = [S.flatten(e)[0] for e in elements]
    tree = S.flatten(elements[0])[1]
    columns = []
    for j, column in enumerate(zip(*flat)):
        shapes = {a.shape for a in column}
        if len(shapes) > 1:
            k = next(i for i, a in enumerate(column) if a.shape != column[0].shape)
            raise InvalidArgumentError(
                None, None, f"Cannot batch tensors with different shapes in component {j}. "
                f"First element had shape {list(column[0].shape)} and element {k} had shape "
                f"{list(column[k].shape)}.")
        columns.append(np.stack(column))
    return S.unflatten(tree, columns)


def _chunks(elements, size: int, drop_remainder: bool):
    chunk = []
    for element in elements:
        chunk.append(element)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk and not drop_remainder:
        yield chunk


def _batch_card(n: int, size: int, drop_remainder: bool) -> int:
    if n < 0:
        return n
    return n // size if drop_remainder else -(-n // size)


def _padded(column, shape, value):
    """Pad each array at the end of every axis to `shape` (None: the column's longest)."""
    target = [max(a.shape[i] for a in column) if d is None else d
              for i, d in enumerate(shape)]
    out = []
    for a in column:
        if any(t < s for t, s in zip(target, a.shape)):
            raise InvalidArgumentError(None, None, f"Attempted to pad to a smaller size than "
                                       f"the input element: {list(a.shape)} > {target}")
        out.append(np.pad(a, [(0, t - s) for t, s in zip(target, a.shape)],
                          constant_values=value) if a.ndim else a)
    return np.stack(out)


class BatchingMethods:
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stack consecutive elements into batches of batch_size (the last one may be smaller
        unless drop_remainder)."""
        size = int(batch_size)
        if size <= 0:
            raise InvalidArgumentError(None, None, f"Batch size must be greater than zero, got "
                                       f"{size}")
        source = self

        def run():
            for chunk in _chunks(source._elements(), size, drop_remainder):
                yield _stack(chunk)

        def spec():
            return S.batched_spec(source.element_spec, size if drop_remainder else None)

        return self._derive(run, spec=spec, kind="Batch",
                            cardinality=_batch_card(self._cardinality, size, drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batch elements of different shapes, padding each component (at the end of each axis)
        to padded_shapes (None dims: the batch's longest) with padding_values (default 0)."""
        size = int(batch_size)
        source = self

        def run():
            for chunk in _chunks(source._elements(), size, drop_remainder):
                flat = [S.flatten(e)[0] for e in chunk]
                tree = S.flatten(chunk[0])[1]
                shapes = [[None] * a.ndim for a in flat[0]] if padded_shapes is None else \
                    [list(sh) for sh in _up_to(tree, padded_shapes)]
                values = [0] * len(flat[0]) if padding_values is None else \
                    [np.asarray(S.to_array(v)) for v in _up_to(tree, padding_values)]
                yield S.unflatten(tree, [_padded(col, sh, v) for col, sh, v in
                                         zip(zip(*flat), shapes, values)])

        def spec():
            leaves, tree = S.flatten(source.element_spec)
            shapes = [[None] * len(x.shape) for x in leaves] if padded_shapes is None else \
                [list(sh) for sh in _up_to(tree, padded_shapes)]
            padded = S.unflatten(tree, [TensorSpec(sh, x.dtype) for x, sh in zip(leaves, shapes)])
            return S.batched_spec(padded, size if drop_remainder else None)

        return self._derive(run, spec=spec, kind="PaddedBatch",
                            cardinality=_batch_card(self._cardinality, size, drop_remainder))

    def unbatch(self, name=None):
        """Split each element along its first axis into separate elements."""
        source = self

        def run():
            for element in source._elements():
                leaves, tree = S.flatten(element)
                if any(a.ndim == 0 for a in leaves):
                    raise ValueError("Cannot unbatch an input with scalar components.")
                n = leaves[0].shape[0]
                for i in range(n):
                    yield S.unflatten(tree, [a[i] for a in leaves])

        return self._derive(run, spec=lambda: S.unbatched_spec(source.element_spec),
                            cardinality=S.UNKNOWN, kind="Unbatch")

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Randomly shuffle through a buffer of buffer_size elements: fill the buffer, then
        repeatedly emit a random buffered element and put the next input in its place. With a
        seed (or tf.random.set_seed) the orders are reproducible; by default every iteration
        reshuffles."""
        size = int(buffer_size)
        if size <= 0 and size != -1:
            raise InvalidArgumentError(None, None, "buffer_size must be greater than zero.")
        base = _base_seed(seed)
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        epochs = iter(range(2 ** 62))
        source = self

        def run():
            rng = np.random.default_rng([base, next(epochs) if reshuffle else 0])
            yield from _shuffled(source._elements(), size, rng)

        return self._derive(run, kind="Shuffle")


def _base_seed(seed) -> int:
    """An op seed fixes the order sequence by itself (with the global seed, or TF's default
    one); without it the global stream (reproducible after set_seed, random otherwise)."""
    if seed is None:
        return int(_sampling.stream(None).integers(2 ** 63))
    graph = _sampling.DEFAULT_GRAPH_SEED if _sampling._GlobalState.seed is None else \
        _sampling._GlobalState.seed
    return int(np.random.default_rng([graph & 0xFFFFFFFF, int(seed) & 0xFFFFFFFF])
               .integers(2 ** 63))


def _shuffled(elements, size: int, rng):
    buffer = []
    for element in elements:
        if len(buffer) < size or size == -1:
            buffer.append(element)
            continue
        i = int(rng.integers(len(buffer)))
        yield buffer[i]
        buffer[i] = element
    while buffer:
        i = int(rng.integers(len(buffer)))
        buffer[i], buffer[-1] = buffer[-1], buffer[i]
        yield buffer.pop()


def _up_to(tree, structure) -> list:
    """The leaves of `structure` (padded shapes or values) matched against an element's tree:
    a leaf there may itself be a list (a shape)."""
    if tree is None:
        return [structure]
    kind, _, *rest = tree
    if not isinstance(structure, (tuple, dict)):
        return [structure] * _count(tree)  # one value for every component
    if kind == "dict":
        keys, children = rest
        return [x for k, c in zip(keys, children) for x in _up_to(c, structure[k])]
    return [x for c, sub in zip(rest[0], structure) for x in _up_to(c, sub)]


def _count(tree) -> int:
    if tree is None:
        return 1
    children = tree[3] if tree[0] == "dict" else tree[2]
    return sum(_count(c) for c in children)
