"""The in-memory adapter: the reference implementation of every storage port (ST-2).

One [`InMemoryStore`][carteira.InMemoryStore] holds any number of tenants. Units of work run one at
a time (a store-wide lock) and journal every write, so a command that fails or is refused leaves the
store exactly as it was (ST-1, invariant 8).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any, Generic, Self, TypeVar

from carteira.adapters.memory.outbox import MemoryOutbox
from carteira.adapters.memory.scoped import (
    ScopeCache,
    customer_ids_in_scope,
    organization_ids_in_scope,
    page_of,
    ticket_ids_in_scope,
)
from carteira.adapters.memory.table import Journal, Row, Table
from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import ConcurrencyError, StorageError
from carteira.domain.events import Event, MembershipChanged
from carteira.domain.identifiers import check_id
from carteira.domain.manager import Manager
from carteira.domain.ownership import SubjectKind
from carteira.domain.permissions import ALL_PERMISSIONS
from carteira.domain.portal import PortalFilter
from carteira.domain.portfolio import Portfolio
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.routing_facts import Candidates, Opening, Owners
from carteira.domain.scope import Scope
from carteira.domain.search import search_matches, search_terms, search_words
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import Department, Ticket, queues_of
from carteira.domain.versions import stored_over
from carteira.domain.visibility import Viewer, scope_of, standing_in, standing_in_period
from carteira.domain.visibility_rule import Seen, Subject
from carteira.domain.workflow import TicketType

__all__ = ["InMemoryReadUnitOfWork", "InMemoryStore", "InMemoryUnitOfWork"]


# A viewer's scope, the period it holds for, and what it was read from (`_Tenant.scope_at`).
_Period = tuple[Scope | None, datetime | None, datetime | None]
_Held = tuple[tuple[int, int, int, TenantSettings], datetime | None, datetime | None, Scope | None]
_MAX_VIEWERS = 4096


class _Tenant:
    """Every table of one tenant."""

    def __init__(self, journal: _JournalRef) -> None:
        self.portfolios: Table[Portfolio] = Table(
            "portfolio",
            journal,
            {"name": lambda p: (p.key,), "manager": lambda p: p.managers},
            unique=frozenset({"name"}),
        )
        self.managers: Table[Manager] = Table(
            "manager", journal, {"backup": lambda m: {a.backup for a in m.absences}}
        )
        self.customers: Table[Customer] = Table(
            "customer",
            journal,
            {
                "portfolio": lambda c: () if c.portfolio is None else (c.portfolio,),
                "organization": lambda c: () if c.organization is None else (c.organization,),
                "manager": lambda c: c.account_managers,
                "unplaced": lambda c: (True,) if not c.portfolio and not c.account_managers else (),
            },
        )
        self.organizations: Table[Organization] = Table(
            "organization",
            journal,
            {
                "portfolio": lambda o: () if o.portfolio is None else (o.portfolio,),
                "unplaced": lambda o: (True,) if o.portfolio is None else (),
            },
        )
        self.tickets: Table[Ticket] = Table(
            "ticket",
            journal,
            {
                "customer": lambda t: (t.customer,),
                "assignee": lambda t: () if t.assignee is None else (t.assignee,),
                "load": _serving,
                "portal": _portal_views,
                "stage": _open_stage,
                "queue": _queue,
            },
        )
        self.departments: Table[Department] = Table("department", journal)
        self.ticket_types: Table[TicketType] = Table("ticket_type", journal)
        self.scopes = ScopeCache()
        self.history: dict[tuple[SubjectKind, str], list[MembershipChanged]] = {}
        self.events: list[Event] = []
        self.published: set[int] = set()
        self._published_prefix = 0  # positions 1..prefix are all published
        self.settings = TenantSettings()
        self._viewers: dict[tuple[PrincipalKind, str], _Held] = {}
        self._keys: list[str] = []
        self._keys_at = -1
        self._ids: list[str] = []
        self._ids_at = -1

    def waiting(self, limit: int) -> list[tuple[int, Event]]:
        """Return the first ``limit`` events not yet published, with their positions (EV-1)."""
        done = self.published
        prefix = min(self._published_prefix, len(self.events))
        while prefix + 1 in done:
            prefix += 1
        self._published_prefix = prefix
        waiting = (
            (position, event)
            for position, event in enumerate(self.events[prefix:], prefix + 1)
            if position not in done
        )
        return list(islice(waiting, max(limit, 0)))

    def forget_published(self, positions: set[int]) -> None:
        """Take ``positions`` out of the published ones again (a unit of work rolled back)."""
        self.published.difference_update(positions)
        self._published_prefix = 0

    @property
    def empty(self) -> bool:
        """Tell whether nothing was ever stored for this tenant."""
        tables = (
            self.portfolios,
            self.managers,
            self.customers,
            self.organizations,
            self.tickets,
            self.departments,
            self.ticket_types,
        )
        untouched = self.settings == TenantSettings()
        return untouched and not self.events and not any(t.rows for t in tables)

    def manager_ids(self) -> list[str]:
        """Return every manager's id, sorted; kept while no manager comes or goes."""
        generation = self.managers.generation
        if self._ids_at != generation:
            self._ids = sorted(self.managers.rows)
            self._ids_at = generation
        return self._ids

    def portfolio_keys(self) -> list[str]:
        """Return every portfolio's name key, sorted; kept while no name comes or goes."""
        generation = self.portfolios.generation
        if self._keys_at != generation:
            self._keys = sorted(str(k) for k in self.portfolios.indexes["name"])
            self._keys_at = generation
        return self._keys

    def portfolio_managers(self, portfolio_id: str | None) -> tuple[str, ...] | None:
        """Return a portfolio's managers; ``None`` for no portfolio, ``()`` for a gone one."""
        if portfolio_id is None:
            return None
        portfolio = self.portfolios.rows.get(portfolio_id)
        return () if portfolio is None else portfolio.managers

    def scope_at(self, principal: Principal, at: datetime) -> Scope | None:
        """Return the principal's scope at ``at``; ``None`` when he may not ask (MG-4, VS-3).

        Kept per principal while the managers, the portfolios, the departments and the
        settings stand still and ``at`` stays in the period his stand-ins hold for (MG-5),
        so a check costs a few look-ups and a revocation shows at the next one.
        """
        stamp = (
            self.managers.revision,
            self.portfolios.revision,
            self.departments.revision,
            self.settings,
        )
        key = (principal.kind, principal.id)
        held = self._viewers.get(key)
        if held is not None and held[0] == stamp:
            start, end = held[1], held[2]
            if (start is None or start <= at) and (end is None or at < end):
                return held[3]
        scope, start, end = self._scope_now(principal, at)
        if len(self._viewers) >= _MAX_VIEWERS:
            self._viewers.clear()
        self._viewers[key] = (stamp, start, end, scope)
        return scope

    def _scope_now(self, principal: Principal, at: datetime) -> _Period:
        if principal.kind is PrincipalKind.SYSTEM:
            viewer = Viewer(principal.id, True, ALL_PERMISSIONS, system=True)
            everything = scope_of(
                viewer, segmentation=True, open_access=False, managed_portfolios=()
            )
            return everything, None, None
        manager = self.managers.rows.get(principal.id)
        if principal.kind is not PrincipalKind.MANAGER or manager is None or not manager.active:
            return None, None, None
        named_him = self.managers.lookup("backup", manager.id)
        absent = standing_in(manager.id, named_him, at)
        viewer = Viewer(manager.id, True, manager.permissions, absent)
        managed = {p for i in viewer.identities for p in self.portfolios.ids("manager", i)}
        scope = scope_of(
            viewer,
            segmentation=self.settings.segmentation,
            open_access=self.settings.open_access,
            managed_portfolios=managed,
            queues=queues_of(manager.id, self.departments.rows.values()),
        )
        return (scope, *standing_in_period(named_him, at))

    def holds_customer(self, scope: Scope, customer: Customer) -> bool:
        """Tell whether ``customer`` is in ``scope``, through its effective portfolio (MB-1)."""
        return scope.sees_customer(self.effective_portfolio(customer), customer.account_managers)

    def effective_managers(self, customer: Customer) -> tuple[str, ...] | None:
        """Return the managers of the customer's effective portfolio (MB-1), or ``None``."""
        return self.portfolio_managers(self.effective_portfolio(customer))

    def effective_portfolio(self, customer: Customer) -> str | None:
        """Return the customer's effective portfolio: his own, else his organization's (MB-1)."""
        org_id = customer.organization
        organization = None if org_id is None else self.organizations.rows.get(org_id)
        return customer.effective_portfolio(organization)

    def snapshot(self) -> dict[str, Any]:
        return {
            "portfolios": self.portfolios.snapshot(),
            "managers": self.managers.snapshot(),
            "customers": self.customers.snapshot(),
            "organizations": self.organizations.snapshot(),
            "tickets": self.tickets.snapshot(),
            "departments": self.departments.snapshot(),
            "ticket_types": self.ticket_types.snapshot(),
            "history": {k: tuple(v) for k, v in self.history.items()},
            "events": tuple(self.events),
            "published": frozenset(self.published),
            "settings": self.settings,
        }


def _serving(ticket: Ticket) -> tuple[tuple[str, str], ...]:
    if ticket.open and ticket.assignee is not None:
        return ((ticket.department, ticket.assignee),)
    return ()


def _portal_views(ticket: Ticket) -> tuple[tuple[str, PortalFilter], ...]:
    if ticket.type is None:
        return ()
    return ((ticket.customer, PortalFilter.ALL), (ticket.customer, ticket.portal_filter))


def _open_stage(ticket: Ticket) -> tuple[tuple[str, str], ...]:
    if ticket.type is None or ticket.stage is None or not ticket.open:
        return ()
    return ((ticket.type, ticket.stage),)


def _named(search: str | None) -> Callable[[Customer | Organization], bool] | None:
    if search is None:
        return None
    terms = search_terms(search)
    return lambda row: search_matches(terms, search_words(row.name, row.id))


def _queue(ticket: Ticket) -> tuple[str, ...]:
    return (ticket.department,) if ticket.queued else ()


def _queue_order(ticket: Ticket) -> tuple[datetime, str]:
    return ticket.opened_at, ticket.id


def _is_open(ticket: Ticket) -> bool:
    return ticket.open


class _JournalRef:
    """The journal of the unit of work in progress (one at a time per store)."""

    def __init__(self) -> None:
        self.current: Journal | None = None

    def __call__(self) -> Journal:
        if self.current is None:
            raise StorageError("in-memory store written outside a unit of work", rule="ST-1")
        return self.current


class InMemoryStore:
    """Every tenant's records in process memory, read and written in units of work.

    Open one with [`unit_of_work`][carteira.InMemoryStore.unit_of_work], or a read-only one
    with [`read_unit_of_work`][carteira.InMemoryStore.read_unit_of_work]; pass
    ``store.unit_of_work`` wherever a `UnitOfWorkFactory` is wanted.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._journal = _JournalRef()
        self._tenants: dict[str, _Tenant] = {}
        self._outbox: MemoryOutbox | None = None

    def unit_of_work(self, tenant: str) -> InMemoryUnitOfWork:
        """Return a unit of work scoped to ``tenant`` (TN-1)."""
        return InMemoryUnitOfWork(self, tenant)

    def read_unit_of_work(self, tenant: str) -> InMemoryReadUnitOfWork:
        """Return a read-only unit of work scoped to ``tenant``, for queries (ST-6, TN-1)."""
        return InMemoryReadUnitOfWork(self, tenant)

    def check_visible(
        self, principal: Principal, subject: Subject, object_id: str, at: datetime
    ) -> bool | None:
        """Answer one visibility check under the store's lock, with no unit of work (ST-7).

        The same answer as ``visibility.check`` in a read-only unit of work
        (`carteira.ports.VisibilityCheck`), for a tenth of the cost.
        """
        lock = self._lock
        lock.acquire()  # not `with`: on Python 3.11 that costs a tenth of a check more
        try:
            data = self._tenants.get(principal.tenant) or self._tenant(principal.tenant)
            scope = data.scope_at(principal, at)
            return None if scope is None else _SEES[subject](data, scope, object_id)
        finally:
            lock.release()

    def close(self) -> None:
        """Hold nothing to release: the records stay, as the `Store` protocol allows (ST-2)."""

    def outbox(self) -> MemoryOutbox:
        """Return the outbox publishers claim every tenant's waiting events from (EV-2).

        The same outbox each time: its leases belong to the store.
        """
        with self._lock:
            if self._outbox is None:
                self._outbox = MemoryOutbox(self._lock, self._tenants)
            return self._outbox

    def snapshot(self) -> dict[str, Any]:
        """Return a copy of everything stored, rows and indexes, for exact comparisons."""
        with self._lock:
            return {
                name: data.snapshot()
                for name, data in sorted(self._tenants.items())
                if not data.empty
            }

    def _tenant(self, name: str) -> _Tenant:
        data = self._tenants.get(name)
        if data is None:
            data = self._tenants[name] = _Tenant(self._journal)
        return data


L = TypeVar("L")


class _lazy(Generic[L]):  # noqa: N801 - used as a decorator, like functools.cached_property
    """A repository made on first use and kept in the unit's ``__dict__``.

    `functools.cached_property` takes a lock on Python 3.11, a sizeable part of a
    query that touches one repository.
    """

    def __init__(self, make: Callable[[Any], L]) -> None:
        self._make = make
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, unit: Any, owner: type | None = None) -> L:
        made = unit.__dict__[self._name] = self._make(unit)
        return made


class _Unit:
    """What both kinds of unit of work share: the tenant's repositories and the lock."""

    def __init__(self, store: InMemoryStore, tenant: str, journal: Journal | None) -> None:
        check_id("tenant", tenant, path="$.tenant")  # TN-1: a tenant is an id like any other
        self._store = store
        self._tenant_name = tenant
        self._journal = journal
        self._open = False
        self._data = store._tenant(tenant)

    # Repositories are made on first use: a query touches one or two of them.
    @_lazy
    def portfolios(self) -> _Portfolios:
        """Return the tenant's portfolios."""
        return _Portfolios(self._data, self._guard)

    @_lazy
    def managers(self) -> _Managers:
        """Return the tenant's managers."""
        return _Managers(self._data, self._guard)

    @_lazy
    def customers(self) -> _Customers:
        """Return the tenant's customers."""
        return _Customers(self._data, self._guard)

    @_lazy
    def organizations(self) -> _Organizations:
        """Return the tenant's organizations."""
        return _Organizations(self._data, self._guard)

    @_lazy
    def tickets(self) -> _Tickets:
        """Return the tenant's tickets."""
        return _Tickets(self._data, self._guard)

    @_lazy
    def departments(self) -> _Departments:
        """Return the tenant's departments."""
        return _Departments(self._data, self._guard)

    @_lazy
    def ticket_types(self) -> _TicketTypes:
        """Return the tenant's ticket types."""
        return _TicketTypes(self._data, self._guard)

    @_lazy
    def history(self) -> _History:
        """Return the tenant's ownership history (MB-6)."""
        return _History(self._data, self._guard)

    @_lazy
    def events(self) -> _Events:
        """Return the tenant's event log (EV-1)."""
        return _Events(self._data, self._guard)

    @_lazy
    def settings(self) -> _Settings:
        """Return the tenant's settings."""
        return _Settings(self._data, self._guard)

    @_lazy
    def visibility(self) -> _Visibility:
        """Who sees which records, by the policy's own code (ST-7)."""
        return _Visibility(self._data, self._guard)

    @_lazy
    def routing(self) -> _Routing:
        """Return what a routing decision reads (RT-2)."""
        return _Routing(self._data, self._guard)

    @property
    def tenant(self) -> str:
        """The tenant this unit of work is scoped to."""
        return self._tenant_name

    def __enter__(self) -> Self:
        self._store._lock.acquire()
        self._open = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._open = False
        self._store._lock.release()

    def _guard(self) -> Journal | None:
        if not self._open:
            raise StorageError("unit of work used outside its 'with' block", rule="ST-1")
        return self._journal


class InMemoryUnitOfWork(_Unit):
    """One transaction over one tenant of an [`InMemoryStore`][carteira.InMemoryStore] (ST-1)."""

    def __init__(self, store: InMemoryStore, tenant: str) -> None:
        super().__init__(store, tenant, Journal())

    def __enter__(self) -> Self:
        super().__enter__()
        self._store._journal.current = self._journal
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._writing().rollback()  # what was not committed is undone
        finally:
            self._store._journal.current = None
            super().__exit__(*exc)

    def commit(self) -> None:
        """Keep every change made in this unit of work."""
        self._writing().forget()

    def rollback(self) -> None:
        """Undo every change made in this unit of work since the last commit."""
        self._writing().rollback()

    def _writing(self) -> Journal:
        journal = self._guard()
        if journal is None:  # pragma: no cover - a writing unit always has its journal
            raise StorageError.read_only()
        return journal


class InMemoryReadUnitOfWork(_Unit):
    """A read-only unit of work over one tenant: what queries run in (ST-6).

    It keeps no journal: a write through any of its repositories is refused with
    [`StorageError`][carteira.StorageError] (code ``read_only``) before it touches anything.
    Units of work of one store run one at a time, so a query reads a consistent state.
    """

    def __init__(self, store: InMemoryStore, tenant: str) -> None:
        super().__init__(store, tenant, None)


class _Repo:
    def __init__(self, data: _Tenant, guard: Callable[[], Journal | None]) -> None:
        self._data = data
        self._guard = guard

    def _writing(self) -> Journal:
        journal = self._guard()
        if journal is None:
            raise StorageError.read_only()
        return journal


def _by_name(portfolios: Iterable[Portfolio]) -> list[Portfolio]:
    return sorted(portfolios, key=lambda p: (p.key, p.id))


class _Portfolios(_Repo):
    def get(self, portfolio_id: str) -> Portfolio | None:
        self._guard()
        return self._data.portfolios.get(portfolio_id)

    def by_key(self, key: str) -> Portfolio | None:
        self._guard()
        found = self._data.portfolios.lookup("name", key)
        return found[0] if found else None

    def list(self) -> Sequence[Portfolio]:
        self._guard()
        return _by_name(self._data.portfolios.rows.values())

    def managed_by(self, manager_id: str) -> Sequence[Portfolio]:
        self._guard()
        return _by_name(self._data.portfolios.lookup("manager", manager_id))

    def count_managed(self, manager_ids: Iterable[str]) -> Mapping[str, int]:
        self._guard()
        table = self._data.portfolios
        counts = {m: len(table.ids("manager", m)) for m in set(manager_ids)}
        return {m: n for m, n in counts.items() if n}

    def page(
        self, *, after: str | None, limit: int, manager: str | None = None
    ) -> Sequence[Portfolio]:
        self._guard()
        table = self._data.portfolios
        if manager is None:
            keys = self._data.portfolio_keys()
        else:
            keys = sorted(table.rows[i].key for i in table.ids("manager", manager))
        start = 0 if after is None else bisect_right(keys, after)
        return [table.lookup("name", k)[0] for k in keys[start : start + max(limit, 0)]]

    def add(self, portfolio: Portfolio) -> Portfolio:
        self._writing()
        return self._data.portfolios.add(portfolio)

    def update(self, portfolio: Portfolio) -> Portfolio:
        self._writing()
        return self._data.portfolios.update(portfolio)

    def update_many(self, portfolios: Iterable[Portfolio]) -> Sequence[Portfolio]:
        self._writing()
        return _update_all(self._data.portfolios, portfolios)

    def remove(self, portfolio: Portfolio) -> None:
        self._writing()
        self._data.portfolios.remove(portfolio)


class _Managers(_Repo):
    def get(self, manager_id: str) -> Manager | None:
        self._guard()
        return self._data.managers.get(manager_id)

    def get_many(self, manager_ids: Iterable[str]) -> Mapping[str, Manager]:
        self._guard()
        rows = self._data.managers.rows
        return {i: rows[i] for i in manager_ids if i in rows}

    def list(self) -> Sequence[Manager]:
        self._guard()
        return [self._data.managers.rows[i] for i in sorted(self._data.managers.rows)]

    def backed_up_by(self, manager_id: str) -> Sequence[Manager]:
        self._guard()
        return self._data.managers.lookup("backup", manager_id)

    def page(
        self, *, after: str | None, limit: int, active: bool | None = None
    ) -> Sequence[Manager]:
        self._guard()
        rows = self._data.managers.rows
        ids = self._data.manager_ids()
        start = 0 if after is None else bisect_right(ids, after)
        wanted = (rows[i] for i in ids[start:] if active is None or rows[i].active is active)
        return list(islice(wanted, max(limit, 0)))

    def add(self, manager: Manager) -> Manager:
        self._writing()
        return self._data.managers.add(manager)

    def update(self, manager: Manager) -> Manager:
        self._writing()
        return self._data.managers.update(manager)

    def remove(self, manager: Manager) -> None:
        self._writing()
        self._data.managers.remove(manager)


def _update_all(table: Table[Row], rows: Iterable[Row]) -> list[Row]:
    rows = list(rows)
    if len({r.id for r in rows}) != len(rows):
        raise ConcurrencyError(f"the same {table.kind} written twice in one call", rule="ST-3")
    return table.update_all(rows)


class _Customers(_Repo):
    def get(self, customer_id: str) -> Customer | None:
        self._guard()
        return self._data.customers.get(customer_id)

    def get_many(self, ids: Iterable[str]) -> Mapping[str, Customer]:
        self._guard()
        rows = self._data.customers.rows
        return {i: rows[i] for i in ids if i in rows}

    def count(self) -> int:
        self._guard()
        return len(self._data.customers.rows)

    def in_portfolio(self, portfolio_id: str) -> Sequence[Customer]:
        self._guard()
        return self._data.customers.lookup("portfolio", portfolio_id)

    def of_organization(self, organization_id: str) -> Sequence[Customer]:
        self._guard()
        return self._data.customers.lookup("organization", organization_id)

    def managed_by(self, manager_id: str) -> Sequence[Customer]:
        self._guard()
        return self._data.customers.lookup("manager", manager_id)

    def most_account_managers(self) -> int:
        self._guard()
        return max((len(c.account_managers) for c in self._data.customers.rows.values()), default=0)

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, search: str | None
    ) -> Sequence[Customer]:
        self._guard()
        customers, organizations = self._data.customers, self._data.organizations
        ids = self._data.scopes.sorted_ids(
            ("customers", scope),
            (customers, organizations),
            lambda: customer_ids_in_scope(scope, customers, organizations),
        )
        return page_of(ids, customers.rows, after, limit, _named(search))

    def add(self, customer: Customer) -> Customer:
        self._writing()
        return self._data.customers.add(customer)

    def add_many(self, customers: Iterable[Customer]) -> None:
        self._writing()
        self._data.customers.add_all(list(customers))

    def update_many(self, customers: Iterable[Customer]) -> Sequence[Customer]:
        self._writing()
        return _update_all(self._data.customers, customers)


class _Organizations(_Repo):
    def get(self, organization_id: str) -> Organization | None:
        self._guard()
        return self._data.organizations.get(organization_id)

    def get_many(self, ids: Iterable[str]) -> Mapping[str, Organization]:
        self._guard()
        rows = self._data.organizations.rows
        return {i: rows[i] for i in ids if i in rows}

    def count(self) -> int:
        self._guard()
        return len(self._data.organizations.rows)

    def in_portfolio(self, portfolio_id: str) -> Sequence[Organization]:
        self._guard()
        return self._data.organizations.lookup("portfolio", portfolio_id)

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, search: str | None
    ) -> Sequence[Organization]:
        self._guard()
        organizations = self._data.organizations
        ids = self._data.scopes.sorted_ids(
            ("organizations", scope),
            (organizations,),
            lambda: organization_ids_in_scope(scope, organizations),
        )
        return page_of(ids, organizations.rows, after, limit, _named(search))

    def add(self, organization: Organization) -> Organization:
        self._writing()
        return self._data.organizations.add(organization)

    def add_many(self, organizations: Iterable[Organization]) -> None:
        self._writing()
        self._data.organizations.add_all(list(organizations))

    def update_many(self, organizations: Iterable[Organization]) -> Sequence[Organization]:
        self._writing()
        return _update_all(self._data.organizations, organizations)


class _Tickets(_Repo):
    def get(self, ticket_id: str) -> Ticket | None:
        self._guard()
        return self._data.tickets.get(ticket_id)

    def open_assigned_to(self, manager_id: str) -> Sequence[Ticket]:
        self._guard()
        return [t for t in self._data.tickets.lookup("assignee", manager_id) if t.open]

    def open_load(self, department_id: str, manager_ids: Iterable[str]) -> Mapping[str, int]:
        self._guard()
        return _open_load(self._data.tickets, department_id, manager_ids)

    def busy_since(self, department_id: str, manager_ids: Iterable[str]) -> Mapping[str, datetime]:
        self._guard()
        return _busy_since(self._data.tickets, department_id, manager_ids)

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, open_only: bool
    ) -> Sequence[Ticket]:
        self._guard()
        data = self._data
        ids = data.scopes.sorted_ids(
            ("tickets", scope),
            (data.tickets, data.customers, data.organizations),
            lambda: ticket_ids_in_scope(scope, data.tickets, data.customers, data.organizations),
        )
        return page_of(ids, data.tickets.rows, after, limit, _is_open if open_only else None)

    def of_customer(
        self, customer_id: str, view: PortalFilter, *, after: str | None, limit: int
    ) -> Sequence[Ticket]:
        self._guard()
        tickets = self._data.tickets
        key = (customer_id, view)
        ids = self._data.scopes.sorted_ids(
            ("portal", key), (tickets,), lambda: tickets.ids("portal", key)
        )
        return page_of(ids, tickets.rows, after, limit)

    def queue(self, department_id: str, *, after: str | None, limit: int) -> Sequence[Ticket]:
        self._guard()
        tickets = self._data.tickets
        waiting = sorted(tickets.lookup("queue", department_id), key=_queue_order)
        if after is not None:
            mark = tickets.rows.get(after)
            if mark is None:
                return []
            waiting = [t for t in waiting if _queue_order(t) > _queue_order(mark)]
        return waiting[: max(limit, 0)]

    def count_open_at(self, ticket_type: str, stages: Iterable[str]) -> int:
        self._guard()
        return sum(len(self._data.tickets.ids("stage", (ticket_type, s))) for s in set(stages))

    def add(self, ticket: Ticket) -> Ticket:
        self._writing()
        return self._data.tickets.add(ticket)

    def update_many(self, tickets: Iterable[Ticket]) -> Sequence[Ticket]:
        self._writing()
        return _update_all(self._data.tickets, tickets)

    def remove(self, ticket: Ticket) -> None:
        self._writing()
        self._data.tickets.remove(ticket)


def _open_load(tickets: Table[Ticket], department_id: str, ids: Iterable[str]) -> dict[str, int]:
    return {m: len(tickets.ids("load", (department_id, m))) for m in ids}


def _busy_since(
    tickets: Table[Ticket], department_id: str, ids: Iterable[str]
) -> dict[str, datetime]:
    found = {}
    for manager in ids:
        times = [tickets.rows[i].assigned_at for i in tickets.ids("load", (department_id, manager))]
        latest = max((t for t in times if t is not None), default=None)
        if latest is not None:
            found[manager] = latest
    return found


class _Routing(_Repo):
    """A routing decision's inputs read from the tables (RT-2, RT-7)."""

    def owners(self, customer_id: str) -> Owners | None:
        self._guard()
        data = self._data
        customer = data.customers.rows.get(customer_id)
        if customer is None:
            return None
        return Owners(customer.account_managers, data.effective_managers(customer) or ())

    def opening(self, customer_id: str, department_id: str) -> Opening | None:
        owners = self.owners(customer_id)
        if owners is None:
            return None
        return Opening(self._data.departments.rows.get(department_id), owners)

    def candidates(
        self, department_id: str, manager_ids: Sequence[str], at: datetime
    ) -> Candidates:
        self._guard()
        rows = self._data.managers.rows
        asked = list(dict.fromkeys(manager_ids))
        found = {i: rows[i] for i in asked if i in rows}
        named = {m.backup_at(at) for m in found.values()}
        backups = sorted(b for b in named if b is not None and b not in found)
        found.update((b, rows[b]) for b in backups if b in rows)
        tickets = self._data.tickets
        return Candidates(
            found,
            _open_load(tickets, department_id, found),
            _busy_since(tickets, department_id, found),
        )


class _TicketTypes(_Repo):
    def get(self, type_id: str) -> TicketType | None:
        self._guard()
        return self._data.ticket_types.get(type_id)

    def list(self) -> Sequence[TicketType]:
        self._guard()
        return sorted(self._data.ticket_types.rows.values(), key=lambda t: (t.group, t.name, t.id))

    def add(self, ticket_type: TicketType) -> TicketType:
        self._writing()
        return self._data.ticket_types.add(ticket_type)

    def update(self, ticket_type: TicketType) -> TicketType:
        self._writing()
        return self._data.ticket_types.update(ticket_type)


class _Departments(_Repo):
    def get(self, department_id: str) -> Department | None:
        self._guard()
        return self._data.departments.get(department_id)

    def list(self) -> Sequence[Department]:
        self._guard()
        rows = self._data.departments.rows
        return [rows[i] for i in sorted(rows)]

    def add(self, department: Department) -> Department:
        self._writing()
        return self._data.departments.add(department)

    def update(self, department: Department) -> Department:
        self._writing()
        return self._data.departments.update(department)


class _History(_Repo):
    def append(self, changes: Iterable[MembershipChanged]) -> None:
        journal: Journal = self._writing()
        for change in changes:
            key = (change.subject, change.subject_id)
            self._data.history.setdefault(key, []).append(change)
            journal.record(partial(self._undo_append, key))

    def _undo_append(self, key: tuple[SubjectKind, str]) -> None:
        records = self._data.history[key]
        records.pop()
        if not records:
            del self._data.history[key]

    def of(self, subject: SubjectKind, subject_id: str) -> Sequence[MembershipChanged]:
        self._guard()
        return tuple(self._data.history.get((subject, subject_id), ()))


class _Events(_Repo):
    def append(self, events: Iterable[Event]) -> None:
        journal: Journal = self._writing()
        data = self._data
        log = data.events
        before = len(log)
        log.extend(events)

        def undo() -> None:
            # An outbox may have marked them meanwhile (a claim made inside this unit of
            # work's thread): their positions go to the events that come next.
            data.forget_published(set(range(before + 1, len(log) + 1)))
            del log[before:]

        journal.record(undo)

    def read(self, after: int = 0, limit: int = 100) -> Sequence[tuple[int, Event]]:
        self._guard()
        start = max(after, 0)
        return [(start + i + 1, e) for i, e in enumerate(self._data.events[start : start + limit])]

    def unpublished(self, limit: int = 100) -> Sequence[tuple[int, Event]]:
        self._guard()
        return self._data.waiting(limit)

    def mark_published(self, positions: Iterable[int]) -> int:
        journal: Journal = self._writing()
        stored = len(self._data.events)
        fresh = {p for p in positions if 1 <= p <= stored} - self._data.published
        self._data.published |= fresh
        journal.record(lambda: self._data.forget_published(fresh))
        return len(fresh)


class _Visibility(_Repo):
    """The visibility rules answered over the tables through the viewer's scope (ST-7).

    The scope is `scope_of` the rules for this viewer, kept while what it read stands
    still (`_Tenant.scope_at`); each record is then tested with the scope's own
    membership, the very test listings make (VS-3).
    """

    def seen(
        self, principal: Principal, subject: Subject, ids: Sequence[str], at: datetime
    ) -> Seen:
        self._guard()
        data = self._data
        scope = data.scope_at(principal, at)
        if scope is None:
            return _REFUSED
        sees = _SEES[subject]
        return Seen(True, frozenset(i for i in ids if sees(data, scope, i)))

    def check(
        self, principal: Principal, subject: Subject, object_id: str, at: datetime
    ) -> bool | None:
        self._guard()
        data = self._data
        scope = data.scope_at(principal, at)
        return None if scope is None else _SEES[subject](data, scope, object_id)

    def scope(self, principal: Principal, at: datetime) -> Scope | None:
        self._guard()
        return self._data.scope_at(principal, at)


_REFUSED = Seen(False)


def _sees_customer(data: _Tenant, scope: Scope, customer_id: str) -> bool:
    customer = data.customers.rows.get(customer_id)
    return customer is not None and data.holds_customer(scope, customer)


def _sees_organization(data: _Tenant, scope: Scope, organization_id: str) -> bool:
    organization = data.organizations.rows.get(organization_id)
    return organization is not None and scope.sees_organization(organization.portfolio)


def _sees_ticket(data: _Tenant, scope: Scope, ticket_id: str) -> bool:
    ticket = data.tickets.rows.get(ticket_id)
    customer = None if ticket is None else data.customers.rows.get(ticket.customer)
    if ticket is None or customer is None:
        return False
    return scope.sees_ticket(data.holds_customer(scope, customer), ticket)


_SEES: dict[Subject, Callable[[_Tenant, Scope, str], bool]] = {
    Subject.CUSTOMER: _sees_customer,
    Subject.ORGANIZATION: _sees_organization,
    Subject.TICKET: _sees_ticket,
}


class _Settings(_Repo):
    def get(self) -> TenantSettings:
        self._guard()
        return self._data.settings

    def put(self, settings: TenantSettings) -> TenantSettings:
        journal: Journal = self._writing()
        current = self._data.settings
        if current.version != settings.version:
            raise ConcurrencyError("settings changed since they were read", rule="ST-3")
        self._data.settings = stored_over(settings)
        journal.record(lambda: setattr(self._data, "settings", current))
        return self._data.settings
