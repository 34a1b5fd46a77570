"""The trainer's bookkeeping around a compiled step: what a step body computes besides the
loss (per-output losses, metric increments, predictions for metrics that must run eagerly)
and how the step's numpy outputs update the metrics afterwards."""

from __future__ import annotations

import numpy as np

from ..backend import _tree
from ..metrics.metric import uses_stats
from ..utils import unpack_x_y_sample_weight

LOSS, OUTPUT_LOSSES, STATS, PREDICTIONS = "loss", "output_losses", "stats", "y_pred"


def batch_size_of(x) -> int:
    return next(int(np.shape(a)[0]) for a in _tree.flatten(x) if a is not None)


def metric_groups(trainer, y, y_pred, sample_weight) -> dict:
    """Inside a step body: the increments of every metric that has `_stats` (traced with the
    step) and, when some metric needs eager updates, the predictions."""
    compile_metrics = trainer._compile_metrics
    if compile_metrics is None or y is None:
        return {}
    if not compile_metrics.built:
        compile_metrics.build(y, y_pred, trainer._output_names(y_pred))
    flat_true, flat_pred = compile_metrics.targets(y), _tree.flatten(y_pred)
    weights = _flat_weights(sample_weight, len(flat_pred))
    stats, eager = [], False
    for i, m, weighted in compile_metrics.entries():
        if uses_stats(m):
            stats.extend(m._stats(flat_true[i], flat_pred[i], weights[i] if weighted else None))
        else:
            eager = True
    groups = {STATS: stats}
    if eager:
        groups[PREDICTIONS] = flat_pred
    return groups


def _flat_weights(sample_weight, n: int) -> list:
    if sample_weight is None:
        return [None] * n
    flat = _tree.flatten(sample_weight)
    return flat if len(flat) == n else [flat[0]] * n


def update_metrics(trainer, groups: dict, batch) -> None:
    """After a step: add the step's loss and metric increments into the trackers (plain numpy,
    float32 as Keras's Mean), and update eager-only metrics with the predictions."""
    x, y, sw = unpack_x_y_sample_weight(batch)
    size = np.float32(batch_size_of(x))
    if LOSS in groups and trainer._loss_tracker is not None:
        _add_mean(trainer._loss_tracker, groups[LOSS][0], size)
    if trainer._compile_loss is not None:
        for tracker, value in zip(trainer._compile_loss.metrics, groups.get(OUTPUT_LOSSES, [])):
            _add_mean(tracker, value, size)
    compile_metrics = trainer._compile_metrics
    if compile_metrics is None or y is None or not compile_metrics.built:
        return
    stats = iter(groups.get(STATS, []))
    flat_true, flat_pred = compile_metrics.targets(y), groups.get(PREDICTIONS)
    weights = _flat_weights(sw, len(flat_true))
    for i, m, weighted in compile_metrics.entries():
        if uses_stats(m):
            m._add_arrays([next(stats) for _ in m._accumulators()])
        else:
            m.update_state(flat_true[i], flat_pred[i], weights[i] if weighted else None)


def _add_mean(tracker, value, size) -> None:
    """Keras's Mean.update_state(loss, sample_weight=batch_size): total += loss * size."""
    tracker._add_arrays([np.float32(value) * size, size])
