"""One training step of ordinary PyTorch code, in frontends.torch_like and in real PyTorch.

The model and the step are written once against a `torch` module object and run with both
libraries (weights copied from ours into torch's, so both do the same arithmetic):

- mlp: Linear 784-512-512-10 with ReLU, batch 128
- cnn: Conv2d 1->32 3x3, ReLU, Conv2d 32->64 3x3, ReLU, MaxPool2d 2, Flatten, Linear 9216->128,
  ReLU, Linear 128->10, on 1x28x28 inputs, batch 64

A step is `optimizer.zero_grad(); loss = CrossEntropyLoss()(model(x), y); loss.backward();
optimizer.step()` with SGD (lr 0.01) or Adam (lr 1e-3). Each number is the median over
`--repeat` timed steps after `--warmup` untimed ones, in milliseconds; the ratio is ours / torch
(below 1.00x: ours is faster). Before timing, the first step's losses of both are compared (a
wrong benchmark is worse than a slow one).

    python benchmarks/torch_like_steps.py [mlp] [cnn] [--optimizer sgd|adam|both]
        [--repeat 30] [--warmup 3] [--threads 1]

`--threads` (default 1) sets torch's intra-op threads (as benchmarks/dispatch.py does) and
numpy's BLAS threads (OPENBLAS_NUM_THREADS etc., set before numpy loads unless already set in
the environment), so both sides compute with the same number of cores; the header says what
took effect. `--threads 0` leaves both at their defaults. Benchmarks are not tests: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time


def _blas_threads_from_argv(argv: list[str], default: int = 1) -> int:
    """--threads N, applied to OpenBLAS/MKL/OpenMP through the environment: it must happen
    before numpy loads its BLAS, and numpy has no runtime switch (threadpoolctl is optional)."""
    n = default
    for i, arg in enumerate(argv):
        if arg.startswith("--threads="):
            n = int(arg.split("=", 1)[1])
        elif arg == "--threads" and i + 1 < len(argv):
            n = int(argv[i + 1])
    if n > 0:
        for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(var, str(n))
    return n


_blas_threads_from_argv(sys.argv)

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import frontends.torch_like as ttorch

try:
    import torch
except ImportError:  # the torch column stays empty
    torch = None

OPTIMIZERS = {"sgd": lambda optim, params: optim.SGD(params, lr=0.01),
              "adam": lambda optim, params: optim.Adam(params, lr=1e-3)}


def mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def cnn(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(),
                         nn.Linear(128, 10))


MODELS = {"mlp": {"build": mlp, "batch": 128, "x": (784,)},
          "cnn": {"build": cnn, "batch": 64, "x": (1, 28, 28)}}


def make_step(torch, model, optimizer_name: str, x: np.ndarray, y: np.ndarray):
    """The training step as a user writes it, for either library."""
    optimizer = OPTIMIZERS[optimizer_name](torch.optim, model.parameters())
    criterion = torch.nn.CrossEntropyLoss()
    xb, yb = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss

    return step


def copy_weights(source, target) -> None:
    """Ours -> torch, by state_dict key (the keys are the same in both libraries)."""
    state = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in source.state_dict().items()}
    target.load_state_dict(state)


def median_ms(step, repeat: int, warmup: int) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def bench(name: str, optimizer_name: str, args) -> tuple[float, float, float]:
    """(ours ms, torch ms, |first loss difference|) for one model and optimizer."""
    spec = MODELS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((spec["batch"], *spec["x"])).astype(np.float32)
    y = rng.integers(0, 10, spec["batch"]).astype(np.int64)
    ours_model = spec["build"](ttorch)
    ours = make_step(ttorch, ours_model, optimizer_name, x, y)
    if torch is None:
        return median_ms(ours, args.repeat, args.warmup), float("nan"), float("nan")
    theirs_model = spec["build"](torch)
    copy_weights(ours_model, theirs_model)
    theirs = make_step(torch, theirs_model, optimizer_name, x, y)
    diff = abs(ours().item() - theirs().item())
    return (median_ms(ours, args.repeat, args.warmup), median_ms(theirs, args.repeat, args.warmup),
            diff)


def set_threads(n: int) -> str:
    if n <= 0:
        return "default threads"
    notes = []
    if torch is not None:
        torch.set_num_threads(n)
        notes.append(f"torch intra-op threads {n}")
    ttorch.set_num_threads(n)
    notes.append(f"numpy BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')} "
                 "(OPENBLAS_NUM_THREADS)")
    return ", ".join(notes)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help=f"any of {', '.join(MODELS)} (default: all)")
    parser.add_argument("--optimizer", choices=[*OPTIMIZERS, "both"], default="both")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    unknown = set(args.models) - set(MODELS)
    if unknown:
        parser.error(f"unknown model(s) {sorted(unknown)}; choose from {list(MODELS)}")
    threads = set_threads(args.threads)
    versions = f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else "")
    print(f"# {platform.machine()}, Python {platform.python_version()}, {versions}; {threads}")
    print(f"# median of {args.repeat} steps after {args.warmup} warm-up steps")
    print(f"{'model':6} {'optim':5} {'ours ms':>9} {'torch ms':>9} {'ours/torch':>10} "
          f"{'|loss diff|':>11}")
    optimizers = list(OPTIMIZERS) if args.optimizer == "both" else [args.optimizer]
    for name in args.models or list(MODELS):
        for optimizer_name in optimizers:
            ours, theirs, diff = bench(name, optimizer_name, args)
            print(f"{name:6} {optimizer_name:5} {ours:9.2f} {theirs:9.2f} "
                  f"{ours / theirs:9.2f}x {diff:11.1e}")


if __name__ == "__main__":
    main()
