"""One training step of ordinary PyTorch code, in frontends.torch_like (eager and compiled)
and in real PyTorch.

The model and the step are written once against a `torch` module object and run with both
libraries (weights copied from ours into torch's, so both do the same arithmetic):

- mlp: Linear 784-512-512-10 with ReLU, batch 128
- cnn: Conv2d 1->32 3x3, ReLU, Conv2d 32->64 3x3, ReLU, MaxPool2d 2, Flatten, Linear 9216->128,
  ReLU, Linear 128->10, on 1x28x28 inputs, batch 64
- lstm: LSTM 32->128 (batch_first) over 50 steps, Linear 128->10 on the last step, batch 32

A step is `optimizer.zero_grad(); loss = CrossEntropyLoss()(model(x), y); loss.backward();
optimizer.step()` with SGD (lr 0.01) or Adam (lr 1e-3). Three columns of times: ours eager,
ours with `model = torch.compile(model)` (the forward traced into one plan, the backward a
compiled gradient plan run by the single tape record of the compiled call; loss, optimizer and
the rest of the step stay eager, as torch's own graph break at `loss.backward()` leaves them),
and PyTorch eager. Each number is the median over `--repeat` timed steps after `--warmup`
untimed ones, in milliseconds (the three steps take turns, run by run, so a busy machine slows
them alike); the ratios are ours / torch (below 1.00x: ours is faster). Before
timing, the first step's losses are compared: eager vs torch, and compiled vs eager (a wrong
benchmark is worse than a slow one).

    python benchmarks/torch_like_steps.py [mlp] [cnn] [lstm] [--optimizer sgd|adam|both]
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


def lstm(torch):
    nn = torch.nn

    class LastStepLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 128, batch_first=True)
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])

    return LastStepLSTM()


MODELS = {"mlp": {"build": mlp, "batch": 128, "x": (784,)},
          "cnn": {"build": cnn, "batch": 64, "x": (1, 28, 28)},
          "lstm": {"build": lstm, "batch": 32, "x": (50, 32)}}


def make_step(torch, model, optimizer_name: str, x: np.ndarray, y: np.ndarray,
              compiled: bool = False):
    """The training step as a user writes it, for either library (`compiled`: the model goes
    through torch.compile first)."""
    optimizer = OPTIMIZERS[optimizer_name](torch.optim, model.parameters())
    criterion = torch.nn.CrossEntropyLoss()
    xb, yb = torch.from_numpy(x), torch.from_numpy(y)
    forward = torch.compile(model) if compiled else model

    def step():
        optimizer.zero_grad()
        loss = criterion(forward(xb), yb)
        loss.backward()
        optimizer.step()
        return loss

    return step


def copy_weights(source, target) -> None:
    """Ours -> torch, by state_dict key (the keys are the same in both libraries)."""
    state = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in source.state_dict().items()}
    target.load_state_dict(state)


def median_ms(steps: dict, repeat: int, warmup: int) -> dict:
    """Median milliseconds per step of each named step; the steps take turns, run by run, so
    their numbers are measured under the same machine load."""
    for _ in range(warmup):
        for step in steps.values():
            step()
    times: dict = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: 1e3 * statistics.median(ts) for name, ts in times.items()}


def copy_ours(source, target) -> None:
    target.load_state_dict({k: v.detach().clone() for k, v in source.state_dict().items()})


def bench(name: str, optimizer_name: str, args) -> dict:
    """Times (ms) of ours eager, ours compiled and torch, and the first-step loss differences
    (eager vs torch, compiled vs eager) for one model and optimizer."""
    spec = MODELS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((spec["batch"], *spec["x"])).astype(np.float32)
    y = rng.integers(0, 10, spec["batch"]).astype(np.int64)
    eager_model, compiled_model = spec["build"](ttorch), spec["build"](ttorch)
    copy_ours(eager_model, compiled_model)
    eager = make_step(ttorch, eager_model, optimizer_name, x, y)
    compiled = make_step(ttorch, compiled_model, optimizer_name, x, y, compiled=True)
    first = eager().item()
    row = {"compiled_diff": abs(compiled().item() - first), "torch": float("nan"),
           "torch_diff": float("nan")}
    steps = {"eager": eager, "compiled": compiled}
    if torch is not None:
        theirs_model = spec["build"](torch)
        copy_weights(eager_model, theirs_model)  # (after one step: the next steps compare)
        theirs = make_step(torch, theirs_model, optimizer_name, x, y)
        row["torch_diff"] = abs(eager().item() - theirs().item())
        steps["torch"] = theirs
    row.update(median_ms(steps, args.repeat, args.warmup))
    return row


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
    print(f"{'model':6} {'optim':5} {'eager ms':>9} {'compiled':>9} {'torch ms':>9} "
          f"{'eager/torch':>11} {'comp/torch':>10} {'comp/eager':>10} {'|dloss| torch':>13} "
          f"{'|dloss| comp':>12}")
    optimizers = list(OPTIMIZERS) if args.optimizer == "both" else [args.optimizer]
    for name in args.models or list(MODELS):
        for optimizer_name in optimizers:
            r = bench(name, optimizer_name, args)
            print(f"{name:6} {optimizer_name:5} {r['eager']:9.2f} {r['compiled']:9.2f} "
                  f"{r['torch']:9.2f} {r['eager'] / r['torch']:10.2f}x "
                  f"{r['compiled'] / r['torch']:9.2f}x {r['compiled'] / r['eager']:9.2f}x "
                  f"{r['torch_diff']:13.1e} {r['compiled_diff']:12.1e}")


if __name__ == "__main__":
    main()
