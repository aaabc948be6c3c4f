"""The customer and organization repository ports (MB)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from carteira.domain.customer import Customer, Organization
from carteira.domain.scope import Scope

__all__ = ["CustomerRepository", "OrganizationRepository"]


class CustomerRepository(Protocol):
    """Customers of the unit of work's tenant; writes are version-checked (ST-3)."""

    def get(self, customer_id: str) -> Customer | None:
        """Return the customer, or ``None``."""
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

    def add(self, customer: Customer) -> None:
        """Store a new customer; a taken id is a conflict."""
        ...

    def update_many(self, customers: Iterable[Customer]) -> None:
        """Store changed customers, each version-checked, all or none (ST-5)."""
        ...


class OrganizationRepository(Protocol):
    """Organizations of the unit of work's tenant; writes are version-checked (ST-3)."""

    def get(self, organization_id: str) -> Organization | None:
        """Return the organization, or ``None``."""
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

    def add(self, organization: Organization) -> None:
        """Store a new organization; a taken id is a conflict."""
        ...

    def update_many(self, organizations: Iterable[Organization]) -> None:
        """Store changed organizations, each version-checked, all or none (ST-5)."""
        ...
