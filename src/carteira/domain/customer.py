"""The served parties: Customer and Organization, and where they stand (MB-1..MB-4)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from carteira.domain.ownership import Ownership, effective_portfolio

__all__ = ["Customer", "Organization", "Placement"]


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


@attrs.frozen
class Placement:
    """Where a customer or organization stands: its own portfolio and account managers.

    The unit that the ownership history records before and after each change (MB-6).
    Organizations have no account managers, so theirs is always empty.
    """

    portfolio: str | None = None
    account_managers: tuple[str, ...] = attrs.field(default=(), converter=_unique)


@attrs.frozen
class Organization:
    """An organization a customer may belong to; it may sit in one portfolio (MB-1)."""

    tenant: str
    id: str
    name: str
    portfolio: str | None = None
    version: int = 0

    @property
    def placement(self) -> Placement:
        """Its placement (its portfolio; organizations have no account managers)."""
        return Placement(self.portfolio)


@attrs.frozen
class Customer:
    """A customer known by the host's id (MB-1, MB-3).

    ``portfolio`` is its own portfolio; its *effective* portfolio falls back to its
    organization's. ``account_managers`` are its responsible agents, in order, the
    first being the primary one.
    """

    tenant: str
    id: str
    name: str
    organization: str | None = None
    portfolio: str | None = None
    account_managers: tuple[str, ...] = attrs.field(default=(), converter=_unique)
    version: int = 0

    @property
    def placement(self) -> Placement:
        """Its own portfolio and account managers (MB-6)."""
        return Placement(self.portfolio, self.account_managers)

    def effective_portfolio(self, organization: Organization | None) -> str | None:
        """Its own portfolio, else its organization's (MB-1)."""
        return effective_portfolio(
            self.portfolio, None if organization is None else organization.portfolio
        )

    def ownership(self, organization_portfolio: str | None) -> Ownership:
        """Who owns it, given its organization's portfolio (MB-1, MB-4, MB-6)."""
        effective = effective_portfolio(self.portfolio, organization_portfolio)
        inherited = self.portfolio is None and effective is not None
        return Ownership(effective, self.account_managers, inherited)

    def placed(self, placement: Placement) -> Customer:
        """Return it standing at ``placement``."""
        return attrs.evolve(
            self, portfolio=placement.portfolio, account_managers=placement.account_managers
        )
