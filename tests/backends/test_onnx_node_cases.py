"""onnx's own node test cases (onnx.backend.test, kind="node") through our IR on the NumPy backend.

Every case is one parametrized test named like onnx names it. A case runs when all of its op types
are in our registry (the set grows as ops are added): the model is read into a Graph by
backends.onnx.read_graph, with every integer-typed input baked in as a constant (our shape rules
need the contents of shapes/axes/pads), compiled with backends.numpy.Plan and compared with the
expected outputs the way onnx's backend test runner does (same shape, same dtype, assert_allclose
at the case's rtol/atol, 1e-3/1e-7; random ops by shape and dtype only). The shape rules' output
types are checked against the kernels' too. Cases of element types the IR lacks are skipped.

Function-expanded cases (test_*_expanded) run as well: they check our primitives against a
composite's ONNX definition, through shape arithmetic the reader sees through with the NumPy
kernels; the old-opset ones (opset 13 softmax expansions) through onnx's version converter.
"""

from __future__ import annotations

import os
import pickle
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from backends.numpy import EAGER, Plan
from backends.onnx import OnnxReadError, is_supported, read_graph
from core_ir import interpreters
from core_ir.errors import OpAttributeError
from core_ir.graph import Graph
from core_ir.op import Op
from core_ir.tensor import Tensor

_NOT_A_TENSOR = "a sequence/optional-typed input: the IR has only tensors"

# Known failures: {onnx test name: why}. Each is xfail(strict=True), so a fix shows up as XPASS.
KNOWN_FAILURES: dict[str, str] = {
    "test_identity_sequence": _NOT_A_TENSOR,
    "test_identity_opt": _NOT_A_TENSOR,
}

# Ops whose outputs are random draws. onnx's case code says of Bernoulli: "The generator operator
# is non-deterministic and may not produce the same values in different implementations even if a
# seed is specified", so their cases are compared by shape and dtype only.
RANDOM_OPS = frozenset({"Bernoulli", "Multinomial", "RandomNormal", "RandomNormalLike",
                        "RandomUniform", "RandomUniformLike"})

# Element types the IR has no dtype for -> the skip reason. int2/uint2 and float6 are the same
# family of sub-byte types as int4 and float4 (newer onnx releases add them).
UNSUPPORTED_TYPES: dict[str, str] = {
    "FLOAT8E4M3FN": "float8", "FLOAT8E4M3FNUZ": "float8", "FLOAT8E5M2": "float8",
    "FLOAT8E5M2FNUZ": "float8", "FLOAT8E8M0": "float8", "BFLOAT16": "bfloat16",
    "INT4": "int4/uint4", "UINT4": "int4/uint4", "INT2": "int2/uint2", "UINT2": "int2/uint2",
    "FLOAT4E2M1": "float4", "FLOAT6E2M3": "float6", "FLOAT6E3M2": "float6",
    "STRING": "string", "COMPLEX64": "complex", "COMPLEX128": "complex",
}
_UNSUPPORTED_CODES = {getattr(TensorProto, name): why for name, why in UNSUPPORTED_TYPES.items()
                      if hasattr(TensorProto, name)}

# onnx builds its node cases at import time by running its reference evaluator (~20 s, mostly
# pooling); a pickle per onnx version makes every later collection take well under a second.
CACHE_DIR = os.path.join(os.path.dirname(__file__), "..", "..", ".pytest_cache", "duet")
CACHE_FORMAT = 1  # bump when the rows _load_from_onnx makes change


@dataclass
class NodeCase:
    name: str
    model: onnx.ModelProto
    inputs: list[Any]   # arrays, or a list/None for the sequence and optional cases
    outputs: list[Any]
    rtol: float
    atol: float

    def __repr__(self) -> str:
        return self.name


# -- loading ----------------------------------------------------------------------------------------
def _as_array(x: Any) -> Any:
    """What onnx's runner feeds a backend: TensorProtos and numpy scalars become arrays."""
    if isinstance(x, TensorProto):
        return numpy_helper.to_array(x)
    if isinstance(x, np.generic):
        return np.asarray(x)
    return x


def _load_from_onnx() -> list[tuple]:
    from onnx.backend.test.loader import load_model_tests

    with warnings.catch_warnings():  # onnx's case generators overflow on purpose
        warnings.simplefilter("ignore")
        tests = load_model_tests(kind="node")
    rows = []
    for t in tests:
        for inputs, outputs in t.data_sets:
            rows.append((t.name, t.model.SerializeToString(), [_as_array(x) for x in inputs],
                         [_as_array(x) for x in outputs], t.rtol, t.atol))
    return rows


def load_node_cases() -> list[NodeCase]:
    """All of onnx's node test cases (one per data set), from the cache when it is there."""
    path = os.path.join(CACHE_DIR, f"onnx-node-cases-{onnx.__version__}-v{CACHE_FORMAT}.pkl")
    try:
        with open(path, "rb") as f:
            rows = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError):
        rows = _load_from_onnx()
        _write_atomically(path, pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
    return [NodeCase(name, onnx.load_from_string(model), inputs, outputs, rtol, atol)
            for name, model, inputs, outputs, rtol, atol in rows]


def _write_atomically(path: str, data: bytes) -> None:
    """Other test runs may read the cache at the same time: write aside, then rename."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout: load from onnx every time


# -- selection ------------------------------------------------------------------------------------
NOT_REGISTERED = "not in the registry"  # skip reasons start with one of these two
TYPE_NOT_IN_IR = "element type not in the IR"


def op_types(model: onnx.ModelProto) -> list[tuple[str, str]]:
    return sorted({(n.domain, n.op_type) for n in model.graph.node})


def _elem_types(model: onnx.ModelProto) -> set[int]:
    """Element types of the graph's inputs and outputs, Cast targets and tensor attributes."""
    g = model.graph
    types = {vi.type.tensor_type.elem_type for vi in [*g.input, *g.output]
             if vi.type.HasField("tensor_type")}
    for node in g.node:
        for a in node.attribute:
            if a.name == "to" and a.type == onnx.AttributeProto.INT:
                types.add(a.i)
            elif a.type == onnx.AttributeProto.TENSOR:
                types.add(a.t.data_type)
    return types


def skip_reason(case: NodeCase) -> str | None:
    """Why the case cannot run on our IR at all (missing ops, element types we lack), or None."""
    missing = [t for d, t in op_types(case.model) if not is_supported(d, t)]
    if missing:
        return f"{NOT_REGISTERED}: " + ", ".join(missing)
    kinds = sorted({_UNSUPPORTED_CODES[t] for t in _elem_types(case.model)
                    if t in _UNSUPPORTED_CODES})
    if kinds:
        return f"{TYPE_NOT_IN_IR}: " + ", ".join(kinds)
    return None


def has_random_outputs(case: NodeCase) -> bool:
    return any(n.op_type in RANDOM_OPS for n in case.model.graph.node)


# -- running --------------------------------------------------------------------------------------
def evaluate_numpy(op: Op, arrays: list[np.ndarray | None], attrs: dict) -> tuple:
    """The reader's constant evaluator: one op on arrays, run by the NumPy eager interpreter
    (made current, since the reader calls it while tracing)."""
    with interpreters.interpreter(EAGER):
        out = op(*[None if a is None else Tensor(a) for a in arrays], **attrs)
    return tuple(t.array for t in (out if isinstance(out, tuple) else (out,)))


def run_case(case: NodeCase) -> None:
    """Read, compile and run the case; raise AssertionError if an output differs."""
    names = [vi.name for vi in case.model.graph.input]
    feeds = dict(zip(names, case.inputs))
    constants = {n: a for n, a in feeds.items()
                 if isinstance(a, np.ndarray) and a.dtype.kind in "iu"}
    graph = read_graph(case.model, constants, evaluate_numpy)
    outputs, _ = Plan(graph)([feeds[v.name] for v in graph.inputs])
    assert_similar_outputs(case.outputs, list(outputs), case.rtol, case.atol,
                           values=not has_random_outputs(case))
    assert_rules_agree(graph, list(outputs))


def assert_rules_agree(graph: Graph, outputs: list) -> None:
    """The types the shape rules gave the graph outputs are those the kernels produced (an
    unknown or symbolic dim matches any size)."""
    for i, (v, out) in enumerate(zip(graph.outputs, outputs)):
        dims_agree = len(v.shape) == np.ndim(out) and all(
            not isinstance(d, int) or d == n for d, n in zip(v.shape, np.shape(out)))
        assert v.dtype == out.dtype and dims_agree, (
            f"output {i}: the shape rule says {v.type_str()}, the kernel gave "
            f"{out.dtype}{list(np.shape(out))}")


def assert_similar_outputs(expected: list, got: list, rtol: float, atol: float,
                           values: bool = True) -> None:
    """onnx.backend.test.runner.Runner.assert_similar_outputs for tensors (values=False: shapes
    and dtypes only)."""
    assert len(got) == len(expected), f"{len(got)} outputs, expected {len(expected)}"
    for i, (out, ref) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(np.shape(out), ref.shape,
                                      err_msg=f"Output {i} has incorrect shape")
        assert out.dtype == ref.dtype, f"output {i} has dtype {out.dtype}, expected {ref.dtype}"
        if values:
            np.testing.assert_allclose(out, ref, rtol=rtol, atol=atol, err_msg=f"output {i}")


# -- the tests ------------------------------------------------------------------------------------
CASES = load_node_cases()


def _param(case: NodeCase):
    reason = skip_reason(case)
    if reason is not None:
        return pytest.param(case, id=case.name, marks=pytest.mark.skip(reason=reason))
    if case.name in KNOWN_FAILURES:
        mark = pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[case.name])
        return pytest.param(case, id=case.name, marks=mark)
    return pytest.param(case, id=case.name)


# NOTE: the cases hit IEEE edge cases on purpose (log(0) = -inf in test_reduce_log_sum_empty_set)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_onnx_node_case(case: NodeCase) -> None:
    run_case(case)


def test_known_failures_name_runnable_cases() -> None:
    """Keeps KNOWN_FAILURES honest: every entry is a case that exists and is not skipped."""
    runnable = {c.name for c in CASES if skip_reason(c) is None}
    stale = sorted(set(KNOWN_FAILURES) - runnable)
    assert not stale, f"KNOWN_FAILURES lists cases that do not run: {stale}"


# -- the reader's errors: clear, and naming the node ----------------------------------------------
def _one_node_model(node: onnx.NodeProto, opset: int = 21) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph([node], "g", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.mark.parametrize("node, error, match", [
    (helper.make_node("Frobnicate", ["x"], ["y"]), OnnxReadError,
     r"no IR op for ONNX op type 'Frobnicate' \(node Frobnicate_0\)"),
    (helper.make_node("Relu", ["x"], ["y"], name="act", foo=1), OpAttributeError,
     r"Relu has no attribute 'foo' .*\[in ONNX node act\]"),
    (helper.make_node("Add", ["x", "z"], ["y"]), OnnxReadError, r"'z' \(used by Add_0\)"),
    (helper.make_node("Relu", ["x", "x"], ["y"]), OnnxReadError, r"cannot read node Relu_0"),
], ids=["unknown op", "unknown attribute", "undefined name", "too many inputs"])
def test_reader_errors_name_the_node(node: onnx.NodeProto, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        read_graph(_one_node_model(node))


def test_reader_converts_old_opsets() -> None:
    """ReduceMean-13 takes axes as an attribute; the reader upgrades the model to opset 18 first."""
    node = helper.make_node("ReduceMean", ["x"], ["y"], axes=[1], keepdims=0)
    graph = read_graph(_one_node_model(node, opset=13))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    (y,), _ = Plan(graph)([x])
    np.testing.assert_array_equal(y, x.mean(axis=1))
