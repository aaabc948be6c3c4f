"""Events: EV-1 (every command returns its events, and storage keeps the same ones)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carteira import (
    Carteira,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    PermissionDenied,
    Principal,
    PrincipalKind,
    Profile,
    Result,
    RuleViolation,
)
from carteira.events import (
    CustomerRegistered,
    DefaultPortfolioChanged,
    Event,
    ManagerRegistered,
    MembershipChanged,
    OrganizationRegistered,
    PortfolioCreated,
    PortfolioEdited,
    SettingsChanged,
)

TENANT = "acme"


def run_a_day(
    app: Carteira, clock: ManualClock, system: Principal, admin: Principal
) -> list[Result]:
    """A handful of commands, the clock moving between them; returns their results."""
    results = []
    steps = [
        lambda: app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST),
        lambda: app.create_portfolio(admin, "Sul", managers=["ana"]),
        lambda: app.set_default_portfolio(admin, "ana", "p1"),
        lambda: app.register_organization(system, "o1", "Org"),
        lambda: app.register_customer(admin, "c1", "Cliente"),
        lambda: app.assign_customer(admin, "c1", "ana"),
        lambda: app.update_settings(system, max_account_managers=2),
    ]
    for step in steps:
        clock.advance(timedelta(minutes=5))
        results.append(step())
    return results


def test_ev1_each_command_returns_the_events_it_produced(
    app: Carteira, clock: ManualClock, system: Principal, admin: Principal
) -> None:
    results = run_a_day(app, clock, system, admin)
    kinds = [[type(e) for e in r.events] for r in results]
    assert kinds == [
        [ManagerRegistered],
        [PortfolioCreated],
        [DefaultPortfolioChanged],
        [OrganizationRegistered],
        [CustomerRegistered],
        [MembershipChanged],
        [SettingsChanged],
    ]
    created = results[1].events[0]
    assert isinstance(created, PortfolioCreated)
    assert (created.portfolio_id, created.name, created.managers) == ("p1", "Sul", ("ana",))
    assigned = results[5].events[0]
    assert isinstance(assigned, MembershipChanged)
    assert (assigned.subject_id, assigned.after.portfolio) == ("c1", "p1")


def test_ev1_events_carry_tenant_actor_and_the_clocks_instant(
    app: Carteira, clock: ManualClock, system: Principal, admin: Principal
) -> None:
    start = clock.now()
    results = run_a_day(app, clock, system, admin)
    actors = ["system", "admin", "admin", "system", "admin", "admin", "system"]
    for index, (result, actor) in enumerate(zip(results, actors, strict=True)):
        instant = start + timedelta(minutes=5 * (index + 1))
        for event in result.events:
            assert (event.tenant, event.actor, event.at) == (TENANT, actor, instant)


def test_ev1_stored_events_are_the_returned_events_in_order(
    app: Carteira, clock: ManualClock, system: Principal, admin: Principal
) -> None:
    before = len(app.read_events(system))  # the admin fixture registered one manager
    results = run_a_day(app, clock, system, admin)
    returned = [e for r in results for e in r.events]
    stored = app.read_events(system, after=before)
    assert [e for _, e in stored] == returned
    positions = [p for p, _ in stored]
    assert positions == list(range(before + 1, before + 1 + len(returned)))


def test_ev1_reading_events_pages_by_position(
    app: Carteira, clock: ManualClock, system: Principal, admin: Principal
) -> None:
    run_a_day(app, clock, system, admin)
    everything = app.read_events(system)
    first = app.read_events(system, limit=3)
    rest = app.read_events(system, after=first[-1][0])
    assert [*first, *rest] == list(everything)
    assert app.read_events(system, after=everything[-1][0]) == []


def test_ev1_one_command_may_store_several_events_together(
    app: Carteira, system: Principal
) -> None:
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    app.register_manager(system, "bia", "Bia", profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["ana"])
    app.register_customer(system, "c1", "Cliente")
    app.assign_customer(system, "c1", "ana")
    before = len(app.read_events(system))
    result = app.deactivate_manager(system, "ana", transfer_to="bia")
    assert len(result.events) >= 3
    assert [e for _, e in app.read_events(system, after=before)] == list(result.events)


def test_ev1_a_refused_command_stores_no_event(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    app.create_portfolio(system, "Sul")
    app.register_customer(system, "c1", "Cliente")
    stored = app.read_events(system)
    before = store.snapshot()
    with pytest.raises(RuleViolation) as unavailable:
        app.set_customer_membership(system, "c1", portfolio="p1")  # no manager: MB-2
    assert unavailable.value.code == "portfolio_unavailable"
    with pytest.raises(InvalidInput) as blank:
        app.create_portfolio(system, " ")
    assert blank.value.code == "name_required"
    assert app.read_events(system) == stored
    assert store.snapshot() == before


def test_ev1_a_command_that_changes_nothing_produces_no_event(
    app: Carteira, system: Principal
) -> None:
    portfolio = app.create_portfolio(system, "Sul").value
    stored = app.read_events(system)
    result = app.edit_portfolio(system, portfolio.id, name="Sul")
    assert result.events == ()
    assert app.read_events(system) == stored


def test_ev1_only_the_system_principal_reads_events(
    app: Carteira, store: InMemoryStore, admin: Principal
) -> None:
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.read_events(admin)
    assert caught.value.code == "permission_denied"
    assert caught.value.rule == "EV-1"
    assert store.snapshot() == before


def test_ev1_history_is_stored_with_the_change(
    app: Carteira, clock: ManualClock, system: Principal, admin: Principal
) -> None:
    results = run_a_day(app, clock, system, admin)
    changes = [e for r in results for e in r.events if isinstance(e, MembershipChanged)]
    assert list(app.owner_history(system, "c1")) == changes


def test_ev1_every_event_is_an_event(
    app: Carteira, clock: ManualClock, system: Principal, admin: Principal
) -> None:
    run_a_day(app, clock, system, admin)
    assert all(isinstance(e, Event) for _, e in app.read_events(system))
    edited = app.edit_portfolio(system, "p1", description="new").events
    assert [type(e) for e in edited] == [PortfolioEdited]


def test_ev1_every_event_of_a_command_says_what_kind_of_principal_acted() -> None:
    """The host's, a manager's and a customer's changes are told apart, history included."""
    app = Carteira(InMemoryStore().unit_of_work, clock=ManualClock())
    host = Principal.system("acme")
    app.register_manager(host, "ana", "Ana", profile=Profile.ANALYST)
    app.create_portfolio(host, "Sul", managers=["ana"], portfolio_id="sul")
    app.register_customer(host, "c1", "Padaria")
    events = app.assign_customer(host, "c1", "ana").events
    assert events
    assert {e.actor_kind for e in events} == {PrincipalKind.SYSTEM}
    assert {e.actor_kind for _, e in app.read_events(host)} == {PrincipalKind.SYSTEM}
