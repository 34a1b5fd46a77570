"""Keras's train/test/predict steps, traced once into the IR and run as a compiled plan.

A step body (see training.py) maps one batch (x, y, sample_weight) to named groups of output
tensors. `StepFunction` traces it with the batch axis symbolic ("N"), so every batch, the last
partial one included, reuses one plan; the model's variables, the optimizer's slots and the
metric-free parts of the step are captured by reference and the plan writes their assignments
back (backends.numpy.CompiledFunction). A step whose layers need a static batch size falls back
to one trace per batch size. tf.random draws made while tracing (dropout) become extra plan
inputs drawn fresh each run. With run_eagerly the same body runs op by op.
"""

from __future__ import annotations

import numpy as np

import backends.numpy as engine
import core_ir
from core_ir.interpreters import current_interpreter

from ... import _strings, _variable
from ..._tensor import EagerTensor
from ...random import _sampling
from ..backend import _tree
from ..utils import unpack_x_y_sample_weight

BATCH = "N"


class StepFunction:
    """`body(x, y, sample_weight) -> {group: [tensors]}` compiled per batch signature; calling
    it with a batch returns {group: [numpy arrays]}. `groups` of the last trace give the
    structure (e.g. of y_pred)."""

    def __init__(self, body, name: str, run_eagerly: bool = False, grad: bool = False):
        self._body, self.name, self.run_eagerly, self._grad = body, name, run_eagerly, grad
        self._plans: dict = {}
        self._static: set = set()

    def __call__(self, batch) -> dict:
        template = unpack_x_y_sample_weight(batch)
        leaves = _tree.flatten(template)
        arrays = [a for a in leaves if a is not None]
        if self.run_eagerly or any(a.dtype.kind in "USO" for a in arrays):
            # string inputs cannot enter the IR: their host layers need an eager step
            return self._run_eagerly(template, leaves)
        key = _signature(template, leaves)
        if key in self._static:
            key = key + (("static",) + tuple(a.shape for a in arrays),)
        compiled = self._plans.get(key) or self._compile(key, template, leaves, arrays)
        return compiled.run(arrays)

    def _compile(self, key, template, leaves, arrays):
        try:
            compiled = _Compiled(self._body, template, leaves, symbolic=True, grad=self._grad,
                                 name=self.name)
        except Exception:  # noqa: BLE001  (a layer may need the batch size: trace concretely;
            # a real error of the user's raises again from that trace)
            compiled = _Compiled(self._body, template, leaves, symbolic=False, grad=self._grad,
                                 name=self.name)
            self._static.add(key)
            key = key + (("static",) + tuple(a.shape for a in arrays),)
        self._plans[key] = compiled
        return compiled

    def _run_eagerly(self, template, leaves):
        tensors = [None if a is None else _strings.wrap(np.asarray(a)) for a in leaves]
        x, y, sw = _tree.pack_sequence_as(template, tensors)
        with core_ir.set_grad_enabled(self._grad), _sampling.feeding(current_interpreter()):
            groups = self._body(x, y, sw)
        return {k: [np.asarray(t.numpy()) for t in v] for k, v in groups.items()}


def _signature(template, leaves) -> tuple:
    structure = repr(_tree.map_structure(lambda a: None if a is None else 0, template))
    return (structure,) + tuple(None if a is None else (a.dtype.str, a.shape[1:]) for a in leaves)


class _Compiled:
    """One traced and compiled signature of a step."""

    def __init__(self, body, template, leaves, symbolic: bool, grad: bool, name: str):
        present = [i for i, a in enumerate(leaves) if a is not None]
        specs = [(leaves[i].dtype, ((BATCH,) if symbolic else leaves[i].shape[:1])
                  + tuple(leaves[i].shape[1:])) for i in present]
        layout: dict = {}

        def traced(*inputs):
            slots = [None] * len(leaves)
            for i, t in zip(present, inputs):
                slots[i] = t
            x, y, sw = _tree.pack_sequence_as(template, slots)
            with core_ir.set_grad_enabled(grad), \
                    _sampling.feeding(current_interpreter()) as ctx:
                groups = body(x, y, sw)
            layout["groups"] = [(k, len(v)) for k, v in groups.items()]
            layout["feeds"] = ctx
            return [t for v in groups.values() for t in v]

        try:
            graph, captured, _ = core_ir.trace(traced, specs, [f"in{i}" for i in present],
                                               cls=EagerTensor, name=name)
        finally:
            _variable.forget_traced_values()
        self.graph = graph
        self.function = engine.CompiledFunction(engine.optimize(graph), captured)
        self.groups, self.feeds = layout["groups"], layout["feeds"]

    def run(self, arrays) -> dict:
        batch = int(arrays[0].shape[0]) if arrays else 0
        feeds = self.feeds.draw({BATCH: batch})
        flat = iter(self.function(*arrays, *feeds))
        return {k: [next(flat) for _ in range(n)] for k, n in self.groups}
