"""`tensor.grad_fn`: a view of the tape record that made a tensor, named as torch names its
backward nodes (AddBackward0, MmBackward0, ...), with `next_functions` leading to the inputs'
nodes (AccumulateGrad for leaves that require grad)."""

from __future__ import annotations

# IR op -> torch's backward node, where they correspond one to one. The others keep the IR name
# (e.g. "ReduceL1Backward0"): a documented difference in grad_fn names only.
_TORCH_NAMES = {
    "Add": "AddBackward0", "Sub": "SubBackward0", "Mul": "MulBackward0", "Div": "DivBackward0",
    "Neg": "NegBackward0", "Abs": "AbsBackward0", "Reciprocal": "ReciprocalBackward0",
    "Pow": "PowBackward0", "Exp": "ExpBackward0", "Log": "LogBackward0", "Sqrt": "SqrtBackward0",
    "Sin": "SinBackward0", "Cos": "CosBackward0", "Tanh": "TanhBackward0", "Erf": "ErfBackward0",
    "Sigmoid": "SigmoidBackward0", "Relu": "ReluBackward0", "LeakyRelu": "LeakyReluBackward0",
    "Elu": "EluBackward0", "Selu": "EluBackward0", "Celu": "EluBackward0",
    "Gelu": "GeluBackward0", "Softplus": "SoftplusBackward0", "Mish": "MishBackward0",
    "HardSwish": "HardswishBackward0", "HardSigmoid": "HardsigmoidBackward0",
    "PRelu": "PreluKernelBackward0", "Sign": "SignBackward0", "Floor": "FloorBackward0",
    "Ceil": "CeilBackward0", "Round": "RoundBackward0", "Min": "MinimumBackward0",
    "Max": "MaximumBackward0", "Clip": "ClampBackward1", "Where": "WhereBackward0",
    "Cast": "ToCopyBackward0", "Identity": "CloneBackward0", "ReduceProd": "ProdBackward0",
    "ReduceMax": "MaxBackward1", "ReduceMin": "MinBackward1",
    "ReduceL2": "LinalgVectorNormBackward0", "ReduceLogSumExp": "LogsumexpBackward0",
    "CumSum": "CumsumBackward0", "TopK": "TopkBackward0", "Gemm": "AddmmBackward0",
    "Reshape": "ViewBackward0", "Flatten": "ViewBackward0", "Expand": "ExpandBackward0",
    "Unsqueeze": "UnsqueezeBackward0", "Concat": "CatBackward0", "Split": "SplitBackward0",
    "Slice": "SliceBackward0", "GatherND": "IndexBackward0", "GatherElements": "GatherBackward0",
    "ScatterND": "IndexPutBackward0", "Tile": "RepeatBackward0", "Pad": "ConstantPadNdBackward0",
    "Softmax": "SoftmaxBackward0", "LogSoftmax": "LogSoftmaxBackward0",
    "Conv": "ConvolutionBackward0", "ConvTranspose": "ConvolutionBackward0",
    "MaxPool": "MaxPool2DWithIndicesBackward0", "AveragePool": "AvgPool2DBackward0",
    "BatchNormalization": "NativeBatchNormBackward0",
    "LayerNormalization": "NativeLayerNormBackward0", "Dropout": "NativeDropoutBackward0",
    "SoftmaxCrossEntropyLoss": "NllLossBackward0", "NegativeLogLikelihoodLoss": "NllLossBackward0",
    "BinaryCrossEntropyWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "Einsum": "EinsumBackward0",
}


def _with_axes(rec, without: str, with_: str) -> str:
    """Reductions: torch numbers the overload (x.sum() -> SumBackward0, x.sum(0) -> ...1)."""
    return without if len(rec.inputs or ()) < 2 or rec.inputs[1] is None else with_


def _matmul_name(rec) -> str:
    if rec.inputs is None:
        return "MmBackward0"
    ranks = tuple(t.ndim for t in rec.inputs)
    return {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0",
            (3, 3): "BmmBackward0"}.get(ranks, "UnsafeViewBackward0")


def _transpose_name(rec) -> str:
    perm = rec.attrs.get("perm")
    if perm is None:
        return "TBackward0"
    return "TransposeBackward0" if sum(i != p for i, p in enumerate(perm)) == 2 else \
        "PermuteBackward0"


def _gather_name(rec) -> str:
    inputs = rec.inputs
    return "SelectBackward0" if inputs is not None and inputs[1].ndim == 0 else "IndexBackward0"


def _scatter_name(rec) -> str:
    return "ScatterAddBackward0" if rec.attrs.get("reduction") == "add" else "ScatterBackward0"


_COMPUTED = {
    "ReduceSum": lambda r: _with_axes(r, "SumBackward0", "SumBackward1"),
    "ReduceMean": lambda r: _with_axes(r, "MeanBackward0", "MeanBackward1"),
    "Squeeze": lambda r: _with_axes(r, "SqueezeBackward0", "SqueezeBackward1"),
    "MatMul": _matmul_name, "Transpose": _transpose_name, "Gather": _gather_name,
    "ScatterElements": _scatter_name,
    "Trilu": lambda r: "TriuBackward0" if r.attrs.get("upper", 1) else "TrilBackward0",
}


def backward_name(rec) -> str:
    op = rec.op
    custom = getattr(op, "torch_name", None)
    if custom is not None:
        return custom
    rule = _COMPUTED.get(op.name)
    if rule is not None:
        return rule(rec)
    return _TORCH_NAMES.get(op.name, f"{op.name}Backward0")


def visible_record(rec):
    """Skip the identity records that carry tensor hooks: in torch a hook changes no grad_fn."""
    while getattr(rec.op, "is_hook", False):
        rec = rec.attrs["inner"]
    return rec


def grad_fn_of(t):
    rec = t.creator
    if rec is None:
        return None
    rec = visible_record(rec)
    return None if rec is None else GradFn(rec)


class GradFn:
    """Mirrors a torch autograd graph node (`tensor.grad_fn`): name(), next_functions. Its
    class name shows torch's node name, e.g. type(y.grad_fn).__name__ == 'AddBackward0'."""

    __slots__ = ("record",)

    def __new__(cls, record):
        name = backward_name(record)
        node_cls = _node_classes.get(name)
        if node_cls is None:
            node_cls = _node_classes[name] = type(name, (GradFn,), {"__slots__": ()})
        self = object.__new__(node_cls)
        self.record = record
        return self

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """One entry per input torch would list: the IR's int64 operands (axes, shapes,
        indices) and absent optional inputs are not tensors torch differentiates."""
        inputs = self.record.inputs or ()
        return tuple((_node_of(t), 0) for t in inputs
                     if t is not None and (t.requires_grad or t.dtype.kind == "f"))

    @property
    def metadata(self) -> dict:
        return {}

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self.record):#x}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, GradFn) and other.record is self.record

    def __hash__(self) -> int:
        return id(self.record)


_node_classes: dict[str, type] = {}


class AccumulateGrad:
    """The node a leaf that requires grad contributes through (`next_functions` entries)."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self.variable):#x}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)


def _node_of(t):
    if t is None or not t.requires_grad:
        return None
    if t.creator is None:
        return AccumulateGrad(t)
    rec = visible_record(t.creator)
    return None if rec is None else GradFn(rec)
