"""A Hypothesis state machine over every portfolio, manager and membership command.

Two tenants share one in-memory store. Each step runs one command for a random
principal (the host, a manager with or without permissions, an unknown or inactive
one) with random, often invalid, arguments, and then checks the SPEC invariants with
the functions carteira ships in :mod:`carteira.testing.invariants`:

1. no customer or organization entered a portfolio without an active manager (MB-2);
2. portfolio names unique under PF-1's key, non-blank, at most 128 characters;
3. account managers active, managing the effective portfolio, within the cap (MB-3);
4. customers and organizations are never lost;
5. every visibility answer equals the oracle of ``oracle.World`` (VS-1..VS-3);
6. routing picks only available managers of the owner chain (RT-2, MG-4);
7. stage histories only grow, finished tickets never change (TK-2, TK-9);
8. a refused command leaves the store exactly as it was (PM-2, ER-1, ST-1);
9. a command of one tenant neither changes nor reveals another tenant's records (TN-1).

It also checks that the ownership history ends where each customer and organization
stands (MB-6), that a portfolio becomes orphaned only through an explicit MG-3 *keep*,
that portfolio managers are always active and eligible (MG-1, MG-3), and that the event
log holds exactly the events of the commands that applied (EV-1). Every rule takes only
strings, ints and booleans, so a failing run prints a program that replays it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from carteira import (
    Carteira,
    CarteiraError,
    ChoiceMode,
    InMemoryPresence,
    InMemoryStore,
    ManualClock,
    Permission,
    Principal,
    Profile,
    Role,
    Subject,
)
from carteira.events import Event, MembershipChanged, TicketOpened
from carteira.testing import invariants
from carteira.testing.invariants import TenantRows
from oracle import World

TENANTS = ("t1", "t2")
MANAGERS = ("m0", "m1", "m2", "m3", "m4")
CUSTOMERS = ("c0", "c1", "c2", "c3")
ORGANIZATIONS = ("o0", "o1")
PORTFOLIOS = ("p0", "p1", "p2")
TICKETS = ("t0", "t1", "t2", "t3")
NEW_TICKETS = ("t2", "t3", "t4", "t5")
DEPARTMENTS = ("d0", "d1")
ABSENCES = ("a0", "a1")
NAMES = ("Sul", "SUL", " sul ", "Norte", "Straße", "STRASSE", "Ωmega", "\u2126mega", "", "x" * 129)
ROLES = {
    "admin": (Role.administrator(),),
    "clerk": (
        Role(
            "clerk",
            {Permission.SET_PORTFOLIO, Permission.VIEW_UNASSIGNED, Permission.ASSIGN_SELF},
        ),
    ),
    "seller": (Role("seller", {Permission.ASSIGN_SELF}),),
    "viewer": (Role("viewer", {Permission.VIEW_ALL}),),
    "none": (),
}

# Most steps work on t1, so that its world grows rich; t2 keeps checking isolation.
tenants = st.sampled_from(("t1", "t1", "t1", "t2"))
# Most steps act as someone able to act, so that commands get applied, not only refused.
actors = st.sampled_from(("system", "system", "m0", "m0", "m1", *MANAGERS))
managers = st.sampled_from(MANAGERS)
# Mostly agents holding ASSIGN_SELF (m0 every permission, m1 a clerk), so that takes apply.
takers = st.sampled_from(("m0", "m1", "m1", *MANAGERS))
# Mostly t3, which the seed leaves waiting in d1's queue.
waiting = st.sampled_from(("t3", "t3", "t3", *TICKETS))
assignees = st.sampled_from(("m0", "m1", "m0", "m1", *MANAGERS))
customers = st.sampled_from(CUSTOMERS)
organizations = st.sampled_from(ORGANIZATIONS)
portfolios = st.sampled_from(PORTFOLIOS)
maybe_portfolio = st.none() | portfolios
names = st.sampled_from(NAMES)
profiles = st.sampled_from([p.value for p in Profile])
role_sets = st.sampled_from(sorted(ROLES))
leaves = st.sampled_from(("none", "keep", *MANAGERS))
manager_lists = st.lists(assignees, max_size=3)
tickets = st.sampled_from(TICKETS)
# Opening draws mostly ids not seeded, so that tickets get opened, not refused as taken.
new_tickets = st.sampled_from(NEW_TICKETS)
departments = st.sampled_from(DEPARTMENTS)
absence_ids = st.sampled_from(ABSENCES)
# What each rule's command needs (PM-2); a manager may set his own default without any.
NEEDS: dict[str, Permission | None] = {
    "register_manager": Permission.MANAGE_MANAGERS,
    "change_profile": Permission.MANAGE_MANAGERS,
    "deactivate_manager": Permission.MANAGE_MANAGERS,
    "reactivate_manager": Permission.MANAGE_MANAGERS,
    "remove_manager": Permission.MANAGE_MANAGERS,
    "create_portfolio": Permission.MANAGE_PORTFOLIOS,
    "rename_portfolio": Permission.MANAGE_PORTFOLIOS,
    "set_portfolio_managers": Permission.MANAGE_PORTFOLIOS,
    "delete_portfolio": Permission.MANAGE_PORTFOLIOS,
    "set_cap": Permission.MANAGE_PORTFOLIOS,
    "register_organization": Permission.SET_PORTFOLIO,
    "register_customer": Permission.SET_PORTFOLIO,
    "move_customer_to_organization": Permission.SET_PORTFOLIO,
    "set_organization_portfolio": Permission.SET_PORTFOLIO,
    "set_customer_membership": Permission.SET_PORTFOLIO,
    "assign_customer": Permission.SET_PORTFOLIO,
    "unassign_customer": Permission.SET_PORTFOLIO,
    "set_switches": Permission.MANAGE_PORTFOLIOS,
    "save_department": Permission.MANAGE_PORTFOLIOS,
    "open_ticket": None,
    "bulk_close": Permission.BULK_CLOSE,
    "assign_customers": Permission.SET_PORTFOLIO,
}


def _walk_queue(app: Carteira, principal: Principal, department: str) -> list[str]:
    """Return a department's whole queue, walked two tickets a page (VS-7, ST-4)."""
    found: list[str] = []
    after: str | None = None
    while True:
        page = app.department_queue(principal, department, after=after, limit=2)
        found += [t.id for t in page]
        if page.next_after is None:
            return found
        after = page.next_after


def _principal(tenant: str, actor: str) -> Principal:
    return Principal.system(tenant) if actor == "system" else Principal.manager(tenant, actor)


def _leave(choice: str) -> dict[str, Any]:
    if choice == "keep":
        return {"keep": True}
    return {} if choice == "none" else {"transfer_to": choice}


class PortfolioMachine(RuleBasedStateMachine):
    """Random commands over two tenants; the SPEC invariants after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryStore()
        self.clock = ManualClock()
        self.presence = InMemoryPresence()
        self.app = Carteira(self.store.unit_of_work, clock=self.clock, presence=self.presence)
        self.most = dict.fromkeys(TENANTS, 0)
        self.expected_events: dict[str, list[Event]] = {t: [] for t in TENANTS}

    @initialize()
    def seed_each_tenant(self) -> None:
        """Give each tenant a small working world, so that most commands can apply."""
        for tenant in TENANTS:
            host = Principal.system(tenant)
            self.app.register_manager(
                host, "m0", "Admin", profile=Profile.ADMINISTRATOR, roles=ROLES["admin"]
            )
            self.app.register_manager(
                host, "m1", "Analyst", profile=Profile.ANALYST, roles=ROLES["clerk"]
            )
            self.app.register_manager(host, "m2", "Seller", profile=Profile.ANALYST)
            self.app.register_manager(host, "m3", "Former", profile=Profile.ANALYST, active=False)
            self.app.create_portfolio(host, "Sul", managers=["m0", "m1"], portfolio_id="p0")
            self.app.create_portfolio(host, "Norte", portfolio_id="p1")
            self.app.register_organization(host, "o0", "O0")
            self.app.set_organization_portfolio(host, "o0", "p0")
            self.app.register_customer(host, "c0", "C0", organization="o0")
            self.app.register_customer(host, "c1", "C1")
            self.app.assign_customer(host, "c1", "m1", portfolio="p0")
            self.app.register_customer(host, "c2", "C2")
            self.app.save_department(host, "d0", "Vendas")
            self.app.save_department(host, "d1", "Suporte", capacity=1)
            for manager in ("m0", "m1"):
                self.presence.set_online(tenant, manager)
            self.app.open_ticket(host, "t0", "c1", "d0")
            self.app.open_ticket(host, "t1", "c0", "d0")
            self.app.open_ticket(host, "t3", "c2", "d1")  # c2 has no owner: d1's queue (VS-7)
            later = self.clock.now() + timedelta(hours=3)
            self.app.schedule_absence(
                host,
                "m1",
                start=later,
                end=later + timedelta(hours=4),
                backup="m2",
                absence_id="a0",
            )
            # EV-1 counts from here: the seed's events are the log's first ones.
            self.expected_events[tenant] = [e for _, e in self._log(tenant)]

    # -- managers ------------------------------------------------------------------

    @rule(tenant=tenants, actor=actors, manager=managers, profile=profiles, roles=role_sets)
    def register_manager(
        self, tenant: str, actor: str, manager: str, profile: str, roles: str
    ) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.register_manager(
                p, manager, manager.upper(), profile=Profile(profile), roles=ROLES[roles]
            ),
            actor,
        )

    @rule(tenant=tenants, actor=actors, manager=managers, profile=profiles, leave=leaves)
    def change_profile(
        self, tenant: str, actor: str, manager: str, profile: str, leave: str
    ) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.update_manager(
                p, manager, profile=Profile(profile), **_leave(leave)
            ),
            actor,
        )

    @rule(tenant=tenants, actor=actors, manager=managers, leave=leaves)
    def deactivate_manager(self, tenant: str, actor: str, manager: str, leave: str) -> None:
        self._attempt(
            tenant, lambda p: self.app.deactivate_manager(p, manager, **_leave(leave)), actor
        )

    @rule(tenant=tenants, actor=actors, manager=managers)
    def reactivate_manager(self, tenant: str, actor: str, manager: str) -> None:
        self._attempt(tenant, lambda p: self.app.reactivate_manager(p, manager), actor)

    @rule(tenant=tenants, actor=actors, manager=managers, leave=leaves)
    def remove_manager(self, tenant: str, actor: str, manager: str, leave: str) -> None:
        self._attempt(tenant, lambda p: self.app.remove_manager(p, manager, **_leave(leave)), actor)

    @rule(tenant=tenants, actor=actors, manager=managers, portfolio=maybe_portfolio)
    def set_default_portfolio(
        self, tenant: str, actor: str, manager: str, portfolio: str | None
    ) -> None:
        own = actor == manager and self._may(tenant, actor, None)
        self._attempt(
            tenant,
            lambda p: self.app.set_default_portfolio(p, manager, portfolio),
            actor,
            allowed=lambda w: own or self._may(tenant, actor, Permission.MANAGE_MANAGERS),
        )

    # -- portfolios ----------------------------------------------------------------

    @rule(tenant=tenants, actor=actors, portfolio=portfolios, name=names, managers=manager_lists)
    def create_portfolio(
        self, tenant: str, actor: str, portfolio: str, name: str, managers: list[str]
    ) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.create_portfolio(p, name, managers=managers, portfolio_id=portfolio),
            actor,
        )

    @rule(tenant=tenants, actor=actors, portfolio=portfolios, name=names)
    def rename_portfolio(self, tenant: str, actor: str, portfolio: str, name: str) -> None:
        self._attempt(tenant, lambda p: self.app.edit_portfolio(p, portfolio, name=name), actor)

    @rule(tenant=tenants, actor=actors, portfolio=portfolios, managers=manager_lists)
    def set_portfolio_managers(
        self, tenant: str, actor: str, portfolio: str, managers: list[str]
    ) -> None:
        self._attempt(
            tenant, lambda p: self.app.edit_portfolio(p, portfolio, managers=managers), actor
        )

    @rule(tenant=tenants, actor=actors, portfolio=portfolios)
    def delete_portfolio(self, tenant: str, actor: str, portfolio: str) -> None:
        self._attempt(tenant, lambda p: self.app.delete_portfolio(p, portfolio), actor)

    @rule(tenant=tenants, actor=actors, cap=st.integers(min_value=0, max_value=3))
    def set_cap(self, tenant: str, actor: str, cap: int) -> None:
        self._attempt(
            tenant, lambda p: self.app.update_settings(p, max_account_managers=cap), actor
        )

    # -- customers and organizations -------------------------------------------------

    @rule(tenant=tenants, actor=actors, organization=organizations)
    def register_organization(self, tenant: str, actor: str, organization: str) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.register_organization(p, organization, organization.upper()),
            actor,
        )

    @rule(
        tenant=tenants,
        actor=actors,
        customer=customers,
        organization=st.none() | organizations,
    )
    def register_customer(
        self, tenant: str, actor: str, customer: str, organization: str | None
    ) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.register_customer(
                p, customer, customer.upper(), organization=organization
            ),
            actor,
        )

    @rule(
        tenant=tenants,
        actor=actors,
        customer=customers,
        organization=st.none() | organizations,
    )
    def move_customer_to_organization(
        self, tenant: str, actor: str, customer: str, organization: str | None
    ) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.update_customer(p, customer, organization=organization),
            actor,
        )

    @rule(tenant=tenants, actor=actors, organization=organizations, portfolio=maybe_portfolio)
    def set_organization_portfolio(
        self, tenant: str, actor: str, organization: str, portfolio: str | None
    ) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.set_organization_portfolio(p, organization, portfolio),
            actor,
        )

    @rule(
        tenant=tenants,
        actor=actors,
        customer=customers,
        portfolio=maybe_portfolio,
        managers=st.none() | manager_lists,
    )
    def set_customer_membership(
        self,
        tenant: str,
        actor: str,
        customer: str,
        portfolio: str | None,
        managers: list[str] | None,
    ) -> None:
        extra: dict[str, Any] = {} if managers is None else {"account_managers": managers}
        self._attempt(
            tenant,
            lambda p: self.app.set_customer_membership(p, customer, portfolio=portfolio, **extra),
            actor,
        )

    @rule(
        tenant=tenants,
        actor=actors,
        customer=customers,
        manager=assignees,
        portfolio=maybe_portfolio,
    )
    def assign_customer(
        self, tenant: str, actor: str, customer: str, manager: str, portfolio: str | None
    ) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.assign_customer(p, customer, manager, portfolio=portfolio),
            actor,
        )

    @rule(tenant=tenants, actor=actors, customer=customers, manager=managers)
    def unassign_customer(self, tenant: str, actor: str, customer: str, manager: str) -> None:
        self._attempt(tenant, lambda p: self.app.unassign_customer(p, customer, manager), actor)

    # -- switches, presence, time ----------------------------------------------------

    @rule(
        tenant=tenants,
        actor=actors,
        segmentation=st.booleans(),
        open_access=st.booleans(),
        owner_only=st.booleans(),
    )
    def set_switches(
        self, tenant: str, actor: str, segmentation: bool, open_access: bool, owner_only: bool
    ) -> None:
        """VS-1, VS-6, PM-3: the tenant's switches, the oracle following them."""
        self._attempt(
            tenant,
            lambda p: self.app.update_settings(
                p, segmentation=segmentation, open_access=open_access, owner_only=owner_only
            ),
            actor,
        )

    @rule(tenant=tenants, manager=managers, online=st.booleans())
    def set_presence(self, tenant: str, manager: str, online: bool) -> None:
        self.presence.set_online(tenant, manager, online)

    @rule(hours=st.integers(min_value=0, max_value=5))
    def let_time_pass(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    @rule(
        tenant=tenants,
        actor=actors,
        manager=managers,
        backup=assignees,
        absence=absence_ids,
        starts_in=st.integers(min_value=-2, max_value=3),
        hours=st.integers(min_value=1, max_value=4),
    )
    def schedule_absence(
        self,
        tenant: str,
        actor: str,
        manager: str,
        backup: str,
        absence: str,
        starts_in: int,
        hours: int,
    ) -> None:
        start = self.clock.now() + timedelta(hours=starts_in)
        self._attempt(
            tenant,
            lambda p: self.app.schedule_absence(
                p,
                manager,
                start=start,
                end=start + timedelta(hours=hours),
                backup=backup,
                absence_id=absence,
            ),
            actor,
            allowed=lambda w: self._may_for(tenant, actor, manager),
        )

    @rule(tenant=tenants, actor=actors, manager=managers, absence=absence_ids)
    def cancel_absence(self, tenant: str, actor: str, manager: str, absence: str) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.cancel_absence(p, manager, absence),
            actor,
            allowed=lambda w: self._may_for(tenant, actor, manager),
        )

    # -- departments and tickets ------------------------------------------------------

    @rule(
        tenant=tenants,
        actor=actors,
        department=departments,
        choice=st.sampled_from([c.value for c in ChoiceMode]),
        members=st.none() | st.lists(assignees, max_size=3),
        capacity=st.none() | st.integers(min_value=0, max_value=2),
    )
    def save_department(
        self,
        tenant: str,
        actor: str,
        department: str,
        choice: str,
        members: list[str] | None,
        capacity: int | None,
    ) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.save_department(
                p,
                department,
                department.upper(),
                choice=ChoiceMode(choice),
                members=members,
                capacity=capacity,
            ),
            actor,
        )

    @rule(
        tenant=tenants,
        actor=actors,
        ticket=new_tickets,
        customer=customers,
        department=departments,
    )
    def open_ticket(
        self, tenant: str, actor: str, ticket: str, customer: str, department: str
    ) -> None:
        self._attempt(
            tenant, lambda p: self.app.open_ticket(p, ticket, customer, department), actor
        )

    @rule(tenant=tenants, actor=actors, ticket=tickets, manager=st.none() | assignees)
    def reassign_ticket(self, tenant: str, actor: str, ticket: str, manager: str | None) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.reassign_ticket(p, ticket, manager),
            actor,
            allowed=lambda w: self._may_act(w, actor, ticket),
        )

    @rule(tenant=tenants, actor=takers, ticket=waiting)
    def take_ticket(self, tenant: str, actor: str, ticket: str) -> None:
        """RT-8: a member takes a queued ticket; the first taker wins, membership stays."""
        result = self._attempt(
            tenant,
            lambda p: self.app.take_ticket(p, ticket),
            actor,
            allowed=lambda w: w.may_take(actor, ticket),
            exact=True,
        )
        if result is not None:
            assert result.value.assignee == actor
            assert all(not isinstance(e, MembershipChanged) for e in result.events)
            event("take_ticket: took a waiting ticket" if result.events else "take_ticket: his own")

    @rule(tenant=tenants, actor=actors, ticket=tickets)
    def reply(self, tenant: str, actor: str, ticket: str) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.reply(p, ticket),
            actor,
            allowed=lambda w: self._may_act(w, actor, ticket),
        )

    @rule(tenant=tenants, actor=actors, ticket=tickets, associate=st.booleans())
    def close_ticket(self, tenant: str, actor: str, ticket: str, associate: bool) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.close_ticket(p, ticket, associate=associate),
            actor,
            allowed=lambda w: self._may_act(w, actor, ticket),
        )

    @rule(tenant=tenants, actor=actors, agent=assignees, associate=st.booleans())
    def bulk_close(self, tenant: str, actor: str, agent: str, associate: bool) -> None:
        self._attempt(tenant, lambda p: self.app.bulk_close(p, agent, associate=associate), actor)

    @rule(tenant=tenants, actor=actors, ticket=tickets)
    def add_to_my_portfolio(self, tenant: str, actor: str, ticket: str) -> None:
        self._attempt(
            tenant,
            lambda p: self.app.add_to_my_portfolio(p, ticket),
            actor,
            allowed=lambda w: self._may_self(tenant, actor),
        )

    @rule(tenant=tenants, actor=actors, ticket=tickets, me=st.booleans())
    def assign_to_me(self, tenant: str, actor: str, ticket: str, me: bool) -> None:
        self._attempt(
            tenant,
            (lambda p: self.app.assign_to_me(p, ticket))
            if me
            else (lambda p: self.app.unassign_me(p, ticket)),
            actor,
            allowed=lambda w: self._may_self(tenant, actor),
        )

    @rule(tenant=tenants, actor=actors, agent=assignees, chosen=st.lists(customers, max_size=3))
    def assign_customers(self, tenant: str, actor: str, agent: str, chosen: list[str]) -> None:
        self._attempt(tenant, lambda p: self.app.assign_customers(p, agent, chosen), actor)

    # -- the checks ------------------------------------------------------------------

    def _may_for(self, tenant: str, actor: str, manager: str) -> bool:
        """A manager arranges his own absences; others need MANAGE_MANAGERS (MG-5)."""
        own = actor == manager and self._may(tenant, actor, None)
        return own or self._may(tenant, actor, Permission.MANAGE_MANAGERS)

    def _may_self(self, tenant: str, actor: str) -> bool:
        """WA-1, WA-6: an agent with ASSIGN_SELF; never the host itself."""
        return actor != "system" and self._may(tenant, actor, Permission.ASSIGN_SELF)

    def _may_act(self, world: World, actor: str, ticket: str) -> bool:
        """PM-3 for replies, reassignments and closings."""
        found = world.tickets.get(ticket)
        if actor != "system" and not world.active(actor):
            return False
        return found is None or world.may_act_on(actor, found)

    def _check_routing(self, tenant: str, world: World, events: Iterable[Event]) -> None:
        """Invariant 6: routing picks or offers only available managers of the owner chain."""
        for opened in events:
            if not isinstance(opened, TicketOpened):
                continue
            chosen = [opened.assignee] if opened.assignee else []
            customer = world.customers[opened.customer_id]
            online = set(self.presence.online(tenant, MANAGERS))
            for manager in (*chosen, *opened.offered):
                assert world.routable(manager, opened.department_id, online), (
                    f"routed {opened.ticket_id} to unavailable {manager}"
                )
                assert manager in world.owner_chain(customer), f"{manager} is not an owner"

    @invariant()
    def visibility_matches_the_oracle(self) -> None:
        """Invariant 5: every single and listed visibility answer equals the oracle (VS-1..VS-3)."""
        for tenant in TENANTS:
            world = World(self._tenant(tenant), self.clock.now())
            for manager in MANAGERS:
                if not world.active(manager):
                    continue
                principal = Principal.manager(tenant, manager)
                self._check_views(principal, world, manager)

    @invariant()
    def queues_match_the_oracle(self) -> None:
        """VS-7: each department's queue, oldest first, for whoever may list it, and no one else."""
        for tenant in TENANTS:
            world = World(self._tenant(tenant), self.clock.now())
            for department in world.departments:
                for actor in ("system", *MANAGERS):
                    principal = _principal(tenant, actor)
                    try:
                        listed = _walk_queue(self.app, principal, department)
                    except CarteiraError:
                        assert not world.may_list_queue(actor, department), (actor, department)
                        continue
                    assert world.may_list_queue(actor, department), (actor, department)
                    assert listed == world.queue(department), (actor, department)

    def _check_views(self, principal: Principal, world: World, manager: str) -> None:
        kinds = (
            (Subject.CUSTOMER, world.customers, world.sees_customer),
            (Subject.ORGANIZATION, world.organizations, world.sees_organization),
            (Subject.TICKET, world.tickets, world.sees_ticket),
        )
        for subject, rows, sees in kinds:
            expected = {i for i, row in rows.items() if sees(manager, row)}
            single = {i for i in rows if self.app.can_view(principal, subject, i)}
            assert single == expected, f"{manager} {subject}: {single} != {expected}"
        listed = {
            "customers": self.app.visible_customers(principal, limit=100).items,
            "organizations": self.app.visible_organizations(principal, limit=100).items,
            "tickets": self.app.visible_tickets(principal, limit=100).items,
        }
        for (name, items), (_, rows, sees) in zip(listed.items(), kinds, strict=True):
            expected_ids = sorted(i for i, row in rows.items() if sees(manager, row))
            assert [x.id for x in items] == expected_ids, f"{manager} lists {name} wrongly"

    def _attempt(
        self,
        tenant: str,
        command: Callable[[Principal], Any],
        actor: str,
        allowed: Callable[[World], bool] | None = None,
        *,
        exact: bool = False,
    ) -> Any:
        """Run one command; check PM-2, invariants 1, 6, 7, 8 and 9 and orphaning around it.

        ``exact`` says ``allowed`` is the whole rule: a refusal it allows fails the test too.
        """
        self.clock.advance(timedelta(minutes=1))
        before = self.store.snapshot()
        world = World(before.get(tenant, {}), self.clock.now())
        label = command.__qualname__.split(".")[1]
        may = self._may(tenant, actor, NEEDS.get(label)) if allowed is None else allowed(world)
        try:
            result = command(_principal(tenant, actor))
        except CarteiraError as error:
            event(f"{label}: refused ({error.code})")
            invariants.check_refusal_changed_nothing(before, self.store.snapshot())
            refusal = error.code
        else:
            refusal = None
        if refusal is not None:
            assert not (exact and may), f"{actor}: {label} refused ({refusal}), yet allowed"
            return None
        event(f"{label}: applied")
        assert may, f"{actor} applied {label} without the permission it needs"
        after = self.store.snapshot()
        invariants.check_other_tenants_untouched(before, after, tenant)
        invariants.check_events_of_tenant(result.events, tenant)
        self.expected_events[tenant].extend(result.events)
        mine, now = before.get(tenant, {}), after.get(tenant, {})
        invariants.check_tickets(_tickets(mine), _tickets(now))
        rows = TenantRows.from_memory(now)
        invariants.check_entries(rows, result.events)
        invariants.check_orphaning(TenantRows.from_memory(mine), rows, result.events)
        self._check_routing(tenant, world, result.events)
        return result

    def _may(self, tenant: str, actor: str, permission: Permission | None) -> bool:
        """The PM-2 oracle: the host may do anything, an active manager what his roles allow."""
        if actor == "system":
            return True
        manager = self._rows(tenant).managers.get(actor)
        if manager is None or not manager.active:
            return False
        held = {p for role in manager.roles for p in role.permissions}
        return permission is None or permission in held

    @invariant()
    def names_are_unique_and_valid(self) -> None:
        """Invariant 2 (PF-1, TN-2)."""
        for tenant in TENANTS:
            invariants.check_names(self._rows(tenant))

    @invariant()
    def account_managers_are_valid(self) -> None:
        """Invariant 3 (MB-3)."""
        for tenant in TENANTS:
            invariants.check_account_managers(self._rows(tenant))

    @invariant()
    def portfolio_managers_are_active_and_eligible(self) -> None:
        """MG-1, MG-3: leaving managers always leave their portfolios."""
        for tenant in TENANTS:
            invariants.check_portfolio_managers(self._rows(tenant))

    @invariant()
    def nothing_is_lost(self) -> None:
        """Invariant 4: customers and organizations are never removed."""
        for tenant in TENANTS:
            rows = self._rows(tenant)
            count = len(rows.customers) + len(rows.organizations)
            self.most[tenant] = invariants.check_nothing_lost(self.most[tenant], count)

    @invariant()
    def history_ends_where_customers_stand(self) -> None:
        """MB-6: the last recorded ownership of each customer and organization is its current."""
        for tenant in TENANTS:
            invariants.check_history(self._rows(tenant))

    @invariant()
    def the_log_holds_what_the_commands_gave(self) -> None:
        """EV-1: the log holds exactly the events of the commands that applied, in order."""
        for tenant in TENANTS:
            invariants.check_event_log(self._log(tenant), self.expected_events[tenant])

    # -- reading the store directly (the oracle does not go through the services) --------

    def _tenant(self, tenant: str) -> dict[str, Any]:
        snapshot: dict[str, Any] = self.store.snapshot().get(tenant, {})
        return snapshot

    def _rows(self, tenant: str) -> TenantRows:
        return TenantRows.from_memory(self._tenant(tenant))

    def _log(self, tenant: str) -> list[tuple[int, Event]]:
        return list(enumerate(self._tenant(tenant).get("events", ()), start=1))


def _tickets(tenant: dict[str, Any]) -> list[Any]:
    return list(tenant["tickets"][0].values()) if tenant else []


TestPortfolioMachine = PortfolioMachine.TestCase
