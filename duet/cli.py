"""The `duet` command line.

    duet demo                            train the seed's models in both styles, compare, export
    duet inspect model.onnx              the model as IR text: inputs, ops, parameter count
    duet run model.onnx --input x.npy    run it on the NumPy backend, print/save the outputs
    duet exec script.py [args...]        run an unmodified PyTorch or Keras/TF script on Duet
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

# numpy's OpenBLAS starts one thread per core, and on a machine busy with other work those
# threads wait on each other: small matrix products get 3-10x slower (measured on the 2-core
# development machine). The demo's matrices are small, so one thread is the fast default;
# set OPENBLAS_NUM_THREADS to choose otherwise. (Effective only before numpy is imported.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np


def cmd_demo(args) -> int:
    from duet import demo
    return demo.main()


def cmd_inspect(args) -> int:
    from backends.onnx.importer import import_model
    imported = import_model(args.model)
    graph = imported.graph
    n_params = sum(int(np.prod(a.shape)) for a in imported.params.values())
    print(graph)
    print(f"\ninputs:  {', '.join(f'{v.name}: {_spec(v)}' for v in graph.inputs)}")
    print(f"outputs: {', '.join(f'{n}: {_spec(v)}' for n, v in zip(imported.output_names, graph.outputs))}")
    ops = collections.Counter(node.op.name for node in graph.nodes)
    print(f"ops:     {len(graph.nodes)} ({', '.join(f'{k} x{v}' for k, v in ops.most_common())})")
    print(f"parameters: {n_params:,} in {len(imported.params)} tensors")
    return 0


def _spec(value) -> str:
    dims = ",".join("?" if d is None else str(d) for d in value.shape)
    return f"{value.dtype.name}[{dims}]"


def cmd_run(args) -> int:
    from backends.onnx.importer import import_model, run_imported
    imported = import_model(args.model, trainable=False)
    if len(args.input) != len(imported.input_names):
        print(f"duet run: {args.model} takes {len(imported.input_names)} input(s) "
              f"({', '.join(imported.input_names)}); got {len(args.input)} --input file(s)",
              file=sys.stderr)
        return 2
    inputs = [np.load(path) for path in args.input]
    outputs = run_imported(imported, inputs)
    for name, out in zip(imported.output_names, outputs):
        print(f"{name}: {out.dtype}{list(out.shape)}")
        print(np.array2string(out, threshold=40, precision=5))
    if args.output:
        np.savez(args.output, **dict(zip(imported.output_names, outputs)))
        print(f"outputs saved to {args.output}")
    return 0


def cmd_exec(args) -> int:
    from duet.aliases import FacadeNotProvided, run_script
    try:
        run_script(args.script, args.args)
    except FacadeNotProvided as err:
        print(f"duet exec: {err}", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="duet", description="Keras-style and PyTorch-style code on "
                                "one IR, a NumPy engine and ONNX.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="train the seed's models in both styles on digits, compare "
                   "them, export to ONNX and check the files in onnxruntime"
                   ).set_defaults(func=cmd_demo)
    inspect = sub.add_parser("inspect", help="print an ONNX model as IR text")
    inspect.add_argument("model")
    inspect.set_defaults(func=cmd_inspect)
    run = sub.add_parser("run", help="run an ONNX model on the NumPy backend")
    run.add_argument("model")
    run.add_argument("--input", action="append", default=[], metavar="X.npy",
                     help="one .npy file per model input, in order")
    run.add_argument("--output", metavar="OUT.npz", help="save the outputs here")
    run.set_defaults(func=cmd_run)
    ex = sub.add_parser("exec", help="run a PyTorch or Keras/TF script with its torch, "
                        "tensorflow and keras imports resolved to Duet")
    ex.add_argument("script")
    ex.add_argument("args", nargs=argparse.REMAINDER)
    ex.set_defaults(func=cmd_exec)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)
