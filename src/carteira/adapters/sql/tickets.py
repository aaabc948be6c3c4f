"""Tickets in SQL: loads, portal views, scope pages, set-based writes (RT, TK, VS-3, ST-4, ST-5).

Every listing and count is one query through an index that leads with the tenant;
pages are keyset pages by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, func, select

from carteira.adapters.sql import schema, writes
from carteira.adapters.sql.codec import TICKETS
from carteira.adapters.sql.errors import LARGEST
from carteira.adapters.sql.repositories import SqlRepository
from carteira.adapters.sql.scoped import Page, customer_parts, union_of
from carteira.adapters.sql.sets import POSTGRESQL
from carteira.adapters.sql.writes import Access
from carteira.domain.portal import PortalFilter
from carteira.domain.scope import Scope
from carteira.domain.ticket import Ticket, TicketStatus

__all__ = ["SqlTickets"]

_tickets = schema.tickets
_OPEN = TicketStatus.OPEN.value


def _open(table: Any) -> list[ColumnElement[bool]]:
    return [table.c.status == _OPEN]


class SqlTickets(SqlRepository[Ticket]):
    """Tickets of the tenant (RT-1, RT-2, TK-2, TK-7, VS-2)."""

    def __init__(self, access: Access) -> None:
        super().__init__(access, TICKETS)

    def open_assigned_to(self, manager_id: str) -> Sequence[Ticket]:
        """Return the open tickets ``manager_id`` serves, by id (WA-4)."""
        statement = self._select().where(_tickets.c.assignee == manager_id, *_open(_tickets))
        return self._fetch(statement.order_by(_tickets.c.id))

    def _serving(self, department_id: str, managers: list[str]) -> list[ColumnElement[bool]]:
        return [
            _tickets.c.tenant == self._access.tenant,
            _tickets.c.department == department_id,
            _tickets.c.assignee.in_(managers),
            *_open(_tickets),
        ]

    def open_load(self, department_id: str, manager_ids: Iterable[str]) -> Mapping[str, int]:
        """Return how many open tickets each manager serves in the department (RT-2)."""
        managers = list(dict.fromkeys(manager_ids))
        if not managers:
            return {}
        statement = (
            select(_tickets.c.assignee, func.count())
            .where(*self._serving(department_id, managers))
            .group_by(_tickets.c.assignee)
        )
        counts = {row[0]: int(row[1]) for row in self._access.execute(statement)}
        return {m: counts.get(m, 0) for m in managers}

    def busy_since(self, department_id: str, manager_ids: Iterable[str]) -> Mapping[str, datetime]:
        """Return when each manager last took an open ticket of the department (RT-1)."""
        managers = list(dict.fromkeys(manager_ids))
        if not managers:
            return {}
        latest_first = (_tickets.c.assigned_at_us.desc(), _tickets.c.id)
        ranked = (
            select(
                _tickets.c.assignee,
                _tickets.c.assigned_at,
                func.row_number()
                .over(partition_by=_tickets.c.assignee, order_by=latest_first)
                .label("rank"),
            )
            .where(*self._serving(department_id, managers), _tickets.c.assigned_at_us.is_not(None))
            .subquery()
        )
        statement = select(ranked.c.assignee, ranked.c.assigned_at).where(ranked.c.rank == 1)
        converter = self._access.converter
        found = {
            row[0]: converter.structure(row[1], datetime) for row in self._access.execute(statement)
        }
        return {m: found[m] for m in managers if m in found}

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, open_only: bool
    ) -> Sequence[Ticket]:
        """Return the first ``limit`` tickets in ``scope`` after ``after``: one query (ST-4)."""
        tenant = self._access.tenant

        def parts(page: Page) -> list[Select[Any]]:
            found = []
            customers = customer_parts(tenant, scope, Page(None, None))
            if customers:
                theirs = select(_tickets.c.id).where(
                    _tickets.c.tenant == tenant, self._customer_in(union_of(customers))
                )
                found.append(page.cut(theirs, _tickets, _tickets.c.id))
            if scope.assignees:
                served = select(_tickets.c.id).where(
                    _tickets.c.tenant == tenant, _tickets.c.assignee.in_(sorted(scope.assignees))
                )
                found.append(page.cut(served, _tickets, _tickets.c.id))
            return found

        return self._page(parts, scope.everything, after, limit, _open if open_only else None)

    def _customer_in(self, customers: Select[Any] | CompoundSelect[Any]) -> ColumnElement[bool]:
        if self._access.dialect == POSTGRESQL:
            # "= ANY(ARRAY(...))" rather than "IN (...)": PostgreSQL then finds each
            # customer's tickets through its index instead of scanning the tenant's.
            return _tickets.c.customer == func.any(func.array(customers.scalar_subquery()))
        return _tickets.c.customer.in_(customers)

    def of_customer(
        self, customer_id: str, view: PortalFilter, *, after: str | None, limit: int
    ) -> Sequence[Ticket]:
        """Return a page of a customer's portal tickets in ``view``, by id (TK-7, VS-4)."""
        if limit <= 0:
            return []
        shown: ColumnElement[bool] = (
            _tickets.c.portal_view.is_not(None)
            if view is PortalFilter.ALL
            else _tickets.c.portal_view == view.value
        )
        statement = self._select().where(_tickets.c.customer == customer_id, shown)
        if after is not None:
            statement = statement.where(_tickets.c.id > after)
        return self._fetch(statement.order_by(_tickets.c.id).limit(min(limit, LARGEST)))

    def count_open_at(self, ticket_type: str, stages: Iterable[str]) -> int:
        """Return how many open tickets of ``ticket_type`` stand at one of ``stages`` (TK-2)."""
        wanted = sorted(set(stages))
        if not wanted:
            return 0
        statement = select(func.count()).where(
            _tickets.c.tenant == self._access.tenant,
            _tickets.c.ticket_type == ticket_type,
            _tickets.c.stage.in_(wanted),
            *_open(_tickets),
        )
        return int(self._access.execute(statement).scalar_one())

    def update_many(self, tickets: Iterable[Ticket]) -> None:
        """Store changed tickets, version-checked, all or none, in one UPDATE (ST-5)."""
        writes.update_rows(self._access, self._codec, list(tickets))

    def remove(self, ticket: Ticket) -> None:
        """Delete a ticket as read (ST-3); only TK-8 deletes tickets."""
        writes.remove_row(self._access, self._codec, ticket)
