"""torch.no_grad / enable_grad / set_grad_enabled / inference_mode: context managers that are
also decorators (with or without parentheses, generators included), switching the IR's gradient
recording. inference_mode is no_grad plus the is_inference_mode_enabled() flag (tensors made
under it are ordinary tensors here)."""

from __future__ import annotations

import functools
import inspect

import core_ir

_inference = [False]


class _GradMode:
    mode = True

    def __new__(cls, *args, **kwargs):
        # @torch.no_grad without parentheses: the decorated function is the only argument
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]) \
                and not isinstance(args[0], bool) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    def __init__(self, mode: bool | None = None):
        if mode is not None:
            self.mode = bool(mode)
        self._ctx = None

    def __enter__(self):
        self._ctx = core_ir.set_grad_enabled(self.mode)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)

    def clone(self):
        return type(self)()

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                gen = fn(*args, **kwargs)
                sent = None
                while True:
                    try:
                        with self.clone():
                            value = gen.send(sent)
                    except StopIteration as stop:
                        return stop.value
                    sent = yield value
            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Mirrors torch.no_grad: ops in the body record no gradient."""

    mode = False

    def __init__(self):
        super().__init__()


class enable_grad(_GradMode):
    """Mirrors torch.enable_grad: recording on inside no_grad."""

    mode = True

    def __init__(self):
        super().__init__()


class inference_mode(_GradMode):
    """Mirrors torch.inference_mode (as no_grad; see the module docstring)."""

    def __init__(self, mode: bool = True):
        super().__init__(not mode)
        self.inference = bool(mode)

    def __enter__(self):
        self._saved_inference = _inference[0]
        _inference[0] = self.inference
        return super().__enter__()

    def __exit__(self, *exc):
        _inference[0] = self._saved_inference
        return super().__exit__(*exc)

    def clone(self):
        return inference_mode(self.inference)


class set_grad_enabled(_GradMode):
    """Mirrors torch.set_grad_enabled: takes effect at construction too (usable as a plain
    function call), and is restored when used as a context manager."""

    def __init__(self, mode: bool):
        super().__init__(mode)
        self._prev = core_ir.is_grad_enabled()
        core_ir.interpreters._grad_enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        core_ir.interpreters._grad_enabled = self._prev
        return False

    def clone(self):
        return _Switch(self.mode)


class _Switch(_GradMode):
    """set_grad_enabled(mode) used as a decorator: switch only while the function runs."""


def is_grad_enabled() -> bool:
    return core_ir.is_grad_enabled()


def is_inference_mode_enabled() -> bool:
    return _inference[0]
