"""A synthetic tenant for the benchmarks, and the floor: the same rules over plain dicts.

:func:`build` writes a world straight into an :class:`~carteira.InMemoryStore` through
one unit of work and its repositories (no commands, no events), and returns a
:class:`Floor` holding the same facts as dicts, sets and tuples. The floor answers VS-2
and lists tickets the way a hand-written, single-purpose implementation would; it is
what the library is compared against.

Scale 1 is 500 managers, 200 portfolios, 5,000 organizations, 100,000 customers and
500,000 tickets. The mix (seeded, so every run builds the same world):

- managers: each manages one portfolio, one in five a second one; one in ten holds
  VIEW_UNASSIGNED, one in fifty VIEW_ALL; five are absent now, each with a backup (MG-5);
- organizations: seven in ten sit in a portfolio;
- customers: 60 % in a portfolio of their own (a third of them also in an organization),
  15 % only through their organization's portfolio, 5 % with account managers and no
  portfolio, 20 % outside portfolio; about half of those placed have account managers
  (one, sometimes two, always managers of the effective portfolio: MB-3, cap 2);
- tickets: customers drawn at random, three departments, 70 % open; half served by one
  of the customer's owners, a fifth by some other manager, the rest waiting in a queue.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import perf_counter

import attrs

from carteira import (
    Absence,
    ChoiceMode,
    Customer,
    Department,
    InMemoryStore,
    Manager,
    Organization,
    Permission,
    Portfolio,
    Profile,
    Role,
    RoutingMode,
    Ticket,
    TicketStatus,
)
from carteira.policies import Scope, Viewer

TENANT = "bench"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DEPARTMENTS = ("sales", "support", "billing")
PLAIN = Role("agent")
UNASSIGNED = Role("agent-unassigned", [Permission.VIEW_UNASSIGNED])
EVERYTHING = Role("supervisor", [Permission.VIEW_ALL])


@dataclass(frozen=True)
class Sizes:
    """How many of each record a scale builds."""

    managers: int
    portfolios: int
    organizations: int
    customers: int
    tickets: int

    @classmethod
    def at(cls, scale: float, tickets_per_customer: float = 5) -> Sizes:
        """Return the sizes of ``scale`` (1 = 500 managers ... 500,000 tickets)."""
        customers = max(100, round(100_000 * scale))
        return cls(
            managers=max(10, round(500 * scale)),
            portfolios=max(4, round(200 * scale)),
            organizations=max(10, round(5_000 * scale)),
            customers=customers,
            tickets=max(100, round(customers * tickets_per_customer)),
        )


def mid(kind: str, number: int) -> str:
    """Return the id of record ``number`` of ``kind``; ids sort in creation order."""
    return f"{kind}{number:08d}"


@dataclass
class Floor:
    """The world as plain dicts and sets: VS-2 and listings written by hand.

    ``identities`` maps each manager to himself plus the absent managers he stands in
    for right now (MG-5), the same stand-ins the library derives from absences.
    """

    segmentation: bool = True
    active: dict[str, bool] = field(default_factory=dict)
    view_unassigned: dict[str, bool] = field(default_factory=dict)
    view_all: dict[str, bool] = field(default_factory=dict)
    identities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    portfolio_managers: dict[str, frozenset[str]] = field(default_factory=dict)
    portfolio_order: dict[str, tuple[str, ...]] = field(default_factory=dict)
    managed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    effective: dict[str, str | None] = field(default_factory=dict)
    account_managers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_effective: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_account_manager: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    outside: set[str] = field(default_factory=set)
    ticket_customer: dict[str, str] = field(default_factory=dict)
    ticket_assignee: dict[str, str | None] = field(default_factory=dict)
    tickets_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    assigned_to: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def sees_customer(self, manager: str, customer: str) -> bool:
        """VS-1, VS-2 (a)-(d), MG-4, MG-5 in a dozen lines."""
        if not self.active[manager]:
            return False
        if not self.segmentation:
            return True
        portfolio = self.effective[customer]
        identities = self.identities[manager]
        if portfolio is not None:
            managers = self.portfolio_managers[portfolio]
            for identity in identities:
                if identity in managers:
                    return True
        owners = self.account_managers[customer]
        for identity in identities:
            if identity in owners:
                return True
        if portfolio is None and not owners and self.view_unassigned[manager]:
            return True
        return self.view_all[manager]

    def sees_ticket(self, manager: str, ticket: str) -> bool:
        """VS-2 for tickets: he sees its customer, or he serves it."""
        if self.sees_customer(manager, self.ticket_customer[ticket]):
            return True
        return self.active[manager] and self.ticket_assignee[ticket] == manager

    def visible_tickets(self, manager: str) -> list[str]:
        """Every ticket ``manager`` sees, sorted by id: set comprehensions and a sort."""
        if not self.active[manager]:
            return []
        if not self.segmentation or self.view_all[manager]:
            return sorted(self.ticket_customer)
        identities = self.identities[manager]
        customers = {
            c
            for i in identities
            for p in self.managed.get(i, ())
            for c in self.by_effective.get(p, ())
        }
        customers.update(c for i in identities for c in self.by_account_manager.get(i, ()))
        if self.view_unassigned[manager]:
            customers |= self.outside
        tickets = {t for c in customers for t in self.tickets_of.get(c, ())}
        tickets |= self.assigned_to.get(manager, set())
        return sorted(tickets)

    def sees_samples(self, manager: str) -> list[str]:
        """A few customers ``manager`` sees, to mix granted checks into the samples."""
        found: list[str] = []
        for identity in self.identities[manager]:
            for portfolio in sorted(self.managed.get(identity, ())):
                found.extend(sorted(self.by_effective.get(portfolio, ()))[:20])
            found.extend(sorted(self.by_account_manager.get(identity, ()))[:20])
        if self.view_unassigned[manager]:
            found.extend(sorted(self.outside)[:20])
        return found


@dataclass
class World:
    """The store, the floor and what the benchmarks need to pick samples and inputs."""

    store: InMemoryStore
    floor: Floor
    sizes: Sizes
    managers: dict[str, Manager]
    viewers: dict[str, Viewer]
    departments: dict[str, Department]
    online: frozenset[str]
    loads: dict[str, dict[str, int]]
    busy_since: dict[str, dict[str, datetime]]
    timings: dict[str, float]
    ticket_rss_bytes: int


def _roles(number: int) -> frozenset[Role]:
    if number % 50 == 1:
        return frozenset({EVERYTHING})
    if number % 10 == 0:
        return frozenset({UNASSIGNED})
    return frozenset({PLAIN})


def _managers(sizes: Sizes, floor: Floor) -> tuple[dict[str, Manager], list[list[str]]]:
    ids = [mid("m", n) for n in range(sizes.managers)]
    by_portfolio: list[list[str]] = [[] for _ in range(sizes.portfolios)]
    for n, manager in enumerate(ids):
        by_portfolio[n % sizes.portfolios].append(manager)
        if n % 5 == 4:
            by_portfolio[(n * 7 + 3) % sizes.portfolios].append(manager)
    absences = {ids[n]: ids[n + 1] for n in range(2, min(52, sizes.managers - 1), 10)}
    records = {}
    for n, manager in enumerate(ids):
        backup = absences.get(manager)
        away = () if backup is None else (_absence(manager, backup),)
        records[manager] = Manager(
            TENANT, manager, f"Manager {n}", Profile.ANALYST, _roles(n), absences=away
        )
        floor.active[manager] = True
        floor.view_unassigned[manager] = n % 10 == 0 and n % 50 != 1
        floor.view_all[manager] = n % 50 == 1
    stands_in: dict[str, list[str]] = defaultdict(list)
    for absent, backup in absences.items():
        stands_in[backup].append(absent)
    for manager in ids:
        floor.identities[manager] = (manager, *sorted(stands_in[manager]))
    return records, by_portfolio


def _absence(manager: str, backup: str) -> Absence:
    return Absence(f"away-{manager}", NOW - timedelta(days=1), NOW + timedelta(days=6), backup)


def _viewer(manager: Manager, floor: Floor) -> Viewer:
    return Viewer(
        manager.id, manager.active, manager.permissions, frozenset(floor.identities[manager.id][1:])
    )


class _Writer:
    """Writes rows through one open unit of work and mirrors them into the floor."""

    def __init__(self, sizes: Sizes, floor: Floor, rng: random.Random) -> None:
        self.sizes = sizes
        self.floor = floor
        self.rng = rng
        self.org_portfolio: dict[str, str | None] = {}
        self.placed: list[str] = []
        self.unplaced: list[str] = []

    def organization(self, number: int) -> Organization:
        organization_id = mid("o", number)
        placed = None
        if self.rng.random() < 0.7:
            placed = mid("p", self.rng.randrange(self.sizes.portfolios))
        self.org_portfolio[organization_id] = placed
        (self.unplaced if placed is None else self.placed).append(organization_id)
        return Organization(TENANT, organization_id, f"Org {number}", placed)

    def customer(self, number: int) -> Customer:
        rng, floor, sizes = self.rng, self.floor, self.sizes
        customer_id = mid("c", number)
        kind = rng.random()
        own: str | None = None
        organization: str | None = None
        if kind < 0.60:
            own = mid("p", rng.randrange(sizes.portfolios))
            if rng.random() < 1 / 3:
                organization = mid("o", rng.randrange(sizes.organizations))
        elif kind < 0.75 and self.placed:
            organization = rng.choice(self.placed)
        elif kind >= 0.80 and self.unplaced and rng.random() < 0.5:
            organization = rng.choice(self.unplaced)
        effective = own if own is not None else self.org_portfolio.get(organization or "")
        owners: tuple[str, ...] = ()
        if effective is not None and rng.random() < 0.5:
            pool = floor.portfolio_order[effective]
            owners = tuple(rng.sample(pool, 2 if len(pool) > 1 and rng.random() < 0.2 else 1))
        elif effective is None and 0.75 <= kind < 0.80:
            owners = (mid("m", rng.randrange(sizes.managers)),)
        floor.effective[customer_id] = effective
        floor.account_managers[customer_id] = owners
        if effective is not None:
            floor.by_effective[effective].add(customer_id)
        for owner in owners:
            floor.by_account_manager[owner].add(customer_id)
        if effective is None and not owners:
            floor.outside.add(customer_id)
        return Customer(TENANT, customer_id, f"Customer {number}", organization, own, owners)

    def ticket(self, number: int, customers: list[str], managers: list[str]) -> Ticket:
        rng, floor = self.rng, self.floor
        ticket_id = mid("t", number)
        customer = rng.choice(customers)
        department = DEPARTMENTS[number % len(DEPARTMENTS)]
        opened = NOW - timedelta(minutes=rng.randrange(60 * 24 * 30))
        status = TicketStatus.OPEN if rng.random() < 0.7 else TicketStatus.CLOSED
        serve = rng.random()
        owners = floor.account_managers[customer] or floor.portfolio_order.get(
            floor.effective[customer] or "", ()
        )
        assignee: str | None = None
        if serve < 0.5 and owners:
            assignee = owners[0]
        elif serve < 0.7:
            assignee = rng.choice(managers)
        floor.ticket_customer[ticket_id] = customer
        floor.ticket_assignee[ticket_id] = assignee
        floor.tickets_of[customer].append(ticket_id)
        if assignee is not None:
            floor.assigned_to[assignee].add(ticket_id)
        return Ticket(
            TENANT,
            ticket_id,
            customer,
            department,
            opened,
            status=status,
            assignee=assignee,
            assigned_at=None if assignee is None else opened + timedelta(minutes=5),
        )


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = perf_counter()
    yield
    timings[name] = perf_counter() - start


def rss_bytes() -> int:
    """Return this process's resident set size, from /proc (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def build(scale: float, seed: int = 20260302, tickets_per_customer: float = 5) -> World:
    """Build the world of ``scale`` in a new store, through one unit of work."""
    sizes = Sizes.at(scale, tickets_per_customer)
    rng = random.Random(seed)
    floor = Floor()
    store = InMemoryStore()
    timings: dict[str, float] = {}
    writer = _Writer(sizes, floor, rng)
    with store.unit_of_work(TENANT) as uow:
        uow.settings.put(attrs.evolve(uow.settings.get(), max_account_managers=2))
        with _timed(timings, "managers and portfolios"):
            records, by_portfolio = _managers(sizes, floor)
            for record in records.values():
                uow.managers.add(record)
            for n, managers in enumerate(by_portfolio):
                portfolio = mid("p", n)
                uow.portfolios.add(
                    Portfolio(TENANT, portfolio, f"Portfolio {n}", managers=managers)
                )
                floor.portfolio_order[portfolio] = tuple(managers)
                floor.portfolio_managers[portfolio] = frozenset(managers)
                for manager in managers:
                    floor.managed[manager].add(portfolio)
        with _timed(timings, "organizations and customers"):
            for n in range(sizes.organizations):
                uow.organizations.add(writer.organization(n))
            for n in range(sizes.customers):
                uow.customers.add(writer.customer(n))
        with _timed(timings, "tickets"):
            before = rss_bytes()
            customers = list(floor.effective)
            manager_ids = list(records)
            for n in range(sizes.tickets):
                uow.tickets.add(writer.ticket(n, customers, manager_ids))
            uow.commit()
            ticket_rss = rss_bytes() - before
        loads, busy = _loads(uow.tickets.in_scope)
        departments = _departments(loads)
        for department in departments.values():
            uow.departments.add(department)
        uow.commit()
        stored = {d: uow.departments.get(d) for d in departments}
    online = frozenset(m for n, m in enumerate(records) if n % 5 != 0)
    viewers = {m: _viewer(r, floor) for m, r in records.items()}
    return World(
        store,
        floor,
        sizes,
        records,
        viewers,
        {d: v for d, v in stored.items() if v is not None},
        online,
        loads,
        busy,
        timings,
        ticket_rss,
    )


def _loads(
    in_scope: Callable[..., Iterable[Ticket]],
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, datetime]]]:
    loads: dict[str, Counter[str]] = {d: Counter() for d in DEPARTMENTS}
    busy: dict[str, dict[str, datetime]] = {d: {} for d in DEPARTMENTS}
    everything = in_scope(Scope(everything=True), after=None, limit=10**9, open_only=True)
    for ticket in everything:
        if ticket.assignee is None or ticket.assigned_at is None:
            continue
        loads[ticket.department][ticket.assignee] += 1
        latest = busy[ticket.department].get(ticket.assignee)
        if latest is None or ticket.assigned_at > latest:
            busy[ticket.department][ticket.assignee] = ticket.assigned_at
    return {d: dict(c) for d, c in loads.items()}, busy


def _departments(loads: dict[str, dict[str, int]]) -> dict[str, Department]:
    sales = sorted(loads["sales"].values())
    capacity = sales[len(sales) // 2] if sales else None
    return {
        "sales": Department(TENANT, "sales", "Sales", capacity=capacity),
        "support": Department(TENANT, "support", "Support", choice=ChoiceMode.CUSTOMER_CHOOSES),
        "billing": Department(TENANT, "billing", "Billing", routing=RoutingMode.QUEUE),
    }
