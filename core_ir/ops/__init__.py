"""All IR ops, by family. Each family module defines its ops with `defop` (name, attributes, shape
rule, VJP rule side by side) and lists them in `__all__`; this package re-exports them."""

from .elementwise import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .helpers import *  # noqa: F401,F403
