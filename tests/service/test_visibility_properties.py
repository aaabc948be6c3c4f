"""Visibility against an independent oracle in random worlds: invariant 5.

VS-1, VS-2 (customers a-d, organizations a/c/d, tickets), VS-7 (a ticket waiting in the
queue of a department he may serve), VS-3 (listings, pages and search equal single
checks), MG-4 (inactive managers are refused) and MG-5 (a backup
sees what the absent manager sees through (a) and (b) while the absence covers now).

The oracle below reads only the world as this file built it (the commands it sent), never
the library's state nor its policy functions. Three ``@given`` tests share the same
checks; at the ``ci`` profile's 200 examples each they run 600 random worlds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from carteira import (
    Carteira,
    InMemoryStore,
    ManualClock,
    Page,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RoutingMode,
    Subject,
)

TENANT = "acme"
SYSTEM = Principal.system(TENANT)
CUS, ORG, TIC = Subject.CUSTOMER, Subject.ORGANIZATION, Subject.TICKET
VIEW_ALL, VIEW_UNASSIGNED = "view_all", "view_unassigned"
NAMES = ("Padaria Estrela", "Mercado Sul", "Oficina", "padaria do Zé", "Loja Azul", "Sul")
SEARCHES = ("padaria", "SUL", "Loja", "zé", "nada", "c01", "o00")
PAGE_SIZES = (1, 2, 50)


# -- the world as built, and the oracle ---------------------------------------------------------


@dataclass
class World:
    """What this file told the library, in plain data."""

    active: dict[str, bool] = field(default_factory=dict)
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)
    portfolios: dict[str, list[str]] = field(default_factory=dict)
    organizations: dict[str, str | None] = field(default_factory=dict)
    # customer -> (organization, own portfolio, account managers, name)
    customers: dict[str, tuple[str | None, str | None, tuple[str, ...], str]] = field(
        default_factory=dict
    )
    # ticket -> (customer, assignee, open)
    tickets: dict[str, tuple[str, str | None, bool]] = field(default_factory=dict)
    # absent manager -> backup, for an absence covering now
    standing_in: dict[str, str] = field(default_factory=dict)
    # the members the tickets' department lists; None: it lists none, anyone serves it
    queue_members: frozenset[str] | None = None
    segmentation: bool = True

    def identities(self, viewer: str) -> set[str]:
        return {viewer} | {absent for absent, b in self.standing_in.items() if b == viewer}

    def effective(self, customer: str) -> str | None:
        organization, own, _, _ = self.customers[customer]
        if own is not None:
            return own
        return None if organization is None else self.organizations[organization]

    def customer_grants(self, viewer: str, customer: str) -> set[tuple[str, str | None]]:
        """Every (clause, via) that lets ``viewer`` see ``customer``; empty when none does."""
        if not self.active[viewer]:
            return set()
        if not self.segmentation:
            return {("segmentation_off", None)}
        portfolio = self.effective(customer)
        managers = self.customers[customer][2]
        perms = self.permissions[viewer]
        grants: set[tuple[str, str | None]] = set()
        for identity in self.identities(viewer):
            via = None if identity == viewer else identity
            if portfolio is not None and identity in self.portfolios[portfolio]:
                grants.add(("manages_portfolio", via))
            if identity in managers:
                grants.add(("account_manager", via))
        if portfolio is None and not managers and VIEW_UNASSIGNED in perms:
            grants.add(("outside_portfolio_view_unassigned", None))
        if VIEW_ALL in perms:
            grants.add(("view_all", None))
        return grants

    def organization_grants(self, viewer: str, organization: str) -> set[tuple[str, str | None]]:
        """Every (clause, via) that lets ``viewer`` see ``organization`` (a, c, d)."""
        if not self.active[viewer]:
            return set()
        if not self.segmentation:
            return {("segmentation_off", None)}
        portfolio = self.organizations[organization]
        perms = self.permissions[viewer]
        grants: set[tuple[str, str | None]] = set()
        for identity in self.identities(viewer):
            if portfolio is not None and identity in self.portfolios[portfolio]:
                grants.add(("manages_portfolio", None if identity == viewer else identity))
        if portfolio is None and VIEW_UNASSIGNED in perms:
            grants.add(("outside_portfolio_view_unassigned", None))
        if VIEW_ALL in perms:
            grants.add(("view_all", None))
        return grants

    def ticket_grants(self, viewer: str, ticket: str) -> set[tuple[str, str | None]]:
        """Its customer's grants, plus being its current assignee, plus its queue (VS-7)."""
        customer, assignee, is_open = self.tickets[ticket]
        grants = self.customer_grants(viewer, customer)
        if self.active[viewer] and assignee == viewer:
            grants.add(("ticket_assignee", None))
        members = self.queue_members
        serves = members is None or viewer in members
        if self.active[viewer] and is_open and assignee is None and serves:
            grants.add(("department_queue", None))
        return grants


# -- building random worlds ---------------------------------------------------------------------


@dataclass
class Plan:
    """A random world to build: every choice drawn up front."""

    managers: list[tuple[frozenset[str], bool]]  # (permissions, stays active)
    portfolios: list[list[int]]  # manager indexes
    organizations: list[int | None]  # portfolio index
    customers: list[tuple[int | None, int | None, list[int], int]]  # org, own, managers, name
    tickets: list[tuple[int, int | None, bool]]  # customer, assignee index, closed
    absences: list[tuple[int, int, str]]  # absent, backup, when; no backup is away
    segmentation: bool
    queue_members: list[int] | None = None  # the department's members; None: it lists none


PERMISSION_SETS = st.sampled_from(
    [
        frozenset(),
        frozenset(),
        frozenset({VIEW_UNASSIGNED}),
        frozenset({VIEW_ALL}),
        frozenset({VIEW_ALL, VIEW_UNASSIGNED}),
    ]
)


@st.composite
def plans(draw: st.DrawFn, *, segmentation: bool | None = None, absence_now: bool = False) -> Plan:
    n_managers = draw(st.integers(2, 5))
    managers = [
        (draw(PERMISSION_SETS), draw(st.booleans() | st.just(True))) for _ in range(n_managers)
    ]
    indexes = st.integers(0, n_managers - 1)
    portfolios = [
        sorted(draw(st.sets(indexes, max_size=3))) for _ in range(draw(st.integers(0, 3)))
    ]
    available = [i for i, p in enumerate(portfolios) if p]
    portfolio_choice = st.none() | st.sampled_from(available) if available else st.none()
    organizations = [draw(portfolio_choice) for _ in range(draw(st.integers(0, 3)))]
    customers = []
    for _ in range(draw(st.integers(0, 7))):
        org = draw(st.none() | st.integers(0, len(organizations) - 1)) if organizations else None
        own = draw(portfolio_choice)
        effective = own if own is not None else (None if org is None else organizations[org])
        eligible = list(range(n_managers)) if effective is None else portfolios[effective]
        chosen = draw(st.lists(st.sampled_from(eligible), unique=True, max_size=3))
        customers.append((org, own, chosen, draw(st.integers(0, len(NAMES) - 1))))
    tickets = []
    if customers:
        for _ in range(draw(st.integers(0, 6))):
            customer = draw(st.integers(0, len(customers) - 1))
            tickets.append((customer, draw(st.none() | indexes), draw(st.booleans())))
    when = st.just("now") if absence_now else st.sampled_from(["now", "past", "future"])
    order = draw(st.permutations(range(n_managers)))
    count = draw(st.integers(1 if absence_now else 0, min(2, n_managers - 1)))
    away, present = order[:count], order[count:]
    absences = [(absent, draw(st.sampled_from(present)), draw(when)) for absent in away]
    on = draw(st.booleans()) if segmentation is None else segmentation
    queue_members = draw(st.none() | st.lists(indexes, unique=True, max_size=3))
    return Plan(
        managers, portfolios, organizations, customers, tickets, absences, on, queue_members
    )


def build(
    plan: Plan, app: Carteira | None = None, clock: ManualClock | None = None, tenant: str = TENANT
) -> tuple[Carteira, World]:
    """Send the plan to Carteira (a fresh in-memory one by default) as ``tenant``'s system.

    Record what was sent as a World.
    """
    clock = clock or ManualClock()
    app = app or Carteira(InMemoryStore().unit_of_work, clock=clock)
    system = Principal.system(tenant)
    world = World()
    mids = [f"m{i}" for i in range(len(plan.managers))]
    app.update_settings(system, max_account_managers=len(mids))
    for mid, (perms, _) in zip(mids, plan.managers, strict=True):
        app.register_manager(
            system, mid, mid.upper(), profile=Profile.ANALYST, roles=[Role("r", perms)]
        )
        world.active[mid] = True
        world.permissions[mid] = perms
    pids = [f"p{i}" for i in range(len(plan.portfolios))]
    for pid, members in zip(pids, plan.portfolios, strict=True):
        managers = [mids[i] for i in members]
        app.create_portfolio(system, pid.upper(), managers=managers, portfolio_id=pid)
        world.portfolios[pid] = managers
    oids = [f"o{i:02d}" for i in range(len(plan.organizations))]
    for oid, portfolio in zip(oids, plan.organizations, strict=True):
        app.register_organization(system, oid, f"Org {oid}")
        target = None if portfolio is None else pids[portfolio]
        if target is not None:
            app.set_organization_portfolio(system, oid, target)
        world.organizations[oid] = target
    cids = [f"c{i:02d}" for i in range(len(plan.customers))]
    for cid, (org, own, chosen, name) in zip(cids, plan.customers, strict=True):
        organization = None if org is None else oids[org]
        app.register_customer(system, cid, NAMES[name], organization=organization)
        portfolio = None if own is None else pids[own]
        managers = tuple(mids[i] for i in chosen)
        app.set_customer_membership(system, cid, portfolio=portfolio, account_managers=managers)
        world.customers[cid] = (organization, portfolio, managers, NAMES[name])
    _leave(app, world, plan, mids, system)
    _open_tickets(app, world, plan, mids, cids, system)
    _absences(app, world, plan, mids, clock, system)
    if not plan.segmentation:
        app.update_settings(system, segmentation=False)
    world.segmentation = plan.segmentation
    return app, world


def _leave(app: Carteira, world: World, plan: Plan, mids: list[str], system: Principal) -> None:
    """Deactivate with *keep* those the plan marks inactive (MG-3): they leave everything."""
    for mid, (_, stays) in zip(mids, plan.managers, strict=True):
        if stays:
            continue
        app.deactivate_manager(system, mid, keep=True)
        world.active[mid] = False
        for managers in world.portfolios.values():
            if mid in managers:
                managers.remove(mid)
        for cid, (org, own, managers, name) in world.customers.items():
            world.customers[cid] = (org, own, tuple(m for m in managers if m != mid), name)


def _open_tickets(
    app: Carteira, world: World, plan: Plan, mids: list[str], cids: list[str], system: Principal
) -> None:
    if not plan.tickets:
        return
    members = None if plan.queue_members is None else [mids[i] for i in plan.queue_members]
    app.save_department(system, "fila", "Fila", routing=RoutingMode.QUEUE, members=members)
    world.queue_members = None if members is None else frozenset(members)
    # Only a member serves a department that lists its members (RT-2).
    active = [m for m in mids if world.active[m] and (members is None or m in members)]
    for number, (customer, assignee, closed) in enumerate(plan.tickets):
        tid = f"t{number:02d}"
        app.open_ticket(system, tid, cids[customer], "fila")
        chosen = None if assignee is None or not active else active[assignee % len(active)]
        if chosen is not None:
            app.reassign_ticket(system, tid, chosen)
        if closed:
            app.close_ticket(system, tid)
        world.tickets[tid] = (cids[customer], chosen, not closed)


def _absences(
    app: Carteira,
    world: World,
    plan: Plan,
    mids: list[str],
    clock: ManualClock,
    system: Principal,
) -> None:
    now = clock.now()
    for absent, backup, when in plan.absences:
        if not world.active[mids[backup]]:
            continue
        start = {"now": now - timedelta(hours=1), "past": now - timedelta(days=3)}.get(
            when, now + timedelta(hours=1)
        )
        app.schedule_absence(
            system, mids[absent], start=start, end=start + timedelta(days=2), backup=mids[backup]
        )
        if when == "now":
            world.standing_in[mids[absent]] = mids[backup]


# -- the checks ---------------------------------------------------------------------------------


def walk(fetch: Callable[..., Page[Any]], limit: int) -> list[str]:
    """Every id of a listing, page by page, following ``next_after`` (VS-3, ST-4)."""
    ids: list[str] = []
    after = None
    for _ in range(1000):
        page = fetch(after=after, limit=limit)
        ids.extend(item.id for item in page.items)
        assert len(page.items) <= limit
        assert page.items or (after is None and page.next_after is None)  # no empty page
        if page.next_after is None:
            assert ids == sorted(set(ids))  # increasing, no duplicates
            return ids
        assert page.next_after == page.items[-1].id
        after = page.next_after
    raise AssertionError("the listing never ended")


def check_world(app: Carteira, world: World, tenant: str = TENANT) -> None:
    """Single checks equal the oracle; every listing equals the single checks (invariant 5)."""
    for viewer in sorted(world.active):
        principal = Principal.manager(tenant, viewer)
        if not world.active[viewer]:
            _check_refused(app, principal, world)
            continue
        _check_viewer(app, principal, world)


def _check_refused(app: Carteira, principal: Principal, world: World) -> None:
    """MG-4: an inactive manager sees nothing: every question of his is refused."""
    for subject, ids in ((CUS, world.customers), (ORG, world.organizations), (TIC, world.tickets)):
        for object_id in ids:
            with pytest.raises(PermissionDenied):
                app.can_view(principal, subject, object_id)
        with pytest.raises(PermissionDenied):
            app.visible_among(principal, subject, ids)
    with pytest.raises(PermissionDenied):
        app.visible_customers(principal)
    with pytest.raises(PermissionDenied):
        app.visible_tickets(principal)


def _check_viewer(app: Carteira, principal: Principal, world: World) -> None:
    viewer = principal.id
    subjects = (
        (CUS, world.customers, world.customer_grants),
        (ORG, world.organizations, world.organization_grants),
        (TIC, world.tickets, world.ticket_grants),
    )
    allowed: dict[Subject, list[str]] = {}
    for subject, ids, oracle in subjects:
        grants = {i: oracle(viewer, i) for i in sorted(ids)}
        actual = {i: app.can_view(principal, subject, i) for i in sorted(ids)}
        expected = {i: bool(g) for i, g in grants.items()}
        assert (viewer, subject, actual) == (viewer, subject, expected)
        among = app.visible_among(principal, subject, [*sorted(ids), "missing"])
        assert among == {i for i, seen in expected.items() if seen}
        allowed[subject] = [i for i, seen in actual.items() if seen]
        for object_id in allowed[subject]:
            _check_explained(app, principal, subject, object_id, grants[object_id])
        _note(world, viewer, grants)
    listings = {
        CUS: lambda **k: app.visible_customers(principal, **k),
        ORG: lambda **k: app.visible_organizations(principal, **k),
        TIC: lambda **k: app.visible_tickets(principal, **k),
    }
    for subject, fetch in listings.items():
        for limit in PAGE_SIZES:
            assert (viewer, subject, limit, walk(fetch, limit)) == (
                viewer,
                subject,
                limit,
                allowed[subject],
            )
    open_tickets = [t for t in allowed[TIC] if world.tickets[t][2]]
    for limit in PAGE_SIZES:
        listed = walk(lambda **k: app.visible_tickets(principal, open_only=True, **k), limit)
        assert (viewer, "open", limit, listed) == (viewer, "open", limit, open_tickets)
    if world.tickets:
        _check_queue(app, principal, world)
    for search in SEARCHES:
        found = walk(partial(app.visible_customers, principal, search=search), 2)
        expected = [
            c
            for c in allowed[CUS]
            if c == search or search.casefold() in world.customers[c][3].casefold()
        ]
        assert (viewer, search, found) == (viewer, search, expected)


def _check_queue(app: Carteira, principal: Principal, world: World) -> None:
    """VS-7: members and VIEW_ALL holders list the queue, oldest first; others are refused."""
    members, viewer = world.queue_members, principal.id
    waiting = [t for t, (_, who, is_open) in sorted(world.tickets.items()) if is_open and not who]
    if members is None or viewer in members or VIEW_ALL in world.permissions[viewer]:
        listed = [t.id for t in app.department_queue(principal, "fila", limit=50)]
        assert (viewer, listed) == (viewer, waiting)
    else:
        with pytest.raises(PermissionDenied):
            app.department_queue(principal, "fila")


def _check_explained(
    app: Carteira,
    principal: Principal,
    subject: Subject,
    object_id: str,
    grants: set[tuple[str, str | None]],
) -> None:
    """VS-5: the clause and ``via`` that ``explain`` names are ones that really hold."""
    verdict = app.explain(principal, subject, object_id)
    named = (str(verdict.clause), verdict.via)
    assert (principal.id, subject, object_id, verdict.granted, named in grants) == (
        principal.id,
        subject,
        object_id,
        True,
        True,
    ), (named, grants)


def _note(world: World, viewer: str, grants: dict[str, set[tuple[str, str | None]]]) -> None:
    """Label what this world exercised, for ``--hypothesis-show-statistics``."""
    for found in grants.values():
        for clause, via in found:
            event(f"granted {clause}" + (" via a backup" if via else ""))
        if not found:
            event("denied")


# -- the properties -----------------------------------------------------------------------------


@given(plans())
def test_invariant5_visibility_equals_the_oracle_in_random_worlds(plan: Plan) -> None:
    """VS-1, VS-2, VS-3, MG-4, MG-5, invariant 5: any world, segmentation on or off.

    For every manager and every customer, organization and ticket, ``can_view`` equals
    the oracle; walking ``visible_*`` pages of 1, 2 and 50 gives exactly those ids, in
    increasing order, once each; searches obey the same rule.
    """
    app, world = build(plan)
    check_world(app, world)


@given(plans(segmentation=True))
def test_invariant5_vs2_with_segmentation_on(plan: Plan) -> None:
    """VS-2, VS-3, invariant 5: segmentation on, where the clauses decide."""
    app, world = build(plan)
    check_world(app, world)


@given(plans(segmentation=True, absence_now=True))
def test_invariant5_mg5_a_backup_sees_through_the_absent_manager(plan: Plan) -> None:
    """MG-5, VS-2, VS-3, invariant 5: an absence with a backup covers now."""
    app, world = build(plan)
    check_world(app, world)
