"""The clock port: where "now" comes from (MB-6, EV-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["Clock"]


class Clock(Protocol):
    """Tells the current instant; the domain never reads the system clock itself."""

    def now(self) -> datetime:
        """Return the current instant as a timezone-aware datetime."""
        ...
