"""torch.Size and torch.device (only the CPU exists here)."""

from __future__ import annotations

import builtins


class Size(tuple):
    """torch.Size: a tuple of ints."""

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(d) for d in self)}])"


class device:
    """Mirrors torch.device. Naming any device is allowed (as in torch); only the CPU exists, so
    placing a tensor or module on another device raises RuntimeError (see `check_device`).
    Difference: torch without CUDA raises AssertionError there."""

    def __init__(self, type="cpu", index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name not in ("cpu", "cuda", "mps", "meta", "xpu"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta, xpu device type at start "
                               f"of device string: {type}")
        self.type, self.index = name, builtins.int(idx) if idx else index

    def __eq__(self, other) -> bool:
        try:
            other = device(other)
        except (RuntimeError, TypeError, ValueError):
            return False
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def check_device(d) -> None:
    """torch without CUDA refuses to place data on a GPU; so do we (CPU only, through NumPy)."""
    if d is None:
        return
    dev = device(d) if not isinstance(d, builtins.int) else device("cuda", d)
    if dev.type != "cpu":
        raise RuntimeError(f"Torch not compiled with CUDA enabled: device '{d}' is not available "
                           "(duet runs on the CPU only, through NumPy)")
