"""Scope listings for the in-memory adapter: unions of index look-ups (VS-3, ST-4)."""

from __future__ import annotations

import heapq
from collections.abc import Collection

from carteira.adapters.memory.table import Table
from carteira.domain.customer import Customer, Organization
from carteira.domain.scope import Scope
from carteira.domain.ticket import Ticket

__all__ = [
    "customer_ids_in_scope",
    "first_page",
    "organization_ids_in_scope",
    "ticket_ids_in_scope",
]


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
            if org is None or organizations.rows[org].portfolio is None:
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
    """Return the ids of the tickets whose customer is in scope or that a viewer serves."""
    if scope.everything:
        return tickets.rows.keys()
    found: set[str] = set()
    for customer_id in customer_ids_in_scope(scope, customers, organizations):
        found.update(tickets.ids("customer", customer_id))
    for manager in scope.assignees:
        found.update(tickets.ids("assignee", manager))
    return found


def first_page(ids: Collection[str], after: str | None, limit: int) -> list[str]:
    """Return the ``limit`` smallest ids greater than ``after`` (keyset pagination)."""
    candidates = ids if after is None else [i for i in ids if i > after]
    # A heap pays off only when the page is a small part of what there is to sort.
    if limit * 8 >= len(candidates):
        return sorted(candidates)[:limit]
    return heapq.nsmallest(limit, candidates)
