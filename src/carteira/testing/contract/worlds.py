"""Small random worlds of one tenant, and the plain definitions listings must agree with.

A `World` holds consistent rows of every kind (a customer's organization exists,
a ticket's customer exists) whose ids and names are drawn from short lists of tricky
strings: case pairs, a precomposed and a decomposed ``ç``, a character beyond the
Basic Multilingual Plane, a 255-character id, ``%`` and ``_`` (wildcards in SQL
``LIKE``). The ``*_in_scope`` functions restate [`Scope`][carteira.Scope]'s
docstring as code, so that a test computes what a listing must hold from plain
``get`` calls, without trusting the adapter's indexes (VS-3, ST-4).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import attrs
from hypothesis import strategies as st

from carteira.domain.absence import Absence
from carteira.domain.customer import Customer, Organization
from carteira.domain.manager import Manager
from carteira.domain.names import name_key
from carteira.domain.portal import PortalFilter
from carteira.domain.portfolio import Portfolio
from carteira.domain.scope import Scope
from carteira.domain.search import search_matches, search_terms, search_words
from carteira.domain.ticket import Department, Ticket, TicketStatus
from carteira.domain.workflow import Responsible

__all__ = [
    "IDS",
    "NAMES",
    "SEARCHES",
    "World",
    "customer_in_scope",
    "customer_world",
    "effective_portfolio",
    "in_view",
    "matches_search",
    "organization_in_scope",
    "scopes",
    "ticket_in_scope",
    "worlds",
]

IDS = (
    "a",
    "A",
    "a1",
    "a10",
    "a2",
    "b",
    "\u00e7",
    "c\u0327",
    "\uffff",
    "\U0001f600",
    "x" * 254 + "\U0001f600",
)
"""Ids whose order by code point differs from most collations' (ST-4)."""

NAMES = (
    "Ana",
    "ANA",
    "ana maria",
    "Stra\u00dfe",
    "STRASSE",
    "S\u00e3o",
    "S\u00c3O",
    "100%",
    "a_b",
    "\u0130stanbul",
    "\u01c5",
)
"""Names that ignoring case must match, or tell apart."""

SEARCHES = (
    "an",
    "AN",
    "\u00df",
    "ss",
    "\u00e3o",
    "\u00c3O",
    "%",
    "_",
    "a",
    "A",
    "b",
    "\u01c6",
    "zz",
)
"""Search terms: name fragments in both cases, wildcards, and ids."""

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEPARTMENTS = ("d1", "d2")
TYPES = ("k1", "k2")
STAGES = ("s1", "s2")


@attrs.frozen
class World:
    """Consistent rows of one tenant, ready to be added in this order."""

    managers: tuple[Manager, ...]
    portfolios: tuple[Portfolio, ...]
    organizations: tuple[Organization, ...]
    customers: tuple[Customer, ...]
    tickets: tuple[Ticket, ...]
    #: Of `DEPARTMENTS`, those stored: each lists its members, or none (VS-7, RT-2).
    departments: tuple[Department, ...] = ()

    def basic_scopes(self) -> list[Scope]:
        """Return the scopes of one clause each over this world's ids, and the empty one."""
        managers = [m.id for m in self.managers] + ["ghost"]
        return [
            Scope(),
            Scope(everything=True),
            Scope(outside=True),
            *(Scope(portfolios=frozenset({p.id})) for p in self.portfolios),
            *(Scope(account_managers=frozenset({m})) for m in managers),
            *(Scope(assignees=frozenset({m})) for m in managers),
            *(Scope(queues=frozenset({d})) for d in (*DEPARTMENTS, "ghost")),
        ]

    @property
    def rows(self) -> tuple[object, ...]:
        """Every row, in an order that adds what others name first."""
        return (
            *self.managers,
            *self.portfolios,
            *self.organizations,
            *self.customers,
            *self.departments,
            *self.tickets,
        )


def _ids(max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(IDS), max_size=max_size, unique=True)


def _subset(pool: tuple[str, ...], max_size: int = 3) -> st.SearchStrategy[tuple[str, ...]]:
    if not pool:
        return st.just(())
    return st.lists(st.sampled_from(pool), max_size=max_size, unique=True).map(tuple)


def _maybe(pool: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(pool) if pool else st.none()


_INSTANTS = st.integers(min_value=0, max_value=20).map(lambda n: START + timedelta(hours=n))


@st.composite
def _managers(draw: st.DrawFn, tenant: str) -> tuple[Manager, ...]:
    ids = draw(_ids(5))
    found = []
    for manager_id in ids:
        absences = []
        for number, backup in enumerate(draw(_subset(tuple(ids), 2))):
            start = draw(_INSTANTS)
            absences.append(Absence(f"x{number}", start, start + timedelta(hours=2), backup))
        twice: bool = draw(st.booleans())
        if absences and twice:  # the same backup named twice
            first = absences[0]
            later = first.end + timedelta(hours=1)
            absences.append(Absence("again", later, later + timedelta(hours=1), first.backup))
        name = draw(st.sampled_from(NAMES))
        found.append(Manager(tenant, manager_id, name, absences=tuple(absences)))
    return tuple(found)


@st.composite
def worlds(draw: st.DrawFn, tenant: str) -> World:
    """Draw a consistent world of ``tenant`` with a few rows of every kind."""
    managers = draw(_managers(tenant))
    manager_ids = tuple(m.id for m in managers)
    portfolio_ids = draw(_ids(4))
    names = draw(
        st.lists(
            st.sampled_from(NAMES),
            min_size=len(portfolio_ids),
            max_size=len(portfolio_ids),
            unique_by=name_key,
        )
    )
    portfolios = tuple(
        Portfolio(tenant, pid, name, managers=draw(_subset(manager_ids)))
        for pid, name in zip(portfolio_ids, names, strict=True)
    )
    pids = tuple(portfolio_ids)
    organizations = tuple(
        Organization(tenant, oid, draw(st.sampled_from(NAMES)), draw(_maybe(pids)))
        for oid in draw(_ids(4))
    )
    oids = tuple(o.id for o in organizations)
    customers = tuple(
        Customer(
            tenant,
            cid,
            draw(st.sampled_from(NAMES)),
            organization=draw(_maybe(oids)),
            portfolio=draw(_maybe(pids)),
            account_managers=draw(_subset(manager_ids)),
        )
        for cid in draw(_ids(7))
    )
    cids = tuple(c.id for c in customers)
    tickets = tuple(draw(_tickets(tenant, tid, cids, manager_ids)) for tid in draw(_ids(8)))
    members = st.none() | _subset((*manager_ids, "ghost"))
    departments = tuple(
        Department(tenant, d, d.upper(), members=draw(members))
        for d in DEPARTMENTS
        if draw(st.booleans() | st.just(True))
    )
    return World(
        managers, portfolios, organizations, customers, tickets if cids else (), departments
    )


@st.composite
def _tickets(
    draw: st.DrawFn,
    tenant: str,
    ticket_id: str,
    customers: tuple[str, ...],
    managers: tuple[str, ...],
) -> Ticket:
    portal = draw(st.booleans())
    assignee = draw(_maybe(managers))
    return Ticket(
        tenant,
        ticket_id,
        draw(st.sampled_from(customers)) if customers else "nobody",
        draw(st.sampled_from(DEPARTMENTS)),
        draw(_INSTANTS),
        status=draw(st.sampled_from(TicketStatus)),
        assignee=assignee,
        assigned_at=None if assignee is None else draw(st.none() | _INSTANTS),
        # now and then waiting for its customer's choice: not in the queue (RT-1, VS-7)
        offered=() if assignee is not None else draw(st.sampled_from(((), (), managers[:2]))),
        type=draw(st.sampled_from(TYPES)) if portal else None,
        stage=draw(st.sampled_from(STAGES)) if portal else None,
        responsible=draw(st.sampled_from(Responsible)) if portal else Responsible.SERVICE,
    )


def scopes() -> st.SearchStrategy[Scope]:
    """Draw scopes over the world's ids, and ids no row has."""
    ids = st.frozensets(st.sampled_from((*IDS, "ghost")), max_size=3)
    return st.builds(
        Scope,
        everything=st.sampled_from((False, False, False, True)),
        portfolios=ids,
        account_managers=ids,
        outside=st.booleans(),
        assignees=ids,
        queues=st.frozensets(st.sampled_from((*DEPARTMENTS, "ghost")), max_size=2),
    )


def effective_portfolio(
    customer: Customer, organizations: Mapping[str, Organization]
) -> str | None:
    """Return a customer's own portfolio, else its organization's (MB-1)."""
    organization = (
        None if customer.organization is None else organizations.get(customer.organization)
    )
    return customer.effective_portfolio(organization)


def customer_in_scope(
    scope: Scope, customer: Customer, organizations: Mapping[str, Organization]
) -> bool:
    """Scope's definition for a customer: effective portfolio, account manager, outside."""
    if scope.everything:
        return True
    effective = effective_portfolio(customer, organizations)
    if effective is not None and effective in scope.portfolios:
        return True
    if set(customer.account_managers) & scope.account_managers:
        return True
    return scope.outside and effective is None and not customer.account_managers


def organization_in_scope(scope: Scope, organization: Organization) -> bool:
    """Scope's definition for an organization: everything, its portfolio, or outside."""
    if scope.everything:
        return True
    if organization.portfolio is None:
        return scope.outside
    return organization.portfolio in scope.portfolios


def ticket_in_scope(
    scope: Scope,
    ticket: Ticket,
    customers: Mapping[str, Customer],
    organizations: Mapping[str, Organization],
) -> bool:
    """Scope's definition for a ticket: its customer, its assignee or its queue is in scope.

    Its queue is in scope when it waits there (open, with no assignee, offered to no one,
    VS-7) and its department is one of the scope's ``queues``.
    """
    if scope.everything or (ticket.assignee is not None and ticket.assignee in scope.assignees):
        return True
    waiting = ticket.status is TicketStatus.OPEN and ticket.assignee is None and not ticket.offered
    if waiting and ticket.department in scope.queues:
        return True
    customer = customers.get(ticket.customer)
    return customer is not None and customer_in_scope(scope, customer, organizations)


def matches_search(search: str | None, row: Customer | Organization) -> bool:
    """Tell whether each word of ``search`` begins a word of the name or the id (VS-3, VS-8)."""
    return search is None or search_matches(search_terms(search), search_words(row.name, row.id))


def in_view(ticket: Ticket, view: PortalFilter) -> bool:
    """TK-7: a portal ticket (one with a type) shows in *All* and in the view its state names.

    Completed when closed, cancelled when cancelled, else *under my responsibility*
    when the customer is responsible and *awaiting return* when the service side is.
    """
    if ticket.type is None:
        return False
    if ticket.status is TicketStatus.CLOSED:
        own = PortalFilter.COMPLETED
    elif ticket.status is TicketStatus.CANCELLED:
        own = PortalFilter.CANCELLED
    elif ticket.responsible is Responsible.CUSTOMER:
        own = PortalFilter.MINE
    else:
        own = PortalFilter.AWAITING
    return view in (PortalFilter.ALL, own)


def customer_world(tenant: str) -> list[object]:
    """Return a hand-written world: every way into and out of a scope (MB-1, MB-4, VS-2)."""
    return [
        Organization(tenant, "o1", "Org Um", portfolio="p1"),
        Organization(tenant, "o2", "Org Dois"),
        Customer(tenant, "c1", "Ana", portfolio="p1"),
        Customer(tenant, "c2", "ANA MARIA", organization="o1"),
        Customer(tenant, "c3", "Stra\u00dfe", organization="o1", portfolio="p2"),
        Customer(tenant, "c4", "100% Sul", organization="o2"),
        Customer(tenant, "c5", "a_b", account_managers=("m1",)),
        Customer(tenant, "c6", "S\u00e3o"),
        Customer(tenant, "c7", "x", portfolio="p2", account_managers=("m2", "m1")),
    ]
