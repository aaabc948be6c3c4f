"""The portfolio repository port (PF, TN-2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from carteira.domain.portfolio import Portfolio

__all__ = ["PortfolioReader", "PortfolioRepository"]


class PortfolioReader(Protocol):
    """Portfolios of the unit of work's tenant, for reading (ST-6)."""

    def get(self, portfolio_id: str) -> Portfolio | None:
        """Return the portfolio, or ``None`` when the tenant has none with that id."""
        ...

    def by_key(self, key: str) -> Portfolio | None:
        """Return the portfolio whose name has the comparison ``key`` (PF-1)."""
        ...

    def list(self) -> Sequence[Portfolio]:
        """Return every portfolio, ordered by name key then id."""
        ...

    def managed_by(self, manager_id: str) -> Sequence[Portfolio]:
        """Return the portfolios ``manager_id`` manages, ordered by name key then id."""
        ...


class PortfolioRepository(PortfolioReader, Protocol):
    """Portfolios of the unit of work's tenant.

    ``add`` stores a new portfolio at version 1; ``update`` and ``remove`` take the
    value as read and fail with [`ConcurrencyError`][carteira.ConcurrencyError] when the stored
    version moved on (ST-3).
    """

    def add(self, portfolio: Portfolio) -> None:
        """Store a new portfolio; a taken id or name key is a conflict."""
        ...

    def update(self, portfolio: Portfolio) -> None:
        """Store a changed portfolio (version-checked)."""
        ...

    def remove(self, portfolio: Portfolio) -> None:
        """Delete a portfolio (version-checked)."""
        ...
