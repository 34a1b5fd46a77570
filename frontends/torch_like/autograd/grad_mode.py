"""torch.no_grad / enable_grad / set_grad_enabled / inference_mode: context managers that are
also decorators, switching the IR's gradient recording."""

from __future__ import annotations

import functools

import core_ir


class _GradMode:
    mode = True

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

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)(self.mode) if type(self) is set_grad_enabled else type(self)():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):  # noqa: N801
    mode = False

    def __init__(self):
        super().__init__()


class enable_grad(_GradMode):  # noqa: N801
    mode = True

    def __init__(self):
        super().__init__()


class inference_mode(_GradMode):  # noqa: N801
    def __init__(self, mode: bool = True):
        super().__init__(not mode)


class set_grad_enabled(_GradMode):  # noqa: N801
    """Takes effect at construction too, as torch's does (usable as a plain function call)."""

    def __init__(self, mode: bool):
        super().__init__(mode)
        self._ctx = core_ir.set_grad_enabled(self.mode)
        self._ctx.__enter__()

    def __enter__(self):
        return self


def is_grad_enabled() -> bool:
    return core_ir.is_grad_enabled()
