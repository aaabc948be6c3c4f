"""What a :class:`~carteira.domain.scope.Scope` holds, as unions of index look-ups (VS-3, ST-4).

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
    exists,
    or_,
    select,
    true,
    union,
)

from carteira.adapters.sql import schema
from carteira.adapters.sql.sets import contains
from carteira.domain.scope import Scope

__all__ = ["Keep", "Page", "customer_parts", "named", "organization_parts", "union_of"]

Keep = Callable[[Any], list[ColumnElement[bool]]]
"""Conditions on a table that every row of a listing passes (search, open only)."""

_customers, _organizations = schema.customers, schema.organizations
_links = schema.customer_managers


class Page:
    """The keyset window a listing asks for: ids after ``after``, the first ``limit``.

    ``keep`` holds extra conditions each part must apply before cutting (search,
    open tickets only), so that cutting each part cannot drop a row of the page.
    """

    def __init__(
        self,
        after: str | None,
        limit: int | None,
        keep: Keep | None = None,
    ) -> None:
        self.after = after
        self.limit = limit
        self.keep = keep

    def cut(self, statement: Select[Any], table: Any, id_column: Any) -> Select[Any]:
        """Return ``statement`` kept, after ``after``, ordered and limited by ``id_column``."""
        if self.keep is not None:
            statement = statement.where(*self.keep(table))
        if self.after is not None:
            statement = statement.where(id_column > self.after)
        if self.limit is None:
            return statement
        part = statement.order_by(id_column).limit(self.limit).subquery()
        return select(part.c[0])


def named(dialect: str, search: str | None) -> Keep | None:
    """Return the search filter: the id equals ``search`` or the folded name holds it."""
    if search is None:
        return None
    folded = search.casefold()
    return lambda table: [or_(table.c.id == search, contains(dialect, table.c.name_fold, folded))]


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


def union_of(parts: list[Select[Any]]) -> Select[Any] | CompoundSelect[Any]:
    """Return the ids any of ``parts`` holds (``parts`` must not be empty)."""
    return parts[0] if len(parts) == 1 else union(*parts)
