"""A model to agree with: any storage adapter against the in-memory reference (ST-2, STYLE 7).

`AgreementMachine` is a Hypothesis ``RuleBasedStateMachine`` driving two
[`Carteira`][carteira.Carteira] applications with the same random commands: one over the adapter
under test (from `AgreementMachine.make_store`), one over an
[`InMemoryStore`][carteira.InMemoryStore]. Both share one [`ManualClock`][carteira.ManualClock] and
make ids from identical counters. After every step it asserts that

- both gave the same result (value and events) or the same refusal (class and code);
- both stores answer every query alike: portfolios, customers of each portfolio,
  customers, organizations and tickets each manager sees (walked page by page), owner
  history of each customer, the event log and the outbox, settings, ticket types, each
  customer's portal tickets;
- the adapter under test keeps the SPEC invariants that are cheap to check, with the
  functions of `carteira.testing.invariants`: 1 (no entry into a portfolio
  without an active manager), 2 (unique, valid names), 3 (valid account managers), 4
  (nothing lost), 7 (stage histories only grow, finished tickets never change), 8 (a
  refused command changes nothing), 9 (a command changes and tells of no other
  tenant), MG-1 (portfolio managers eligible), MB-2 (orphaned only by a *keep*), MB-6
  (history ends where customers and organizations stand) and EV-1 (the log holds
  exactly the events of the commands that applied, in order).

Subclass it, implement `AgreementMachine.make_store`, and expose its
``TestCase``::

    class MyAgreement(AgreementMachine):
        def make_store(self) -> MyStore:
            return MyStore("sqlite://")

    TestMyAgreement = MyAgreement.TestCase
    TestMyAgreement.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)

Every rule takes strings, ints, booleans, ``None`` and lists of them, so a failing run
prints a program that replays it. Each run works in two tenants of its own, so
``make_store`` may return a store that already holds other data. Needs Hypothesis only.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import attrs
from hypothesis import currently_in_test_context, event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from carteira.adapters.clock import ManualClock
from carteira.adapters.memory import InMemoryStore
from carteira.app import Carteira
from carteira.domain.errors import CarteiraError
from carteira.domain.events import Event
from carteira.domain.ownership import SubjectKind
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.principal import Principal
from carteira.domain.scope import Scope
from carteira.domain.workflow import ExtraField, FieldAccess, FieldKind, Responsible, Stage
from carteira.ports.store import Store
from carteira.ports.unit_of_work import UnitOfWork
from carteira.services.results import Page, Result
from carteira.testing.invariants import (
    TenantRows,
    check_account_managers,
    check_entries,
    check_event_log,
    check_events_of_tenant,
    check_history,
    check_names,
    check_nothing_lost,
    check_orphaning,
    check_other_tenants_untouched,
    check_portfolio_managers,
    check_refusal_changed_nothing,
    check_tickets,
)

__all__ = ["AgreementMachine", "Outcome"]

TENANTS = ("t1", "t2")
MANAGERS = ("m0", "m1", "m2", "m3", "m4")
CUSTOMERS = ("c0", "c1", "c2", "c3")
ORGANIZATIONS = ("o0", "o1")
PORTFOLIOS = ("p0", "p1", "p2")
TICKETS = ("k0", "k1", "k2", "k3")
DEPARTMENTS = ("d0", "d1")
STAGES = ("ask", "answer", "confirm", "closed", "nowhere")
NAMES = (
    "norte",
    "Leste",
    "oeste",
    "Sul",
    "SUL",
    " sul ",
    "S\u00e3o Paulo",
    "S\u00c3O PAULO",
    "Stra\u00dfe",
    "STRASSE",
    "",
    "x" * 129,
)
"""Names that collide under PF-1, names that sort apart from their keys, bad names."""
ROLES = {
    "admin": (Role.administrator(),),
    "clerk": (Role("clerk", {Permission.SET_PORTFOLIO, Permission.VIEW_UNASSIGNED}),),
    "seller": (Role("seller", {Permission.ASSIGN_SELF}),),
    "none": (),
}
QUESTION_STAGES = (
    Stage("ask", "Pergunta", Responsible.CUSTOMER),
    Stage("answer", "Resposta", Responsible.SERVICE, {"channel": FieldAccess.READ_ONLY}),
    Stage(
        "confirm",
        "Confirma\u00e7\u00e3o",
        Responsible.CUSTOMER,
        asks_approval=True,
        approve_to="closed",
        reject_to="answer",
    ),
    Stage("closed", "Encerrado", Responsible.CUSTOMER, final=True),
)
QUESTION_TRANSITIONS = (
    ("ask", "answer"),
    ("ask", "closed"),
    ("answer", "confirm"),
    ("answer", "ask"),
)
"""The workflow of the one portal ticket type the machine saves: seed 004's question."""
NEXT = {"ask": "answer", "answer": "confirm"}
"""Where each stage of the question leads when nobody asks anything else."""

_runs = itertools.count(1)
_PROCESS = uuid.uuid4().hex[:8]  # tenants of this run never meet those of an earlier one

tenants = st.sampled_from(("t1", "t1", "t1", "t2"))
# Mostly someone able to act, so that commands apply; now and then anyone, so that they
# are refused too (the unknown and the inactive, PM-2, MG-4).
actors = st.sampled_from(("system", "system", "system", "m0", "m0", "m1", *MANAGERS))
managers = st.sampled_from(MANAGERS)
customers = st.sampled_from(CUSTOMERS)
portal_customers = st.sampled_from(("c0", "c0", "c0", "c1", *CUSTOMERS))
stages = st.sampled_from(STAGES)
# Portal rules mostly pick k1, the portal ticket every run starts with.
portal_tickets = st.sampled_from(("k1", "k1", "k1", *TICKETS))
organizations = st.sampled_from(ORGANIZATIONS)
portfolios = st.sampled_from(PORTFOLIOS)
tickets = st.sampled_from(TICKETS)
departments = st.sampled_from(DEPARTMENTS)
# Mostly agents who may take a ticket (m0 holds every permission, m2 ASSIGN_SELF).
takers = st.sampled_from(("m0", "m2", "m2", *MANAGERS))
manager_lists = st.lists(st.sampled_from(("m0", "m1", *MANAGERS)), max_size=3)
leaves = st.sampled_from(("none", "keep", *MANAGERS))
profiles = st.sampled_from([p.value for p in Profile])


@attrs.frozen
class Outcome:
    """What one call gave: a value and its events, or a refusal's class and code."""

    value: object = None
    events: tuple[Event, ...] = ()
    refusal: tuple[str, str] | None = None


def _plain(value: object) -> object:
    """Turn pages, lists and tuples into lists, so that adapters may return either."""
    if isinstance(value, Page):
        return ("Page", [_plain(item) for item in value.items], value.next_after)
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return [_plain(item) for item in value]
    return value


def _outcome(call: Callable[[], object]) -> Outcome:
    try:
        value = call()
    except CarteiraError as error:
        return Outcome(refusal=(type(error).__name__, error.code))
    if isinstance(value, Result):
        return Outcome(_plain(value.value), value.events)
    return Outcome(_plain(value))


def _leave(choice: str) -> dict[str, Any]:
    if choice == "keep":
        return {"keep": True}
    return {} if choice == "none" else {"transfer_to": choice}


class AgreementMachine(RuleBasedStateMachine):
    """Random commands on the adapter under test and on the in-memory reference, compared.

    Override `make_store` (and `close_store` if the store holds resources).
    """

    def __init__(self) -> None:
        super().__init__()
        run = next(_runs)
        self.tenants = {key: f"{key}-agreement-{_PROCESS}-{run}" for key in TENANTS}
        self.clock = ManualClock()
        self.store = self.make_store()
        self.reference_store = InMemoryStore()
        self.subject = Carteira(self.store.unit_of_work, clock=self.clock, new_id=_counter())
        self.reference = Carteira(
            self.reference_store.unit_of_work, clock=self.clock, new_id=_counter()
        )
        self.expected_events: dict[str, list[Event]] = {t: [] for t in self.tenants.values()}
        self.most: dict[str, int] = dict.fromkeys(self.tenants.values(), 0)

    def make_store(self) -> Store:
        """Return the store under test, empty or holding only other tenants' data."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement make_store() to return the store under test"
        )

    def close_store(self, store: Store) -> None:
        """Release what `make_store` opened; by default nothing."""

    def teardown(self) -> None:
        """Close the store under test at the end of each run."""
        self.close_store(self.store)

    # -- running one command on both ------------------------------------------------

    def both(
        self, tenant: str, actor: str, command: Callable[[Carteira, Principal], object]
    ) -> Outcome:
        """Run ``command`` on both applications as ``actor`` and check they agree."""
        name = self.tenants[tenant]
        if actor == "system":
            principal = Principal.system(name)
        elif actor in CUSTOMERS:
            principal = Principal.customer(name, actor)
        else:
            principal = Principal.manager(name, actor)
        self.clock.advance(timedelta(minutes=1))
        before = {t: _dump(self.store, t) for t in self.tenants.values()}
        got = _outcome(lambda: command(self.subject, principal))
        expected = _outcome(lambda: command(self.reference, principal))
        assert got == expected, f"the adapter gave {got!r}, the reference {expected!r}"
        after = {t: _dump(self.store, t) for t in self.tenants.values()}
        check_other_tenants_untouched(before, after, name)
        label = command.__code__.co_qualname.split(".")[-3:-2] or [command.__name__]
        if got.refusal is not None:
            _event(f"{label[0]}: refused ({got.refusal[1]})")
            check_refusal_changed_nothing(before[name], after[name])
            return got
        _event(f"{label[0]}: applied")
        self.expected_events[name].extend(got.events)
        check_events_of_tenant(got.events, name)
        check_tickets(before[name]["tickets"], after[name]["tickets"])
        check_entries(after[name]["rows"], got.events)
        check_orphaning(before[name]["rows"], after[name]["rows"], got.events)
        return got

    # -- the world each run starts from --------------------------------------------------

    @initialize()
    def seed(self) -> None:
        """Give each tenant a small working world, so that most commands can apply."""
        admin, clerk = ROLES["admin"], ROLES["clerk"]
        steps: list[Callable[[Carteira, Principal], object]] = [
            lambda a, p: a.register_manager(
                p, "m0", "Admin", profile=Profile.ADMINISTRATOR, roles=admin
            ),
            lambda a, p: a.register_manager(
                p, "m1", "Analyst", profile=Profile.ANALYST, roles=clerk
            ),
            lambda a, p: a.register_manager(
                p, "m2", "Seller", profile=Profile.ANALYST, roles=ROLES["seller"]
            ),
            lambda a, p: a.create_portfolio(p, "Sul", managers=["m0", "m1"], portfolio_id="p0"),
            lambda a, p: a.create_portfolio(p, "norte", portfolio_id="p1"),
            lambda a, p: a.register_organization(p, "o0", "Org"),
            lambda a, p: a.set_organization_portfolio(p, "o0", "p0"),
            lambda a, p: a.register_customer(p, "c0", "Ana", organization="o0"),
            lambda a, p: a.register_customer(p, "c1", "Bia"),
            lambda a, p: a.assign_customer(p, "c1", "m1", portfolio="p0"),
            lambda a, p: a.save_department(p, "d0", "Vendas"),
            lambda a, p: a.update_settings(p, portal_attendant="m0"),
            _save_question,
            lambda a, p: a.open_ticket(p, "k0", "c1", "d0"),
            lambda a, p: a.reassign_ticket(p, "k0", None),  # waiting in d0's queue (VS-7)
            lambda a, p: a.portal.open_ticket(
                Principal.customer(p.tenant, "c0"),
                group="Suporte",
                ticket_type="question",
                subject="Primeira",
                request="Como?",
                ticket_id="k1",
            ),
        ]
        for tenant in TENANTS:
            for step in steps:
                assert self.both(tenant, "system", step).refusal is None

    # -- managers ------------------------------------------------------------------------

    @rule(
        tenant=tenants,
        actor=actors,
        manager=managers,
        profile=profiles,
        roles=st.sampled_from(sorted(ROLES)),
    )
    def register_manager(
        self, tenant: str, actor: str, manager: str, profile: str, roles: str
    ) -> None:
        """Register a manager (MG-1)."""
        self.both(
            tenant,
            actor,
            lambda a, p: a.register_manager(
                p, manager, manager.upper(), profile=Profile(profile), roles=ROLES[roles]
            ),
        )

    @rule(tenant=tenants, actor=actors, manager=managers, profile=profiles, leave=leaves)
    def change_profile(
        self, tenant: str, actor: str, manager: str, profile: str, leave: str
    ) -> None:
        """Change a manager's profile; an ineligible one leaves as chosen (MG-1, MG-3)."""
        self.both(
            tenant,
            actor,
            lambda a, p: a.update_manager(p, manager, profile=Profile(profile), **_leave(leave)),
        )

    @rule(tenant=tenants, actor=actors, manager=managers, leave=leaves)
    def deactivate_manager(self, tenant: str, actor: str, manager: str, leave: str) -> None:
        """Deactivate with transfer, keep, or neither (MG-3, WA-5)."""
        self.both(tenant, actor, lambda a, p: a.deactivate_manager(p, manager, **_leave(leave)))

    @rule(tenant=tenants, actor=actors, manager=managers)
    def reactivate_manager(self, tenant: str, actor: str, manager: str) -> None:
        """Reactivate a manager."""
        self.both(tenant, actor, lambda a, p: a.reactivate_manager(p, manager))

    @rule(tenant=tenants, actor=actors, manager=managers, leave=leaves)
    def remove_manager(self, tenant: str, actor: str, manager: str, leave: str) -> None:
        """Remove a manager's record (MG-3)."""
        self.both(tenant, actor, lambda a, p: a.remove_manager(p, manager, **_leave(leave)))

    @rule(tenant=tenants, actor=actors, manager=managers, portfolio=st.none() | portfolios)
    def set_default_portfolio(
        self, tenant: str, actor: str, manager: str, portfolio: str | None
    ) -> None:
        """Mark or clear a manager's default portfolio (MG-2)."""
        self.both(tenant, actor, lambda a, p: a.set_default_portfolio(p, manager, portfolio))

    @rule(
        tenant=tenants,
        actor=actors,
        manager=managers,
        backup=managers,
        starts_in=st.integers(-2, 3),
        hours=st.integers(1, 4),
    )
    def schedule_absence(
        self, tenant: str, actor: str, manager: str, backup: str, starts_in: int, hours: int
    ) -> None:
        """Schedule an absence with a backup (MG-5)."""
        start = self.clock.now() + timedelta(hours=starts_in)
        end = start + timedelta(hours=hours)
        self.both(
            tenant,
            actor,
            lambda a, p: a.schedule_absence(p, manager, start=start, end=end, backup=backup),
        )

    @rule(hours=st.integers(0, 5))
    def let_time_pass(self, hours: int) -> None:
        """Move both applications' clock on: absences start and end (MG-5)."""
        self.clock.advance(timedelta(hours=hours))

    # -- portfolios ------------------------------------------------------------------------

    @rule(
        tenant=tenants,
        actor=actors,
        portfolio=portfolios,
        name=st.sampled_from(NAMES),
        managers=manager_lists,
    )
    def create_portfolio(
        self, tenant: str, actor: str, portfolio: str, name: str, managers: list[str]
    ) -> None:
        """Create a portfolio (PF-1..PF-3)."""
        self.both(
            tenant,
            actor,
            lambda a, p: a.create_portfolio(p, name, managers=managers, portfolio_id=portfolio),
        )

    @rule(
        tenant=tenants,
        actor=actors,
        portfolio=portfolios,
        name=st.none() | st.sampled_from(NAMES),
        managers=st.none() | manager_lists,
    )
    def edit_portfolio(
        self, tenant: str, actor: str, portfolio: str, name: str | None, managers: list[str] | None
    ) -> None:
        """Rename a portfolio or set its managers (PF-4, MB-2)."""
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if managers is not None:
            changes["managers"] = managers
        self.both(tenant, actor, lambda a, p: a.edit_portfolio(p, portfolio, **changes))

    @rule(tenant=tenants, actor=actors, portfolio=portfolios)
    def delete_portfolio(self, tenant: str, actor: str, portfolio: str) -> None:
        """Delete a portfolio: its customers go outside (PF-5)."""
        self.both(tenant, actor, lambda a, p: a.delete_portfolio(p, portfolio))

    # -- customers and organizations -------------------------------------------------------

    @rule(tenant=tenants, actor=actors, organization=organizations)
    def register_organization(self, tenant: str, actor: str, organization: str) -> None:
        """Register an organization."""
        self.both(
            tenant,
            actor,
            lambda a, p: a.register_organization(p, organization, organization.upper()),
        )

    @rule(
        tenant=tenants, actor=actors, organization=organizations, portfolio=st.none() | portfolios
    )
    def set_organization_portfolio(
        self, tenant: str, actor: str, organization: str, portfolio: str | None
    ) -> None:
        """Put an organization in a portfolio or take it out (WA-3, MB-1)."""
        self.both(
            tenant, actor, lambda a, p: a.set_organization_portfolio(p, organization, portfolio)
        )

    @rule(tenant=tenants, actor=actors, customer=customers, organization=st.none() | organizations)
    def register_customer(
        self, tenant: str, actor: str, customer: str, organization: str | None
    ) -> None:
        """Register a customer, in an organization or not."""
        self.both(
            tenant,
            actor,
            lambda a, p: a.register_customer(
                p, customer, customer.upper(), organization=organization
            ),
        )

    @rule(tenant=tenants, actor=actors, customer=customers, organization=st.none() | organizations)
    def move_customer(
        self, tenant: str, actor: str, customer: str, organization: str | None
    ) -> None:
        """Move a customer to another organization (MB-1, MB-3)."""
        self.both(
            tenant, actor, lambda a, p: a.update_customer(p, customer, organization=organization)
        )

    @rule(
        tenant=tenants,
        actor=actors,
        customer=customers,
        portfolio=st.none() | portfolios,
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
        """Set a customer's portfolio and account managers (WA-3, MB-2, MB-3)."""
        extra: dict[str, Any] = {} if managers is None else {"account_managers": managers}
        self.both(
            tenant,
            actor,
            lambda a, p: a.set_customer_membership(p, customer, portfolio=portfolio, **extra),
        )

    @rule(
        tenant=tenants,
        actor=actors,
        customer=customers,
        manager=managers,
        portfolio=st.none() | portfolios,
    )
    def assign_customer(
        self, tenant: str, actor: str, customer: str, manager: str, portfolio: str | None
    ) -> None:
        """Assign a customer to a manager, in his default portfolio or a named one (MG-2)."""
        self.both(
            tenant, actor, lambda a, p: a.assign_customer(p, customer, manager, portfolio=portfolio)
        )

    @rule(tenant=tenants, actor=actors, customer=customers, manager=managers)
    def unassign_customer(self, tenant: str, actor: str, customer: str, manager: str) -> None:
        """Take a manager off a customer (MB-3)."""
        self.both(tenant, actor, lambda a, p: a.unassign_customer(p, customer, manager))

    @rule(tenant=tenants, actor=actors, agent=managers, chosen=st.lists(customers, max_size=3))
    def assign_customers(self, tenant: str, actor: str, agent: str, chosen: list[str]) -> None:
        """WA-7: assign a list of customers from an agent's record."""
        self.both(tenant, actor, lambda a, p: a.assign_customers(p, agent, chosen))

    # -- settings, departments, conversations ---------------------------------------------

    @rule(
        tenant=tenants,
        actor=actors,
        segmentation=st.booleans(),
        open_access=st.booleans(),
        cap=st.integers(0, 3),
        owner_only=st.booleans(),
        attendant=st.none() | managers,
    )
    def update_settings(
        self,
        tenant: str,
        actor: str,
        segmentation: bool,
        open_access: bool,
        cap: int,
        owner_only: bool,
        attendant: str | None,
    ) -> None:
        """Change the tenant's switches (VS-1, VS-6, MB-3, PM-3, RT-6)."""
        self.both(
            tenant,
            actor,
            lambda a, p: a.update_settings(
                p,
                segmentation=segmentation,
                open_access=open_access,
                max_account_managers=cap,
                owner_only=owner_only,
                portal_attendant=attendant,
            ),
        )

    @rule(
        tenant=tenants,
        actor=actors,
        department=departments,
        capacity=st.none() | st.integers(0, 2),
        members=st.none() | manager_lists,
    )
    def save_department(
        self,
        tenant: str,
        actor: str,
        department: str,
        capacity: int | None,
        members: list[str] | None,
    ) -> None:
        """Create or change a department, listing its members or not (RT-1, RT-2, VS-7)."""
        self.both(
            tenant,
            actor,
            lambda a, p: a.save_department(
                p, department, department.upper(), capacity=capacity, members=members
            ),
        )

    @rule(tenant=tenants, actor=actors, ticket=tickets, customer=customers, department=departments)
    def open_ticket(
        self, tenant: str, actor: str, ticket: str, customer: str, department: str
    ) -> None:
        """Open and route a conversation (RT-1..RT-7)."""
        self.both(tenant, actor, lambda a, p: a.open_ticket(p, ticket, customer, department))

    @rule(tenant=tenants, actor=actors, ticket=tickets, manager=st.none() | managers)
    def reassign_ticket(self, tenant: str, actor: str, ticket: str, manager: str | None) -> None:
        """Reassign a ticket or send it back to the queue (PM-3)."""
        self.both(tenant, actor, lambda a, p: a.reassign_ticket(p, ticket, manager))

    @rule(tenant=tenants, actor=takers, ticket=tickets)
    def take_ticket(self, tenant: str, actor: str, ticket: str) -> None:
        """Take a ticket from one's department's queue; the first taker wins (RT-8)."""
        self.both(tenant, actor, lambda a, p: a.take_ticket(p, ticket))

    @rule(tenant=tenants, actor=actors, ticket=tickets, associate=st.booleans())
    def close_ticket(self, tenant: str, actor: str, ticket: str, associate: bool) -> None:
        """Close a ticket, associating its customer or not (WA-2, MB-5)."""
        self.both(tenant, actor, lambda a, p: a.close_ticket(p, ticket, associate=associate))

    @rule(tenant=tenants, actor=actors, agent=managers, associate=st.booleans())
    def bulk_close(self, tenant: str, actor: str, agent: str, associate: bool) -> None:
        """WA-4: close every open conversation of an agent."""
        self.both(tenant, actor, lambda a, p: a.bulk_close(p, agent, associate=associate))

    @rule(tenant=tenants, actor=actors, count=st.integers(1, 5))
    def publish(self, tenant: str, actor: str, count: int) -> None:
        """Send the first unpublished events on and mark them published (EV-1).

        Each application marks the positions its own store gave: they may differ.
        """
        self.both(
            tenant,
            actor,
            lambda a, p: a.mark_published(p, [n for n, _ in a.unpublished_events(p, limit=count)]),
        )

    # -- portal tickets ------------------------------------------------------------------------

    @rule(tenant=tenants, customer=portal_customers, ticket=portal_tickets)
    def open_portal_ticket(self, tenant: str, customer: str, ticket: str) -> None:
        """Open a question in the portal, as a customer (TK-1, RT-6)."""
        self.both(
            tenant,
            customer,
            lambda a, p: a.portal.open_ticket(
                p,
                group="Suporte",
                ticket_type="question",
                subject="D\u00favida",
                request="Como?",
                ticket_id=ticket,
            ),
        )

    @rule(tenant=tenants, actor=actors, ticket=portal_tickets, stage=stages)
    def move_ticket(self, tenant: str, actor: str, ticket: str, stage: str) -> None:
        """Move a portal ticket, as the service side (TK-2)."""
        self.both(tenant, actor, lambda a, p: a.move_ticket(p, ticket, stage))

    @rule(tenant=tenants, customer=portal_customers, ticket=portal_tickets, stage=stages)
    def customer_moves(self, tenant: str, customer: str, ticket: str, stage: str) -> None:
        """Move a portal ticket on, as its customer (TK-2, TK-7)."""
        self.both(tenant, customer, lambda a, p: a.portal.move(p, ticket, stage))

    @rule(tenant=tenants, ticket=portal_tickets, approve=st.booleans())
    def advance_portal_ticket(self, tenant: str, ticket: str, approve: bool) -> None:
        """Take a portal ticket one step on, as whoever's turn it is (TK-2, TK-6)."""
        with self.reference_store.unit_of_work(self.tenants[tenant]) as uow:
            found = uow.tickets.get(ticket)
        if found is None or found.type is None or not found.open or found.stage is None:
            return
        customer, stage = found.customer, found.stage
        if stage == "confirm":
            self.decide(tenant, customer, ticket, approve)
        elif found.responsible is Responsible.CUSTOMER:
            self.customer_moves(tenant, customer, ticket, NEXT.get(stage, "closed"))
        else:
            self.move_ticket(tenant, "system", ticket, NEXT.get(stage, "ask"))

    @rule(tenant=tenants, customer=portal_customers, ticket=portal_tickets, approve=st.booleans())
    def decide(self, tenant: str, customer: str, ticket: str, approve: bool) -> None:
        """Approve or reject the understanding, as the customer (TK-6)."""
        if approve:
            self.both(tenant, customer, lambda a, p: a.portal.approve(p, ticket))
        else:
            self.both(tenant, customer, lambda a, p: a.portal.reject(p, ticket, reason="n\u00e3o"))

    @rule(tenant=tenants, customer=portal_customers, ticket=tickets)
    def cancel(self, tenant: str, customer: str, ticket: str) -> None:
        """Cancel a ticket under the customer's responsibility (TK-8)."""
        self.both(tenant, customer, lambda a, p: a.portal.cancel(p, ticket))

    @rule(tenant=tenants, actor=actors, ticket=portal_tickets, internal=st.booleans())
    def post_message(self, tenant: str, actor: str, ticket: str, internal: bool) -> None:
        """Write in a ticket's discussion, as the service side (TK-5)."""
        self.both(
            tenant, actor, lambda a, p: a.post_message(p, ticket, "ol\u00e1", internal=internal)
        )

    @rule(
        tenant=tenants,
        customer=customers,
        ticket=portal_tickets,
        content=st.sampled_from((b"", b"%PDF")),
    )
    def attach(self, tenant: str, customer: str, ticket: str, content: bytes) -> None:
        """Attach a file, as the customer (TK-4)."""
        self.both(
            tenant,
            customer,
            lambda a, p: a.portal.attach(
                p, ticket, name="nota.txt", content_type="text/plain", content=content
            ),
        )

    @rule(tenant=tenants, actor=actors, ticket=portal_tickets)
    def delete_ticket(self, tenant: str, actor: str, ticket: str) -> None:
        """Delete a cancelled ticket, as an administrator (TK-8)."""
        self.both(tenant, actor, lambda a, p: a.delete_ticket(p, ticket))

    # -- the checks after every step -----------------------------------------------------------

    @invariant()
    def both_stores_answer_every_query_alike(self) -> None:
        """Every listing and look-up gives the same answer over both stores."""
        for name in self.tenants.values():
            for label, query in _queries(name):
                got = _outcome(partial(query, self.subject))
                expected = _outcome(partial(query, self.reference))
                assert got == expected, f"{label}: adapter {got!r}, reference {expected!r}"

    @invariant()
    def the_adapter_keeps_the_invariants(self) -> None:
        """Invariants 2, 3, 4, MG-1, MB-6 and EV-1 on the store under test."""
        for name in self.tenants.values():
            with self.store.unit_of_work(name) as uow:
                rows = TenantRows.read(uow)
                stored = _events(uow)
                count = uow.customers.count() + uow.organizations.count()
            check_names(rows)
            check_account_managers(rows)
            check_portfolio_managers(rows)
            check_history(rows)
            check_event_log(stored, self.expected_events[name])
            self.most[name] = check_nothing_lost(self.most[name], count)


def _event(label: str) -> None:
    """Count ``label`` in Hypothesis's statistics, when a test is running."""
    if currently_in_test_context():
        event(label)


def _counter() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"id{next(numbers)}"


def _ask(method: str, *args: object, **kwargs: object) -> Callable[[Carteira], object]:
    """Return a query calling ``method`` (a dotted path on the application) with ``args``."""

    def call(app: Carteira) -> object:
        target: Any = app
        for part in method.split("."):
            target = getattr(target, part)
        return target(*args, **kwargs)

    return call


def _queries(tenant: str) -> list[tuple[str, Callable[[Carteira], object]]]:
    """Every query the two applications must answer alike, for one tenant."""
    system = Principal.system(tenant)
    found = [
        ("list_portfolios", _ask("list_portfolios", system)),
        ("settings", _ask("settings", system)),
        ("ticket_types", _ask("ticket_types", system)),
        ("read_events", lambda app: [e for _, e in app.read_events(system, limit=500)]),
        ("unpublished", lambda app: [e for _, e in app.unpublished_events(system, limit=500)]),
    ]
    for portfolio in PORTFOLIOS:
        found.append(
            (f"customers of {portfolio}", _pages("customers_of_portfolio", system, portfolio))
        )
    for customer in CUSTOMERS:
        found.append((f"owner history of {customer}", _ask("owner_history", system, customer)))
        portal = Principal.customer(tenant, customer)
        found.append((f"portal tickets of {customer}", _pages("portal.tickets", portal)))
    for department in DEPARTMENTS:
        found.append((f"queue of {department}", _pages("department_queue", system, department)))
    for manager in MANAGERS:
        viewer = Principal.manager(tenant, manager)
        for department in DEPARTMENTS:
            label = f"queue of {department} for {manager}"
            found.append((label, _pages("department_queue", viewer, department)))
        found.append((f"tickets {manager} sees", _pages("visible_tickets", viewer)))
        found.append((f"customers {manager} sees", _pages("visible_customers", viewer)))
        found.append((f"organizations {manager} sees", _pages("visible_organizations", viewer)))
    return found


def _pages(method: str, *args: object) -> Callable[[Carteira], object]:
    """Return a query walking a paginated listing two rows at a time (VS-3, ST-4)."""

    def walk(app: Carteira) -> object:
        pages: list[object] = []
        after: str | None = None
        while len(pages) < 100:
            page = _ask(method, *args, after=after, limit=2)(app)
            assert isinstance(page, Page)
            pages.append(_plain(page))
            if page.next_after is None:
                return pages
            after = page.next_after
        raise AssertionError(f"{method}: pages without end")

    return walk


def _save_question(app: Carteira, principal: Principal) -> object:
    return app.save_ticket_type(
        principal,
        "question",
        group="Suporte",
        name="D\u00favida",
        stages=QUESTION_STAGES,
        transitions=QUESTION_TRANSITIONS,
        fields=(ExtraField("channel", FieldKind.CHOICE, choices=("email", "phone")),),
    )


def _walk(fetch: Callable[[str | None], list[Any]]) -> list[Any]:
    found: list[Any] = []
    while True:
        page = fetch(found[-1].id if found else None)
        found.extend(page)
        if len(page) < 100:
            return found


def _events(uow: UnitOfWork) -> list[tuple[int, Event]]:
    found: list[tuple[int, Event]] = []
    while True:
        page = list(uow.events.read(found[-1][0] if found else 0, 100))
        found.extend(page)
        if len(page) < 100:
            return found


def _dump(store: Store, tenant: str) -> dict[str, Any]:
    """Everything of one tenant, read through the ports (invariants 8 and 9)."""
    everything = Scope(everything=True)
    with store.unit_of_work(tenant) as uow:
        return {
            "rows": TenantRows.read(uow),
            "tickets": _walk(
                lambda a: list(
                    uow.tickets.in_scope(everything, after=a, limit=100, open_only=False)
                )
            ),
            "departments": list(uow.departments.list()),
            "ticket_types": list(uow.ticket_types.list()),
            "events": _events(uow),
            "history": [
                list(uow.history.of(kind, subject))
                for kind, pool in (
                    (SubjectKind.CUSTOMER, CUSTOMERS),
                    (SubjectKind.ORGANIZATION, ORGANIZATIONS),
                )
                for subject in pool
            ],
        }
