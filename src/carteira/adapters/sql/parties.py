"""Customers and organizations in SQL: look-ups, scope pages, set-based writes (MB, VS-3, ST-5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

from sqlalchemy import func, select

from carteira.adapters.sql import schema, writes
from carteira.adapters.sql.codec import CUSTOMERS, ORGANIZATIONS
from carteira.adapters.sql.repositories import SqlRepository
from carteira.adapters.sql.scoped import customer_parts, named, organization_parts
from carteira.adapters.sql.writes import Access
from carteira.domain.customer import Customer, Organization
from carteira.domain.scope import Scope

__all__ = ["SqlCustomers", "SqlOrganizations"]


class SqlCustomers(SqlRepository[Customer]):
    """Customers of the tenant; listings by id, through indexes (MB-1..MB-4, ST-4)."""

    def __init__(self, access: Access) -> None:
        super().__init__(access, CUSTOMERS)

    def count(self) -> int:
        """Return how many customers the tenant has."""
        table = schema.customers
        statement = select(func.count()).where(table.c.tenant == self._access.tenant)
        return int(self._access.execute(statement).scalar_one())

    def in_portfolio(self, portfolio_id: str) -> Sequence[Customer]:
        """Return the customers whose own portfolio is ``portfolio_id``, by id (MB-1)."""
        table = schema.customers
        return self._fetch(
            self._select().where(table.c.portfolio == portfolio_id).order_by(table.c.id)
        )

    def of_organization(self, organization_id: str) -> Sequence[Customer]:
        """Return the customers of ``organization_id``, by id (MB-1)."""
        table = schema.customers
        return self._fetch(
            self._select().where(table.c.organization == organization_id).order_by(table.c.id)
        )

    def managed_by(self, manager_id: str) -> Sequence[Customer]:
        """Return the customers having ``manager_id`` as account manager, by id (MB-3)."""
        table, links = schema.customers, schema.customer_managers
        statement = (
            self._select()
            .join(links, (links.c.tenant == table.c.tenant) & (links.c.customer_id == table.c.id))
            .where(links.c.manager_id == manager_id)
            .order_by(table.c.id)
        )
        return self._fetch(statement)

    def most_account_managers(self) -> int:
        """Return the most account managers any customer has, 0 if none (MB-3)."""
        table = schema.customers
        statement = select(func.coalesce(func.max(table.c.manager_count), 0)).where(
            table.c.tenant == self._access.tenant
        )
        return int(self._access.execute(statement).scalar_one())

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, search: str | None
    ) -> Sequence[Customer]:
        """Return the first ``limit`` customers in ``scope`` after ``after``: one query (ST-4)."""
        tenant = self._access.tenant
        parts = None if scope.everything else partial(customer_parts, tenant, scope)
        keep = named(tenant, search, schema.customer_words, "customer_id")
        return self._page(parts, (scope, search), after, limit, keep)

    def add_many(self, customers: Iterable[Customer]) -> None:
        """Store new customers at version 1, all or none, in one INSERT (ST-5, WA-8).

        A taken or repeated id is ``customer_exists`` (the first in the order given);
        then nothing is stored and the unit of work goes on.
        """
        writes.add_rows(self._access, self._codec, list(customers))

    def update_many(self, customers: Iterable[Customer]) -> Sequence[Customer]:
        """Store changed customers, version-checked, all or none, in one UPDATE (ST-5)."""
        return writes.update_rows(self._access, self._codec, list(customers))


class SqlOrganizations(SqlRepository[Organization]):
    """Organizations of the tenant; listings by id, through indexes (MB-1, ST-4)."""

    def __init__(self, access: Access) -> None:
        super().__init__(access, ORGANIZATIONS)

    def count(self) -> int:
        """Return how many organizations the tenant has."""
        table = schema.organizations
        statement = select(func.count()).where(table.c.tenant == self._access.tenant)
        return int(self._access.execute(statement).scalar_one())

    def in_portfolio(self, portfolio_id: str) -> Sequence[Organization]:
        """Return the organizations in ``portfolio_id``, by id (MB-1)."""
        table = schema.organizations
        return self._fetch(
            self._select().where(table.c.portfolio == portfolio_id).order_by(table.c.id)
        )

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, search: str | None
    ) -> Sequence[Organization]:
        """Return the first ``limit`` organizations in ``scope`` after ``after`` (ST-4)."""
        tenant = self._access.tenant
        parts = None if scope.everything else partial(organization_parts, tenant, scope)
        keep = named(tenant, search, schema.organization_words, "organization_id")
        return self._page(parts, (scope, search), after, limit, keep)

    def add_many(self, organizations: Iterable[Organization]) -> None:
        """Store new organizations at version 1, all or none, in one INSERT (ST-5, WA-8).

        A taken or repeated id is ``organization_exists`` (the first in the order
        given); then nothing is stored and the unit of work goes on.
        """
        writes.add_rows(self._access, self._codec, list(organizations))

    def update_many(self, organizations: Iterable[Organization]) -> Sequence[Organization]:
        """Store changed organizations, version-checked, all or none, in one UPDATE (ST-5)."""
        return writes.update_rows(self._access, self._codec, list(organizations))
