"""All IR ops, by family. Each family module defines its ops with `defop` (name, attributes, shape
rule, VJP rule side by side) and lists them in `__all__`; this package re-exports them."""

from .elementwise import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .slicing import *  # noqa: F401,F403
from .spatial import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .random import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .optim import *  # noqa: F401,F403
from .helpers import *  # noqa: F401,F403


def _check_heavy_ops_eagerly() -> None:
    """The eager interpreter skips shape rules for speed and lets a failing kernel explain
    itself. Heavy ops run theirs anyway: the rule costs microseconds next to a convolution or a
    fused update, and some of their kernels would broadcast a wrong shape without failing."""
    import sys
    # (by sys.modules: the star imports above rebound names like `conv` to the ops themselves)
    for family in ("attention", "conv", "loss", "normalization", "optim", "pool", "recurrent"):
        module = sys.modules[f"{__name__}.{family}"]
        for name in module.__all__:
            op = getattr(module, name)
            if hasattr(op, "check_eagerly"):
                op.check_eagerly = True


_check_heavy_ops_eagerly()
