"""``python -m carteira.demo``: the same as ``carteira demo`` (its options included)."""

import sys

from carteira.cli import main

raise SystemExit(main(["demo", *sys.argv[1:]]))
