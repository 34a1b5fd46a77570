"""Training steps written directly against the IR, timed side by side with the same model in
PyTorch (issue: MLP <= 1.0x, CNN <= 2x, LSTM <= 2x PyTorch per step).

Each model is a loss function of (params, x, y) in IR ops. Ours runs it the way Keras `fit` will:
traced once with a symbolic batch, differentiated into a gradient graph, compiled into a plan,
then one plan call + an SGD update per step. The eager (define-by-run) step is timed too.

    python benchmarks/train_steps.py [mlp|cnn|lstm ...]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import backends.numpy as engine
import core_ir as ir
from core_ir import ops
from core_ir.autodiff import gradient_graph
from core_ir.tensor import Tensor

F32 = np.float32
RNG = np.random.default_rng(0)
LR = 0.01


def timed(fn, repeats=20, warmup=3) -> float:
    """Median seconds per call."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def cross_entropy(logits, labels):
    if hasattr(ops, "softmax_cross_entropy_loss"):
        out = ops.softmax_cross_entropy_loss(logits, labels)
        return out[0] if isinstance(out, tuple) else out
    onehot = ir.constant(np.eye(logits.shape[-1], dtype=F32)[labels.array])
    return -ops.reduce_mean(ops.reduce_sum(onehot * ops.log_softmax(logits), keepdims=0),
                            keepdims=0)


# -- models -------------------------------------------------------------------------------------
def mlp_params():
    sizes = [(784, 512), (512, 512), (512, 10)]
    params = []
    for fan_in, fan_out in sizes:
        params += [(RNG.uniform(-1, 1, (fan_in, fan_out)) / np.sqrt(fan_in)).astype(F32),
                   np.zeros(fan_out, F32)]
    return params


def mlp_loss(params, x, y):
    h = x
    for i in range(0, len(params), 2):
        h = ops.add(ops.matmul(h, params[i]), params[i + 1])
        if i + 2 < len(params):
            h = ops.relu(h)
    return cross_entropy(h, y)


def torch_mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


MODELS = {
    "mlp": dict(batch=128, x=(784,), params=mlp_params, loss=mlp_loss, torch=torch_mlp),
}


# -- runners ------------------------------------------------------------------------------------
def data(spec):
    x = RNG.standard_normal((spec["batch"], *spec["x"])).astype(F32)
    y = RNG.integers(0, 10, spec["batch"]).astype(np.int64)
    return x, y


def compiled_step(spec):
    params = [Tensor(p, requires_grad=True) for p in spec["params"]()]
    x, y = data(spec)
    graph, captured, _ = ir.trace(lambda xs, ys: spec["loss"](params, xs, ys),
                                  [(F32, ("N", *spec["x"])), (np.int64, ("N",))], ["x", "y"])
    plan = engine.Plan(engine.optimize(gradient_graph(graph)))

    def step():
        (loss, *grads), _ = plan([x, y], [p.array for p in captured])
        for p, g in zip(captured, grads):
            p.array -= LR * g

    return step, len(plan.graph.nodes)


def eager_step(spec):
    params = [Tensor(p, requires_grad=True) for p in spec["params"]()]
    x, y = data(spec)
    xt, yt = Tensor(x), Tensor(y)

    def step():
        loss = spec["loss"](params, xt, yt)
        for p, g in zip(params, ir.grad([loss], params)):
            p.array -= LR * g.array

    return step


def torch_step(spec):
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    model = spec["torch"](torch)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x, y = (torch.from_numpy(a) for a in data(spec))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def main(names):
    print(f"{'model':6} {'torch ms':>9} {'compiled ms':>12} {'ratio':>6} {'eager ms':>9} {'ratio':>6}")
    for name in names:
        spec = MODELS[name]
        step, _ = compiled_step(spec)
        ours = timed(step)
        eager = timed(eager_step(spec))
        ref = torch_step(spec)
        theirs = timed(ref) if ref else float("nan")
        print(f"{name:6} {theirs * 1e3:9.2f} {ours * 1e3:12.2f} {ours / theirs:6.2f} "
              f"{eager * 1e3:9.2f} {eager / theirs:6.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(MODELS))
