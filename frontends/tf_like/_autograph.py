"""A modest AutoGraph: rewrite a tf.function's Python `if`/`while`/`for` into calls that work on
symbolic tensors (see _autograph_runtime for what those calls do).

The decorated function's source (inspect.getsource) is parsed with `ast`, and each statement

    if test: BODY else: ORELSE          while test: BODY          for target in it: BODY

becomes nested functions taking and returning the variables the block assigns, plus one call:

    def _ag_if_true_0(a, b): BODY; return (a, b)
    def _ag_if_false_0(a, b): ORELSE; return (a, b)
    (a, b) = _ag__.if_stmt(test, _ag_if_true_0, _ag_if_false_0, _ag__.state(locals(), ('a', 'b')))

`and`/`or`/`not` in a test become _ag__.and_/or_/not_ (lazy, so short-circuiting holds for
Python values) and `range(...)` as a `for` iterable becomes _ag__.range_. A call `f(...)`
becomes `_ag__.converted(f)(...)`, which converts the user's own Python functions and methods
on the fly (not library code: tf_like itself, numpy, the standard library), as TF does; nested
`def`s and lambdas are converted when called, not where defined. A block is left as
plain Python when it contains return/break/continue/yield/del/global/nonlocal, a `while`/`for`
has an `else`, or an `if` assigns attributes or subscripts (both branches may run); such a
block on a symbolic tensor raises OperatorNotAllowedInGraphError while tracing, and
tf.function then runs eagerly with a warning. No source (lambdas, builtins, the REPL): the
function is used unconverted.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import types

from . import _autograph_runtime

_PREFIX = "_ag_"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_BLOCKERS = (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal,
             ast.Delete)


def do_not_convert(func=None):
    """Mirrors tf.autograph.experimental.do_not_convert: tf.function traces func as written."""
    if func is None:
        return do_not_convert
    func.__ag_do_not_convert__ = True
    return func


# -- analysis -----------------------------------------------------------------------------------------
def _children(node):
    """Child nodes in the same scope (nested functions, classes, lambdas and comprehensions
    have their own)."""
    if isinstance(node, (*_SCOPES, *_COMPREHENSIONS)):
        return
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (*_SCOPES, *_COMPREHENSIONS)):
            yield child


def _assigned(stmts) -> set[str]:
    names: set[str] = set()
    todo = list(stmts)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        todo.extend(_children(node))
    return {n for n in names if not n.startswith(_PREFIX)}


def _blocked(stmts, kind: str) -> bool:
    """True when the block cannot become a function (see the module docstring)."""
    todo = [(s, False) for s in stmts]
    while todo:
        node, in_loop = todo.pop()
        if isinstance(node, _BLOCKERS):
            return True
        if isinstance(node, (ast.Break, ast.Continue)) and not in_loop:
            return True
        if kind == "if" and isinstance(node, (ast.Attribute, ast.Subscript)) and \
                isinstance(node.ctx, ast.Store):
            return True
        inner = in_loop or isinstance(node, (ast.For, ast.While, ast.AsyncFor))
        todo.extend((c, inner) for c in _children(node))
    return False


# -- rewriting -------------------------------------------------------------------------------------
def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _runtime(attr: str) -> ast.Attribute:
    return ast.Attribute(value=_load("_ag__"), attr=attr, ctx=ast.Load())


def _def(name: str, params: list[str], body: list, names: list[str]) -> ast.FunctionDef:
    ret = ast.Return(ast.Tuple([_load(n) for n in names], ast.Load()))
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], kwonlyargs=[],
                         kw_defaults=[], defaults=[])
    return ast.FunctionDef(name=name, args=args, body=[*body, ret], decorator_list=[],
                           returns=None, type_comment=None)


def _state_call(helper: str, first: list, names: list[str]) -> ast.stmt:
    values = ast.Call(_runtime("state"), [ast.Call(_load("locals"), [], []),
                                          ast.Constant(tuple(names))], [])
    call = ast.Call(_runtime(helper), [*first, values], [])
    if not names:
        return ast.Expr(call)
    target = ast.Tuple([ast.Name(id=n, ctx=ast.Store()) for n in names], ast.Store())
    return ast.Assign(targets=[target], value=call)


class _TestRewriter(ast.NodeTransformer):
    """`a and b` -> _ag__.and_(lambda: a, lambda: b); `not a` -> _ag__.not_(a)."""

    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        helper = "and_" if isinstance(node.op, ast.And) else "or_"
        thunks = [ast.Lambda(ast.arguments(posonlyargs=[], args=[], kwonlyargs=[],
                                           kw_defaults=[], defaults=[]), v)
                  for v in node.values]
        return ast.Call(_runtime(helper), thunks, [])

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.Call(_runtime("not_"), [node.operand], [])
        return node

    def visit_Lambda(self, node):
        return node


class _Converter(ast.NodeTransformer):
    def __init__(self, protected: set[str], first_arg: str | None):
        self.protected, self.first_arg = protected, first_arg
        self.count = self.calls = 0

    def _skip(self, node, names, kind) -> bool:
        return _blocked(node.body + node.orelse, kind) or bool(names & self.protected)

    def visit_FunctionDef(self, node):  # nested functions are converted when called
        return node

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args and \
                self.first_arg:
            # zero-argument super() reads the frame's first argument: converted blocks run in
            # nested functions, so name both explicitly
            node.args = [_load("__class__"), _load(self.first_arg)]
            return node
        if isinstance(node.func, ast.Name) and node.func.id in ("super", "locals", "range"):
            return node
        node.func = ast.Call(_runtime("converted"), [node.func], [])
        self.calls += 1
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef

    def visit_If(self, node):
        node = self.generic_visit(node)
        names = _assigned(node.body + node.orelse)
        if self._skip(node, names, "if"):
            return node
        k, names = self._next(), sorted(names)
        t, f = f"{_PREFIX}if_true_{k}", f"{_PREFIX}if_false_{k}"
        test = _TestRewriter().visit(node.test)
        return [_def(t, names, node.body, names), _def(f, names, node.orelse or [ast.Pass()], names),
                _state_call("if_stmt", [test, _load(t), _load(f)], names)]

    def visit_While(self, node):
        node = self.generic_visit(node)
        names = _assigned(node.body)
        if node.orelse or self._skip(node, names, "loop"):
            return node
        k, names = self._next(), sorted(names)
        c, b = f"{_PREFIX}while_test_{k}", f"{_PREFIX}while_body_{k}"
        test_def = _def(c, names, [], [])
        test_def.body = [ast.Return(_TestRewriter().visit(node.test))]
        return [test_def, _def(b, names, node.body, names),
                _state_call("while_stmt", [_load(c), _load(b)], names)]

    def visit_For(self, node):
        node = self.generic_visit(node)
        names = _assigned([node.target, *node.body])
        if node.orelse or self._skip(node, names, "loop"):
            return node
        k, names = self._next(), sorted(names)
        b, item = f"{_PREFIX}for_body_{k}", f"{_PREFIX}item"
        bind = ast.Assign(targets=[node.target], value=_load(item))
        iterable = node.iter
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and \
                iterable.func.id == "range":
            iterable = ast.Call(_runtime("range_"), iterable.args, iterable.keywords)
        return [_def(b, [item, *names], [bind, *node.body], names),
                _state_call("for_stmt", [iterable, _load(b)], names)]

    def _next(self) -> int:
        self.count += 1
        return self.count


def _protected(fdef) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(fdef):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


# -- building the converted function ----------------------------------------------------------------
def convert(fn):
    """fn with its tensor control flow converted; fn itself when there is nothing to convert or
    its source is unavailable."""
    if isinstance(fn, types.MethodType):
        converted = convert(fn.__func__)
        return fn if converted is fn.__func__ else types.MethodType(converted, fn.__self__)
    if not inspect.isfunction(fn) or getattr(fn, "__ag_do_not_convert__", False) or \
            fn.__name__ == "<lambda>" or fn.__code__.co_flags & (inspect.CO_GENERATOR |
                                                                  inspect.CO_COROUTINE):
        return fn
    try:
        fdef = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    except (OSError, TypeError, SyntaxError, ValueError, IndexError):
        return fn
    if not isinstance(fdef, ast.FunctionDef) or fdef.name != fn.__name__:
        return fn
    positional = [*fdef.args.posonlyargs, *fdef.args.args]
    converter = _Converter(_protected(fdef), positional[0].arg if positional else None)
    fdef.body = [s for stmt in fdef.body for s in _as_list(converter.visit(stmt))]
    if converter.count == converter.calls == 0:
        return fn
    return _compile(fn, fdef)


def _as_list(result) -> list:
    return result if isinstance(result, list) else [result]


def _compile(fn, fdef):
    fdef.decorator_list, fdef.returns = [], None
    args = fdef.args
    # defaults and annotations were evaluated where fn was defined: reuse fn's, do not re-run
    args.defaults = [ast.Constant(None) for _ in args.defaults]
    args.kw_defaults = [None if d is None else ast.Constant(None) for d in args.kw_defaults]
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None
    params = ["_ag__", *fn.__code__.co_freevars]
    factory = _def("_ag_factory", params, [fdef], [])
    factory.body[-1] = ast.Return(_load(fdef.name))
    module = ast.fix_missing_locations(ast.Module([factory], type_ignores=[]))
    ast.increment_lineno(module, fn.__code__.co_firstlineno - 1)
    try:
        code = compile(module, inspect.getsourcefile(fn) or "<autograph>", "exec")
    except SyntaxError:
        return fn
    # the factory only gives the compiler the right scopes; the function is built directly
    # on fn's own closure cells, so it shares (and rebinds) the variables fn closes over
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and
                 c.co_name == fdef.name)
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    cells["_ag__"] = types.CellType(_autograph_runtime)
    if not set(inner.co_freevars) <= set(cells):
        return fn
    new = types.FunctionType(inner, fn.__globals__, fn.__name__, fn.__defaults__,
                             tuple(cells[n] for n in inner.co_freevars))
    new.__kwdefaults__ = fn.__kwdefaults__
    functools.update_wrapper(new, fn, updated=())
    del new.__wrapped__  # inspect.signature should read the converted code's own parameters
    return new


autograph = types.SimpleNamespace(
    experimental=types.SimpleNamespace(do_not_convert=do_not_convert))

__all__ = ["autograph", "convert", "do_not_convert"]
