"""Calling a Module: forward (pre-)hooks, full backward (pre-)hooks, the module path as the IR
origin, and the module path added to errors raised inside (torch's _call_impl plus duet's
origins). Also RemovableHandle and the hook registration methods Module binds."""

from __future__ import annotations

import weakref
from collections import OrderedDict

import core_ir
from core_ir import ops
from core_ir.interpreters import TracingInterpreter, TypeSpec, current_interpreter, current_origin
from core_ir.op import PRIVATE_DOMAIN, Op
from core_ir.tensor import Tensor as _CoreTensor

HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks",
              "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
              "_load_state_dict_post_hooks")
_DUET_PACKAGES = ("frontends.", "core_ir.", "backends.")
_TAGGED = "_duet_module_tagged"

_calling: list = []  # the modules being called, outermost (the root) first
_base_origin: list[str] = []  # the IR origin in force when the root module was called


class RemovableHandle:
    """Mirrors torch.utils.hooks.RemovableHandle: `remove()` unregisters the hook; usable as a
    context manager."""

    next_id: int = 0

    def __init__(self, hooks_dict, *, extra_dict=None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        extras = extra_dict if isinstance(extra_dict, list) else (
            [extra_dict] if extra_dict is not None else [])
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _add_hook(hooks: OrderedDict, hook, prepend: bool, extra=None) -> RemovableHandle:
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
    handle = _add_hook(self._forward_pre_hooks, hook, prepend,
                       self._forward_pre_hooks_with_kwargs)
    if with_kwargs:
        self._forward_pre_hooks_with_kwargs[handle.id] = True
    return handle


def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                          always_call: bool = False):
    handle = _add_hook(self._forward_hooks, hook, prepend,
                       [self._forward_hooks_with_kwargs, self._forward_hooks_always_called])
    if with_kwargs:
        self._forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        self._forward_hooks_always_called[handle.id] = True
    return handle


def register_full_backward_hook(self, hook, prepend: bool = False):
    return _add_hook(self._backward_hooks, hook, prepend)


def register_full_backward_pre_hook(self, hook, prepend: bool = False):
    return _add_hook(self._backward_pre_hooks, hook, prepend)


def register_state_dict_pre_hook(self, hook):
    return _add_hook(self._state_dict_pre_hooks, hook, False)


def register_state_dict_post_hook(self, hook):
    return _add_hook(self._state_dict_hooks, hook, False)


def register_load_state_dict_pre_hook(self, hook):
    module = weakref.proxy(self)
    return _add_hook(self._load_state_dict_pre_hooks, lambda *a: hook(module, *a), False)


def register_load_state_dict_post_hook(self, hook):
    return _add_hook(self._load_state_dict_post_hooks, hook, False)


def missing_forward(self, *input):
    # torch's own behaviour for a Module subclass that defines no forward
    raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                              '"forward" function')


# -- the call -------------------------------------------------------------------------------------
def call_module(self, *args, **kwargs):
    """Module.__call__. While tracing, the module's path becomes the origin of the nodes it
    makes; eagerly no node exists, so the path is only worked out if an error needs it."""
    tracing = _tracing()
    if tracing and not _calling:
        _base_origin[:] = [current_origin()]
    _calling.append(self)
    try:
        segment = _origin_segment(module_path(self)) if tracing else ""
        if segment:
            with core_ir.origin(segment):
                return _run(self, args, kwargs)
        return _run(self, args, kwargs)
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        _tag(err, self)
        raise
    finally:
        _calling.pop()


def _tracing() -> bool:
    return isinstance(current_interpreter(), TracingInterpreter)


def _run(self, args, kwargs):
    if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
            or self._backward_pre_hooks):
        return self.forward(*args, **kwargs)
    args, kwargs = _run_pre_hooks(self, args, kwargs)
    bw = None
    if self._backward_hooks or self._backward_pre_hooks:
        bw = _BackwardHook(self)
        args = bw.setup_input_hook(args)
    try:
        result = self.forward(*args, **kwargs)
    except Exception:
        for hook_id, hook in self._forward_hooks.items():
            if hook_id in self._forward_hooks_always_called:
                _call_forward_hook(self, hook_id, hook, args, kwargs, None)
        raise
    for hook_id, hook in self._forward_hooks.items():
        out = _call_forward_hook(self, hook_id, hook, args, kwargs, result)
        if out is not None:
            result = out
    return bw.setup_output_hook(result) if bw is not None else result


def _run_pre_hooks(self, args, kwargs):
    for hook_id, hook in self._forward_pre_hooks.items():
        if hook_id in self._forward_pre_hooks_with_kwargs:
            out = hook(self, args, kwargs)
            if out is not None:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {out}.")
                args, kwargs = out
        else:
            out = hook(self, args)
            if out is not None:
                args = out if isinstance(out, tuple) else (out,)
    return args, kwargs


def _call_forward_hook(self, hook_id, hook, args, kwargs, result):
    if hook_id in self._forward_hooks_with_kwargs:
        return hook(self, args, kwargs, result)
    return hook(self, args, result)


# -- module paths: IR origins and error messages -------------------------------------------------
def module_path(self) -> str | None:
    """The name under which the module is registered in the root module being called ("" for
    the root itself, None when it is not registered there). Computed lazily from the root's
    named_modules and cached on the root; a cached path is checked by walking it."""
    if not _calling or _calling[0] is self:
        return ""
    root = _calling[0]
    paths = root.__dict__.get("_paths")
    hit = paths.get(id(self)) if paths is not None else None
    if hit is not None and hit[0] is self and _resolves(root, hit[1], self):
        return hit[1]
    paths = {id(m): (m, name) for name, m in root.named_modules()}
    root.__dict__["_paths"] = paths
    hit = paths.get(id(self))
    return hit[1] if hit is not None else None


def _resolves(root, path: str, module) -> bool:
    mod = root
    for part in path.split("."):
        mod = mod.__dict__["_modules"].get(part)
        if mod is None:
            return False
    return mod is module


def _origin_segment(path: str | None) -> str:
    """What to push on the IR's origin stack (which joins entries with '.') so that the
    current origin becomes this module's path."""
    if not path:
        return ""
    base = _base_origin[0] if _base_origin else ""
    target = f"{base}.{path}" if base else path
    outer = current_origin()
    if not outer:
        return target
    return target[len(outer) + 1:] if target.startswith(outer + ".") else ""


def _tag(err: Exception, module) -> None:
    """Add the innermost module's class and path to an error raised by duet inside it."""
    if getattr(err, _TAGGED, False) or isinstance(err, NotImplementedError) or \
            not _raised_by_duet(err):
        return
    setattr(err, _TAGGED, True)
    path = module_path(module)
    if not err.args or not isinstance(err.args[0], str):
        return
    name = type(module).__name__
    where = f"[in {name} '{path}']" if path else f"[in {name}]"
    msg = err.args[0]
    plain = f"[in '{path}']"
    msg = msg.replace(plain, where) if path and plain in msg else f"{msg} {where}"
    err.args = (msg, *err.args[1:])


def _raised_by_duet(err: Exception) -> bool:
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    return tb.tb_frame.f_globals.get("__name__", "").startswith(_DUET_PACKAGES)


# -- full backward hooks --------------------------------------------------------------------------
def _identity_op(n: int, rule) -> Op:
    """An unregistered identity op over n tensors whose VJP is `rule(grads) -> grads`: the
    place where a module's backward hooks see (and may replace) gradients."""
    def infer(*xs):
        return [TypeSpec(x.dtype, x.shape) for x in xs]

    def decompose(*xs):
        return tuple(ops.identity(x) for x in xs)

    def vjp(g, out, *xs):
        grads = tuple(g) if isinstance(g, tuple) else (g,)
        return tuple(rule(grads))

    return Op("BackwardHookFunction", infer=infer, vjp=vjp, num_outputs=n, decompose=decompose,
              domain=PRIVATE_DOMAIN)


def _pack(indices, values, size: int) -> tuple:
    res = [None] * size
    for i, v in zip(indices, values):
        res[i] = v
    return tuple(res)


class _BackwardHook:
    """torch.utils.hooks.BackwardHook: identity ops around the module's tensor inputs and
    outputs; the outputs' VJP captures grad_output (running the pre-hooks), the inputs' VJP
    calls the hooks with (module, grad_input, grad_output)."""

    def __init__(self, module):
        self.module = module
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_index = self.output_index = None

    def _wrap(self, args: tuple, rule):
        index = [i for i, a in enumerate(args) if isinstance(a, _CoreTensor)]
        tensors = [args[i] for i in index]
        if not (any(t.requires_grad for t in tensors) and core_ir.is_grad_enabled()):
            return args, None
        new = _identity_op(len(tensors), rule)(*tensors)
        out = list(args)
        for i, t in zip(index, new):
            out[i] = t
        return tuple(out), index

    def setup_input_hook(self, args: tuple) -> tuple:
        res, self.input_index = self._wrap(args, self._input_rule)
        self.n_inputs = len(args)
        return res

    def setup_output_hook(self, result):
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        res, self.output_index = self._wrap(outs, self._output_rule)
        self.n_outputs = len(outs)
        return res[0] if single else res

    def _input_rule(self, grads):
        if self.grad_outputs is None:  # the gradient bypassed the module's outputs
            return grads
        res = _pack(self.input_index, grads, self.n_inputs)
        for hook in self.module._backward_hooks.values():
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = tuple(out)
        self.grad_outputs = None
        return [res[i] for i in self.input_index]

    def _output_rule(self, grads):
        self.grad_outputs = _pack(self.output_index, grads, self.n_outputs)
        for hook in self.module._backward_pre_hooks.values():
            out = hook(self.module, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(self.grad_outputs):
                raise RuntimeError("Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(out)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = tuple(out)
        local = self.grad_outputs
        if self.input_index is None:
            self._call_without_input_grads()
        return [local[i] for i in self.output_index]

    def _call_without_input_grads(self) -> None:
        grad_inputs = (None,) * self.n_inputs
        for hook in self.module._backward_hooks.values():
            res = hook(self.module, grad_inputs, self.grad_outputs)
            if res is not None and not (isinstance(res, tuple) and all(e is None for e in res)):
                raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                   "should always return None or None for all gradients.")
        self.grad_outputs = None
