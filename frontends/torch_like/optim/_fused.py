"""The step of the built-in optimizers: one fused IR update op (core_ir/ops/optim.py, with
formula="torch") per parameter group, over all its parameters that have a gradient.

A step first plans every group (checks the gradients, builds missing state, runs the op, which
is functional and returns new arrays) and only then writes the results back: new parameter
values go into the Parameters' own arrays (np.copyto, so `.data` views and other aliases see
them, as after torch's in-place update), new state into the existing state tensors (so a
state_dict() taken earlier sees them too, as in torch). A step that fails anywhere (a gradient
of the wrong shape, say) raises before anything was written: parameters and state are as they
were.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import core_ir

from .._tensor import Tensor, call
from .optimizer import Optimizer

__all__: list[str] = []


def zeros_state(p) -> Tensor:
    """torch.zeros_like(p) for a state tensor."""
    return Tensor(np.zeros_like(np.asarray(p.array)))


def step_state(value: float = 0.0) -> Tensor:
    """torch keeps 'step' as a float32 scalar tensor."""
    return Tensor(np.array(value, dtype=np.float32))


def write(t, array: np.ndarray) -> None:
    """Write `array` into t's own memory (torch's in-place update) and bump its version."""
    a = t.array
    if isinstance(a, np.ndarray) and a.flags.writeable and a.shape == array.shape:
        np.copyto(a, array, casting="unsafe")
    else:
        t.array = np.array(array, dtype=a.dtype if a is not None else None)
    t.version += 1


class _Update:
    """The results of one group's op call, written back by commit()."""

    def __init__(self, params, fresh, new_params, new_states, steps, counts_step):
        self.params, self.fresh = params, fresh
        self.new_params, self.new_states = new_params, new_states
        self.steps, self.counts_step = steps, counts_step

    def commit(self, state: dict) -> None:
        for i, p in enumerate(self.params):
            write(p, self.new_params[i])
            if not (self.fresh[i] or self.new_states or self.counts_step):
                continue  # stateless (SGD without momentum): torch leaves `state` empty
            st = state[p]
            for key, value in self.fresh[i].items():
                st.setdefault(key, value)
            for name, arrays in self.new_states.items():
                write(st[name], arrays[i])
            if self.counts_step:
                write(st["step"], np.asarray(self.steps[i], dtype=st["step"].dtype))


class FusedOptimizer(Optimizer):
    """Base of the built-in optimizers. A subclass sets `_op` and defines `_attrs(group)` (the
    op's attributes from a group's options) and `_new_state(p, group)` (a parameter's fresh state,
    in torch's key order)."""

    _op = None
    _counts_step = True  # torch keeps state['step'] (SGD does not)

    def __init__(self, params, defaults: dict) -> None:
        if defaults.get("differentiable"):
            raise RuntimeError(f"{type(self).__name__}(differentiable=True) is not supported: "
                               "duet's optimizer steps run through non-differentiable fused "
                               "update ops")
        super().__init__(params, defaults)

    def _step_count(self, p, state: dict) -> float:
        """This update's 1-based count (torch's state['step'] after its increment)."""
        return float(state["step"].array) + 1.0

    def step(self, closure: Callable | None = None):
        """Perform a single optimization step; `closure` re-evaluates the model and returns the
        loss (run with gradients enabled)."""
        loss = None
        if closure is not None:
            with core_ir.enable_grad():
                loss = closure()
        with core_ir.no_grad():
            updates = [u for i, group in enumerate(self.param_groups)
                       for u in self._plan(i, group)]
        for update in updates:
            update.commit(self.state)
        return loss

    # -- planning --------------------------------------------------------------------------------
    def _plan(self, index: int, group: dict) -> list[_Update]:
        params = [p for p in group["params"] if p.grad is not None]
        for k, p in enumerate(params):
            self._check_grad(index, k, p)
        if not params:
            return []
        attrs = self._attrs(group)
        names = self._state_names(attrs)
        fresh = [self._fresh(p, group) for p in params]
        states = [{**f, **self.state.get(p, {})} for p, f in zip(params, fresh)]
        steps = [self._step_count(p, st) for p, st in zip(params, states)]
        # one call per distinct step count: a single call unless some parameters of the group
        # missed earlier steps (no gradient then), since the op takes one step scalar
        updates = []
        for t in dict.fromkeys(steps):
            idx = [i for i, s in enumerate(steps) if s == t]
            updates.append(self._run(group, attrs, names, t, [params[i] for i in idx],
                                     [fresh[i] for i in idx], [states[i] for i in idx]))
        return updates

    def _state_names(self, attrs: dict) -> list[str]:
        """The state tensors the update reads and returns, in the op's input order."""
        return [name for name, _ in self._op.states(**attrs)]

    def _fresh(self, p, group: dict) -> dict:
        """The state entries p lacks (all of them before its first step)."""
        have = self.state.get(p)
        if not have:
            return self._new_state(p, group)
        return {k: v for k, v in self._new_state(p, group).items() if k not in have}

    def _run(self, group, attrs, names, t, params, fresh, states) -> _Update:
        lr = core_ir.constant(np.float64(float(group["lr"])), cls=Tensor)
        step = core_ir.constant(np.float64(t), cls=Tensor)
        grads = [p.grad for p in params]
        state_inputs = [st[name] for name in names for st in states]
        outs = call(self._op, lr, step, *params, *grads, *state_inputs, formula="torch", **attrs)
        n = len(params)
        new_params = [o.array for o in outs[:n]]
        new_states = {name: [o.array for o in outs[(k + 1) * n:(k + 2) * n]]
                      for k, name in enumerate(names)}
        return _Update(params, fresh, new_params, new_states, [t] * n, self._counts_step)

    def _check_grad(self, group_index: int, k: int, p) -> None:
        """The eager kernels broadcast: a gradient must match its parameter exactly."""
        g = p.grad
        where = f"{type(self).__name__}: param_groups[{group_index}]['params'][{k}]"
        if tuple(g.shape) != tuple(p.shape):
            raise RuntimeError(f"{where}: its gradient has shape {tuple(g.shape)} but the "
                               f"parameter has shape {tuple(p.shape)}")
        if g.dtype != p.dtype:
            raise RuntimeError(f"{where}: its gradient has dtype {g.dtype} but the parameter has "
                               f"dtype {p.dtype}")


def check_lr(lr) -> None:
    if isinstance(lr, core_ir.Tensor) and int(np.prod(lr.shape)) != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonneg(value, what: str) -> None:
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what} value: {value}")


def check_betas(betas) -> None:
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


class ComposedOptimizer(FusedOptimizer):
    """Base of the built-in optimizers that have no fused op: `_update(p, g, state, group, t)`
    writes torch's per-parameter update in IR ops on tensors and returns (new p, {state name:
    new tensor}); the planning, checks and all-or-nothing commit are FusedOptimizer's."""

    _state_keys: tuple[str, ...] = ()

    def _attrs(self, group: dict) -> dict:
        return {}

    def _state_names(self, attrs: dict) -> list[str]:
        return list(self._state_keys)

    def _run(self, group, attrs, names, t, params, fresh, states) -> _Update:
        new_params, new_states = [], {name: [] for name in names}
        for p, st in zip(params, states):
            g = -p.grad if group.get("maximize", False) else p.grad
            new_p, new_st = self._update(Tensor(p.array), g, st, group, t)
            new_params.append(np.asarray(new_p.array, dtype=p.dtype))
            for name in names:
                new_states[name].append(new_st[name].array)
        return _Update(params, fresh, new_params, new_states, [t] * len(params),
                       self._counts_step)
