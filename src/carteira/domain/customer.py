"""The served parties: Customer and Organization, and where they stand (MB-1..MB-4).

Registering and updating one returns a [`Changed`][carteira.domain.changed.Changed]:
the new value and the events it produced (EV-1), leaving storing both to the caller.
Where they stand changes through plain values (`placed`, `with_portfolio`...): the
ownership record of such a change (MB-6) is made where a batch of them is written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

import attrs

from carteira.domain.changed import Changed
from carteira.domain.events import (
    CustomerRegistered,
    CustomerUpdated,
    OrganizationRegistered,
    OrganizationUpdated,
)
from carteira.domain.ownership import Ownership, effective_portfolio
from carteira.domain.portfolio import Portfolio
from carteira.domain.stamp import Stamp

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

    @classmethod
    def register(cls, organization_id: str, name: str, stamp: Stamp) -> Changed[Organization]:
        """Return an organization of ``stamp``'s tenant, outside portfolio, and its event.

        `OrganizationRegistered`; the caller checks that the id is free.
        """
        organization = cls(stamp.tenant, organization_id, name)
        event = OrganizationRegistered(**stamp.fields(), organization_id=organization_id, name=name)
        return Changed(organization, (event,))

    @property
    def placement(self) -> Placement:
        """Its placement (its portfolio; organizations have no account managers)."""
        return Placement(self.portfolio)

    def renamed(self, name: str) -> Organization:
        """Return it under ``name``."""
        return attrs.evolve(self, name=name)

    def rename(self, name: str, stamp: Stamp) -> Changed[Organization]:
        """Return it under ``name``, and its `OrganizationUpdated`; none if that is its name."""
        if name == self.name:
            return Changed(self)
        event = OrganizationUpdated(**stamp.fields(), organization_id=self.id, name=name)
        return Changed(self.renamed(name), (event,))

    def with_portfolio(self, portfolio_id: str | None) -> Organization:
        """Return it in ``portfolio_id``, or outside portfolio for ``None`` (MB-1, WA-3).

        The caller has checked that the portfolio may receive it (MB-2).
        """
        return attrs.evolve(self, portfolio=portfolio_id)


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

    @classmethod
    def register(
        cls, customer_id: str, name: str, organization: str | None, stamp: Stamp
    ) -> Changed[Customer]:
        """Return a customer of ``stamp``'s tenant in ``organization``, and its event (MB-1).

        `CustomerRegistered`. It has no portfolio of its own and no account manager; the
        caller checks that the id is free and that its organization's portfolio, if any,
        may receive it (MB-2).
        """
        customer = cls(stamp.tenant, customer_id, name, organization)
        event = CustomerRegistered(
            **stamp.fields(), customer_id=customer_id, name=name, organization=organization
        )
        return Changed(customer, (event,))

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

    def renamed(self, name: str) -> Customer:
        """Return it under ``name``."""
        return attrs.evolve(self, name=name)

    def update(self, *, name: str, organization: str | None, stamp: Stamp) -> Changed[Customer]:
        """Return it under ``name`` in ``organization``, and its `CustomerUpdated` (MB-1).

        None if neither changes. Its own portfolio and account managers stay: see
        `following` for what the organization's portfolio does to them.
        """
        updated = self.renamed(name).joining(organization)
        if (updated.name, updated.organization) == (self.name, self.organization):
            return Changed(self)
        event = CustomerUpdated(
            **stamp.fields(), customer_id=self.id, name=name, organization=organization
        )
        return Changed(updated, (event,))

    def joining(self, organization: str | None) -> Customer:
        """Return it in ``organization``, or in none for ``None`` (MB-1).

        Its own portfolio and account managers stay; see `following` for what the
        organization's portfolio does to them.
        """
        return attrs.evolve(self, organization=organization)

    def with_account_managers(self, account_managers: Iterable[str]) -> Customer:
        """Return it with ``account_managers``, in order, its portfolio unchanged (MB-3)."""
        return attrs.evolve(self, account_managers=tuple(account_managers))

    def account_managers_within(self, effective: Portfolio | None) -> tuple[str, ...]:
        """Return its account managers who may stay with ``effective`` (MB-3).

        With an effective portfolio, only those who manage it; without one, all.
        """
        return tuple(m for m in self.account_managers if effective is None or effective.manages(m))

    def account_managers_assigning(
        self, manager_id: str, effective: Portfolio | None, cap: int
    ) -> tuple[str, ...]:
        """Return its account managers once ``manager_id`` is assigned to it (MB-3, WA).

        With a ``cap`` (``max_account_managers``) of one he replaces the current account
        manager; otherwise he comes after those who stay with ``effective``, the
        portfolio it will have.
        """
        if cap == 1:
            return (manager_id,)
        kept = self.account_managers_within(effective)
        return kept if manager_id in kept else (*kept, manager_id)

    def following(
        self,
        before_org_portfolio: str | None,
        after_org_portfolio: str | None,
        managers_of: Callable[[str], Collection[str]],
    ) -> Customer:
        """Return it once its organization moved from one portfolio to another (MB-1, MB-3).

        Its effective portfolio follows the organization unless it has its own; account
        managers who do not manage the new effective portfolio (``managers_of`` tells
        who manages a portfolio) go with the old one.
        """
        before = effective_portfolio(self.portfolio, before_org_portfolio)
        after = effective_portfolio(self.portfolio, after_org_portfolio)
        if after is None or after == before:
            return self
        allowed = managers_of(after)
        return self.with_account_managers(m for m in self.account_managers if m in allowed)
