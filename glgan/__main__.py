"""``python -m glgan`` is the ``glgan`` command."""

import sys

from .cli import main

sys.exit(main())
