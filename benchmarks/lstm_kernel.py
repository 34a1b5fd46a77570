"""LSTM training step in our kernels vs PyTorch (issue 3's target: <= 2x PyTorch per step).

The model: LSTM(input 32, hidden 128) over 50 steps of a batch of 32, a dense layer 128 -> 10 on
the last output, MSE loss, plain SGD update. Ours is written directly against the IR (torch gate
order, so the weights could be torch's) and run two ways: traced once, differentiated into a
gradient graph and compiled into a plan (as Keras `fit` runs), and eagerly with the tape (as
torch-style code runs). The two libraries are timed in alternating rounds, so a machine whose load
changes during the run slows both alike.

    python benchmarks/lstm_kernel.py [--threads N] [--repeats N]

--threads caps both BLAS (OpenBLAS, read at numpy import) and torch's thread pool.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--threads", type=int, default=None)
ARGS.add_argument("--repeats", type=int, default=30)

if __name__ == "__main__":
    _threads = ARGS.parse_args().threads
    if _threads:  # must happen before numpy loads OpenBLAS
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(_threads)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np

import backends.numpy as engine
import core_ir as ir
from core_ir import ops
from core_ir.autodiff import gradient_graph
from core_ir.tensor import Tensor

F32 = np.float32
BATCH, STEPS, INPUT, HIDDEN, OUT = 32, 50, 32, 128, 10
LR = 0.01


def make_data(rng):
    x = rng.standard_normal((STEPS, BATCH, INPUT)).astype(F32)
    y = rng.standard_normal((BATCH, OUT)).astype(F32)
    return x, y


def make_params(rng) -> list[np.ndarray]:
    """W, R, B (ONNX layout, torch gate order i, f, g, o), dense weight (128, 10) and bias."""
    k = 1 / np.sqrt(HIDDEN)
    u = lambda *shape: rng.uniform(-k, k, shape).astype(F32)
    return [u(1, 4 * HIDDEN, INPUT), u(1, 4 * HIDDEN, HIDDEN), u(1, 8 * HIDDEN),
            u(HIDDEN, OUT), u(OUT)]


def loss_fn(params, x, y):
    W, R, B, dense_w, dense_b = params
    _, h_last, _ = ops.lstm(x, W, R, B, hidden_size=HIDDEN, gate_order="ifco")
    last = ops.reshape(h_last, ops.const_ints([-1, HIDDEN]))  # [1, batch, hidden] -> [batch, hidden]
    err = ops.add(ops.matmul(last, dense_w), dense_b) - y
    return ops.reduce_mean(err * err, keepdims=0)


def compiled_step(rng):
    params = [Tensor(p, requires_grad=True) for p in make_params(rng)]
    x, y = make_data(rng)
    graph, captured, _ = ir.trace(lambda xs, ys: loss_fn(params, xs, ys),
                                  [(F32, (STEPS, "N", INPUT)), (F32, ("N", OUT))], ["x", "y"])
    plan = engine.Plan(gradient_graph(graph))

    def step():
        (loss, *grads), _ = plan([x, y], [p.array for p in captured])
        for p, g in zip(captured, grads):
            p.array -= LR * g
        return loss

    return step


def eager_step(rng):
    params = [Tensor(p, requires_grad=True) for p in make_params(rng)]
    x, y = (Tensor(a) for a in make_data(rng))

    def step():
        loss = loss_fn(params, x, y)
        for p, g in zip(params, ir.grad([loss], params)):
            p.array -= LR * g.array
        return loss

    return step


def torch_step(rng):
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    lstm, dense = torch.nn.LSTM(INPUT, HIDDEN), torch.nn.Linear(HIDDEN, OUT)
    opt = torch.optim.SGD([*lstm.parameters(), *dense.parameters()], lr=LR)
    x, y = (torch.from_numpy(a) for a in make_data(rng))

    def step():
        opt.zero_grad()
        out, _ = lstm(x)
        loss = torch.nn.functional.mse_loss(dense(out[-1]), y)
        loss.backward()
        opt.step()
        return loss

    return step


def race(steps: dict, repeats: int, warmup: int = 3) -> dict:
    """Median seconds per call of each step, timed in alternating rounds."""
    for fn in steps.values():
        for _ in range(warmup):
            fn()
    times: dict = {name: [] for name in steps}
    for _ in range(repeats):
        for name, fn in steps.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def main(threads: int | None, repeats: int) -> None:
    rng = np.random.default_rng(0)
    steps = {"compiled": compiled_step(rng), "eager": eager_step(rng)}
    ref = torch_step(rng)
    if ref is not None:
        import torch
        if threads:
            torch.set_num_threads(threads)
        steps["torch"] = ref
    result = race(steps, repeats)
    torch_ms = result.get("torch", float("nan")) * 1e3
    print(f"LSTM step: batch {BATCH}, {STEPS} steps, input {INPUT}, hidden {HIDDEN}, dense "
          f"{HIDDEN}->{OUT}, MSE, SGD (threads: {threads or 'default'})")
    print(f"{'':10} {'ms/step':>8} {'x torch':>8}")
    for name in ("torch", "compiled", "eager"):
        if name in result:
            ms = result[name] * 1e3
            print(f"{name:10} {ms:8.2f} {ms / torch_ms:8.2f}")


if __name__ == "__main__":
    opts = ARGS.parse_args()
    main(opts.threads, opts.repeats)
