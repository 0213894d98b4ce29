"""``python -m layerwise``: the same as the ``layerwise`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
