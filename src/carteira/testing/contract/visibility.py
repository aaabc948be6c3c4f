"""The visibility port's contract: a store answers the rules as the policy does (ST-7).

A store answers ``uow.visibility.seen(principal, subject, ids, at)`` and its single form
``check`` by itself (SQL in one statement). Over random worlds, random roles, activity and
switches, and random instants (so absences start and end), its answers must equal what the
policy functions of `carteira.domain.visibility` decide over the same rows read back with
plain ``get`` calls (VS-1, VS-2, MG-4, MG-5), for every subject, and must ignore another
tenant's rows (TN-1).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from carteira.domain.absence import Absence
from carteira.domain.customer import Customer
from carteira.domain.manager import Manager
from carteira.domain.permissions import ALL_PERMISSIONS, Permission, Role
from carteira.domain.portfolio import Portfolio
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.scope import Scope
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import Department, Ticket, queues_of
from carteira.domain.visibility import (
    Viewer,
    Visibility,
    customer_visibility,
    organization_visibility,
    scope_of,
    standing_in,
    ticket_visibility,
)
from carteira.domain.visibility_rule import Seen, Subject
from carteira.ports.unit_of_work import UnitOfWork
from carteira.testing.contract.base import HEAVY_SETTINGS, StorageContract, add_rows
from carteira.testing.contract.worlds import START, World, customer_world, worlds

__all__ = ["VisibilityContract"]

_ROLES = st.sampled_from(
    [
        frozenset(),
        frozenset({Role("unassigned", {Permission.VIEW_UNASSIGNED})}),
        frozenset({Role("all", {Permission.VIEW_ALL})}),
        frozenset({Role("admin", ALL_PERMISSIONS)}),
    ]
)
_INSTANTS = st.integers(min_value=-1, max_value=24).map(lambda n: START + timedelta(hours=n))


@st.composite
def _staffed(draw: st.DrawFn, world: World) -> World:
    """Give the world's managers drawn roles and activity (MG-4, PM-1)."""
    managers = tuple(
        attrs.evolve(m, roles=draw(_ROLES), active=draw(st.booleans() | st.just(True)))
        for m in world.managers
    )
    return attrs.evolve(world, managers=managers)


def _expected(
    uow: UnitOfWork, principal: Principal, subject: Subject, ids: list[str], at: datetime
) -> Seen:
    """Return what the policy decides over rows read back one by one: the reference."""
    if principal.kind is PrincipalKind.SYSTEM:
        viewer = Viewer(principal.id, True, ALL_PERMISSIONS, system=True)
    else:
        manager = uow.managers.get(principal.id)
        if manager is None or not manager.active:
            return Seen(False)
        named_him = [
            m for m in uow.managers.list() if any(a.backup == manager.id for a in m.absences)
        ]
        absent = standing_in(manager.id, named_him, at)
        viewer = Viewer(manager.id, True, manager.permissions, absent)
    settings = uow.settings.get()
    return Seen(True, frozenset(i for i in ids if _decide(uow, viewer, settings, subject, i)))


def _scope(uow: UnitOfWork, principal: Principal, at: datetime) -> Scope | None:
    """Return `scope_of` over rows read back one by one: the reference scope (VS-3)."""
    if principal.kind is PrincipalKind.SYSTEM:
        return Scope(everything=True)
    manager = uow.managers.get(principal.id)
    if principal.kind is not PrincipalKind.MANAGER or manager is None or not manager.active:
        return None
    named_him = [m for m in uow.managers.list() if any(a.backup == manager.id for a in m.absences)]
    viewer = Viewer(manager.id, True, manager.permissions, standing_in(manager.id, named_him, at))
    managed = {p.id for p in uow.portfolios.list() if set(p.managers) & set(viewer.identities)}
    settings = uow.settings.get()
    return scope_of(
        viewer,
        segmentation=settings.segmentation,
        open_access=settings.open_access,
        managed_portfolios=managed,
        queues=queues_of(manager.id, uow.departments.list()),
    )


def _managers_of(uow: UnitOfWork, portfolio_id: str | None) -> tuple[str, ...] | None:
    if portfolio_id is None:
        return None
    portfolio = uow.portfolios.get(portfolio_id)
    return () if portfolio is None else portfolio.managers


def _customer(
    uow: UnitOfWork, viewer: Viewer, settings: TenantSettings, customer: Customer
) -> Visibility:
    organization = (
        None if customer.organization is None else uow.organizations.get(customer.organization)
    )
    return customer_visibility(
        viewer,
        segmentation=settings.segmentation,
        open_access=settings.open_access,
        portfolio_managers=_managers_of(uow, customer.effective_portfolio(organization)),
        account_managers=customer.account_managers,
    )


def _decide(
    uow: UnitOfWork, viewer: Viewer, settings: TenantSettings, subject: Subject, item: str
) -> bool:
    if subject is Subject.CUSTOMER:
        customer = uow.customers.get(item)
        return customer is not None and _customer(uow, viewer, settings, customer).granted
    if subject is Subject.ORGANIZATION:
        organization = uow.organizations.get(item)
        if organization is None:
            return False
        managers = _managers_of(uow, organization.portfolio)
        return organization_visibility(
            viewer,
            segmentation=settings.segmentation,
            open_access=settings.open_access,
            portfolio_managers=managers,
        ).granted
    ticket = uow.tickets.get(item)
    if ticket is None:
        return False
    customer = uow.customers.get(ticket.customer)
    if customer is None:
        return False
    seen = _customer(uow, viewer, settings, customer)
    department = uow.departments.get(ticket.department)
    return ticket_visibility(viewer, seen, ticket, department).granted


def _switch(uow: UnitOfWork, segmentation: bool, open_access: bool) -> None:
    switched = attrs.evolve(uow.settings.get(), segmentation=segmentation, open_access=open_access)
    uow.settings.put(switched)


def _ids(rows: tuple[Any, ...]) -> list[str]:
    return [row.id for row in rows]


class VisibilityContract(StorageContract):
    """The visibility port (``uow.visibility``) answers the rules as the policy does (ST-7)."""

    @HEAVY_SETTINGS
    @given(data=st.data())
    def test_st7_seen_equals_the_policy_over_plain_gets(self, data: st.DataObject) -> None:
        """ST-7, VS-1, VS-2, VS-6, MG-4, MG-5, TN-1: every subject, principal, switch, instant."""
        tenant, other = self.new_tenant(), self.new_tenant()
        world = data.draw(worlds(tenant).flatmap(_staffed))
        self.assume_storable(world)
        stranger = data.draw(worlds(other).flatmap(_staffed))
        self.assume_storable(stranger)
        segmentation, open_access = data.draw(st.booleans()), data.draw(st.booleans())

        def fill(uow: UnitOfWork) -> None:
            add_rows(uow, world.rows)
            uow.settings.put(TenantSettings(segmentation=segmentation, open_access=open_access))

        self.write(tenant, fill)
        self.write(other, lambda uow: add_rows(uow, stranger.rows))
        asked = {
            subject: list(dict.fromkeys([*mine, *theirs, "ghost"]))
            for subject, mine, theirs in (
                (Subject.CUSTOMER, _ids(world.customers), _ids(stranger.customers)),
                (Subject.ORGANIZATION, _ids(world.organizations), _ids(stranger.organizations)),
                (Subject.TICKET, _ids(world.tickets), _ids(stranger.tickets)),
            )
        }
        ids = [m.id for m in world.managers] + [m.id for m in stranger.managers] + ["ghost"]
        principals = [Principal.manager(tenant, i) for i in dict.fromkeys(ids)]
        principals.append(Principal.system(tenant))
        at = data.draw(_INSTANTS)
        with self.store.unit_of_work(tenant) as uow:
            for principal in principals:
                for subject, wanted in asked.items():
                    expected = _expected(uow, principal, subject, wanted, at)
                    actual = uow.visibility.seen(principal, subject, wanted, at)
                    assert (principal.id, subject, actual) == (principal.id, subject, expected)
                    scope = uow.visibility.scope(principal, at)
                    assert scope == _scope(uow, principal, at), principal.id
                    for one in wanted[:3]:
                        single = uow.visibility.seen(principal, subject, [one], at)
                        assert single.admitted == expected.admitted
                        assert single.ids == expected.ids & {one}
                        checked = uow.visibility.check(principal, subject, one, at)
                        assert checked == ((one in expected.ids) if expected.admitted else None)

    def test_st7_seen_equals_the_policy_in_a_hand_written_world(self) -> None:
        """ST-7, VS-1, VS-2 (a)-(d), VS-6, VS-7, MG-4, MG-5: every way in and out, every viewer.

        The world of `customer_world` (own portfolio, the organization's, both, outside,
        account managers) with managers holding no role, VIEW_UNASSIGNED, VIEW_ALL, one
        inactive, one standing in for an absent one, tickets assigned and not; then the
        same with segmentation off, then with segmentation on and open access on.
        """
        tenant = self.new_tenant()
        now = START + timedelta(hours=5)
        away = Absence("away", now - timedelta(hours=1), now + timedelta(hours=1), "m3")
        later = Absence("later", now + timedelta(hours=2), now + timedelta(hours=3), "m4")
        # Overlapping the first: only the first absence covering an instant counts (MG-5).
        overlap = Absence("overlap", now - timedelta(minutes=30), now + timedelta(hours=1), "m2")
        unassigned = frozenset({Role("unassigned", {Permission.VIEW_UNASSIGNED})})
        rows = [
            Manager(tenant, "m1", "Um", absences=(away, later, overlap)),
            Manager(tenant, "m2", "Dois", roles=unassigned),
            Manager(tenant, "m3", "Tres"),
            Manager(tenant, "m4", "Quatro", roles=frozenset({Role("all", {Permission.VIEW_ALL})})),
            Manager(tenant, "m5", "Cinco", roles=unassigned, active=False),
            Portfolio(tenant, "p1", "P1", managers=("m1",)),
            Portfolio(tenant, "p2", "P2", managers=("m2", "m5")),
            *customer_world(tenant),
            Ticket(tenant, "t1", "c6", "d1", START, assignee="m3"),
            Ticket(tenant, "t2", "c2", "d1", START, assignee="m5"),
            Ticket(tenant, "t3", "c4", "d1", START),
            # VS-7: d1 lists m3 and m5, d2 lists no one (so everyone); t5 waits for its
            # customer's choice, so in no queue (RT-1); t6's department is not stored.
            Department(tenant, "d1", "D1", members=frozenset({"m3", "m5"})),
            Department(tenant, "d2", "D2"),
            Ticket(tenant, "t4", "c4", "d2", START),
            Ticket(tenant, "t5", "c4", "d2", START, offered=("m1", "m2")),
            Ticket(tenant, "t6", "c4", "d9", START),
        ]
        self.add(tenant, *rows)
        ids = {
            Subject.CUSTOMER: [f"c{n}" for n in range(1, 9)],
            Subject.ORGANIZATION: ["o1", "o2", "o3"],
            Subject.TICKET: ["t1", "t2", "t3", "t4", "t5", "t6", "t7"],
        }
        viewers = [Principal.manager(tenant, f"m{n}") for n in range(1, 7)]
        for segmentation, open_access in ((True, False), (False, False), (True, True)):
            self.write(tenant, partial(_switch, segmentation=segmentation, open_access=open_access))
            answers: dict[tuple[Principal, Subject, str], bool | None] = {}
            with self.store.unit_of_work(tenant) as uow:
                for principal in [*viewers, Principal.system(tenant)]:
                    for subject, wanted in ids.items():
                        expected = _expected(uow, principal, subject, wanted, now)
                        actual = uow.visibility.seen(principal, subject, wanted, now)
                        case = (segmentation, open_access, principal.id, subject)
                        assert (*case, actual) == (*case, expected)
                        checked = {
                            i: uow.visibility.check(principal, subject, i, now) for i in wanted
                        }
                        admitted = expected.admitted
                        want = {i: (i in expected.ids) if admitted else None for i in wanted}
                        assert (*case, checked) == (*case, want)
                        answers.update(((principal, subject, i), w) for i, w in want.items())
                    scope = uow.visibility.scope(principal, now)
                    assert (principal.id, scope) == (principal.id, _scope(uow, principal, now))
            self._one_shot_answers_alike(answers, now)
            if segmentation and not open_access:
                self._queues_alone(answers, tenant)

    @staticmethod
    def _queues_alone(
        answers: dict[tuple[Principal, Subject, str], bool | None], tenant: str
    ) -> None:
        """VS-7 in the hand-written world: neither m1 nor m3 sees c4, so only queues grant."""
        found = {
            (m, t): answers[(Principal.manager(tenant, m), Subject.TICKET, t)]
            for m in ("m1", "m3")
            for t in ("t3", "t4", "t5", "t6")
        }
        waiting = {("m1", "t4"), ("m3", "t3"), ("m3", "t4")}
        assert found == {key: key in waiting for key in found}, found

    def _one_shot_answers_alike(
        self, answers: dict[tuple[Principal, Subject, str], bool | None], at: datetime
    ) -> None:
        """ST-7: a store's own ``check_visible``, when it has one, answers as its units do."""
        one_shot = getattr(self.store, "check_visible", None)
        if one_shot is None:
            return
        for (principal, subject, one), want in answers.items():
            got = one_shot(principal, subject, one, at)
            assert (principal.id, subject, one, got) == (principal.id, subject, one, want)

    def test_st7_a_customer_principal_is_not_admitted(self) -> None:
        """VS-4: a portal customer sees nothing through the agents' side."""
        tenant = self.new_tenant()
        self.add(tenant, Customer(tenant, "c1", "Ana"))
        with self.store.unit_of_work(tenant) as uow:
            seen = uow.visibility.seen(
                Principal.customer(tenant, "c1"), Subject.CUSTOMER, ["c1"], START
            )
            checked = uow.visibility.check(
                Principal.customer(tenant, "c1"), Subject.CUSTOMER, "c1", START
            )
        assert seen == Seen(False)
        assert checked is None
