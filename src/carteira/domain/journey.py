"""The Journey a portfolio may follow (PF-2)."""

from __future__ import annotations

import attrs

__all__ = ["Journey"]


@attrs.frozen
class Journey:
    """A customer-success journey a portfolio follows (PF-2); owned by the host."""

    id: str
    name: str
