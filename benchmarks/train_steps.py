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


def cnn_params():
    def uniform(shape, fan_in):
        return (RNG.uniform(-1, 1, shape) / np.sqrt(fan_in)).astype(F32)

    return [uniform((32, 1, 3, 3), 9), np.zeros(32, F32), uniform((64, 32, 3, 3), 288),
            np.zeros(64, F32), uniform((9216, 128), 9216), np.zeros(128, F32),
            uniform((128, 10), 128), np.zeros(10, F32)]


def cnn_loss(params, x, y):
    c1, b1, c2, b2, w3, b3, w4, b4 = params
    h = ops.relu(ops.conv(x, c1, b1, kernel_shape=[3, 3]))
    h = ops.relu(ops.conv(h, c2, b2, kernel_shape=[3, 3]))
    h = ops.max_pool(h, kernel_shape=[2, 2], strides=[2, 2])[0]
    h = ops.reshape(h, ops.const_ints([0, -1]))
    h = ops.relu(ops.add(ops.matmul(h, w3), b3))
    return cross_entropy(ops.add(ops.matmul(h, w4), b4), y)


def torch_cnn(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(),
                         nn.Linear(128, 10))


# The LSTM step (batch 32, 50 steps, input 32, hidden 128 + dense) is benchmarks/lstm_kernel.py.
MODELS = {
    "mlp": dict(batch=128, x=(784,), params=mlp_params, loss=mlp_loss, torch=torch_mlp),
    "cnn": dict(batch=64, x=(1, 28, 28), params=cnn_params, loss=cnn_loss, torch=torch_cnn),
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


def set_threads(n: int) -> None:
    """Same BLAS thread count on both sides (torch's intra-op threads, numpy's OpenBLAS)."""
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(n)
    except ImportError:
        pass


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
    args = sys.argv[1:]
    if "--threads" in args:
        i = args.index("--threads")
        set_threads(int(args[i + 1]))
        del args[i:i + 2]
    main(args or list(MODELS))
