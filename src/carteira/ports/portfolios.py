"""The portfolio repository port (PF, TN-2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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

    def count_managed(self, manager_ids: Iterable[str]) -> Mapping[str, int]:
        """Return how many portfolios each of ``manager_ids`` manages (MG-6), in one read.

        A manager who manages none is left out.
        """
        ...

    def page(
        self, *, after: str | None, limit: int, manager: str | None = None
    ) -> Sequence[Portfolio]:
        """Return the first ``limit`` portfolios whose name key sorts after ``after`` (ST-4).

        Ordered by name key (unique per tenant, PF-1; compared by code point), starting
        after the key ``after`` (from the start for ``None``); with ``manager``, only the
        portfolios he manages. Answered through an index: a page costs what it returns.
        """
        ...


class PortfolioRepository(PortfolioReader, Protocol):
    """Portfolios of the unit of work's tenant.

    ``add`` stores a new portfolio at version 1; ``update`` and ``remove`` take the
    value as read and fail with [`ConcurrencyError`][carteira.ConcurrencyError] when the stored
    version moved on (ST-3).
    """

    def add(self, portfolio: Portfolio) -> Portfolio:
        """Store a new portfolio; a taken id or name key is a conflict.

        Return it as stored, at version 1 ([`stored_new`][carteira.domain.versions.stored_new]).
        """
        ...

    def update(self, portfolio: Portfolio) -> Portfolio:
        """Store a changed portfolio (version-checked).

        Return it as stored, one version on ([`stored_over`][carteira.domain.versions.stored_over]).
        """
        ...

    def update_many(self, portfolios: Iterable[Portfolio]) -> Sequence[Portfolio]:
        """Store changed portfolios, each version-checked, all or none (ST-3, ST-5).

        Return them as stored, in the order given, each one version on (ST-3).
        """
        ...

    def remove(self, portfolio: Portfolio) -> None:
        """Delete a portfolio (version-checked)."""
        ...
