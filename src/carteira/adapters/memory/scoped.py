"""Scope listings for the in-memory adapter: unions of index look-ups (VS-3, ST-4)."""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping
from typing import Any, TypeVar

from carteira.adapters.memory.table import Table
from carteira.domain.customer import Customer, Organization
from carteira.domain.scope import Scope
from carteira.domain.ticket import Ticket

__all__ = [
    "ScopeCache",
    "customer_ids_in_scope",
    "organization_ids_in_scope",
    "page_of",
    "ticket_ids_in_scope",
]

R = TypeVar("R")


def customer_ids_in_scope(
    scope: Scope, customers: Table[Customer], organizations: Table[Organization]
) -> Collection[str]:
    """Return the ids of the customers in ``scope``; the cost follows the scope's size."""
    if scope.everything:
        return customers.rows.keys()
    found: set[str] = set()
    for portfolio in scope.portfolios:
        found.update(customers.ids("portfolio", portfolio))
        for organization in organizations.ids("portfolio", portfolio):
            found.update(
                i
                for i in customers.ids("organization", organization)
                if customers.rows[i].portfolio is None
            )
    for manager in scope.account_managers:
        found.update(customers.ids("manager", manager))
    if scope.outside:
        for customer_id in customers.ids("unplaced", True):
            org = customers.rows[customer_id].organization
            holder = None if org is None else organizations.rows.get(org)
            if holder is None or holder.portfolio is None:
                found.add(customer_id)
    return found


def organization_ids_in_scope(scope: Scope, organizations: Table[Organization]) -> Collection[str]:
    """Return the ids of the organizations in ``scope``."""
    if scope.everything:
        return organizations.rows.keys()
    found: set[str] = set()
    for portfolio in scope.portfolios:
        found.update(organizations.ids("portfolio", portfolio))
    if scope.outside:
        found.update(organizations.ids("unplaced", True))
    return found


def ticket_ids_in_scope(
    scope: Scope,
    tickets: Table[Ticket],
    customers: Table[Customer],
    organizations: Table[Organization],
) -> Collection[str]:
    """Return the ids of the tickets of the scope's customers, assignees and queues (VS-7)."""
    if scope.everything:
        return tickets.rows.keys()
    found: set[str] = set()
    for customer_id in customer_ids_in_scope(scope, customers, organizations):
        found.update(tickets.ids("customer", customer_id))
    for manager in scope.assignees:
        found.update(tickets.ids("assignee", manager))
    for department in scope.queues:
        found.update(tickets.ids("queue", department))
    return found


class ScopeCache:
    """The sorted ids of recent scopes, each kept while the tables it read stand still.

    An entry is stamped with the ``generation`` of every table its ids came from; a row
    added, removed or moved between index keys changes a generation, so the next look-up
    recomputes (revocation is seen at once). Walking pages then costs one computation
    and a binary search per page instead of the whole scope per page.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[tuple[int, ...], list[str]]] = OrderedDict()

    def sorted_ids(
        self,
        key: Hashable,
        tables: tuple[Table[Any], ...],
        compute: Callable[[], Collection[str]],
    ) -> list[str]:
        """Return the sorted ids for ``key``, computing them when any table changed."""
        stamp = tuple(t.generation for t in tables)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == stamp:
            self._entries.move_to_end(key)
            return entry[1]
        ids = sorted(compute())
        self._entries[key] = (stamp, ids)
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return ids


def page_of(
    ids: list[str],
    rows: Mapping[str, R],
    after: str | None,
    limit: int,
    keep: Callable[[R], bool] | None = None,
) -> list[R]:
    """Return up to ``limit`` rows kept by ``keep``, in id order after ``after`` (keyset)."""
    start = 0 if after is None else bisect.bisect_right(ids, after)
    if keep is None:
        return [rows[i] for i in ids[start : start + limit]]
    found: list[R] = []
    for position in range(start, len(ids)):
        row = rows[ids[position]]
        if keep(row):
            found.append(row)
            if len(found) == limit:
                break
    return found
