"""The soak run as a script: ``python benchmarks/soak.py [--tickets N] ...``.

Same options as ``routerbot soak`` (see ``routerbot soak --help``)."""

from __future__ import annotations

import sys

from routerbot.cli import main

if __name__ == "__main__":
    sys.exit(main(["soak", *sys.argv[1:]]))
