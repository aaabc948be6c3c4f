"""The ways from agents' work: WA-1, WA-2, WA-4, WA-6 and WA-7, each recorded (MB-6, PM-2)."""

from __future__ import annotations

from typing import Any

import pytest

from carteira import (
    Carteira,
    InMemoryStore,
    NotFound,
    Ownership,
    Permission,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RoutingMode,
    RuleViolation,
    TicketStatus,
    Way,
)
from carteira.adapters.memory import store as memory_store
from carteira.events import MembershipChanged, TicketClosed

TENANT = "acme"
AGENT = Role("agent", {Permission.ASSIGN_SELF})
RECORDS = Role("records", {Permission.SET_PORTFOLIO})
VIEWER = Role("viewer", {Permission.VIEW_ALL})
ANA, BIA, CAIO = (Principal.manager(TENANT, m) for m in ("ana", "bia", "caio"))
RITA, VERA = Principal.manager(TENANT, "rita"), Principal.manager(TENANT, "vera")


@pytest.fixture
def world(app: Carteira, system: Principal) -> None:
    """Sul (ana, bia, rita), Norte (caio) and Leste (ana); a queue department d.

    ana, bia, caio are agents (ASSIGN_SELF); rita keeps records (SET_PORTFOLIO) and sees
    Sul only; vera sees everything (VIEW_ALL) and may nothing else. Customers: c1 outside
    portfolio, c2 in Sul, c3 in Norte, c4 in Sul with bia as account manager.
    """
    for manager_id in ("ana", "bia", "caio"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
        app.update_manager(system, manager_id, roles=[AGENT])
    app.register_manager(system, "rita", "Rita", profile=Profile.ANALYST, roles=[RECORDS])
    app.register_manager(system, "vera", "Vera", roles=[VIEWER])
    app.create_portfolio(system, "Sul", managers=["ana", "bia", "rita"], portfolio_id="sul")
    app.create_portfolio(system, "Norte", managers=["caio"], portfolio_id="norte")
    # ana manages two portfolios and marks neither: her customers keep theirs (MG-2, MG-6)
    app.create_portfolio(system, "Leste", managers=["ana"], portfolio_id="leste")
    app.save_department(system, "d", "Atendimento", routing=RoutingMode.QUEUE)
    for customer_id in ("c1", "c2", "c3", "c4"):
        app.register_customer(system, customer_id, customer_id.upper())
    app.set_customer_membership(system, "c2", portfolio="sul")
    app.set_customer_membership(system, "c3", portfolio="norte")
    app.set_customer_membership(system, "c4", portfolio="sul", account_managers=["bia"])


def serve(
    app: Carteira, system: Principal, ticket_id: str, customer_id: str, agent: str | None
) -> None:
    """Open a ticket in the queue and give it to ``agent``."""
    app.open_ticket(system, ticket_id, customer_id, "d")
    if agent is not None:
        app.reassign_ticket(system, ticket_id, agent)


def ownership(app: Carteira, system: Principal, customer_id: str) -> Ownership:
    return app.customer(system, customer_id).ownership


def history(app: Carteira, system: Principal, customer_id: str) -> list[MembershipChanged]:
    return list(app.owner_history(system, customer_id))


def ways(app: Carteira, system: Principal, customer_id: str) -> list[tuple[Any, ...]]:
    return [
        (e.way, e.way.rule, e.actor, e.before, e.after) for e in history(app, system, customer_id)
    ]


def refused(store: InMemoryStore, error: type[Exception], command: Any) -> Exception:
    """Run a command that must be refused; prove storage did not change (PM-2)."""
    before = store.snapshot()
    with pytest.raises(error) as caught:
        command()
    assert store.snapshot() == before
    return caught.value


# -- WA-1: during a conversation -----------------------------------------------------------


def test_wa1_the_serving_agent_adds_the_customer_to_his_default_portfolio(
    app: Carteira, system: Principal, world: None
) -> None:
    app.set_default_portfolio(system, "ana", "sul")
    serve(app, system, "t1", "c1", "ana")
    customer = app.add_to_my_portfolio(ANA, "t1").value
    assert (customer.portfolio, customer.account_managers) == ("sul", ("ana",))
    assert ways(app, system, "c1") == [
        (Way.CONVERSATION, "WA-1", "ana", Ownership(), Ownership("sul", ("ana",)))
    ]


def test_wa1_without_a_default_the_customer_keeps_its_portfolio(
    app: Carteira, system: Principal, world: None
) -> None:
    serve(app, system, "t2", "c2", "ana")
    app.add_to_my_portfolio(ANA, "t2")
    assert ownership(app, system, "c2") == Ownership("sul", ("ana",))
    assert [e.way.rule for e in history(app, system, "c2")][-1] == "WA-1"


def test_wa1_only_the_serving_agent_may(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    serve(app, system, "t2", "c2", "ana")
    error = refused(store, RuleViolation, lambda: app.add_to_my_portfolio(BIA, "t2"))
    assert (error.code, error.rule) == ("not_serving_agent", "WA-1")


def test_wa1_a_queued_or_closed_ticket_has_no_serving_agent(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    serve(app, system, "t2", "c2", None)
    refused(store, RuleViolation, lambda: app.add_to_my_portfolio(ANA, "t2"))
    serve(app, system, "t3", "c2", "ana")
    app.close_ticket(system, "t3")
    refused(store, RuleViolation, lambda: app.add_to_my_portfolio(ANA, "t3"))


def test_wa1_needs_assign_self(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    serve(app, system, "t2", "c2", "ana")
    app.update_manager(system, "ana", roles=[VIEWER])
    error = refused(store, PermissionDenied, lambda: app.add_to_my_portfolio(ANA, "t2"))
    assert error.details["permission"] == Permission.ASSIGN_SELF.value
    refused(store, PermissionDenied, lambda: app.add_to_my_portfolio(system, "t2"))


# -- WA-2: when closing -----------------------------------------------------------------------


def test_wa2_asked_only_where_the_customer_is_not_already_his(
    app: Carteira, system: Principal, world: None
) -> None:
    serve(app, system, "t2", "c2", "ana")
    serve(app, system, "t4", "c4", "bia")
    assert app.offers_association(ANA, "t2") is True
    assert app.offers_association(BIA, "t4") is False
    assert app.offers_association(ANA, "t4") is True


def test_wa2_yes_assigns_the_customer_to_the_closing_agent(
    app: Carteira, system: Principal, world: None
) -> None:
    serve(app, system, "t2", "c2", "ana")
    ticket = app.close_ticket(ANA, "t2", associate=True).value
    assert ticket.status == TicketStatus.CLOSED
    assert ownership(app, system, "c2") == Ownership("sul", ("ana",))
    assert ways(app, system, "c2")[-1] == (
        Way.CLOSING,
        "WA-2",
        "ana",
        Ownership("sul"),
        Ownership("sul", ("ana",)),
    )


def test_wa2_no_changes_nothing_but_the_ticket(
    app: Carteira, system: Principal, world: None
) -> None:
    serve(app, system, "t2", "c2", "ana")
    before = (ownership(app, system, "c2"), history(app, system, "c2"))
    result = app.close_ticket(ANA, "t2", associate=False)
    assert result.value.status == TicketStatus.CLOSED
    assert not any(isinstance(e, MembershipChanged) for e in result.events)
    assert (ownership(app, system, "c2"), history(app, system, "c2")) == before


def test_wa2_yes_where_already_his_changes_nothing_but_the_ticket(
    app: Carteira, system: Principal, world: None
) -> None:
    serve(app, system, "t4", "c4", "bia")
    before = (ownership(app, system, "c4"), history(app, system, "c4"))
    result = app.close_ticket(BIA, "t4", associate=True)
    assert result.value.status == TicketStatus.CLOSED
    assert (ownership(app, system, "c4"), history(app, system, "c4")) == before


def test_wa2_answering_yes_needs_assign_self(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    """WA-2, PM-2: "every way is checked against the acting principal's permissions".

    vera (VIEW_ALL only) may close the ticket, but asking to associate its customer is a
    way in: it is refused as a whole, not dropped while the ticket closes anyway.
    """
    serve(app, system, "t2", "c2", "vera")
    error = refused(store, PermissionDenied, lambda: app.close_ticket(VERA, "t2", associate=True))
    assert error.details["permission"] == Permission.ASSIGN_SELF.value
    assert app.close_ticket(VERA, "t2").value.status == TicketStatus.CLOSED


def test_wa2_a_customer_that_cannot_take_him_refuses_the_whole_close(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    """WA-2 with MB-3: ana does not manage Norte; the close is refused with the association."""
    serve(app, system, "t3", "c3", "ana")
    error = refused(store, RuleViolation, lambda: app.close_ticket(ANA, "t3", associate=True))
    assert error.code == "manager_outside_portfolio"


# -- WA-4: bulk close by an administrator --------------------------------------------------------


@pytest.fixture
def anas_tickets(app: Carteira, system: Principal, world: None) -> None:
    """ana serves t1 (c1), t2 and t2b (c2) and t4 (c4); bia serves t5 (c2); t0 is closed."""
    serve(app, system, "t0", "c1", "ana")
    app.close_ticket(system, "t0")
    serve(app, system, "t1", "c1", "ana")
    serve(app, system, "t2", "c2", "ana")
    serve(app, system, "t2b", "c2", "ana")
    serve(app, system, "t4", "c4", "ana")
    serve(app, system, "t5", "c2", "bia")


def open_tickets(app: Carteira, system: Principal) -> list[tuple[str, str | None]]:
    page = app.visible_tickets(system, open_only=True)
    return [(t.id, t.assignee) for t in page.items]


def test_wa4_closes_every_open_ticket_of_the_agent_and_nothing_else(
    app: Carteira, system: Principal, admin: Principal, anas_tickets: None
) -> None:
    before = {c: history(app, system, c) for c in ("c1", "c2", "c4")}
    closed = app.bulk_close(admin, "ana").value
    assert sorted(t.id for t in closed) == ["t1", "t2", "t2b", "t4"]
    assert {t.status for t in closed} == {TicketStatus.CLOSED}
    assert open_tickets(app, system) == [("t5", "bia")]
    assert {c: history(app, system, c) for c in ("c1", "c2", "c4")} == before


def test_wa4_with_portfolio_each_customer_gets_the_agent(
    app: Carteira, system: Principal, admin: Principal, anas_tickets: None
) -> None:
    app.bulk_close(admin, "ana", associate=True)
    assert ownership(app, system, "c1") == Ownership(None, ("ana",))
    assert ownership(app, system, "c2") == Ownership("sul", ("ana",))
    assert ownership(app, system, "c4") == Ownership("sul", ("ana",))
    assert ways(app, system, "c1") == [
        (Way.BULK_CLOSE, "WA-4", "admin", Ownership(), Ownership(None, ("ana",)))
    ]
    assert [e.way for e in history(app, system, "c2")].count(Way.BULK_CLOSE) == 1
    assert ways(app, system, "c4")[-1] == (
        Way.BULK_CLOSE,
        "WA-4",
        "admin",
        Ownership("sul", ("bia",)),
        Ownership("sul", ("ana",)),
    )


def test_wa4_a_customer_already_his_is_not_recorded_again(
    app: Carteira, system: Principal, admin: Principal, world: None
) -> None:
    serve(app, system, "t4", "c4", "bia")
    before = history(app, system, "c4")
    app.bulk_close(admin, "bia", associate=True)
    assert history(app, system, "c4") == before


def test_wa4_is_for_administrators_only(
    app: Carteira, store: InMemoryStore, system: Principal, anas_tickets: None
) -> None:
    app.update_manager(system, "vera", roles=[VIEWER, AGENT, RECORDS])
    error = refused(store, PermissionDenied, lambda: app.bulk_close(VERA, "ana", associate=True))
    assert error.details["permission"] == Permission.BULK_CLOSE.value
    refused(store, PermissionDenied, lambda: app.bulk_close(ANA, "ana"))


def test_wa4_bulk_close_permission_is_what_counts(
    app: Carteira, system: Principal, anas_tickets: None
) -> None:
    """WA-4, VS-3: BULK_CLOSE alone closes all four; the value lists only what vera sees."""
    app.update_manager(system, "vera", roles=[Role("bulk", {Permission.BULK_CLOSE})])
    result = app.bulk_close(VERA, "ana")
    assert len([e for e in result.events if isinstance(e, TicketClosed)]) == 4
    assert result.value == []


def test_wa4_all_or_nothing_when_one_customer_cannot_take_him(
    app: Carteira, store: InMemoryStore, system: Principal, admin: Principal, anas_tickets: None
) -> None:
    """WA-4, ST-1: c3 is in Norte, which ana does not manage: nothing is closed or assigned."""
    serve(app, system, "t3", "c3", "ana")
    error = refused(store, RuleViolation, lambda: app.bulk_close(admin, "ana", associate=True))
    assert error.code == "manager_outside_portfolio"
    assert ("t3", "ana") in open_tickets(app, system)


def test_wa4_an_unknown_agent_is_not_found(
    app: Carteira, store: InMemoryStore, admin: Principal, world: None
) -> None:
    refused(store, NotFound, lambda: app.bulk_close(admin, "ghost", associate=True))


# -- WA-6: assign to me / unassign from a ticket -----------------------------------------------


def test_wa6_assign_to_me_and_unassign(app: Carteira, system: Principal, world: None) -> None:
    serve(app, system, "t2", "c2", None)
    assert app.assign_to_me(BIA, "t2").value.account_managers == ("bia",)
    assert app.unassign_me(BIA, "t2").value.account_managers == ()
    assert ownership(app, system, "c2") == Ownership("sul")
    assert ways(app, system, "c2")[-2:] == [
        (Way.TICKET, "WA-6", "bia", Ownership("sul"), Ownership("sul", ("bia",))),
        (Way.TICKET, "WA-6", "bia", Ownership("sul", ("bia",)), Ownership("sul")),
    ]


def test_wa6_unassign_when_not_his_records_nothing(
    app: Carteira, system: Principal, world: None
) -> None:
    serve(app, system, "t4", "c4", None)
    before = history(app, system, "c4")
    assert app.unassign_me(ANA, "t4").value.account_managers == ("bia",)
    assert history(app, system, "c4") == before


def test_wa6_needs_assign_self(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    serve(app, system, "t2", "c2", None)
    for command in (app.assign_to_me, app.unassign_me):
        error = refused(store, PermissionDenied, lambda c=command: c(RITA, "t2"))
        assert error.details["permission"] == Permission.ASSIGN_SELF.value


def test_wa6_a_ticket_he_cannot_see_is_not_found(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    serve(app, system, "t3", "c3", "caio")  # not waiting in d's queue, which ana sees (VS-7)
    refused(store, NotFound, lambda: app.assign_to_me(ANA, "t3"))
    refused(store, NotFound, lambda: app.unassign_me(ANA, "t3"))


# -- WA-7: from an agent's record, all or none --------------------------------------------------


def test_wa7_assigns_and_unassigns_a_list_of_customers(
    app: Carteira, system: Principal, world: None
) -> None:
    assigned = app.assign_customers(RITA, "ana", ["c2", "c4"]).value
    assert [(c.id, c.account_managers) for c in assigned] == [("c2", ("ana",)), ("c4", ("ana",))]
    for customer_id, before in (("c2", Ownership("sul")), ("c4", Ownership("sul", ("bia",)))):
        assert ways(app, system, customer_id)[-1] == (
            Way.AGENT_RECORD,
            "WA-7",
            "rita",
            before,
            Ownership("sul", ("ana",)),
        )
    unassigned = app.unassign_customers(RITA, "ana", ["c2", "c4"]).value
    assert [(c.id, c.account_managers) for c in unassigned] == [("c2", ()), ("c4", ())]
    assert [e.way.rule for e in history(app, system, "c4")][-1] == "WA-7"


def test_wa7_one_invisible_customer_refuses_the_whole_list(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    """rita sees Sul only: c3 (Norte) reads as missing and nothing is assigned."""
    error = refused(store, NotFound, lambda: app.assign_customers(RITA, "ana", ["c2", "c3"]))
    assert str(error) == str(NotFound("customer", "c3"))
    app.assign_customers(system, "ana", ["c2"])
    refused(store, NotFound, lambda: app.unassign_customers(RITA, "ana", ["c2", "c3"]))


def test_wa7_one_unknown_customer_refuses_the_whole_list(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    refused(store, NotFound, lambda: app.assign_customers(RITA, "ana", ["c2", "nobody"]))


def test_wa7_one_customer_that_cannot_take_him_refuses_the_whole_list(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    app.update_manager(system, "rita", roles=[RECORDS, VIEWER])
    error = refused(
        store, RuleViolation, lambda: app.assign_customers(RITA, "ana", ["c2", "c4", "c3"])
    )
    assert error.code == "manager_outside_portfolio"


def test_wa7_an_unknown_agent_is_not_found(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    refused(store, NotFound, lambda: app.assign_customers(RITA, "ghost", ["c2"]))
    refused(store, NotFound, lambda: app.unassign_customers(RITA, "ghost", ["c2"]))


def test_wa7_needs_set_portfolio(
    app: Carteira, store: InMemoryStore, system: Principal, world: None
) -> None:
    for command in (app.assign_customers, app.unassign_customers):
        error = refused(store, PermissionDenied, lambda c=command: c(VERA, "ana", ["c2"]))
        assert error.details["permission"] == Permission.SET_PORTFOLIO.value


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the calls to each repository's ``update_many`` (one call, one set-based write)."""
    counts: dict[str, int] = {}
    for repository in ("_Customers", "_Tickets"):
        cls = getattr(memory_store, repository)
        original = cls.update_many

        def spy(self: Any, rows: Any, _name: str = repository, _original: Any = original) -> Any:
            counts[_name] = counts.get(_name, 0) + 1
            return _original(self, rows)

        monkeypatch.setattr(cls, "update_many", spy)
    return counts


def test_st5_wa4_a_bulk_close_writes_each_table_once(
    app: Carteira, system: Principal, admin: Principal, anas_tickets: None, writes: dict[str, int]
) -> None:
    writes.clear()
    app.bulk_close(admin, "ana", associate=True)
    assert writes == {"_Tickets": 1, "_Customers": 1}


def test_st5_wa7_a_list_from_an_agents_record_is_written_once(
    app: Carteira, system: Principal, world: None, writes: dict[str, int]
) -> None:
    writes.clear()
    app.assign_customers(RITA, "ana", ["c2", "c4"])
    app.unassign_customers(RITA, "ana", ["c2", "c4"])
    assert writes == {"_Customers": 2}
