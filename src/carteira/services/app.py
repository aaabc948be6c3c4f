"""Deprecated: moved to `carteira.app`; importing from here still works, with a warning.

The composition root (which builds default adapters) left `carteira.services`, whose
use cases reach storage only through the ports (issue 17).
"""

from __future__ import annotations

from carteira._moved import moved_to

__all__ = ["Carteira"]  # noqa: F822 - each is read through __getattr__


__getattr__ = moved_to("carteira.app", __name__, __all__)
