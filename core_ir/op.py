"""The op registry: one definition per operator, with its intrinsic facts in one place.

An Op has an ONNX-aligned name and domain, an attribute schema, a shape/dtype rule (`infer`) that
never touches data, and a VJP rule written in IR ops (or None: not differentiable). A composite
op also has a `decompose` function into primitives, which gives it a gradient when it has no VJP
of its own and a kernel when a backend has no fused one. Backends keep their own tables keyed by
the Op object. Calling an op (`add(x, y)`) binds it to the current interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from . import dtypes
from .errors import OpAttributeError

ONNX_DOMAIN = ""
PRIVATE_DOMAIN = "duet"  # internal ops ONNX lacks (gradient kernels, fused updates)

REQUIRED = object()
DECOMPOSE = "decompose"  # vjp=DECOMPOSE: differentiate a composite through its decomposition

# Attribute kinds and what they accept. Lists are normalised to tuples so attrs are hashable.
_KINDS: dict[str, Callable[[Any], Any]] = {}


def _kind(name):
    def register(fn):
        _KINDS[name] = fn
        return fn
    return register


@_kind("int")
def _as_int(v):
    if isinstance(v, bool) or not isinstance(v, int):
        if hasattr(v, "__index__") and not isinstance(v, bool):
            return int(v)
        raise TypeError("an int")
    return v


@_kind("float")
def _as_float(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        if hasattr(v, "__float__") and not hasattr(v, "shape"):
            return float(v)
        raise TypeError("a float")
    return float(v)


@_kind("bool")
def _as_bool(v):
    if isinstance(v, bool) or v in (0, 1):
        return bool(v)
    raise TypeError("a bool")


@_kind("str")
def _as_str(v):
    if not isinstance(v, str):
        raise TypeError("a str")
    return v


@_kind("ints")
def _as_ints(v):
    if not isinstance(v, (list, tuple)):
        raise TypeError("a list of ints")
    return tuple(_as_int(x) for x in v)


@_kind("floats")
def _as_floats(v):
    if not isinstance(v, (list, tuple)):
        raise TypeError("a list of floats")
    return tuple(_as_float(x) for x in v)


@_kind("dtype")
def _as_dtype(v):
    try:
        return dtypes.as_dtype(v)
    except TypeError:
        raise TypeError("a dtype") from None


@_kind("any")
def _as_any(v):
    return v


@dataclass(frozen=True)
class Attr:
    """One attribute of an op's schema. `choices` restricts str/int values."""

    kind: str
    default: Any = REQUIRED
    choices: tuple | None = None
    optional: bool = False  # None is a valid value (the ONNX "absent" state)


class Op:
    """An operator definition. See the module docstring."""

    def __init__(self, name: str, *, infer: Callable, vjp, attrs: dict[str, Attr] | None = None,
                 domain: str = ONNX_DOMAIN, num_outputs: int = 1, decompose: Callable | None = None,
                 doc: str = ""):
        self.name = name
        self.domain = domain
        self.attrs = attrs or {}
        self.infer = infer
        self.vjp = vjp
        self.num_outputs = num_outputs  # -1: decided by attributes (Split, LSTM)
        self.decompose = decompose
        self.doc = doc
        self.defaults = {k: a.default for k, a in self.attrs.items() if a.default is not REQUIRED}
        self._required = [k for k, a in self.attrs.items() if a.default is REQUIRED]
        self._cache: dict = {}
        # the cheap dtype contract the eager interpreter checks (see shape_rules.dtype_checked)
        self.allowed_dtypes = getattr(infer, "allowed_dtypes", None)
        self.homogeneous = getattr(infer, "homogeneous", False)
        # run the whole shape rule before the eager kernel too (set for heavy ops, see ops/)
        self.check_eagerly = False

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None

    @property
    def is_composite(self) -> bool:
        return self.decompose is not None

    def resolve_attrs(self, given: dict) -> dict:
        """Validate user attributes and fill defaults. Raises OpAttributeError."""
        try:
            key = tuple(given.items())
            hit = self._cache.get(key)
            if hit is not None:
                return hit
        except TypeError:  # an unhashable value (a list): validate without caching
            key = None
        attrs = dict(self.defaults)
        for k, v in given.items():
            spec = self.attrs.get(k)
            if spec is None:
                known = ", ".join(self.attrs) or "none"
                raise OpAttributeError(f"{self.name} got an unknown attribute '{k}' (known: {known})")
            attrs[k] = self._check_attr(k, spec, v)
        for k in self._required:
            if k not in attrs:
                raise OpAttributeError(f"{self.name} requires the attribute '{k}'")
        if key is not None and len(self._cache) < 4096:
            self._cache[key] = attrs
        return attrs

    def _check_attr(self, name: str, spec: Attr, value):
        if value is None and (spec.optional or spec.default is None):
            return None
        try:
            value = _KINDS[spec.kind](value)
        except (TypeError, ValueError) as e:
            raise OpAttributeError(
                f"{self.name} attribute '{name}' must be {e.args[0] if e.args else spec.kind}, "
                f"got {value!r}") from None
        if spec.choices is not None and value not in spec.choices:
            raise OpAttributeError(
                f"{self.name} attribute '{name}' must be one of {list(spec.choices)}, got {value!r}")
        return value

    def __call__(self, *inputs, **attrs):
        return _bind(self, inputs, attrs)

    def __repr__(self) -> str:
        return f"<op {self.domain + '.' if self.domain else ''}{self.name}>"


REGISTRY: dict[tuple[str, str], Op] = {}


def defop(name: str, *, infer: Callable, vjp, attrs: dict[str, Attr] | None = None,
          domain: str = ONNX_DOMAIN, num_outputs: int = 1, decompose: Callable | None = None,
          doc: str = "") -> Op:
    """Define and register an op. `vjp` is a function (g, out, *inputs, **attrs) -> tuple of input
    cotangents (None for a zero), a tuple of functions (g, out, *inputs, **attrs) -> cotangent,
    one per input (only the needed ones run), DECOMPOSE (a composite differentiated through its
    decomposition), or None for "not differentiable"."""
    key = (domain, name)
    if key in REGISTRY:
        raise ValueError(f"op {name} is defined twice")
    op = Op(name, infer=infer, vjp=vjp, attrs=attrs, domain=domain, num_outputs=num_outputs,
            decompose=decompose, doc=doc)
    if vjp == DECOMPOSE:
        if decompose is None:
            raise ValueError(f"op {name}: vjp=DECOMPOSE needs a decomposition")
        from .autodiff import composite_vjp
        op.vjp = composite_vjp(op)
    REGISTRY[key] = op
    return op


def get_op(name: str, domain: str = ONNX_DOMAIN) -> Op:
    return REGISTRY[(domain, name)]


def all_ops() -> list[Op]:
    return list(REGISTRY.values())


def _bind(op, inputs, attrs):  # replaced by interpreters.bind at import; avoids an import cycle
    raise RuntimeError("core_ir.interpreters is not loaded")


def install_bind(fn: Callable) -> None:
    global _bind
    _bind = fn
