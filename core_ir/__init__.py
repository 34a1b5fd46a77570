"""core_ir: the operator IR both frontends lower into (ops, graphs, interpreters, autodiff,
passes). It imports no backend and no frontend."""

from . import dtypes, ops
from .autodiff import backward, grad
from .errors import (DTypeError, GradientError, GraphError, IndexOutOfRange, IRError, KernelBug,
                     OpAttributeError, ShapeError)
from .graph import Graph, Node, Value
from .interpreters import (TypeSpec, assign, bind, constant, enable_grad, interpreter,
                           is_grad_enabled, no_grad, origin, set_grad_enabled, trace)
from .op import Attr, Op, all_ops, defop, get_op
from .tensor import Tensor

__all__ = [
    "dtypes", "ops", "backward", "grad", "DTypeError", "GradientError", "GraphError",
    "IndexOutOfRange", "IRError",
    "KernelBug", "OpAttributeError", "ShapeError", "Graph", "Node", "Value", "TypeSpec", "assign",
    "bind", "constant", "enable_grad", "interpreter", "is_grad_enabled", "no_grad", "origin",
    "set_grad_enabled", "trace", "Attr", "Op", "all_ops", "defop", "get_op", "Tensor",
]
