"""The customer and organization repository ports (MB, ST-5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from carteira.domain.customer import Customer, Organization
from carteira.domain.scope import Scope

__all__ = ["CustomerReader", "CustomerRepository", "OrganizationReader", "OrganizationRepository"]


class CustomerReader(Protocol):
    """Customers of the unit of work's tenant, for reading (ST-6)."""

    def get(self, customer_id: str) -> Customer | None:
        """Return the customer, or ``None``."""
        ...

    def get_many(self, ids: Iterable[str]) -> Mapping[str, Customer]:
        """Return the ones that exist among ``ids``, in the order asked (ST-5).

        Duplicates are fine (each id once, at its first place); ids that do not exist,
        or belong to another tenant (TN-1), are left out. SQL adapters answer any number
        of ids in a constant number of statements.
        """
        ...

    def count(self) -> int:
        """Return how many customers the tenant has."""
        ...

    def in_portfolio(self, portfolio_id: str) -> Sequence[Customer]:
        """Return the customers whose *own* portfolio is ``portfolio_id``, by id."""
        ...

    def of_organization(self, organization_id: str) -> Sequence[Customer]:
        """Return the customers of ``organization_id``, by id."""
        ...

    def managed_by(self, manager_id: str) -> Sequence[Customer]:
        """Return the customers having ``manager_id`` among their account managers, by id."""
        ...

    def most_account_managers(self) -> int:
        """Return the largest number of account managers any customer has (0 if none)."""
        ...

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, search: str | None
    ) -> Sequence[Customer]:
        """Return the first ``limit`` customers in ``scope`` with ids after ``after`` (VS-3).

        ``search`` keeps those whose id equals it or whose name contains it, ignoring
        case. Answered through indexes: the cost grows with what the scope holds (ST-4).
        """
        ...


class CustomerRepository(CustomerReader, Protocol):
    """Customers of the unit of work's tenant; writes are version-checked (ST-3)."""

    def add(self, customer: Customer) -> Customer:
        """Store a new customer; a taken id is a conflict.

        Return it as stored, at version 1 ([`stored_new`][carteira.domain.versions.stored_new]).
        """
        ...

    def add_many(self, customers: Iterable[Customer]) -> None:
        """Store new customers at version 1, all or none (ST-5, WA-8).

        An id already stored, or given twice in the call, is the [`Conflict`][carteira.Conflict]
        ``add`` raises (code ``customer_exists``), naming the first such customer in the
        order given; then nothing is stored and the unit of work stays usable. SQL
        adapters store any number in a constant number of statements.
        """
        ...

    def update_many(self, customers: Iterable[Customer]) -> Sequence[Customer]:
        """Store changed customers, each version-checked, all or none (ST-5).

        Return them as stored, in the order given, each one version on (ST-3).
        """
        ...


class OrganizationReader(Protocol):
    """Organizations of the unit of work's tenant, for reading (ST-6)."""

    def get(self, organization_id: str) -> Organization | None:
        """Return the organization, or ``None``."""
        ...

    def get_many(self, ids: Iterable[str]) -> Mapping[str, Organization]:
        """Return the ones that exist among ``ids``, in the order asked (ST-5).

        As `CustomerRepository.get_many`: duplicates are fine, missing ids and
        another tenant's (TN-1) are left out.
        """
        ...

    def count(self) -> int:
        """Return how many organizations the tenant has."""
        ...

    def in_portfolio(self, portfolio_id: str) -> Sequence[Organization]:
        """Return the organizations in ``portfolio_id``, by id."""
        ...

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, search: str | None
    ) -> Sequence[Organization]:
        """Return the first ``limit`` organizations in ``scope`` after ``after`` (VS-3)."""
        ...


class OrganizationRepository(OrganizationReader, Protocol):
    """Organizations of the unit of work's tenant; writes are version-checked (ST-3)."""

    def add(self, organization: Organization) -> Organization:
        """Store a new organization; a taken id is a conflict.

        Return it as stored, at version 1 ([`stored_new`][carteira.domain.versions.stored_new]).
        """
        ...

    def add_many(self, organizations: Iterable[Organization]) -> None:
        """Store new organizations at version 1, all or none (ST-5, WA-8).

        As `CustomerRepository.add_many`, with code ``organization_exists``.
        """
        ...

    def update_many(self, organizations: Iterable[Organization]) -> Sequence[Organization]:
        """Store changed organizations, each version-checked, all or none (ST-5).

        Return them as stored, in the order given, each one version on (ST-3).
        """
        ...
