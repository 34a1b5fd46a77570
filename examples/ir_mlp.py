"""Train a small MLP written directly against the IR, twice: define-by-run (eager + tape) and
compiled (trace once with a symbolic batch, differentiate the graph, run the plan per batch).
Both use the same ops and the same VJP rules, and reach the same loss.

    python examples/ir_mlp.py
"""

from __future__ import annotations

import time

import numpy as np

import backends.numpy as engine
import core_ir as ir
from core_ir import ops
from core_ir.autodiff import gradient_graph
from core_ir.tensor import Tensor

F32 = np.float32
rng = np.random.default_rng(0)
X = rng.normal(size=(512, 4)).astype(F32)
Y = np.sin(X @ np.array([[1.0], [-2.0], [0.5], [1.5]], F32))


def init_params():
    shapes = [(4, 32), (32,), (32, 1), (1,)]
    return [Tensor((rng.normal(size=s) * 0.3).astype(F32), requires_grad=True) for s in shapes]


def loss_fn(params, x, t):
    w1, b1, w2, b2 = params
    with ir.origin("hidden"):
        h = ops.tanh(ops.add(ops.matmul(x, w1), b1))
    with ir.origin("out"):
        y = ops.add(ops.matmul(h, w2), b2)
    d = y - t
    return ops.reduce_mean(d * d, keepdims=0)


def train_eager(params, steps=300, lr=0.1):
    for _ in range(steps):
        loss = loss_fn(params, Tensor(X), Tensor(Y))
        for p, g in zip(params, ir.grad([loss], params)):
            p.array = p.array - lr * g.array
    return float(loss.array)


def train_compiled(params, steps=300, lr=0.1):
    graph, captured, _ = ir.trace(lambda x, t: loss_fn(params, x, t),
                                  [(F32, ("N", 4)), (F32, ("N", 1))], ["x", "t"])
    print(graph, "\n")
    step = engine.Plan(engine.optimize(gradient_graph(graph)))
    for _ in range(steps):
        (loss, *grads), _ = step([X, Y], [p.array for p in captured])
        for p, g in zip(captured, grads):
            p.array = p.array - lr * g
    return float(loss)


if __name__ == "__main__":
    start = init_params()
    snapshot = [p.array.copy() for p in start]
    t0 = time.perf_counter()
    eager_loss = train_eager(start)
    t1 = time.perf_counter()
    again = [Tensor(a, requires_grad=True) for a in snapshot]
    compiled_loss = train_compiled(again)
    t2 = time.perf_counter()
    print(f"eager    : loss {eager_loss:.5f} after 300 steps ({(t1 - t0) * 1e3:.0f} ms)")
    print(f"compiled : loss {compiled_loss:.5f} after 300 steps ({(t2 - t1) * 1e3:.0f} ms)")
