"""torch.cuda on a CPU-only build: nothing is available, and asking for a device says so.
The queries code uses to pick a device (`torch.cuda.is_available()`) answer as torch without
CUDA does; the seeding calls are accepted and do nothing (there is no CUDA generator)."""

from __future__ import annotations


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed) -> None:
    """No CUDA generator to seed: accepted, as torch does without CUDA."""


def manual_seed_all(seed) -> None:
    """No CUDA generator to seed: accepted, as torch does without CUDA."""


def synchronize(device=None) -> None:
    """Nothing runs asynchronously here."""


def empty_cache() -> None:
    """No device memory to release."""


def current_device() -> int:
    raise RuntimeError("Torch not compiled with CUDA enabled")


def get_device_name(device=None) -> str:
    raise RuntimeError("Torch not compiled with CUDA enabled")
