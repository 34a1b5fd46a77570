import os
import sys

# Tests import the packages from the checkout even before `pip install -e .`.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import backends.numpy  # noqa: E402,F401  (activates the eager interpreter)
