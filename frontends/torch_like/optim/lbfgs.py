"""torch.optim.LBFGS, ported from torch 2.13 line for line onto torch_like tensors (every vector
operation is an IR op), with its strong-Wolfe line search."""

from __future__ import annotations

from core_ir.tensor import Tensor as _CoreTensor

from .. import _creation, _join_ops
from ..autograd import enable_grad, no_grad
from ._fused import check_lr
from .optimizer import Optimizer

__all__ = ["LBFGS"]


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), within bounds."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square.sqrt()
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


class _Bracket:
    """The interval the zoom phase of the line search narrows: step sizes t, losses f,
    gradients g and directional derivatives gtd at its ends."""

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """torch's _strong_wolfe: a bracketing phase, then zooming by cubic interpolation."""
    d_norm = d.abs().max()
    g = g.clone()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket = None
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new.clone()],
                               [gtd_prev, gtd_new])
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket = _Bracket([t], [f_new], [g_new], None)
            done = True
            break
        if gtd_new >= 0:
            bracket = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new.clone()],
                               [gtd_prev, gtd_new])
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.clone(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = _Bracket([0, t], [f, f_new], [g, g_new], bracket.gtd if bracket else None)
    t, f_new, g_new, evals = _zoom(obj_func, x, d, f, gtd, bracket, done, ls_iter, d_norm, c1,
                                   c2, tolerance_change, max_ls)
    return f_new, g_new, t, ls_func_evals + evals


def _zoom(obj_func, x, d, f, gtd, b, done, ls_iter, d_norm, c1, c2, tolerance_change, max_ls):
    """The zoom phase of torch's _strong_wolfe, over the bracket `b`."""
    evals = 0
    insuf_progress = False
    low_pos, high_pos = (0, 1) if b.f[0] <= b.f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(b.t[1] - b.t[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(b.t[0], b.f[0], b.gtd[0], b.t[1], b.f[1], b.gtd[1])
        # keep away from the bracket's ends unless progress was made
        eps = 0.1 * (max(b.t) - min(b.t))
        if min(max(b.t) - t, t - min(b.t)) < eps:
            if insuf_progress or t >= max(b.t) or t <= min(b.t):
                t = max(b.t) - eps if abs(t - max(b.t)) < abs(t - min(b.t)) else min(b.t) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= b.f[low_pos]:
            b.t[high_pos], b.f[high_pos], b.g[high_pos] = t, f_new, g_new.clone()
            b.gtd[high_pos] = gtd_new
            low_pos, high_pos = (0, 1) if b.f[0] <= b.f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (b.t[high_pos] - b.t[low_pos]) >= 0:
                b.t[high_pos], b.f[high_pos] = b.t[low_pos], b.f[low_pos]
                b.g[high_pos], b.gtd[high_pos] = b.g[low_pos], b.gtd[low_pos]
            b.t[low_pos], b.f[low_pos], b.g[low_pos] = t, f_new, g_new.clone()
            b.gtd[low_pos] = gtd_new
    return b.t[low_pos], b.f[low_pos], b.g[low_pos], evals


class LBFGS(Optimizer):
    """Mirrors torch.optim.LBFGS: limited-memory BFGS over all parameters as one flat vector,
    optionally with a strong-Wolfe line search. `step(closure)` requires the closure (it
    re-evaluates the loss and its gradients); one parameter group only.

    Args:
        params, lr (1), max_iter (20), max_eval (max_iter * 5 // 4), tolerance_grad (1e-7),
        tolerance_change (1e-9), history_size (100), line_search_fn (None or 'strong_wolfe').

    State (of the first parameter, as in torch): 'func_evals', 'n_iter', 'd', 't',
    'old_dirs', 'old_stps', 'ro', 'H_diag', 'prev_flat_grad', 'prev_loss' (and 'al').
    """

    def __init__(self, params, lr=1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None) -> None:
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._numel_cache = None

    def _numel(self) -> int:
        if self._numel_cache is None:
            self._numel_cache = sum(p.numel() for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self):
        views = [_creation.zeros(p.numel(), dtype=p.dtype) if p.grad is None
                 else p.grad.reshape(-1) for p in self._params]
        return _join_ops.cat(views, 0)

    def _add_grad(self, step_size, update) -> None:
        offset = 0
        for p in self._params:
            numel = p.numel()
            p.add_(update[offset:offset + numel].view_as(p), alpha=step_size)
            offset += numel

    def _clone_param(self) -> list:
        return [p.clone() for p in self._params]

    def _set_param(self, params_data) -> None:
        for p, pdata in zip(self._params, params_data, strict=True):
            p.copy_(pdata)

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure):
        """Run up to max_iter L-BFGS iterations; returns the closure's first loss."""
        with no_grad():
            return self._step(enable_grad()(closure))

    def _step(self, closure):
        group = self.param_groups[0]
        lr = float(group["lr"]) if isinstance(group["lr"], _CoreTensor) else group["lr"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = closure()
        loss = float(orig_loss)
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if flat_grad.abs().max() <= group["tolerance_grad"]:
            return orig_loss
        self._iterate(closure, group, state, lr, loss, flat_grad)
        return orig_loss

    def _iterate(self, closure, group, state, lr, loss, flat_grad) -> None:
        tolerance_change, max_iter = group["tolerance_change"], group["max_iter"]
        d, t = state.get("d"), state.get("t")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        current_evals, n_iter = 1, 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            d = self._direction(state, flat_grad, prev_flat_grad, d, t, group["history_size"])
            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss
            t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break
            loss, flat_grad, t, ls_func_evals, opt_cond = self._move(
                closure, group, loss, flat_grad, t, d, gtd, n_iter, current_evals)
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= group["max_eval"] or opt_cond:
                break
            if d.mul(t).abs().max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break
        state.update({"d": d, "t": t, "prev_flat_grad": prev_flat_grad,
                      "prev_loss": prev_loss})

    def _direction(self, state, flat_grad, prev_flat_grad, d, t, history_size):
        """The L-BFGS two-loop recursion (steepest descent on the very first iteration)."""
        if state["n_iter"] == 1:
            state.update({"old_dirs": [], "old_stps": [], "ro": [], "H_diag": 1})
            return flat_grad.neg()
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        y = flat_grad.sub(prev_flat_grad)
        s = d.mul(t)
        ys = y.dot(s)
        if ys > 1e-10:
            if len(old_dirs) == history_size:
                old_dirs.pop(0)
                old_stps.pop(0)
                ro.pop(0)
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            state["H_diag"] = ys / y.dot(y)
        num_old = len(old_dirs)
        if "al" not in state:
            state["al"] = [None] * history_size
        al = state["al"]
        q = flat_grad.neg()
        for i in range(num_old - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q.add_(old_dirs[i], alpha=-al[i])
        d = r = q.mul(state["H_diag"])
        for i in range(num_old):
            be_i = old_dirs[i].dot(r) * ro[i]
            r.add_(old_stps[i], alpha=al[i] - be_i)
        return d

    def _move(self, closure, group, loss, flat_grad, t, d, gtd, n_iter, current_evals):
        """Step along d: by the strong-Wolfe line search, or by t and re-evaluate."""
        tolerance_grad = group["tolerance_grad"]
        line_search_fn = group["line_search_fn"]
        ls_func_evals, opt_cond = 0, False
        if line_search_fn is not None:
            if line_search_fn != "strong_wolfe":
                raise RuntimeError("only 'strong_wolfe' is supported")
            x_init = self._clone_param()

            def obj_func(x, t, d):
                return self._directional_evaluate(closure, x, t, d)

            loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                obj_func, x_init, t, d, loss, flat_grad, gtd,
                max_ls=group["max_eval"] - current_evals)
            self._add_grad(t, d)
            opt_cond = flat_grad.abs().max() <= tolerance_grad
        else:
            self._add_grad(t, d)
            if n_iter != group["max_iter"]:
                loss = float(closure())
                flat_grad = self._gather_flat_grad()
                opt_cond = flat_grad.abs().max() <= tolerance_grad
                ls_func_evals = 1
        return loss, flat_grad, t, ls_func_evals, opt_cond
