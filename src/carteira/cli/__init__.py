"""The ``carteira`` command line: portfolios, managers, customers, routing, the demo.

``carteira.cli.main(argv)`` runs one command and returns its exit code; the console
script ``carteira`` and ``python -m carteira`` call it. Nothing is built on import.
"""

from carteira.cli.app import main

__all__ = ["main"]
