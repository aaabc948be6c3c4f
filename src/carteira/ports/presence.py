"""The presence port: who is available to take a conversation right now (RT-2)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

__all__ = ["Presence"]


class Presence(Protocol):
    """Tells which managers are online; the host's chat or telephony system knows."""

    def online(self, tenant: str, manager_ids: Iterable[str]) -> frozenset[str]:
        """Return those of ``manager_ids`` who are available now in ``tenant``."""
        ...
