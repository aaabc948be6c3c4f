"""``python -m carteira``: the command line (see `carteira.cli`)."""

from carteira.cli import main

raise SystemExit(main())
