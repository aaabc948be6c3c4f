"""What a [`Scope`][carteira.Scope] holds, as unions of index look-ups (VS-3, ST-4).

Each part of a scope (its portfolios, directly and through organizations; its account
managers; the customers outside portfolio) is one ``SELECT`` of ids served by an index
that leads with the tenant. A page is the union of those parts, each cut to the ids
after ``after`` that pass the filter and to the first ``limit`` of them, so a page
costs what it shows, not what the tenant stores (keyset pagination, ST-4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    Table,
    Text,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
)

from carteira.adapters.sql import schema
from carteira.adapters.sql.codec import dumps
from carteira.domain.scope import Scope
from carteira.domain.search import search_terms
from carteira.domain.ticket import TicketStatus

__all__ = [
    "Keep",
    "Page",
    "customer_parts",
    "customer_samples",
    "named",
    "organization_parts",
    "queued",
    "ticket_visible",
    "union_of",
]

Keep = Callable[[Any], list[ColumnElement[bool]]]
"""Conditions on a table that every row of a listing passes (search, open only)."""

_customers, _organizations = schema.customers, schema.organizations
_links = schema.customer_managers


class Page:
    """The keyset window a listing asks for: ids after ``after``, the first ``limit``.

    ``after`` says whether there is a lower bound; its value is the ``after`` parameter,
    bound when the statement runs, so one statement serves every page of a walk.
    ``keep`` holds extra conditions each part must apply before cutting (search, open
    tickets only), so that cutting each part cannot drop a row of the page.
    """

    def __init__(self, after: bool, limit: int | None, keep: Keep | None = None) -> None:
        self.after = after
        self.limit = limit
        self.keep = keep

    def cut(
        self, statement: Select[Any], table: Any, id_column: Any, compared: Any = None
    ) -> Select[Any]:
        """Return ``statement`` kept, after ``after``, ordered and limited by ``id_column``.

        ``compared`` stands for ``id_column`` in the ``after`` condition, when that one
        must not steer the choice of an index.
        """
        if self.keep is not None:
            statement = statement.where(*self.keep(table))
        if self.after:
            bound = id_column if compared is None else compared
            statement = statement.where(bound > bindparam("after", type_=Text))
        if self.limit is None:
            return statement
        part = statement.order_by(id_column).limit(self.limit).subquery()
        return select(part.c[0])


def named(tenant: str, search: str | None, words: Table, column: str) -> Keep | None:
    """Return the search filter (VS-8): each term begins one of the record's stored words.

    Each term is a range of the ``words`` index (``word >= term`` and below the next
    prefix), so a search walks the words that start with it, not every record (ST-4).
    """
    if search is None:
        return None
    terms = search_terms(search)
    if not terms:  # only punctuation or spaces: no word to look for, nothing matches
        return lambda table: [false()]

    def keep(table: Any) -> list[ColumnElement[bool]]:
        # A plain IN, not `among`: the planner weighs the word range against the walk by
        # id, and an array of many ids would be searched once per row (ST-4).
        return [table.c.id.in_(_starting(tenant, words, column, t)) for t in terms]

    return keep


def _starting(tenant: str, words: Table, column: str, term: str) -> Select[Any]:
    """Return the ids of the records holding a word that ``term`` begins (VS-8).

    Words sort by code point (`KEY`), so the range from ``term`` to the next prefix holds
    exactly the words it begins; a bare range also lets the planner estimate how many.
    """
    bound = _past(term)
    if bound is None:  # ``term`` ends with U+10FFFF: no next prefix, test the start itself
        starts = func.substr(words.c.word, 1, len(term)) == term
        conditions = [words.c.word >= term, starts]
    else:
        conditions = [words.c.word >= term, words.c.word < bound]
    return select(words.c[column]).where(words.c.tenant == tenant, *conditions)


def _past(prefix: str) -> str | None:
    """Return the least text above every text ``prefix`` begins, by code point, if any."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # no surrogate may travel to a database
        last = 0xE000
    return None if last > 0x10FFFF else prefix[:-1] + chr(last)


def customer_parts(tenant: str, scope: Scope, page: Page) -> list[Select[Any]]:
    """Return one id query per part of ``scope`` over customers (VS-2 (a)-(c), MB-1, MB-4)."""
    c, o = _customers, _organizations
    mine = c.c.tenant == tenant
    parts: list[Select[Any]] = []
    if scope.portfolios:
        portfolios = sorted(scope.portfolios)
        own = select(c.c.id).where(mine, c.c.portfolio.in_(portfolios))
        inherited = (
            select(c.c.id)
            .join(o, (o.c.tenant == c.c.tenant) & (o.c.id == c.c.organization))
            .where(mine, c.c.portfolio.is_(None), o.c.portfolio.in_(portfolios))
        )
        parts += [page.cut(own, c, c.c.id), page.cut(inherited, c, c.c.id)]
    if scope.account_managers:
        managed = (
            select(_links.c.customer_id)
            .where(
                _links.c.tenant == tenant,
                _links.c.manager_id.in_(sorted(scope.account_managers)),
            )
            .distinct()
        )
        if page.keep is not None:
            managed = managed.join(
                c, (c.c.tenant == _links.c.tenant) & (c.c.id == _links.c.customer_id)
            )
        parts.append(page.cut(managed, c, _links.c.customer_id))
    if scope.outside:
        placed_organization = exists().where(
            o.c.tenant == c.c.tenant, o.c.id == c.c.organization, o.c.portfolio.is_not(None)
        )
        outside = select(c.c.id).where(mine, c.c.unplaced == true(), ~placed_organization)
        parts.append(page.cut(outside, c, c.c.id))
    return parts


def organization_parts(tenant: str, scope: Scope, page: Page) -> list[Select[Any]]:
    """Return one id query per part of ``scope`` over organizations (VS-2 (a), (c))."""
    o = _organizations
    parts: list[Select[Any]] = []
    if scope.portfolios:
        portfolios = sorted(scope.portfolios)
        inside = select(o.c.id).where(o.c.tenant == tenant, o.c.portfolio.in_(portfolios))
        parts.append(page.cut(inside, o, o.c.id))
    if scope.outside:
        outside = select(o.c.id).where(o.c.tenant == tenant, o.c.portfolio.is_(None))
        parts.append(page.cut(outside, o, o.c.id))
    return parts


def customer_samples(tenant: str, scope: Scope) -> list[Select[Any]]:
    """Return one id query per part of ``scope`` over customers, each index only.

    For counting how crowded a scope is: together they hold every customer in
    ``scope`` (VS-2 (a)-(c)), some twice, and may hold a few more (an organization's
    customers with a portfolio of their own, customers without portfolio or manager
    whose organization has one), but each reads one index and no table row.
    """
    c, o = _customers, _organizations
    parts: list[Select[Any]] = []
    if scope.portfolios:
        portfolios = sorted(scope.portfolios)
        parts.append(select(c.c.id).where(c.c.tenant == tenant, c.c.portfolio.in_(portfolios)))
        parts.append(
            select(c.c.id)
            .join(o, (o.c.tenant == c.c.tenant) & (o.c.id == c.c.organization))
            .where(c.c.tenant == tenant, o.c.portfolio.in_(portfolios))
        )
    if scope.account_managers:
        managers = sorted(scope.account_managers)
        parts.append(
            select(_links.c.customer_id).where(
                _links.c.tenant == tenant, _links.c.manager_id.in_(managers)
            )
        )
    if scope.outside:
        parts.append(select(c.c.id).where(c.c.tenant == tenant, c.c.unplaced == true()))
    return parts


def ticket_visible(tenant: str, scope: Scope, ticket: Any) -> ColumnElement[bool]:
    """Return "this row of ``ticket`` (an alias of the tickets table) is in ``scope``".

    The same rule as `customer_parts`, the assignee part and the queue part (VS-2, VS-7),
    asked of one ticket at a time through primary keys: for a walk of tickets in id order
    (ST-4).
    """
    c, o = _customers, _organizations
    ways: list[ColumnElement[bool]] = []
    if scope.portfolios:
        portfolios = sorted(scope.portfolios)
        inherited = _probe(
            o.c.tenant == tenant, o.c.id == c.c.organization, o.c.portfolio.in_(portfolios)
        )
        ways += [c.c.portfolio.in_(portfolios), c.c.portfolio.is_(None) & inherited]
    if scope.account_managers:
        managers = sorted(scope.account_managers)
        ways.append(
            _probe(
                _links.c.tenant == tenant,
                _links.c.customer_id == c.c.id,
                _links.c.manager_id.in_(managers),
            )
        )
    if scope.outside:
        placed = _probe(
            o.c.tenant == tenant, o.c.id == c.c.organization, o.c.portfolio.is_not(None)
        )
        ways.append((c.c.unplaced == true()) & ~placed)
    found: list[ColumnElement[bool]] = []
    if ways:
        found.append(_probe(c.c.tenant == tenant, c.c.id == ticket.c.customer, or_(*ways)))
    if scope.assignees:
        found.append(ticket.c.assignee.in_(sorted(scope.assignees)))
    if scope.queues:
        found.append(ticket.c.department.in_(sorted(scope.queues)) & queued(ticket))
    return or_(false(), *found)


def queued(ticket: Any) -> ColumnElement[bool]:
    """Return `Ticket.queued` over a row: open, no assignee, offered to no one (VS-7, RT-1)."""
    unassigned = (ticket.c.status == TicketStatus.OPEN.value) & ticket.c.assignee.is_(None)
    return unassigned & (ticket.c.offered == NO_OFFER)  # type: ignore[no-any-return]


NO_OFFER = dumps([])
"""The ``offered`` column of a ticket offered to no one: the codec's JSON of ``()``."""


def _probe(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Return ``EXISTS`` of a row meeting ``conditions``, looked up row by row.

    ``OFFSET 0`` keeps PostgreSQL from turning the look-up into a hashed subplan, which
    reads every row that could match (every customer of the tenant) before the walk
    reads its first ticket.
    """
    return select(literal(1)).where(*conditions).offset(0).exists()


def union_of(parts: list[Select[Any]]) -> Select[Any] | CompoundSelect[Any]:
    """Return the ids any of ``parts`` holds (``parts`` must not be empty)."""
    return parts[0] if len(parts) == 1 else union(*parts)
