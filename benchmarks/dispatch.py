"""Dispatch overhead of the engine core, side by side with PyTorch (when installed).

What one op costs on top of the numpy kernel it calls: eagerly without and with gradient
recording, and per node of a compiled plan; then a whole small training step. Targets from the
issue: an eager op with recording adds at most 3 us to the bare numpy call; a compiled plan
node at most 1 us.

    python benchmarks/dispatch.py [--repeat 100] [--nodes 200] [--torch-threads 1]

Each number is the minimum over `--repeat` timeit runs (each ~2 ms of back-to-back calls; the
cases of one section take turns) of the mean time per call, in microseconds. Benchmarks are not
tests: nothing here asserts.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import backends.numpy as engine  # noqa: E402  (activates the eager interpreter)
import core_ir as ir  # noqa: E402
from core_ir import ops  # noqa: E402
from core_ir.tensor import Tensor  # noqa: E402

try:
    import torch
except ImportError:  # the comparison columns stay empty
    torch = None

F32 = np.float32
SHAPE = (32, 64)
MLP_SIZES = (20, 64, 64, 1)
MLP_BATCH = 32
LR = 0.01
TARGET_EAGER_US = 3.0  # recording eager op, on top of bare numpy
TARGET_NODE_US = 1.0  # compiled plan node, on top of its kernel


RUN_SECONDS = 0.002  # one timeit run: long enough to dwarf the timer, short enough that
#                      many runs escape other processes on a busy machine (the min keeps those)


def measure(cases: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Microseconds per call of each case: min over `repeat` timeit runs. The cases take turns
    run by run, so cases whose difference we report see the same machine load."""
    timers = {name: timeit.Timer(fn) for name, fn in cases.items()}
    numbers = {name: _calls_per_run(t) for name, t in timers.items()}
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(repeat):
        for name, t in timers.items():
            best[name] = min(best[name], t.timeit(numbers[name]) / numbers[name] * 1e6)
    return best


def _calls_per_run(timer: timeit.Timer) -> int:
    number = 1
    while timer.timeit(number) < RUN_SECONDS:
        number *= 2
    return number


@dataclass
class Row:
    label: str
    ours: float | None = None  # us
    torch: float | None = None  # us
    numpy: float | None = None  # us
    note: str = ""


# -- (a)-(d): one elementwise add -----------------------------------------------------------------
def add_rows(repeat: int) -> list[Row]:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(SHAPE).astype(F32), rng.standard_normal(SHAPE).astype(F32)
    x, y = Tensor(a), Tensor(b)
    xg, yg = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    cases = {"numpy": lambda: a + b, "plain": lambda: ops.add(x, y),
             "recorded": lambda: ops.add(xg, yg)}
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        tga, tgb = ta.clone().requires_grad_(), tb.clone().requires_grad_()
        cases.update(torch=lambda: ta + tb, torch_grad=lambda: tga + tgb)
    us = measure(cases, repeat)
    bare, over = us["numpy"], us["recorded"] - us["numpy"]
    verdict = "ok" if over <= TARGET_EAGER_US else "MISSED"
    return [
        Row("(a) numpy a + b", numpy=bare),
        Row("(b) eager add, no recording", us["plain"], us.get("torch"), bare,
            f"+{us['plain'] - bare:.2f} us over numpy"),
        Row("(c) eager add, recording", us["recorded"], us.get("torch_grad"), bare,
            f"+{over:.2f} us over numpy (target <= {TARGET_EAGER_US:g}: {verdict})"),
        Row("(d) torch a + b", torch=us.get("torch")),
        Row("(d) torch a + b, requires_grad", torch=us.get("torch_grad")),
    ]


# -- (e): compiled plan, per node -----------------------------------------------------------------
def chain(x, y, n: int):
    """n nodes alternating Add and Mul: the smallest kernels, so the overhead shows."""
    for i in range(n):
        x = ops.add(x, y) if i % 2 == 0 else ops.mul(x, y)
    return x


def plan_row(repeat: int, n: int) -> Row:
    rng = np.random.default_rng(1)
    # values near 1 keep the product chain finite
    a, b = (rng.uniform(0.99, 1.01, SHAPE).astype(F32) for _ in range(2))
    graph, _, _ = ir.trace(lambda x, y: chain(x, y, n), [(F32, SHAPE), (F32, SHAPE)])
    plan = engine.Plan(graph)
    bare_chain = _numpy_chain(n)
    us = measure({"plan": lambda: plan([a, b]), "numpy": lambda: bare_chain(a, b)}, repeat)
    run, bare = us["plan"], us["numpy"]
    per_node = (run - bare) / n
    verdict = "ok" if per_node <= TARGET_NODE_US else "MISSED"
    return Row(f"(e) plan of {n} Add/Mul nodes, per node", run / n, None, bare / n,
               f"+{per_node:.2f} us/node over numpy (target <= {TARGET_NODE_US:g}: {verdict})")


def _numpy_chain(n: int) -> Callable:
    """The same n kernel calls as straight-line Python (as the plan is), with nothing else: a
    Python loop would add its own overhead, and timing kernels one by one would not reuse
    buffers the way a chain does."""
    lines = ["def chain(t, b):"]
    lines += [f"    t = {'add' if i % 2 == 0 else 'mul'}(t, b)" for i in range(n)]
    lines.append("    return t")
    env = {"add": np.add, "mul": np.multiply}
    exec("\n".join(lines), env)  # noqa: S102  (our own text, as the plan's generated code)
    return env["chain"]


# -- (f): a 20-64-64-1 MLP training step ----------------------------------------------------------
def mlp_data(seed: int = 2):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in itertools.pairwise(MLP_SIZES):
        params += [(rng.uniform(-1, 1, (fan_in, fan_out)) / np.sqrt(fan_in)).astype(F32),
                   np.zeros(fan_out, F32)]
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(F32)
    y = rng.standard_normal((MLP_BATCH, MLP_SIZES[-1])).astype(F32)
    return params, x, y


def ours_mlp_loss(params, x, y):
    h = x
    for i in range(0, len(params), 2):
        h = ops.add(ops.matmul(h, params[i]), params[i + 1])
        if i + 2 < len(params):
            h = ops.relu(h)
    d = h - y
    return ops.reduce_mean(d * d, None, keepdims=0)


def ours_eager_step():
    arrays, x, y = mlp_data()
    params = [Tensor(p, requires_grad=True) for p in arrays]
    xt, yt, seed = Tensor(x), Tensor(y), Tensor(np.ones((), F32))

    def step():
        ir.backward([ours_mlp_loss(params, xt, yt)], [seed])
        for p in params:
            p.array -= LR * p.grad.array
            p.grad = None

    return step


def ours_compiled_step(simplified: bool):
    """The same step traced once and run as a plan (how Keras-style `fit` will run it)."""
    from core_ir import passes
    from core_ir.autodiff import gradient_graph

    arrays, x, y = mlp_data()
    params = [Tensor(p, requires_grad=True) for p in arrays]
    graph, captured, _ = ir.trace(lambda xs, ys: ours_mlp_loss(params, xs, ys),
                                  [(F32, x.shape), (F32, y.shape)])
    grad_graph = gradient_graph(graph)
    if simplified:
        grad_graph = passes.simplify(
            grad_graph, lambda op, arrs, attrs: engine.KERNELS[op](*arrs, **attrs))
    plan = engine.Plan(grad_graph)
    datas = [p.array for p in captured]

    def step():
        (_, *grads), _ = plan([x, y], datas)
        for p, g in zip(datas, grads):
            p -= LR * g

    return step, len(grad_graph.nodes)


def torch_step():
    arrays, x, y = mlp_data()
    params = [torch.from_numpy(p.copy()).requires_grad_() for p in arrays]
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        h = xt
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        ((h - yt) ** 2).mean().backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None

    return step


def numpy_step():
    """Forward, hand-written backward and SGD, in plain numpy: the floor for any engine."""
    (w1, b1, w2, b2, w3, b3), x, y = mlp_data()
    params = [w1, b1, w2, b2, w3, b3]

    def step():
        z1 = x @ w1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w2 + b2
        h2 = np.maximum(z2, 0)
        d = h2 @ w3 + b3 - y
        g3 = d * F32(2 / d.size)
        g2 = (g3 @ w3.T) * (z2 > 0)
        g1 = (g2 @ w2.T) * (z1 > 0)
        grads = [x.T @ g1, g1.sum(0), h1.T @ g2, g2.sum(0), h2.T @ g3, g3.sum(0)]
        for p, g in zip(params, grads):
            p -= LR * g

    return step


def mlp_rows(repeat: int) -> list[Row]:
    compiled, n_nodes = ours_compiled_step(simplified=False)
    simplified, n_simple = ours_compiled_step(simplified=True)
    cases = {"numpy": numpy_step(), "eager": ours_eager_step(), "plan": compiled,
             "simplified": simplified}
    if torch is not None:
        cases["torch"] = torch_step()
    us = measure(cases, repeat)
    t, bare = us.get("torch"), us["numpy"]
    label = "(f) " + "-".join(map(str, MLP_SIZES)) + f" MLP step, batch {MLP_BATCH}"
    return [
        Row(f"{label}, eager", us["eager"], t, bare),
        Row(f"{label}, plan", us["plan"], t, bare, f"traced step, {n_nodes} nodes"),
        Row(f"{label}, plan + simplify", us["simplified"], t, bare,
            f"after passes.simplify, {n_simple} nodes"),
    ]


# -- the table ------------------------------------------------------------------------------------
def fmt(value: float | None, width: int, suffix: str = "") -> str:
    return f"{'-' if value is None else f'{value:.2f}{suffix}':>{width}}"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def print_table(rows: list[Row]) -> None:
    width = max(len(r.label) for r in rows) + 2
    print(f"{'case':<{width}}{'ours us':>9}{'torch us':>10}{'numpy us':>10}"
          f"{'ours/torch':>12}{'ours/numpy':>12}  note")
    for r in rows:
        print(f"{r.label:<{width}}{fmt(r.ours, 9)}{fmt(r.torch, 10)}{fmt(r.numpy, 10)}"
              f"{fmt(ratio(r.ours, r.torch), 12, 'x')}{fmt(ratio(r.ours, r.numpy), 12, 'x')}"
              f"  {r.note}")


def header(repeat: int) -> None:
    versions = f"numpy {np.__version__}"
    if torch is not None:
        versions += f", torch {torch.__version__} (intra-op threads: {torch.get_num_threads()})"
    blas = os.environ.get("OPENBLAS_CORETYPE")
    print(f"Duet dispatch benchmark: Python {platform.python_version()}, {versions}, "
          f"{os.cpu_count()} CPUs{', OPENBLAS_CORETYPE=' + blas if blas else ''}")
    print(f"arrays {SHAPE[0]}x{SHAPE[1]} float32; min of {repeat} interleaved timeit runs; "
          f"microseconds per call\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100, help="timeit runs per case (min taken)")
    parser.add_argument("--nodes", type=int, default=200, help="nodes in the plan chain (e)")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch intra-op threads (0: torch's default). One thread by default: "
                             "these arrays are too small to split, and idle pool threads spinning "
                             "against other processes only add noise")
    args = parser.parse_args(argv)
    if torch is not None and args.torch_threads > 0:
        torch.set_num_threads(args.torch_threads)
    header(args.repeat)
    rows = add_rows(args.repeat) + [plan_row(args.repeat, args.nodes)] + mlp_rows(args.repeat)
    print_table(rows)


if __name__ == "__main__":
    main()
