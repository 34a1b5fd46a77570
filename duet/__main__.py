"""`python -m duet ...` is the `duet` console script."""

from .cli import main

raise SystemExit(main())
