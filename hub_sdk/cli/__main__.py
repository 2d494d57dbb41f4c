"""``python -m hub_sdk.cli``: the ``hub-sdk`` command line."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
