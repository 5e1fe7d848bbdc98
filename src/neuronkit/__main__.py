"""``python -m neuronkit``: the ``neuronkit`` command (see :mod:`neuronkit.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
