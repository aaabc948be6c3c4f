"""Routing a new conversation: RT-1..RT-5, RT-7, MG-4 and MG-5, with the scenarios of seeds 001/002.

The pure policy (:func:`carteira.route` over a :class:`RoutingInput`) is tested with inputs
built by hand; the facade (``Carteira.route`` / ``open_ticket``) with an in-memory presence
and a manual clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import attrs
import pytest

from carteira import (
    Absence,
    Carteira,
    CarteiraError,
    ChoiceMode,
    Department,
    InMemoryPresence,
    InMemoryStore,
    Manager,
    ManualClock,
    PermissionDenied,
    Principal,
    Profile,
    RoutingMode,
    RuleViolation,
    TicketStatus,
)
from carteira.events import TicketOpened
from carteira.policies import (
    Candidate,
    Exclusion,
    Outcome,
    Reason,
    RoutingDecision,
    RoutingInput,
    Step,
    fewest_open_then_longest_idle,
    route,
)

TENANT = "acme"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# -- pure-policy helpers ----------------------------------------------------------------------


def manager(manager_id: str, *, active: bool = True, absences: Iterable[Absence] = ()) -> Manager:
    return Manager(TENANT, manager_id, manager_id.title(), active=active, absences=tuple(absences))


def department(**options: Any) -> Department:
    return Department(TENANT, "d", "Vendas", **options)


def routing_input(
    *,
    account_managers: Sequence[str] = (),
    portfolio_managers: Sequence[str] = (),
    managers: dict[str, Manager] | None = None,
    dept: Department | None = None,
    online: Iterable[str] | None = None,
    loads: dict[str, int] | None = None,
    busy_since: dict[str, datetime] | None = None,
) -> RoutingInput:
    """Everyone named is known, active and online unless told otherwise."""
    named = dict.fromkeys([*account_managers, *portfolio_managers])
    return RoutingInput(
        account_managers=tuple(account_managers),
        portfolio_managers=tuple(portfolio_managers),
        managers={m: manager(m) for m in named} if managers is None else managers,
        department=dept or department(),
        online=frozenset(named if online is None else online),
        loads=loads or {},
        busy_since=busy_since or {},
        now=NOW,
    )


def away(backup: str, *, start: datetime = NOW, hours: int = 8) -> Absence:
    return Absence(f"away-{backup}", start, start + timedelta(hours=hours), backup)


# -- facade helpers ---------------------------------------------------------------------------


@pytest.fixture
def presence() -> InMemoryPresence:
    return InMemoryPresence()


@pytest.fixture
def rapp(store: InMemoryStore, clock: ManualClock, presence: InMemoryPresence) -> Carteira:
    """A Carteira whose presence the test sets."""
    ids: Iterator[str] = (f"id{i}" for i in count(1))
    return Carteira(store.unit_of_work, clock=clock, presence=presence, new_id=lambda: next(ids))


@pytest.fixture
def staff(rapp: Carteira, system: Principal) -> None:
    """ana, bia, caio manage Sul; dora manages Norte; eva (an agent) can stand in."""
    rapp.update_settings(system, max_account_managers=3)
    for manager_id in ("ana", "bia", "caio", "dora"):
        rapp.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    rapp.register_manager(system, "eva", "Eva")
    rapp.create_portfolio(system, "Sul", managers=["ana", "bia", "caio"], portfolio_id="sul")
    rapp.create_portfolio(system, "Norte", managers=["dora"], portfolio_id="norte")


def customer(
    app: Carteira,
    system: Principal,
    customer_id: str,
    *,
    portfolio: str | None = None,
    account_managers: Sequence[str] = (),
) -> None:
    app.register_customer(system, customer_id, customer_id.upper())
    if portfolio is not None or account_managers:
        app.set_customer_membership(
            system, customer_id, portfolio=portfolio, account_managers=list(account_managers)
        )


def online(presence: InMemoryPresence, *managers: str) -> None:
    for manager_id in ("ana", "bia", "caio", "dora", "eva"):
        presence.set_online(TENANT, manager_id, manager_id in managers)


def memberships(app: Carteira, system: Principal, customer_id: str) -> tuple[Any, ...]:
    return (
        app.customer(system, customer_id).ownership,
        tuple(app.owner_history(system, customer_id)),
    )


# -- RT-1: queue or portfolio; the customer chooses or the tie-break picks ---------------------


def test_rt1_a_queue_department_ignores_portfolios(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", routing=RoutingMode.QUEUE)
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    online(presence, "ana", "bia", "caio")
    decision = rapp.route(system, "c1", "d")
    assert decision == RoutingDecision(Outcome.QUEUE, Reason.QUEUE_MODE, Step.QUEUE)
    ticket = rapp.open_ticket(system, "t1", "c1", "d").value
    assert (ticket.assignee, ticket.offered) == (None, ())


def test_rt1_a_portfolio_department_transfers_directly_to_the_owner(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", routing=RoutingMode.PORTFOLIO)
    customer(rapp, system, "c1", portfolio="sul", account_managers=["bia"])
    online(presence, "ana", "bia", "caio")
    result = rapp.open_ticket(system, "t1", "c1", "d")
    assert (result.value.assignee, result.value.assigned_at) == ("bia", NOW)
    opened = [e for e in result.events if isinstance(e, TicketOpened)]
    assert [(e.outcome, e.reason, e.step, e.assignee) for e in opened] == [
        ("assign", "one_candidate", "primary_account_manager", "bia")
    ]


def test_rt1_the_customer_chooses_among_several_available_portfolio_managers(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    """RT-1/RT-3: several available → offered; the host records the choice (choose_agent)."""
    rapp.save_department(system, "d", "Vendas", choice=ChoiceMode.CUSTOMER_CHOOSES)
    customer(rapp, system, "c1", portfolio="sul")
    online(presence, "ana", "bia")
    decision = rapp.route(system, "c1", "d")
    assert (decision.outcome, decision.reason, decision.step) == (
        Outcome.OFFER,
        Reason.CUSTOMER_CHOOSES,
        Step.PORTFOLIO,
    )
    assert (decision.assignee, decision.candidates) == (None, ("ana", "bia"))
    ticket = rapp.open_ticket(system, "t1", "c1", "d").value
    assert (ticket.assignee, ticket.offered) == (None, ("ana", "bia"))
    chosen = rapp.choose_agent(system, "t1", "bia").value
    assert (chosen.assignee, chosen.offered, chosen.assigned_at) == ("bia", (), NOW)


def test_rt1_only_an_offered_agent_may_be_chosen_and_only_by_the_host(
    rapp: Carteira, store: InMemoryStore, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", choice=ChoiceMode.CUSTOMER_CHOOSES)
    customer(rapp, system, "c1", portfolio="sul")
    online(presence, "ana", "bia")
    rapp.open_ticket(system, "t1", "c1", "d")
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        rapp.choose_agent(system, "t1", "caio")
    assert caught.value.code == "not_offered"
    with pytest.raises(PermissionDenied):
        rapp.choose_agent(Principal.manager(TENANT, "ana"), "t1", "ana")
    assert store.snapshot() == before


def test_rt1_automatic_choice_uses_fewest_open_tickets_then_longest_idle(
    rapp: Carteira, system: Principal, clock: ManualClock, presence: InMemoryPresence, staff: None
) -> None:
    """RT-1 default tie-break, through the facade: loads and idleness come from open tickets."""
    rapp.save_department(system, "d", "Vendas", choice=ChoiceMode.AUTOMATIC)
    customer(rapp, system, "c1", portfolio="sul")
    customer(rapp, system, "ca", account_managers=["ana"])
    customer(rapp, system, "cb", account_managers=["bia"])
    online(presence, "ana", "bia")
    # Neither has an open ticket: equal loads, both never busy → the stable order (ana).
    assert rapp.route(system, "c1", "d").assignee == "ana"
    rapp.open_ticket(system, "ta", "ca", "d")
    decision = rapp.route(system, "c1", "d")
    assert (decision.outcome, decision.reason, decision.step, decision.assignee) == (
        Outcome.ASSIGN,
        Reason.TIE_BREAK,
        Step.PORTFOLIO,
        "bia",
    )
    assert decision.candidates == ("ana", "bia")
    clock.advance(timedelta(minutes=5))
    rapp.open_ticket(system, "tb", "cb", "d")
    # One open ticket each: ana took hers earlier, so she has been idle longer.
    assert rapp.route(system, "c1", "d").assignee == "ana"


def test_rt1_the_default_tie_break_fewest_open_then_longest_idle_then_stable() -> None:
    earlier, later = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    inputs = routing_input(
        portfolio_managers=["ana", "bia", "caio", "dora"],
        loads={"ana": 2, "bia": 1, "caio": 1, "dora": 1},
        busy_since={"ana": earlier, "bia": later, "caio": earlier},
    )
    # Fewest open: bia, caio, dora (1 each); dora never took one: idle longest.
    assert fewest_open_then_longest_idle(("ana", "bia", "caio", "dora"), inputs) == "dora"
    assert fewest_open_then_longest_idle(("ana", "bia", "caio"), inputs) == "caio"
    assert fewest_open_then_longest_idle(("caio", "bia"), inputs) == "caio"
    tied = routing_input(portfolio_managers=["bia", "ana"])
    assert fewest_open_then_longest_idle(("bia", "ana"), tied) == "ana"
    assert route(inputs).assignee == "dora"


def test_rt1_the_tie_break_is_replaceable() -> None:
    calls: list[tuple[tuple[str, ...], RoutingInput]] = []

    def last(candidates: Sequence[str], inputs: RoutingInput) -> str:
        calls.append((tuple(candidates), inputs))
        return candidates[-1]

    inputs = routing_input(portfolio_managers=["ana", "bia", "caio"], loads={"caio": 3})
    decision = route(inputs, tie_break=last)
    assert (decision.outcome, decision.reason, decision.assignee) == (
        Outcome.ASSIGN,
        Reason.TIE_BREAK,
        "caio",
    )
    assert calls == [(("ana", "bia", "caio"), inputs)]
    assert route(inputs).assignee == "ana"


def test_rt1_the_tie_break_is_not_asked_when_the_customer_chooses_or_one_is_available() -> None:
    def refuse(candidates: Sequence[str], inputs: RoutingInput) -> str:
        raise AssertionError("tie-break asked")

    choosing = routing_input(
        portfolio_managers=["ana", "bia"], dept=department(choice=ChoiceMode.CUSTOMER_CHOOSES)
    )
    assert route(choosing, tie_break=refuse).outcome == Outcome.OFFER
    single = routing_input(portfolio_managers=["ana", "bia"], online=["bia"])
    assert route(single, tie_break=refuse).assignee == "bia"


# -- RT-2: who the candidates are, and who counts ----------------------------------------------


def test_rt2_account_managers_come_before_the_portfolio_managers(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["caio"])
    online(presence, "ana", "bia", "caio")
    decision = rapp.route(system, "c1", "d")
    assert (decision.assignee, decision.step, decision.candidates) == (
        "caio",
        Step.PRIMARY,
        ("caio",),
    )


def test_rt2_without_account_managers_the_portfolio_managers_are_the_candidates(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", choice=ChoiceMode.CUSTOMER_CHOOSES)
    customer(rapp, system, "c1", portfolio="norte")
    customer(rapp, system, "c2", portfolio="sul")
    online(presence, "ana", "bia", "caio", "dora")
    one = rapp.route(system, "c1", "d")
    assert (one.outcome, one.reason, one.step, one.assignee) == (
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        Step.PORTFOLIO,
        "dora",
    )
    several = rapp.route(system, "c2", "d")
    assert (several.outcome, several.candidates) == (Outcome.OFFER, ("ana", "bia", "caio"))


def test_rt2_an_organizations_portfolio_is_the_effective_one(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    rapp.register_organization(system, "org", "Org")
    rapp.set_organization_portfolio(system, "org", "norte")
    rapp.register_customer(system, "c1", "C1", organization="org")
    online(presence, "dora")
    decision = rapp.route(system, "c1", "d")
    assert (decision.step, decision.assignee) == (Step.PORTFOLIO, "dora")


def test_rt2_account_managers_only_keeps_portfolio_managers_out(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", account_managers_only=True)
    customer(rapp, system, "c1", portfolio="sul")
    customer(rapp, system, "c2", portfolio="sul", account_managers=["ana"])
    online(presence, "bia", "caio")
    assert rapp.route(system, "c1", "d") == RoutingDecision(
        Outcome.QUEUE, Reason.NONE_ASSIGNED, Step.QUEUE
    )
    assert rapp.route(system, "c2", "d") == RoutingDecision(
        Outcome.QUEUE,
        Reason.ALL_OFFLINE,
        Step.QUEUE,
        considered=(Candidate("ana", Step.PRIMARY, Exclusion.OFFLINE),),
    )
    online(presence, "ana")
    assert rapp.route(system, "c2", "d").assignee == "ana"


def test_rt2_the_same_customer_goes_to_the_portfolio_without_the_restriction(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    """RT-2 control for the test above: only the setting keeps bia and caio out."""
    rapp.save_department(system, "d", "Vendas", account_managers_only=False)
    customer(rapp, system, "c2", portfolio="sul", account_managers=["ana"])
    online(presence, "bia")
    decision = rapp.route(system, "c2", "d")
    assert (decision.step, decision.assignee) == (Step.PORTFOLIO, "bia")


def test_rt2_a_member_list_admits_only_its_members(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", members=["bia", "caio"])
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    online(presence, "ana", "bia")
    decision = rapp.route(system, "c1", "d")
    assert decision.assignee == "bia"
    assert decision.considered == (
        Candidate("ana", Step.PRIMARY, Exclusion.NOT_MEMBER),
        Candidate("bia", Step.PORTFOLIO, None),
        Candidate("caio", Step.PORTFOLIO, Exclusion.OFFLINE),
    )


def test_rt2_no_member_list_admits_everyone() -> None:
    inputs = routing_input(account_managers=["ana"], dept=department(members=None))
    assert route(inputs).assignee == "ana"
    empty = routing_input(account_managers=["ana"], dept=department(members=[]))
    assert route(empty).reason == Reason.NONE_AVAILABLE


def test_rt2_an_offline_manager_does_not_count(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana", "bia"])
    online(presence, "bia")
    decision = rapp.route(system, "c1", "d")
    assert (decision.step, decision.assignee) == (Step.ACCOUNT_MANAGERS, "bia")


def test_rt2_a_manager_at_the_department_capacity_does_not_count(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", capacity=1)
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    customer(rapp, system, "c2", portfolio="sul", account_managers=["ana"])
    online(presence, "ana", "bia")
    assert rapp.open_ticket(system, "t1", "c1", "d").value.assignee == "ana"
    decision = rapp.route(system, "c2", "d")
    assert decision.considered[0] == Candidate("ana", Step.PRIMARY, Exclusion.AT_CAPACITY)
    assert decision.assignee == "bia"
    rapp.close_ticket(system, "t1")
    assert rapp.route(system, "c2", "d").assignee == "ana"


def test_rt2_a_ticket_of_another_department_does_not_load_the_manager(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", capacity=1)
    rapp.save_department(system, "other", "Suporte")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    online(presence, "ana")
    rapp.open_ticket(system, "t-other", "c1", "other")
    assert rapp.route(system, "c1", "d").assignee == "ana"


def test_rt2_per_manager_capacities_override_the_department_capacity() -> None:
    dept = department(capacity=1, capacities={"ana": 3, "bia": 0})
    inputs = routing_input(
        account_managers=["ana", "bia"], dept=dept, loads={"ana": 2, "bia": 0, "caio": 1}
    )
    decision = route(inputs)
    assert (decision.assignee, decision.step) == ("ana", Step.PRIMARY)
    full = routing_input(account_managers=["ana", "bia"], dept=dept, loads={"ana": 3})
    assert route(full) == RoutingDecision(
        Outcome.QUEUE,
        Reason.ALL_AT_CAPACITY,
        Step.QUEUE,
        considered=(
            Candidate("ana", Step.PRIMARY, Exclusion.AT_CAPACITY),
            Candidate("bia", Step.ACCOUNT_MANAGERS, Exclusion.AT_CAPACITY),
        ),
    )
    others = routing_input(portfolio_managers=["caio"], dept=dept, loads={"caio": 1})
    assert route(others).reason == Reason.ALL_AT_CAPACITY


def test_rt2_per_manager_capacities_through_the_facade(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(
        system, "d", "Vendas", capacity=1, capacities={"ana": 2}, account_managers_only=True
    )
    for customer_id in ("c1", "c2", "c3"):
        customer(rapp, system, customer_id, portfolio="sul", account_managers=["ana"])
    online(presence, "ana")
    assert rapp.open_ticket(system, "t1", "c1", "d").value.assignee == "ana"
    assert rapp.open_ticket(system, "t2", "c2", "d").value.assignee == "ana"
    assert rapp.route(system, "c3", "d").reason == Reason.ALL_AT_CAPACITY


def test_rt2_unknown_managers_do_not_count() -> None:
    inputs = routing_input(account_managers=["ghost", "ana"], managers={"ana": manager("ana")})
    decision = route(inputs)
    assert decision.considered == (
        Candidate("ghost", Step.PRIMARY, Exclusion.UNKNOWN),
        Candidate("ana", Step.ACCOUNT_MANAGERS, None),
    )


# -- RT-3: the queue with its reason; one assigned directly; several as RT-1 ----------------


def test_rt3_none_assigned_goes_to_the_queue(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1")
    online(presence, "ana", "bia", "caio", "dora", "eva")
    assert rapp.route(system, "c1", "d") == RoutingDecision(
        Outcome.QUEUE, Reason.NONE_ASSIGNED, Step.QUEUE
    )
    result = rapp.open_ticket(system, "t1", "c1", "d")
    assert (result.value.assignee, result.value.assigned_at) == (None, None)
    opened = [e for e in result.events if isinstance(e, TicketOpened)]
    assert [(e.outcome, e.reason, e.step) for e in opened] == [("queue", "none_assigned", "queue")]


def test_rt3_all_offline_goes_to_the_queue(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    online(presence, "dora", "eva")
    decision = rapp.route(system, "c1", "d")
    assert (decision.outcome, decision.reason, decision.step, decision.assignee) == (
        Outcome.QUEUE,
        Reason.ALL_OFFLINE,
        Step.QUEUE,
        None,
    )
    assert {c.excluded for c in decision.considered} == {Exclusion.OFFLINE}


def test_rt3_all_at_capacity_goes_to_the_queue() -> None:
    inputs = routing_input(
        account_managers=["ana"],
        portfolio_managers=["ana", "bia"],
        dept=department(capacity=2),
        loads={"ana": 2, "bia": 5},
    )
    decision = route(inputs)
    assert (decision.outcome, decision.reason, decision.assignee, decision.candidates) == (
        Outcome.QUEUE,
        Reason.ALL_AT_CAPACITY,
        None,
        (),
    )


def test_rt3_a_mix_of_reasons_is_none_available() -> None:
    inputs = routing_input(
        account_managers=["ana"],
        portfolio_managers=["bia"],
        dept=department(capacity=1),
        online=["bia"],
        loads={"bia": 1},
    )
    assert route(inputs).reason == Reason.NONE_AVAILABLE


def test_rt3_one_available_is_assigned_directly() -> None:
    inputs = routing_input(
        portfolio_managers=["ana", "bia", "caio"],
        online=["bia"],
        dept=department(choice=ChoiceMode.CUSTOMER_CHOOSES),
    )
    decision = route(inputs)
    assert (decision.outcome, decision.reason, decision.assignee, decision.candidates) == (
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        "bia",
        ("bia",),
    )


def test_rt3_several_available_follow_rt1() -> None:
    automatic = routing_input(portfolio_managers=["bia", "ana"], loads={"ana": 1})
    decision = route(automatic)
    assert (decision.outcome, decision.reason, decision.assignee, decision.candidates) == (
        Outcome.ASSIGN,
        Reason.TIE_BREAK,
        "bia",
        ("bia", "ana"),
    )
    choosing = routing_input(
        portfolio_managers=["bia", "ana"], dept=department(choice=ChoiceMode.CUSTOMER_CHOOSES)
    )
    offered = route(choosing)
    assert (offered.outcome, offered.reason, offered.assignee, offered.candidates) == (
        Outcome.OFFER,
        Reason.CUSTOMER_CHOOSES,
        None,
        ("bia", "ana"),
    )


# -- RT-4: a pure function of its inputs -----------------------------------------------------


def test_rt4_equal_inputs_give_equal_decisions() -> None:
    def build() -> RoutingInput:
        return routing_input(
            account_managers=["ana", "bia"],
            portfolio_managers=["ana", "bia", "caio"],
            managers={
                "ana": manager("ana", absences=[away("dora")]),
                "bia": manager("bia"),
                "caio": manager("caio"),
                "dora": manager("dora"),
            },
            online=["caio", "dora"],
            loads={"caio": 1},
        )

    first, second = build(), build()
    assert first == second
    assert route(first) == route(second)
    assert route(first) == route(first)
    assert route(first).assignee == "dora"


def test_rt4_the_facade_route_is_a_query_that_repeats_itself(
    rapp: Carteira, store: InMemoryStore, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana", "bia"])
    online(presence, "bia", "caio")
    before = store.snapshot()
    first = rapp.route(system, "c1", "d")
    assert rapp.route(system, "c1", "d") == first
    assert (first.step, first.assignee) == (Step.ACCOUNT_MANAGERS, "bia")
    assert store.snapshot() == before


def test_rt4_the_decision_changes_only_when_an_input_changes(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    online(presence, "ana")
    assert rapp.route(system, "c1", "d").assignee == "ana"
    online(presence, "bia")
    assert rapp.route(system, "c1", "d").assignee == "bia"
    online(presence, "ana")
    assert rapp.route(system, "c1", "d").assignee == "ana"


# -- RT-5: routing never changes membership ----------------------------------------------------


def test_rt5_opening_and_closing_tickets_never_change_membership(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    online(presence, "bia")
    before = memberships(rapp, system, "c1")
    ticket = rapp.open_ticket(system, "t1", "c1", "d").value
    assert ticket.assignee == "bia"
    assert memberships(rapp, system, "c1") == before
    closed = rapp.close_ticket(system, "t1").value
    assert closed.status == TicketStatus.CLOSED
    assert memberships(rapp, system, "c1") == before


def test_rt5_a_conversation_served_from_the_queue_stays_with_its_portfolio(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    online(presence, "dora")
    before = memberships(rapp, system, "c1")
    assert rapp.open_ticket(system, "t1", "c1", "d").value.assignee is None
    rapp.reassign_ticket(system, "t1", "dora")
    rapp.reply(system, "t1")
    rapp.close_ticket(system, "t1")
    assert memberships(rapp, system, "c1") == before
    ownership = rapp.customer(system, "c1").ownership
    assert (ownership.portfolio, ownership.account_managers) == ("sul", ("ana",))


# -- RT-7: the owner chain, step by step --------------------------------------------------------


@pytest.fixture
def chain(rapp: Carteira, system: Principal, staff: None) -> None:
    """c1 in Sul with account managers ana (primary) and bia; c2 in Norte with none."""
    rapp.save_department(system, "d", "Vendas")
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana", "bia"])
    customer(rapp, system, "c2", portfolio="norte")


def test_rt7_the_primary_account_manager_decides_first(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, chain: None
) -> None:
    online(presence, "ana", "bia", "caio")
    assert rapp.route(system, "c1", "d") == RoutingDecision(
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        Step.PRIMARY,
        "ana",
        ("ana",),
        (Candidate("ana", Step.PRIMARY, None),),
    )


def test_rt7_then_the_other_account_managers(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, chain: None
) -> None:
    online(presence, "bia", "caio")
    assert rapp.route(system, "c1", "d") == RoutingDecision(
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        Step.ACCOUNT_MANAGERS,
        "bia",
        ("bia",),
        (
            Candidate("ana", Step.PRIMARY, Exclusion.OFFLINE),
            Candidate("bia", Step.ACCOUNT_MANAGERS, None),
        ),
    )


def test_rt7_then_the_backups_of_absent_account_managers(
    rapp: Carteira, system: Principal, clock: ManualClock, presence: InMemoryPresence, chain: None
) -> None:
    rapp.schedule_absence(
        system, "ana", start=NOW, end=NOW + timedelta(days=1), backup="eva", absence_id="a1"
    )
    online(presence, "ana", "eva", "caio")
    assert rapp.route(system, "c1", "d") == RoutingDecision(
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        Step.BACKUPS,
        "eva",
        ("eva",),
        (
            Candidate("ana", Step.PRIMARY, Exclusion.ABSENT),
            Candidate("bia", Step.ACCOUNT_MANAGERS, Exclusion.OFFLINE),
            Candidate("eva", Step.BACKUPS, None),
        ),
    )


def test_rt7_then_the_managers_of_the_effective_portfolio(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, chain: None
) -> None:
    online(presence, "caio", "dora", "eva")
    assert rapp.route(system, "c1", "d") == RoutingDecision(
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        Step.PORTFOLIO,
        "caio",
        ("caio",),
        (
            Candidate("ana", Step.PRIMARY, Exclusion.OFFLINE),
            Candidate("bia", Step.ACCOUNT_MANAGERS, Exclusion.OFFLINE),
            Candidate("caio", Step.PORTFOLIO, None),
        ),
    )


def test_rt7_the_portfolio_step_includes_backups_of_absent_portfolio_managers(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, chain: None
) -> None:
    rapp.schedule_absence(
        system, "dora", start=NOW, end=NOW + timedelta(days=1), backup="eva", absence_id="a1"
    )
    online(presence, "dora", "eva")
    assert rapp.route(system, "c2", "d") == RoutingDecision(
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        Step.PORTFOLIO,
        "eva",
        ("eva",),
        (
            Candidate("dora", Step.PORTFOLIO, Exclusion.ABSENT),
            Candidate("eva", Step.PORTFOLIO, None),
        ),
    )


def test_rt7_then_the_queue_with_the_whole_walk(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, chain: None
) -> None:
    online(presence, "dora", "eva")
    assert rapp.route(system, "c1", "d") == RoutingDecision(
        Outcome.QUEUE,
        Reason.ALL_OFFLINE,
        Step.QUEUE,
        None,
        (),
        (
            Candidate("ana", Step.PRIMARY, Exclusion.OFFLINE),
            Candidate("bia", Step.ACCOUNT_MANAGERS, Exclusion.OFFLINE),
            Candidate("caio", Step.PORTFOLIO, Exclusion.OFFLINE),
        ),
    )


def test_rt7_the_opened_ticket_names_the_deciding_step(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, chain: None
) -> None:
    online(presence, "caio")
    result = rapp.open_ticket(system, "t1", "c1", "d")
    opened = [e for e in result.events if isinstance(e, TicketOpened)]
    assert [(e.step, e.reason, e.assignee) for e in opened] == [
        ("portfolio_managers", "one_candidate", "caio")
    ]


def test_rt7_a_manager_is_considered_once_in_the_first_step_naming_him() -> None:
    inputs = routing_input(
        account_managers=["ana", "bia"],
        portfolio_managers=["bia", "ana", "caio"],
        managers={
            "ana": manager("ana", absences=[away("bia")]),
            "bia": manager("bia"),
            "caio": manager("caio"),
        },
        online=["caio"],
    )
    assert route(inputs).considered == (
        Candidate("ana", Step.PRIMARY, Exclusion.ABSENT),
        Candidate("bia", Step.ACCOUNT_MANAGERS, Exclusion.OFFLINE),
        Candidate("caio", Step.PORTFOLIO, None),
    )


# -- MG-4: an inactive manager is never routed to nor offered ---------------------------------


def test_mg4_an_inactive_manager_is_never_routed_to() -> None:
    inputs = routing_input(
        account_managers=["ana"],
        portfolio_managers=["ana", "bia"],
        managers={"ana": manager("ana", active=False), "bia": manager("bia")},
    )
    decision = route(inputs)
    assert decision.considered[0] == Candidate("ana", Step.PRIMARY, Exclusion.INACTIVE)
    assert decision.assignee == "bia"
    alone = routing_input(account_managers=["ana"], managers={"ana": manager("ana", active=False)})
    assert (route(alone).outcome, route(alone).assignee) == (Outcome.QUEUE, None)


def test_mg4_an_inactive_manager_is_never_offered() -> None:
    inputs = routing_input(
        portfolio_managers=["ana", "bia", "caio"],
        managers={
            "ana": manager("ana"),
            "bia": manager("bia", active=False),
            "caio": manager("caio"),
        },
        dept=department(choice=ChoiceMode.CUSTOMER_CHOOSES),
    )
    decision = route(inputs)
    assert (decision.outcome, decision.candidates) == (Outcome.OFFER, ("ana", "caio"))


def test_mg4_a_deactivated_backup_is_not_routed_to(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, chain: None
) -> None:
    rapp.schedule_absence(
        system, "dora", start=NOW, end=NOW + timedelta(days=1), backup="eva", absence_id="a1"
    )
    rapp.deactivate_manager(system, "eva")
    online(presence, "eva")
    decision = rapp.route(system, "c2", "d")
    assert (decision.outcome, decision.assignee) == (Outcome.QUEUE, None)
    assert Candidate("eva", Step.PORTFOLIO, Exclusion.INACTIVE) in decision.considered


def test_mg4_an_offered_agent_deactivated_before_the_choice_cannot_be_chosen(
    rapp: Carteira, store: InMemoryStore, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    """MG-4 with RT-1: the customer's choice does not route to a manager now inactive."""
    rapp.save_department(system, "d", "Vendas", choice=ChoiceMode.CUSTOMER_CHOOSES)
    customer(rapp, system, "c1", portfolio="sul")
    online(presence, "ana", "bia")
    assert rapp.open_ticket(system, "t1", "c1", "d").value.offered == ("ana", "bia")
    rapp.deactivate_manager(system, "bia")
    before = store.snapshot()
    with pytest.raises(CarteiraError):
        rapp.choose_agent(system, "t1", "bia")
    assert store.snapshot() == before
    assert rapp.choose_agent(system, "t1", "ana").value.assignee == "ana"


# -- MG-5: the backup of an absent owner, then the owner again ----------------------------------


def test_mg5_an_absent_owners_backup_gets_it_and_the_owner_again_after(
    rapp: Carteira, system: Principal, clock: ManualClock, presence: InMemoryPresence, staff: None
) -> None:
    rapp.save_department(system, "d", "Vendas", account_managers_only=True)
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    start = NOW + timedelta(days=1)
    rapp.schedule_absence(
        system, "ana", start=start, end=start + timedelta(days=2), backup="eva", absence_id="a1"
    )
    online(presence, "ana", "eva")
    assert rapp.route(system, "c1", "d").assignee == "ana"
    clock.set(start)
    during = rapp.route(system, "c1", "d")
    assert (during.step, during.assignee) == (Step.BACKUPS, "eva")
    assert rapp.open_ticket(system, "t1", "c1", "d").value.assignee == "eva"
    clock.set(start + timedelta(days=2))
    after = rapp.route(system, "c1", "d")
    assert (after.step, after.assignee) == (Step.PRIMARY, "ana")
    assert rapp.customer(system, "c1").ownership.account_managers == ("ana",)


def test_mg5_the_absence_covers_its_start_and_not_its_end() -> None:
    absent = {"ana": manager("ana", absences=[away("bia", hours=1)]), "bia": manager("bia")}
    inputs = routing_input(account_managers=["ana"], managers=absent, online=["ana", "bia"])
    assert route(inputs).assignee == "bia"
    over = attrs.evolve(inputs, now=NOW + timedelta(hours=1))
    assert route(over).assignee == "ana"
    before = attrs.evolve(inputs, now=NOW - timedelta(seconds=1))
    assert route(before).assignee == "ana"


def test_mg5_an_absent_backup_does_not_stand_in() -> None:
    managers = {
        "ana": manager("ana", absences=[away("bia")]),
        "bia": manager("bia", absences=[away("caio")]),
        "caio": manager("caio"),
    }
    inputs = routing_input(
        account_managers=["ana"], managers=managers, online=["ana", "bia", "caio"]
    )
    decision = route(inputs)
    assert decision.considered[:2] == (
        Candidate("ana", Step.PRIMARY, Exclusion.ABSENT),
        Candidate("bia", Step.BACKUPS, Exclusion.ABSENT),
    )
    assert decision.assignee not in {"ana", "bia"}


# -- seeds 001 and 002 --------------------------------------------------------------------------


def test_seed001_rt3_the_owner_online_gets_it_offline_it_queues(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    """Seed 001: "toda vez que ele chamar ... encaminhado para o usuário responsável"."""
    rapp.save_department(system, "d", "Loja", account_managers_only=True)
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana"])
    online(presence, "ana", "bia")
    assert rapp.open_ticket(system, "t1", "c1", "d").value.assignee == "ana"
    rapp.close_ticket(system, "t1")
    online(presence, "bia")
    decision = rapp.route(system, "c1", "d")
    assert (decision.outcome, decision.reason) == (Outcome.QUEUE, Reason.ALL_OFFLINE)
    assert rapp.open_ticket(system, "t2", "c1", "d").value.assignee is None


def test_seed002_rt1_rt3_several_online_account_managers_let_the_customer_choose(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    """Seed 002: a customer of several agents picks among those online (RT-1, RT-3).

    "serão listados os atendentes que estão online para que o cliente escolha": both of
    the customer's online account managers are offered, and the host records the choice.
    """
    rapp.save_department(system, "d", "Suporte", choice=ChoiceMode.CUSTOMER_CHOOSES)
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana", "bia"])
    online(presence, "ana", "bia", "caio")
    decision = rapp.route(system, "c1", "d")
    assert (decision.outcome, decision.reason, decision.candidates) == (
        Outcome.OFFER,
        Reason.CUSTOMER_CHOOSES,
        ("ana", "bia"),
    )
    ticket = rapp.open_ticket(system, "t1", "c1", "d").value
    assert (ticket.assignee, ticket.offered) == (None, ("ana", "bia"))
    assert rapp.choose_agent(system, "t1", "bia").value.assignee == "bia"


def test_seed002_rt3_one_online_account_manager_gets_it_directly(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    """Seed 002: "apenas um atendente vinculado ... online, será automaticamente transferido"."""
    rapp.save_department(system, "d", "Suporte", choice=ChoiceMode.CUSTOMER_CHOOSES)
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana", "bia"])
    online(presence, "bia")
    ticket = rapp.open_ticket(system, "t1", "c1", "d").value
    assert (ticket.assignee, ticket.offered) == ("bia", ())


def test_seed002_rt3_nobody_online_sends_it_to_the_queue(
    rapp: Carteira, system: Principal, presence: InMemoryPresence, staff: None
) -> None:
    """Seed 002: "o cliente será enviado para a fila do departamento"."""
    rapp.save_department(system, "d", "Suporte", choice=ChoiceMode.CUSTOMER_CHOOSES)
    customer(rapp, system, "c1", portfolio="sul", account_managers=["ana", "bia"])
    online(presence, "dora")
    ticket = rapp.open_ticket(system, "t1", "c1", "d").value
    assert (ticket.assignee, ticket.offered) == (None, ())
    assert rapp.route(system, "c1", "d").reason == Reason.ALL_OFFLINE


def test_rt1_a_host_replaces_the_tie_break_through_carteira() -> None:
    """RT-1: the tie-break is replaceable, for the service's routing too, not only route()."""

    def last_by_id(candidates: Sequence[str], inputs: RoutingInput) -> str:
        return max(candidates)

    store = InMemoryStore()
    app = Carteira(store.unit_of_work, clock=ManualClock(), tie_break=last_by_id)
    host = Principal.system("acme")
    for manager in ("ana", "bia", "caio"):
        app.register_manager(host, manager, manager.title(), profile=Profile.ANALYST)
    app.create_portfolio(host, "Sul", managers=["ana", "bia", "caio"], portfolio_id="sul")
    app.register_customer(host, "c1", "C1")
    app.set_customer_membership(host, "c1", portfolio="sul")
    app.save_department(host, "d", "Vendas")

    assert app.route(host, "c1", "d").assignee == "caio"
    assert app.open_ticket(host, "t1", "c1", "d").value.assignee == "caio"
