"""``python -m carteira``: the command line (see :mod:`carteira.cli`)."""

from carteira.cli import main

raise SystemExit(main())
