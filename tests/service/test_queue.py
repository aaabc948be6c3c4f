"""The department queue on every store: who sees it, who lists it, who takes it (VS-7, RT-8).

Seed 002: "Caso o atendente vinculado ao cliente não esteja disponível (...) o cliente será
enviado para a fila do departamento, para que outra pessoa possa atendê-lo." Padaria's
account manager, lucia, is offline; its conversation falls to the queue of *suporte*, whose
members joao and maria see it there, and the first of them to take it serves it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from carteira import (
    Carteira,
    ChoiceMode,
    Conflict,
    Customer,
    InMemoryPresence,
    InvalidInput,
    ManualClock,
    NotFound,
    Permission,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RoutingMode,
    RuleViolation,
    Subject,
    Ticket,
)
from carteira.events import TicketAssigned
from databases import any_store, plan_of, statements_of

TENANT = "acme"
HOST = Principal.system(TENANT)
SELLER = Role("vendedor", {Permission.ASSIGN_SELF})
WATCHER = Role("supervisor", {Permission.VIEW_ALL, Permission.ASSIGN_SELF})
READER = Role("leitor", set())
KINDS = ["memory", "sqlite", "postgresql"]


def who(manager_id: str) -> Principal:
    return Principal.manager(TENANT, manager_id)


class Desk:
    """A help desk on one store: seed 002's department, its members, and padaria."""

    def __init__(self, store: object) -> None:
        self.clock = ManualClock()
        self.presence = InMemoryPresence()
        self.app = Carteira(
            store.unit_of_work,  # type: ignore[attr-defined]
            clock=self.clock,
            presence=self.presence,
        )
        app = self.app
        for manager_id, roles in (
            ("lucia", [SELLER]),
            ("joao", [SELLER]),
            ("maria", [SELLER]),
            ("leo", [READER]),
            ("rui", [SELLER]),
            ("vera", [WATCHER]),
            ("ines", [SELLER]),
        ):
            profile = Profile.ANALYST if manager_id == "lucia" else Profile.AGENT
            app.register_manager(HOST, manager_id, manager_id.title(), profile=profile, roles=roles)
            self.presence.set_online(TENANT, manager_id)
        app.create_portfolio(HOST, "Sul", managers=["lucia"], portfolio_id="sul")
        app.register_customer(HOST, "padaria", "Padaria Pão Quente")
        app.assign_customer(HOST, "padaria", "lucia", portfolio="sul")
        app.register_customer(HOST, "mercado", "Mercado Central")
        app.set_customer_membership(HOST, "mercado", portfolio="sul")
        app.save_department(
            HOST, "suporte", "Suporte", members=["lucia", "joao", "maria", "leo", "ines"]
        )
        app.save_department(HOST, "geral", "Geral", routing=RoutingMode.QUEUE)
        self.presence.set_online(TENANT, "lucia", False)

    def open(self, ticket_id: str, customer: str = "padaria", department: str = "suporte") -> None:
        self.clock.advance(timedelta(minutes=1))
        opened = self.app.open_ticket(HOST, ticket_id, customer, department).value
        assert opened.assignee is None, opened
        assert opened.queued, opened


@pytest.fixture(params=KINDS)
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    with any_store(request.param, tmp_path) as store:
        yield Desk(store)


def test_vs7_a_queued_ticket_is_visible_to_the_departments_members(desk: Desk) -> None:
    desk.open("t1")
    app = desk.app
    for member in ("joao", "maria", "leo"):
        assert app.can_view(who(member), Subject.TICKET, "t1") is True
        assert app.explain(who(member), Subject.TICKET, "t1").clause == "department_queue"
        assert [t.id for t in app.visible_tickets(who(member))] == ["t1"]
        assert app.visible_among(who(member), Subject.TICKET, ["t1"]) == {"t1"}
    assert app.can_view(who("rui"), Subject.TICKET, "t1") is False
    assert [t.id for t in app.visible_tickets(who("rui"))] == []


def test_vs7_seeing_a_queued_ticket_grants_nothing_about_its_customer(desk: Desk) -> None:
    desk.open("t1")
    app = desk.app
    assert app.can_view(who("joao"), Subject.TICKET, "t1") is True
    assert app.can_view(who("joao"), Subject.CUSTOMER, "padaria") is False
    assert [c.id for c in app.visible_customers(who("joao"))] == []
    with pytest.raises(NotFound):
        app.customer(who("joao"), "padaria")


def test_vs7_an_inactive_member_sees_no_queue(desk: Desk) -> None:
    desk.open("t1")
    desk.app.deactivate_manager(HOST, "ines")
    with pytest.raises(PermissionDenied):
        desk.app.can_view(who("ines"), Subject.TICKET, "t1")
    with pytest.raises(PermissionDenied):
        desk.app.department_queue(who("ines"), "suporte")


def test_vs7_a_department_that_lists_no_members_shows_its_queue_to_every_active_manager(
    desk: Desk,
) -> None:
    desk.open("t9", customer="mercado", department="geral")
    for manager in ("joao", "rui", "leo", "lucia"):
        assert desk.app.can_view(who(manager), Subject.TICKET, "t9") is True
        assert [t.id for t in desk.app.department_queue(who(manager), "geral")] == ["t9"]


def test_vs7_a_taken_ticket_leaves_the_other_members_view(desk: Desk) -> None:
    desk.open("t1")
    desk.app.take_ticket(who("joao"), "t1")
    assert desk.app.can_view(who("maria"), Subject.TICKET, "t1") is False
    assert desk.app.explain(who("joao"), Subject.TICKET, "t1").clause == "ticket_assignee"
    desk.app.reassign_ticket(HOST, "t1", None)  # handed back: it waits again
    assert desk.app.can_view(who("maria"), Subject.TICKET, "t1") is True


def test_vs7_the_queue_lists_oldest_first_in_pages(desk: Desk) -> None:
    """Ids in the opposite order of opening: the listing follows ``opened_at``, not ids."""
    for ticket_id in ("t5", "t4", "t3", "t2", "t1"):
        desk.open(ticket_id)
    desk.app.take_ticket(who("maria"), "t3")
    app = desk.app
    first = app.department_queue(who("joao"), "suporte", limit=2)
    assert [t.id for t in first] == ["t5", "t4"]
    second = app.department_queue(who("joao"), "suporte", after=first.next_after, limit=2)
    assert [t.id for t in second] == ["t2", "t1"]
    assert second.next_after is None
    every = app.department_queue(who("vera"), "suporte")  # VIEW_ALL, not a member
    assert [t.id for t in every] == ["t5", "t4", "t2", "t1"]
    assert [t.id for t in app.department_queue(HOST, "suporte", after="t1")] == []
    assert [t.id for t in app.department_queue(HOST, "suporte", after="nope")] == []


def test_vs7_a_queue_opened_in_the_same_instant_lists_by_id(desk: Desk) -> None:
    for ticket_id in ("b", "a", "c"):
        desk.app.open_ticket(HOST, ticket_id, "padaria", "suporte")
    page = desk.app.department_queue(who("joao"), "suporte", limit=1)
    assert [t.id for t in page] == ["a"]
    rest = desk.app.department_queue(who("joao"), "suporte", after=page.next_after)
    assert [t.id for t in rest] == ["b", "c"]


def test_vs7_only_members_and_view_all_list_a_queue(desk: Desk) -> None:
    desk.open("t1")
    with pytest.raises(PermissionDenied) as refused:
        desk.app.department_queue(who("rui"), "suporte")
    assert (refused.value.code, refused.value.rule) == ("not_a_member", "VS-7")
    with pytest.raises(NotFound):
        desk.app.department_queue(who("joao"), "vendas")
    with pytest.raises(InvalidInput):
        desk.app.department_queue(who("joao"), "suporte", limit=0)
    with pytest.raises(InvalidInput):
        desk.app.department_queue(who("joao"), "suporte", after="t\x00")


def test_rt8_the_first_taker_wins_and_membership_stays(desk: Desk) -> None:
    desk.open("t1")
    taken = desk.app.take_ticket(who("joao"), "t1")
    assert taken.value.assignee == "joao"
    assert [type(e) for e in taken.events] == [TicketAssigned]
    assert taken.events[0].previous is None  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as second:
        desk.app.take_ticket(who("maria"), "t1")
    assert (second.value.code, second.value.rule) == ("already_taken", "RT-8")
    again = desk.app.take_ticket(who("joao"), "t1")
    assert again.value.assignee == "joao"
    assert again.events == ()
    padaria = desk.app.customer(HOST, "padaria").customer
    assert (padaria.portfolio, padaria.account_managers) == ("sul", ("lucia",))  # MB-5
    assert [t.id for t in desk.app.department_queue(who("maria"), "suporte")] == []


def test_rt8_taking_needs_assign_self_and_membership(desk: Desk) -> None:
    desk.open("t1")
    with pytest.raises(PermissionDenied) as reader:
        desk.app.take_ticket(who("leo"), "t1")  # a member without ASSIGN_SELF
    assert reader.value.rule == "RT-8"
    with pytest.raises(PermissionDenied) as watcher:
        desk.app.take_ticket(who("vera"), "t1")  # sees it (VIEW_ALL), not a member
    assert (watcher.value.code, watcher.value.rule) == ("not_a_member", "RT-8")
    with pytest.raises(NotFound):
        desk.app.take_ticket(who("rui"), "t1")  # neither sees it nor is a member
    with pytest.raises(PermissionDenied):
        desk.app.take_ticket(HOST, "t1")
    with pytest.raises(NotFound):
        desk.app.take_ticket(who("joao"), "t404")
    assert desk.app.department_queue(HOST, "suporte").items[0].assignee is None


def test_rt8_a_closed_ticket_is_not_taken(desk: Desk) -> None:
    """TK-9 for lucia, who sees it through padaria; a member who saw it only waiting in the
    queue no longer sees it at all once it is closed (VS-3, VS-7)."""
    desk.open("t1")
    desk.app.close_ticket(HOST, "t1")
    with pytest.raises(RuleViolation) as refused:
        desk.app.take_ticket(who("lucia"), "t1")
    assert (refused.value.code, refused.value.rule) == ("ticket_closed", "TK-9")
    with pytest.raises(NotFound):
        desk.app.take_ticket(who("joao"), "t1")


def test_vs7_a_queued_ticket_is_taken_before_anything_else_is_done_with_it(desk: Desk) -> None:
    """Seeing it in the queue lets a member take it, not reply, close or claim its customer."""
    desk.open("t1")
    app = desk.app
    for act in (
        lambda: app.reply(who("joao"), "t1"),
        lambda: app.close_ticket(who("joao"), "t1"),
        lambda: app.assign_to_me(who("joao"), "t1"),
        lambda: app.reassign_ticket(who("joao"), "t1", "maria"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            act()
        assert (refused.value.code, refused.value.rule) == ("take_first", "VS-7")
    app.take_ticket(who("joao"), "t1")
    app.reply(who("joao"), "t1")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_rt8_concurrent_takers_one_wins_the_others_are_refused(kind: str, tmp_path: Path) -> None:
    """Six members take the same ticket at once, each in a thread of his own: one wins."""
    with any_store(kind, tmp_path) as store:
        desk = Desk(store)
        members = [f"m{n}" for n in range(6)]
        for member in members:
            desk.app.register_manager(HOST, member, member, roles=[SELLER])
        desk.app.save_department(HOST, "plantao", "Plantão", members=members)
        desk.open("t1", department="plantao")
        outcomes: dict[str, str] = {}
        start = threading.Barrier(len(members))

        def take(member: str) -> None:
            start.wait()
            try:
                desk.app.take_ticket(who(member), "t1")
                outcomes[member] = "took"
            except Conflict as error:
                outcomes[member] = error.code

        threads = [threading.Thread(target=take, args=(m,)) for m in members]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [m for m, outcome in outcomes.items() if outcome == "took"]
        assert len(winners) == 1, outcomes
        assert sorted(outcomes.values()) == ["already_taken"] * 5 + ["took"]
        assert desk.app.department_queue(HOST, "plantao").items == []
        assert desk.app.visible_tickets(HOST).items[0].assignee == winners[0]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_vs7_st4_a_queue_page_is_one_statement_through_the_department_index(
    kind: str, tmp_path: Path
) -> None:
    """A page of a queue is one statement, read in order from ``carteira_tickets_department``:
    no sort of the department's tickets, whatever the queue holds (ST-4)."""
    with any_store(kind, tmp_path) as store:
        start = datetime(2026, 3, 2, 9, tzinfo=UTC)
        with store.unit_of_work(TENANT) as uow:
            uow.customers.add(Customer(TENANT, "c1", "C1"))
            for n in range(600):
                department = ("d1", "d2")[n % 2]
                assignee = "m1" if n % 3 == 0 else None
                opened = start + timedelta(seconds=(n * 7919) % 600)
                uow.tickets.add(
                    Ticket(TENANT, f"t{n:03}", "c1", department, opened, assignee=assignee)
                )
            uow.commit()
        if kind == "postgresql":
            with store.engine.begin() as connection:
                connection.execute(text("ANALYZE carteira_tickets"))
        with store.unit_of_work(TENANT) as uow:
            middle = uow.tickets.queue("d1", after=None, limit=50)[-1].id
            with statements_of(store) as seen:
                page = uow.tickets.queue("d1", after=middle, limit=10)
        assert len(page) == 10
        assert len(seen) == 1
        plan = plan_of(store, *seen[0])
        assert "carteira_tickets_department" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # SQLite sorts nothing
        assert "Sort" not in plan, plan  # nor does PostgreSQL


def test_vs3_rt8_a_ticket_he_neither_sees_nor_lost_does_not_exist_for_a_taker(desk: Desk) -> None:
    """Taking tells a member only that he lost the race; anything else he cannot see is
    not found: a closed ticket of his department, another department's served ticket."""
    desk.open("t9", customer="mercado", department="geral")  # geral lists no one: rui serves
    desk.app.close_ticket(HOST, "t9")
    desk.open("t1")
    desk.app.take_ticket(who("joao"), "t1")
    for ticket_id in ("t9", "t1", "t404"):
        with pytest.raises(NotFound):
            desk.app.take_ticket(who("rui"), ticket_id)
    desk.open("t8", customer="mercado", department="geral")
    desk.app.take_ticket(who("joao"), "t8")
    with pytest.raises(Conflict) as lost:
        desk.app.take_ticket(who("rui"), "t8")  # he saw it waiting a moment ago
    assert lost.value.code == "already_taken"


def test_rt1_vs7_a_ticket_offered_for_its_customer_to_choose_waits_in_no_queue(
    desk: Desk,
) -> None:
    app = desk.app
    app.update_settings(HOST, max_account_managers=2)
    app.update_manager(HOST, "joao", profile=Profile.ANALYST)
    app.update_manager(HOST, "maria", profile=Profile.ANALYST)
    app.edit_portfolio(HOST, "sul", managers=["lucia", "joao", "maria"])
    app.set_customer_membership(HOST, "padaria", account_managers=["joao", "maria"])
    app.save_department(
        HOST, "escolha", "Escolha", choice=ChoiceMode.CUSTOMER_CHOOSES, members=["joao", "maria"]
    )
    desk.clock.advance(timedelta(minutes=1))
    offered = app.open_ticket(HOST, "t1", "padaria", "escolha").value
    assert (offered.assignee, offered.offered, offered.queued) == (None, ("joao", "maria"), False)
    assert app.department_queue(HOST, "escolha").items == []
    with pytest.raises(RuleViolation) as refused:
        app.take_ticket(who("joao"), "t1")
    assert (refused.value.code, refused.value.rule) == ("customer_choosing", "RT-1")
    assert app.choose_agent(HOST, "t1", "maria").value.assignee == "maria"


def test_mg5_vs7_a_backup_does_not_stand_in_at_the_absent_members_queue(desk: Desk) -> None:
    """A decision: department membership is the member's own, not ownership that an absence
    lends (MG-5 covers what came through portfolios and account managers)."""
    desk.open("t1")
    now = desk.clock.now()
    desk.app.schedule_absence(
        HOST, "joao", start=now - timedelta(hours=1), end=now + timedelta(days=1), backup="rui"
    )
    assert desk.app.can_view(who("rui"), Subject.TICKET, "t1") is False
    with pytest.raises(PermissionDenied):
        desk.app.department_queue(who("rui"), "suporte")
    assert desk.app.can_view(who("joao"), Subject.TICKET, "t1") is True  # absent, still a member


def test_pm3_under_owner_only_only_an_owner_takes_from_the_queue(desk: Desk) -> None:
    desk.open("t1")
    desk.app.update_settings(HOST, owner_only=True)
    with pytest.raises(PermissionDenied) as refused:
        desk.app.take_ticket(who("joao"), "t1")  # a member, but padaria is lucia's
    assert (refused.value.code, refused.value.rule) == ("not_an_owner", "PM-3")
    assert desk.app.take_ticket(who("lucia"), "t1").value.assignee == "lucia"


@pytest.mark.parametrize("switch", ["segmentation", "open_access"])
def test_vs1_vs6_vs7_with_everything_visible_the_queue_is_still_its_members(
    desk: Desk, switch: str
) -> None:
    """Segmentation off or open access on, rui sees the queued ticket like every ticket;
    listing the queue and taking from it stay with the members (and VIEW_ALL for listing)."""
    desk.open("t1")
    flags = {"segmentation": False} if switch == "segmentation" else {"open_access": True}
    desk.app.update_settings(HOST, **flags)  # type: ignore[arg-type]
    assert desk.app.can_view(who("rui"), Subject.TICKET, "t1") is True
    with pytest.raises(PermissionDenied) as listing:
        desk.app.department_queue(who("rui"), "suporte")
    assert listing.value.code == "not_a_member"
    with pytest.raises(PermissionDenied) as taking:
        desk.app.take_ticket(who("rui"), "t1")
    assert taking.value.code == "not_a_member"
