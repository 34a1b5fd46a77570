"""What `compile(loss=..., metrics=...)` turns into (Keras 3's trainers/compile_utils.py):
CompileLoss (one resolved loss per model output, weighted and summed) and CompileMetrics (one
list of metrics per output). Both are resolved on the first batch, when the shapes of y_true
and y_pred are known ('accuracy' and 'crossentropy' depend on them)."""

from __future__ import annotations

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..backend import _tree
from ..backend._state import to_snake_case
from ..metrics.metric import Metric

AUTO_METRICS = ("accuracy", "acc")
AUTO_LOSSES = ("crossentropy", "ce")


def get_object_name(obj) -> str:
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return to_snake_case(obj.__name__)
    return to_snake_case(type(obj).__name__)


def is_binary_or_sparse_categorical(y_true, y_pred):
    t_rank, p_rank = len(y_true.shape), len(y_pred.shape)
    t_last, p_last = y_true.shape[-1], y_pred.shape[-1]
    is_binary = p_last == 1
    is_sparse = t_rank < p_rank or (t_last == 1 and p_last > 1)
    return is_binary, is_sparse


def check_loss_identifier(identifier) -> None:
    """Fail at compile time on a loss string Keras could not resolve at fit time."""
    for item in _tree.flatten(identifier):
        if isinstance(item, str) and item.lower() not in AUTO_LOSSES:
            losses_module.get(item)


def check_metric_identifiers(metrics) -> None:
    for item in _tree.flatten(metrics):
        if isinstance(item, str) and item.lower() not in AUTO_METRICS:
            metrics_module.get(item)


def get_metric(identifier, y_true, y_pred):
    """A Metric for one compile entry: 'accuracy'/'acc' become Binary/Sparse/Categorical
    accuracy by the shapes; functions are wrapped in MeanMetricWrapper; the metric is named
    after the string given (so history keys are what the user wrote)."""
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() not in AUTO_METRICS:
        metric = metrics_module.get(identifier)
    else:
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        cls = (metrics_module.BinaryAccuracy if is_binary else
               metrics_module.SparseCategoricalAccuracy if is_sparse else
               metrics_module.CategoricalAccuracy)
        metric = cls(name=str(identifier))
    name = identifier if isinstance(identifier, str) else get_object_name(metric)
    if not isinstance(metric, Metric):
        metric = metrics_module.MeanMetricWrapper(metric)
    metric.name = name
    return metric


def get_loss(identifier, y_true, y_pred):
    """A Loss for one output ('crossentropy' picks binary/sparse/categorical by the shapes)."""
    if identifier is None:
        return None
    if str(identifier).lower() not in AUTO_LOSSES:
        loss = losses_module.get(identifier)
    else:
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        loss = (losses_module.binary_crossentropy if is_binary else
                losses_module.sparse_categorical_crossentropy if is_sparse else
                losses_module.categorical_crossentropy)
    if not isinstance(loss, losses_module.Loss):
        name = identifier if isinstance(identifier, str) else get_object_name(loss)
        loss = losses_module.LossFunctionWrapper(loss, name=name)
    return loss


def _per_output(spec, names: list, what: str) -> list:
    """Spread a compile argument over the outputs: one entry for all, a list (one per output)
    or a dict keyed by output name."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ValueError(f"Expected keys {names} in {what} dict, but found "
                             f"{what}.keys()={list(spec.keys())}")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and n > 1:
        if len(spec) != n:
            raise ValueError(f"`{what}` must match the number of outputs: the model has {n} "
                             f"outputs ({names}), got {len(spec)} entries: {spec}")
        return list(spec)
    return [spec] * n


def flat_targets(y, names: list, pred_is_dict: bool) -> list:
    """y's leaves in output order: a dict of targets for list outputs is read by name."""
    if isinstance(y, dict) and not pred_is_dict:
        missing = [n for n in names if n not in y]
        if missing:
            raise ValueError(f"y_true and y_pred have different structures: the targets are a "
                             f"dict with keys {sorted(y)}, the model's outputs are {names}")
        return [y[n] for n in names]
    flat = _tree.flatten(y)
    return flat


def output_names_of(model, y_pred) -> list:
    flat = _tree.flatten(y_pred)
    if isinstance(y_pred, dict):
        return sorted(y_pred)
    names = list(getattr(model, "output_names", None) or _functional_output_names(model))
    if len(names) == len(flat):
        return names
    return [f"output_{i}" for i in range(len(flat))] if len(flat) > 1 else ["output_0"]


def _functional_output_names(model) -> list:
    """Keras's Functional.output_names: the names of the layers that make the outputs."""
    names = []
    for t in getattr(model, "_outputs", None) or []:
        history = getattr(t, "_keras_history", None)
        names.append(history.operation.name if history is not None else t.name)
    return names


class CompileLoss:
    """The compiled loss: per output `loss(y_true, y_pred, sample_weight) * weight`, summed.
    With several outputs each unweighted loss also feeds a Mean tracker "<output>_loss"."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._user_loss, self._user_loss_weights = loss, loss_weights
        self.output_names = output_names
        self.built = False
        self.metrics: list = []

    def build(self, y_true, y_pred, names):
        self.names, self._pred_is_dict = names, isinstance(y_pred, dict)
        losses = _per_output(self._user_loss, names, "loss")
        weights = (_per_output(self._user_loss_weights, names, "loss_weights")
                   if self._user_loss_weights is not None else [None] * len(names))
        flat_true, flat_pred = self.targets(y_true), _tree.flatten(y_pred)
        self._flat = [(i, get_loss(l, flat_true[i], flat_pred[i]), w)
                      for i, (l, w) in enumerate(zip(losses, weights)) if l is not None]
        if len(self._flat) > 1:
            self.metrics = [metrics_module.Mean(name=f"{names[i]}_loss") for i, _, _ in self._flat]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        """(total loss, [unweighted per-output losses])."""
        flat_true, flat_pred = self.targets(y_true), _tree.flatten(y_pred)
        weights = _tree.flatten(sample_weight) if _tree.is_nested(sample_weight) else None
        values, total = [], None
        for i, loss_fn, weight in self._flat:
            sw = weights[i] if weights is not None else sample_weight
            value = loss_fn(flat_true[i], flat_pred[i], sw)
            values.append(value)
            weighted = value if weight is None else value * float(weight)
            total = weighted if total is None else total + weighted
        return total, values

    def targets(self, y) -> list:
        flat = flat_targets(y, self.names, self._pred_is_dict)
        if len(flat) != len(self.names):
            raise ValueError(f"y_true and y_pred have different structures: {len(flat)} "
                             f"target arrays for {len(self.names)} model outputs {self.names}")
        return flat


class MetricsList:
    """The metrics of one output (Keras's MetricsList)."""

    def __init__(self, metrics, output_name=None):
        self.metrics, self.output_name = metrics, output_name


class CompileMetrics(Metric):
    """The compiled metrics (Keras's CompileMetrics): `metrics` and `weighted_metrics` resolved
    per output; `result()` is a dict keyed by metric name ("<output>_<name>" with several
    outputs; a weighted metric whose name is taken is "weighted_<name>")."""

    def __init__(self, metrics, weighted_metrics, name="compile_metrics", output_names=None):
        super().__init__(name=name)
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Expected `{arg}` argument to be a list, tuple, or dict. "
                                 f"Received instead: {arg}={value} of type {type(value)}")
        self._user_metrics, self._user_weighted_metrics = metrics, weighted_metrics
        self.output_names = output_names
        self.built = False

    def build(self, y_true, y_pred, names):
        self.names, self._pred_is_dict = names, isinstance(y_pred, dict)
        flat_true, flat_pred = self.targets(y_true), _tree.flatten(y_pred)
        prefix = names if len(flat_pred) > 1 else [None]
        self._flat_metrics = self._resolve(self._user_metrics, names, flat_true, flat_pred,
                                           prefix)
        self._flat_weighted_metrics = self._resolve(self._user_weighted_metrics, names,
                                                    flat_true, flat_pred, prefix)
        self.built = True

    @staticmethod
    def _resolve(user, names, flat_true, flat_pred, prefix):
        if not user:
            return [None] * len(flat_pred)
        if len(flat_pred) == 1:
            per_output = [_tree.flatten(user)]
        elif isinstance(user, dict) or (len(user) == len(flat_pred) and all(
                m is None or isinstance(m, (list, tuple)) for m in user)):
            per_output = _per_output(user, names, "metrics")
        else:
            raise ValueError(f"Invalid `metrics`. With several outputs ({names}), `metrics` "
                             "should be a dict keyed by output name or a list with one list of "
                             f"metrics per output. Received: metrics={user}")
        return [None if not ms else MetricsList(
            [get_metric(m, flat_true[i], flat_pred[i]) for m in _tree.flatten(ms)], prefix[i])
            for i, ms in enumerate(per_output)]

    @property
    def metrics(self) -> list:
        if not self.built:
            return []
        return [m for ml in self._flat_metrics + self._flat_weighted_metrics if ml
                for m in ml.metrics]

    @property
    def variables(self) -> list:
        return [v for m in self.metrics for v in m.variables]

    def entries(self):
        """(output index, metric, weighted) for every metric, in result order."""
        for weighted, lists in ((False, self._flat_metrics),
                                (True, self._flat_weighted_metrics)):
            for i, ml in enumerate(lists):
                for m in (ml.metrics if ml else []):
                    yield i, m, weighted

    def targets(self, y) -> list:
        return flat_targets(y, self.names, self._pred_is_dict)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred, output_names_of(None, y_pred))
        flat_true, flat_pred = self.targets(y_true), _tree.flatten(y_pred)
        weights = _tree.flatten(sample_weight) if sample_weight is not None else None
        for i, m, weighted in self.entries():
            sw = None
            if weighted and weights is not None:
                sw = weights[i] if len(weights) == len(flat_pred) else weights[0]
            m.update_state(flat_true[i], flat_pred[i], sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def result(self) -> dict:
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        results, seen = {}, {}
        for lists, weighted in ((self._flat_metrics, False), (self._flat_weighted_metrics, True)):
            for ml in lists:
                for m in (ml.metrics if ml else []):
                    results[self._unique(m.name, ml.output_name, weighted, seen)] = m.result()
        return results

    @staticmethod
    def _unique(name, output_name, weighted, seen) -> str:
        key = f"{output_name}_{name}" if output_name else name
        if key not in seen:
            seen[key] = 1
            return key
        if weighted:
            alt = f"{output_name}_weighted_{name}" if output_name else f"weighted_{name}"
            if alt not in seen:
                seen[alt] = 1
                return alt
        index = seen[key]
        seen[key] += 1
        return f"{key}_{index}"
