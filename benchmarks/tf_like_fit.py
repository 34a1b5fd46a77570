"""Keras `fit` in tf_like, timed per training step against the same model trained in PyTorch.

Ours is the everyday Keras code: `model.compile(loss=..., optimizer="adam",
metrics=["accuracy"])` then `model.fit(x, y, batch_size=B, epochs=1)`. Each fit step runs the
train step traced once into the IR (forward, loss, gradients, Adam's fused update) as a compiled
plan, plus the Keras bookkeeping around it (slicing the batch, metric accumulation, logs,
callbacks). The `plan ms` column is the compiled step alone, so `fit ms - plan ms` is that
bookkeeping. Torch runs the same model with the same loss and Adam (zero_grad, forward, loss,
backward, step) on one pre-sliced batch.

    python benchmarks/tf_like_fit.py [mlp] [cnn] [--steps 20] [--repeat 5] [--threads N]

`--threads N` gives both sides N threads (torch.set_num_threads; OPENBLAS/OMP/MKL_NUM_THREADS
for numpy's BLAS). On a shared or busy machine use `--threads 1`: a multi-threaded BLAS that
competes for cores can be 20x slower than a single thread.

mlp: Dense(512, relu) - Dense(512, relu) - Dense(10, softmax) on 784 features, batch 128
     (Keras's MNIST MLP). cnn: Keras's MNIST convnet example (Conv2D 32 3x3, MaxPooling2D,
     Conv2D 64 3x3, MaxPooling2D, Flatten, Dropout 0.5, Dense 10 softmax), 28x28x1, batch 128.
Each number is the median of `--repeat` runs (default 5) after a warm-up run; on a busy machine
raise `--repeat`.
"""

from __future__ import annotations

import os
import sys
import time

if "--threads" in sys.argv:  # numpy's BLAS reads its thread count when numpy is imported
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from frontends.tf_like import keras

BATCH = 128


def keras_mlp():
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                             keras.layers.Dense(512, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])


def keras_cnn():
    layers = keras.layers
    return keras.Sequential([keras.Input((28, 28, 1)),
                             layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                             layers.MaxPooling2D(pool_size=(2, 2)),
                             layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
                             layers.MaxPooling2D(pool_size=(2, 2)), layers.Flatten(),
                             layers.Dropout(0.5), layers.Dense(10, activation="softmax")])


def torch_mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def torch_cnn(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5),
                         nn.Linear(1600, 10))


MODELS = {
    "mlp": {"keras": keras_mlp, "torch": torch_mlp, "x": (784,), "torch_x": (784,)},
    "cnn": {"keras": keras_cnn, "torch": torch_cnn, "x": (28, 28, 1), "torch_x": (1, 28, 28)},
}


def data(shape, steps, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps * BATCH, *shape)).astype(np.float32)
    y = rng.integers(0, 10, steps * BATCH)
    return x, y


def median_time(fn, repeat: int) -> float:
    fn()  # warm-up: traces and compiles the step on the first call
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def ours_ms(spec, steps: int, repeat: int) -> tuple[float, float]:
    """(ms per fit step, ms per compiled-plan call) for our Keras."""
    model = spec["keras"]()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    x, y = data(spec["x"], steps)
    fit = median_time(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
                                        shuffle=False), repeat) / steps
    compiled = next(iter(model.train_function._plans.values()))
    batch = [x[:BATCH], y[:BATCH]]
    plan = median_time(lambda: compiled.run(batch), repeat)
    return fit * 1e3, plan * 1e3


def torch_ms(spec, steps: int, repeat: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    model = spec["torch"](torch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x, y = data(spec["torch_x"], steps)
    batches = [(torch.from_numpy(x[i:i + BATCH]), torch.from_numpy(y[i:i + BATCH]))
               for i in range(0, len(x), BATCH)]

    def epoch():
        model.train()
        for xb, yb in batches:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()

    return median_time(epoch, repeat) / steps * 1e3


def set_threads(n: int) -> None:
    """Same thread count on both sides: torch's intra-op threads here, numpy's BLAS through the
    environment variables set before numpy was imported (top of this file)."""
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass


def _option(args, name, default):
    if name in args:
        i = args.index(name)
        value = int(args[i + 1])
        del args[i:i + 2]
        return value
    return default


def _ratio(ours: float, theirs: float | None) -> str:
    return f"{ours / theirs:6.2f}" if theirs else f"{'-':>6}"


def main(args):
    steps, repeat = _option(args, "--steps", 20), _option(args, "--repeat", 5)
    threads = _option(args, "--threads", 0)
    if threads:
        set_threads(threads)
    names = args or list(MODELS)
    print(f"{'model':6} {'torch ms':>9} {'fit ms':>8} {'ratio':>6} {'plan ms':>8} {'ratio':>6}"
          f" {'fit overhead ms':>16}")
    for name in names:
        spec = MODELS[name]
        fit, plan = ours_ms(spec, steps, repeat)
        theirs = torch_ms(spec, steps, repeat)
        torch_col = f"{theirs:9.2f}" if theirs else f"{'-':>9}"
        print(f"{name:6} {torch_col} {fit:8.2f} {_ratio(fit, theirs)} {plan:8.2f} "
              f"{_ratio(plan, theirs)} "
              f"{fit - plan:16.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
