"""Tickets in SQL: loads, portal views, scope pages, set-based writes (RT, TK, VS-3, ST-4, ST-5).

Every listing and count goes through indexes that lead with the tenant; pages are
keyset pages by id. A scope's page takes up to three queries (see ``in_scope``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, func, select, true, tuple_
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from carteira.adapters.sql import schema, writes
from carteira.adapters.sql.codec import TICKETS
from carteira.adapters.sql.errors import LARGEST
from carteira.adapters.sql.repositories import SqlRepository
from carteira.adapters.sql.scoped import (
    Keep,
    Page,
    customer_parts,
    customer_samples,
    queued,
    ticket_visible,
    union_of,
)
from carteira.adapters.sql.sets import POSTGRESQL
from carteira.adapters.sql.writes import Access
from carteira.domain.portal import PortalFilter
from carteira.domain.scope import Scope
from carteira.domain.ticket import Ticket, TicketStatus

__all__ = ["CROWDED", "MOST_WALKED", "WALK", "SqlTickets"]

_tickets = schema.tickets
_window, _walked = _tickets.alias("window"), _tickets.alias("walked")  # built once: see _walk
_OPEN = TicketStatus.OPEN.value


CROWDED = 2_000
"""How many customers a scope holds before its pages start with a walk (ST-4).

Below it, reading every ticket of the scope's customers costs less than a walk.
"""
WALK = 10
"""How many tickets a crowded scope's page walks in id order per ticket asked (ST-4).

A scope holding a tenth of the tenant's tickets or more fills its page in the walk.
"""
MOST_WALKED = 2_000
"""The most tickets one walk reads, whatever the page size."""

WALKS = 4
"""How many walks a crowded scope's page takes before its indexes finish the page (ST-4).

A walk that ends short of the page starts the next one where it stopped, so a scope
holding a few percent of the tickets or more fills its pages in walks whatever the
tenant's size; the indexes, whose cost grows with the scope, take over only after that.
"""


def _open(table: Any) -> list[ColumnElement[bool]]:
    return [table.c.status == _OPEN]


def _holds_anything(scope: Scope) -> bool:
    parts = (scope.portfolios, scope.account_managers, scope.assignees, scope.queues)
    return scope.outside or any(parts)


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
        """Return the first ``limit`` tickets in ``scope`` after ``after`` (VS-3, ST-4).

        A scope of few customers (fewer than `CROWDED`) is read from its indexes:
        each part cut to the page, the customers' tickets through
        ``carteira_tickets_customer``, each assignee's in id order through
        ``carteira_tickets_assignee_id``; the cost follows what the scope holds. A
        crowded scope (the customers outside portfolio, a big portfolio) first walks
        the next tickets in id order, at most `WALK` per ticket asked, checking
        each against the scope by primary keys, and stops when the page is full; a walk
        that falls short goes on where it stopped, up to `WALKS` walks, and only a page
        they all left short goes on past them through the indexes. At most `WALKS` + 2
        queries; only the last, through the indexes, grows with the scope.
        """
        keep = _open if open_only else None
        if limit <= 0 or not (scope.everything or _holds_anything(scope)):
            return []
        shape = (scope, open_only)
        if scope.everything:
            return self._page(None, shape, after, limit, keep)
        limit = min(limit, LARGEST)
        parts = partial(self._parts, scope)
        if not self._crowded(scope):
            return self._page(parts, shape, after, limit, keep)
        walked, edge = self._walk(scope, after, limit, keep)
        for _ in range(WALKS - 1):
            if len(walked) >= limit or edge is None:
                return walked
            more, edge = self._walk(scope, edge, limit - len(walked), keep)
            walked += more
        if len(walked) >= limit or edge is None:
            return walked
        return [*walked, *self._page(parts, shape, edge, limit - len(walked), keep)]

    def _crowded(self, scope: Scope) -> bool:
        """Tell whether ``scope`` holds `CROWDED` customers or more, counting no further.

        Each part is counted on its own index up to the threshold, duplicates and all:
        an overestimate at worst, which costs one walk that finds little. The answer only
        picks how a page is read, never which tickets it holds, so the store remembers it
        for a while (`hint`) and a page walk or a busy inbox counts once.
        """
        key = ("crowded", CROWDED, scope)  # the threshold in the key: tests move it
        return self._access.hint(key, partial(self._count_crowded, scope))

    def _count_crowded(self, scope: Scope) -> bool:
        counts = [
            select(func.count()).select_from(part.limit(CROWDED).subquery()).scalar_subquery()
            for part in customer_samples(self._access.tenant, scope)
        ]
        if not counts:
            return False
        total: ColumnElement[Any] = counts[0]
        for count in counts[1:]:
            total = total + count
        return int(self._access.execute(select(total)).scalar_one()) >= CROWDED

    def _walk(
        self, scope: Scope, after: str | None, limit: int, keep: Keep | None
    ) -> tuple[list[Ticket], str | None]:
        """Return the page's tickets among the next walked ones, and where the walk ended.

        One query: the window is the next ``WALK * limit`` tickets by id (at most
        `MOST_WALKED`); the page is those of them in scope, read by primary key in
        id order and stopped at ``limit``. The end is ``None`` when the window held every
        ticket left, so nothing lies beyond it.
        """
        tenant, size = self._access.tenant, min(WALK * limit, MOST_WALKED)

        def ahead(table: Any) -> Select[Any]:
            # "id >= ''" when there is no ``after``: every id passes, and the range on
            # the primary key keeps SQLite from sorting a whole index of the tenant's
            # tickets to find the first ones (as it may before ANALYZE has seen them).
            since = table.c.id >= "" if after is None else table.c.id > after
            return select(table.c.id).where(table.c.tenant == tenant, since)

        first = ahead(_window).order_by(_window.c.id).limit(size).subquery("first")
        edge = select(func.max(first.c.id), func.count()).subquery("edge")
        kept = (
            ahead(_walked)
            .where(
                _walked.c.id <= select(edge.c[0]).scalar_subquery(),
                ticket_visible(tenant, scope, _walked),
                *(keep(_walked) if keep is not None else ()),
            )
            .order_by(_walked.c.id)
            .limit(limit)
            .subquery("kept")
        )
        found = (_tickets.c.tenant == tenant) & (_tickets.c.id == kept.c.id)
        statement = (
            select(edge.c[0].label("walk_end"), edge.c[1].label("walked"), *self._codec.columns)
            .select_from(edge.outerjoin(kept, true()).outerjoin(_tickets, found))
            .order_by(kept.c.id)
        )
        access, codec = self._access, self._codec
        rows = access.execute(statement).mappings().all()
        tickets = [
            codec.entity(access.converter, tenant, row) for row in rows if row["id"] is not None
        ]
        full = rows[0]["walked"] == size
        return tickets, rows[0]["walk_end"] if full else None

    def _parts(self, scope: Scope, page: Page) -> list[Select[Any]]:
        """Return one id query per part of ``scope`` over tickets, each cut to ``page``."""
        tenant = self._access.tenant
        found = []
        customers = customer_parts(tenant, scope, Page(False, None))
        if customers:
            theirs = select(_tickets.c.id).where(
                _tickets.c.tenant == tenant, self._customer_in(union_of(customers))
            )
            found.append(page.cut(theirs, _tickets, _tickets.c.id, self._unindexed_id()))
        for assignee in sorted(scope.assignees):
            # One part per assignee: carteira_tickets_assignee_id gives each one's tickets
            # in id order, so the part stops after the page instead of sorting them all.
            served = select(_tickets.c.id).where(
                _tickets.c.tenant == tenant, _tickets.c.assignee == assignee
            )
            found.append(page.cut(served, _tickets, _tickets.c.id))
        if scope.queues:
            # Through carteira_tickets_department: the queues' tickets, then sorted by id.
            waiting = select(_tickets.c.id).where(
                _tickets.c.tenant == tenant,
                _tickets.c.department.in_(sorted(scope.queues)),
                queued(_tickets),
            )
            found.append(page.cut(waiting, _tickets, _tickets.c.id))
        return found

    def _unindexed_id(self) -> ColumnElement[str] | None:
        """Return the id for ``after`` in the customers' part, kept off the primary key.

        With ``id > after`` SQLite would walk the primary key from ``after``, reading
        every ticket of the tenant until the scope's customers fill the page; the unary
        ``+`` (SQLite's documented way) leaves it the customer index instead, which
        reads only the scope's tickets. PostgreSQL's ``= ANY(ARRAY(...))`` already does.
        """
        if self._access.dialect == POSTGRESQL:
            return None
        return UnaryExpression(_tickets.c.id, operator=custom_op("+"), type_=_tickets.c.id.type)

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

    def queue(self, department_id: str, *, after: str | None, limit: int) -> Sequence[Ticket]:
        """Return a page of the department's queue, oldest first (VS-7, ST-4).

        One statement through ``carteira_tickets_department``: the queued tickets of the
        department in (``opened_at_us``, id) order, from just past the ``after`` ticket's
        place, which a scalar look-up by primary key finds.
        """
        if limit <= 0:
            return []
        t = _tickets
        statement = self._select().where(t.c.department == department_id, queued(t))
        if after is not None:
            mark = _tickets.alias("mark")
            at = (
                select(mark.c.opened_at_us)
                .where(mark.c.tenant == self._access.tenant, mark.c.id == after)
                .scalar_subquery()
            )
            # A row-value comparison, which both databases walk the index from.
            statement = statement.where(tuple_(t.c.opened_at_us, t.c.id) > tuple_(at, after))
        # ``assignee`` is NULL on every row, so ordering by it changes nothing; but PostgreSQL
        # takes ``IS NULL`` for no equality, and without it would sort instead of walking the
        # index in order.
        order = (t.c.assignee, t.c.opened_at_us, t.c.id)
        return self._fetch(statement.order_by(*order).limit(min(limit, LARGEST)))

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

    def update_many(self, tickets: Iterable[Ticket]) -> Sequence[Ticket]:
        """Store changed tickets, version-checked, all or none, in one UPDATE (ST-5)."""
        return writes.update_rows(self._access, self._codec, list(tickets))

    def remove(self, ticket: Ticket) -> None:
        """Delete a ticket as read (ST-3); only TK-8 deletes tickets."""
        writes.remove_row(self._access, self._codec, ticket)
