"""The NumPy backend: vectorized kernels, the eager interpreter and the graph executor.
Importing it makes its eager interpreter the default one."""

from __future__ import annotations

import warnings

from core_ir import interpreters, passes

from .eager import EAGER, NumpyEager
from .executor import CompiledFunction, Plan
from .kernels import KERNELS
from .kernels.random import get_state, manual_seed, set_state  # the engine's one generator

# Overflow to inf, 0/0 = nan and log(0) = -inf are the IEEE results torch and Keras also give
# silently; numpy's RuntimeWarnings from our own kernels would only be noise.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"backends\.numpy")

interpreters.set_default_interpreter(EAGER)


def evaluate(op, arrays, attrs):
    """Run one op's kernel on arrays: what core_ir.passes needs to fold constants."""
    return KERNELS[op](*arrays, **attrs)


def optimize(graph):
    """The graph passes with this backend as the constant evaluator."""
    return passes.simplify(graph, evaluate)


def jit(fn, input_specs, names=None):
    """Trace fn over inputs of the given (dtype, shape) specs, simplify and compile it: the
    result takes and returns arrays."""
    graph, captured, _ = interpreters.trace(fn, input_specs, names)
    return CompiledFunction(optimize(graph), captured)


__all__ = ["EAGER", "NumpyEager", "Plan", "CompiledFunction", "KERNELS", "evaluate", "optimize",
           "jit", "manual_seed", "get_state", "set_state"]
