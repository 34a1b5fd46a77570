"""torch.utils.data._utils: collate functions (imported by name in user code)."""

from . import collate  # noqa: F401
