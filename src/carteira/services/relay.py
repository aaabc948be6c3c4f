"""Deprecated: moved to `carteira.relay`; importing from here still works, with a warning.

The composition root (which builds default adapters) left `carteira.services`, whose
use cases reach storage only through the ports (issue 17).
"""

from __future__ import annotations

from carteira._moved import moved_to

__all__ = ["Publish", "Relay", "relay_backoff"]  # noqa: F822 - read through __getattr__


__getattr__ = moved_to("carteira.relay", __name__, __all__)
