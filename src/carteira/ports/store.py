"""The store port: what a storage adapter's factory returns (ST-1, ST-2, TN-1)."""

from __future__ import annotations

from typing import Protocol

from carteira.ports.unit_of_work import UnitOfWork

__all__ = ["Store"]


class Store(Protocol):
    """What an adapter's factory returns: units of work, one tenant each (ST-1, TN-1)."""

    def unit_of_work(self, tenant: str) -> UnitOfWork:
        """Open a unit of work scoped to ``tenant``."""
        ...

    def close(self) -> None:
        """Release what the store holds open (connections, files); calling it again is harmless.

        A host calls it when it shuts down, or when a test is done with the store.
        """
        ...
