"""The owner-only setting: PM-3 (with MG-5 backups, PM-2 refusals and WA-4's exemption)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from carteira import (
    Carteira,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    NotFound,
    Permission,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RoutingMode,
    TicketStatus,
)
from carteira.events import SettingsChanged

TENANT = "acme"
VIEWER = Role("viewer", {Permission.VIEW_ALL})
OVERRIDE = Role("override", {Permission.OVERRIDE_OWNER_ONLY})
ANA, BIA, CAIO, DANI, EVA, OTTO = (
    Principal.manager(TENANT, m) for m in ("ana", "bia", "caio", "dani", "eva", "otto")
)

Action = Callable[[Carteira, Principal, str], Any]

ACTIONS: list[Any] = [
    pytest.param(lambda app, who, t: app.reply(who, t), id="reply"),
    pytest.param(lambda app, who, t: app.reassign_ticket(who, t, "bia"), id="reassign"),
    pytest.param(lambda app, who, t: app.reassign_ticket(who, t, None), id="reassign_to_queue"),
    pytest.param(lambda app, who, t: app.close_ticket(who, t), id="close"),
]


@pytest.fixture
def world(app: Carteira, system: Principal) -> None:
    """Sul (ana, bia) holds c1, whose account manager is ana; Norte (caio) holds org o1 and
    its customer c5. dani sees everything (VIEW_ALL) and owns nothing; otto holds the override
    (and VIEW_ALL); eva is a plain agent. t1 (c1) is served by ana, t5 (c5) by caio. The
    department d lists ana, bia, caio and eva (its queue is theirs, VS-7)."""
    for manager_id in ("ana", "bia", "caio"):
        app.register_manager(
            system,
            manager_id,
            manager_id.title(),
            profile=Profile.ANALYST,
            roles=[Role("agent", {Permission.ASSIGN_SELF})],
        )
    app.register_manager(system, "dani", "Dani", roles=[VIEWER])
    app.register_manager(system, "otto", "Otto", roles=[VIEWER, OVERRIDE])
    app.register_manager(system, "eva", "Eva")
    app.create_portfolio(system, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.create_portfolio(system, "Norte", managers=["caio"], portfolio_id="norte")
    app.register_organization(system, "o1", "Org")
    app.set_organization_portfolio(system, "o1", "norte")
    app.register_customer(system, "c1", "C1")
    app.set_customer_membership(system, "c1", portfolio="sul", account_managers=["ana"])
    app.register_customer(system, "c5", "C5", organization="o1")
    app.save_department(
        system, "d", "Atendimento", routing=RoutingMode.QUEUE, members=["ana", "bia", "caio", "eva"]
    )
    app.open_ticket(system, "t1", "c1", "d")
    app.reassign_ticket(system, "t1", "ana")
    app.open_ticket(system, "t5", "c5", "d")
    app.reassign_ticket(system, "t5", "caio")


@pytest.fixture
def owner_only(app: Carteira, admin: Principal, world: None) -> None:
    settings = app.update_settings(admin, owner_only=True)
    assert settings.value.owner_only is True
    assert [type(e) for e in settings.events] == [SettingsChanged]


def refused_not_an_owner(store: InMemoryStore, command: Callable[[], Any]) -> None:
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        command()
    assert (caught.value.code, caught.value.rule) == ("not_an_owner", "PM-3")
    assert store.snapshot() == before


def status(app: Carteira, system: Principal, ticket_id: str) -> tuple[Any, ...]:
    ticket = next(t for t in app.visible_tickets(system).items if t.id == ticket_id)
    return ticket.status, ticket.assignee


# -- off: anyone who sees the ticket ------------------------------------------------------------


def test_pm3_is_off_by_default(app: Carteira, system: Principal, world: None) -> None:
    assert app.settings(system).owner_only is False


@pytest.mark.parametrize("action", ACTIONS)
def test_pm3_off_anyone_who_sees_the_ticket_may_act(
    app: Carteira, system: Principal, world: None, action: Action
) -> None:
    assert action(app, DANI, "t1").events


def test_pm3_off_reply_reassign_close_in_turn(
    app: Carteira, system: Principal, world: None
) -> None:
    app.reply(DANI, "t1")
    app.reassign_ticket(DANI, "t1", "bia")
    assert status(app, system, "t1") == (TicketStatus.OPEN, "bia")
    app.close_ticket(DANI, "t1")
    assert status(app, system, "t1") == (TicketStatus.CLOSED, "bia")


# -- on: owners, non-owners, override holders ------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_pm3_on_a_non_owner_is_refused_and_nothing_changes(
    app: Carteira, store: InMemoryStore, owner_only: None, action: Action
) -> None:
    refused_not_an_owner(store, lambda: action(app, DANI, "t1"))


@pytest.mark.parametrize("action", ACTIONS)
def test_pm3_on_an_account_manager_may_act(app: Carteira, owner_only: None, action: Action) -> None:
    assert action(app, ANA, "t1").events


@pytest.mark.parametrize("action", ACTIONS)
def test_pm3_on_a_manager_of_the_effective_portfolio_may_act(
    app: Carteira, owner_only: None, action: Action
) -> None:
    """bia manages Sul without being c1's account manager."""
    assert action(app, BIA, "t1").events


@pytest.mark.parametrize("action", ACTIONS)
def test_pm3_on_the_portfolio_through_the_organization_counts(
    app: Carteira, store: InMemoryStore, owner_only: None, action: Action
) -> None:
    """c5's effective portfolio is Norte, through organization o1: caio owns it, ana not."""
    refused_not_an_owner(store, lambda: action(app, DANI, "t5"))
    assert action(app, CAIO, "t5").events


@pytest.mark.parametrize("action", ACTIONS)
def test_pm3_on_an_override_holder_may_act(app: Carteira, owner_only: None, action: Action) -> None:
    assert action(app, OTTO, "t1").events


@pytest.mark.parametrize("action", ACTIONS)
def test_pm3_on_the_system_principal_may_act(
    app: Carteira, system: Principal, owner_only: None, action: Action
) -> None:
    assert action(app, system, "t1").events


def test_pm3_on_closing_with_association_is_for_owners_too(
    app: Carteira, store: InMemoryStore, system: Principal, owner_only: None
) -> None:
    """PM-3 with WA-2: bia (owner) closes and takes c1; dani, who could take it, may not close."""
    app.update_manager(system, "dani", roles=[VIEWER, Role("agent", {Permission.ASSIGN_SELF})])
    refused_not_an_owner(store, lambda: app.close_ticket(DANI, "t1", associate=True))
    assert app.close_ticket(BIA, "t1", associate=True).value.status == TicketStatus.CLOSED
    assert app.customer(system, "c1").ownership.account_managers == ("bia",)


def test_pm3_on_the_serving_agent_who_is_no_owner_is_refused(
    app: Carteira, store: InMemoryStore, system: Principal, owner_only: None
) -> None:
    """eva serves t1 (she sees it as its assignee) but owns nothing of c1."""
    app.reassign_ticket(system, "t1", "eva")
    refused_not_an_owner(store, lambda: app.reply(EVA, "t1"))
    refused_not_an_owner(store, lambda: app.close_ticket(EVA, "t1"))
    refused_not_an_owner(store, lambda: app.reassign_ticket(EVA, "t1", None))


def test_pm3_turning_it_off_again_lets_non_owners_act(
    app: Carteira, admin: Principal, store: InMemoryStore, owner_only: None
) -> None:
    refused_not_an_owner(store, lambda: app.reply(DANI, "t1"))
    app.update_settings(admin, owner_only=False)
    assert app.reply(DANI, "t1").events


def test_pm3_the_setting_takes_a_boolean(
    app: Carteira, store: InMemoryStore, admin: Principal, world: None
) -> None:
    before = store.snapshot()
    with pytest.raises(InvalidInput):
        app.update_settings(admin, owner_only="yes")  # type: ignore[arg-type]
    assert store.snapshot() == before


def test_pm3_an_administrators_bulk_close_is_exempt(
    app: Carteira, system: Principal, owner_only: None
) -> None:
    """WA-4: a BULK_CLOSE holder who owns nothing (and holds no override) closes them all.

    He sees every customer (VIEW_ALL), so the value lists what he closed (VS-3).
    """
    bulk = Role("bulk", {Permission.BULK_CLOSE, Permission.VIEW_ALL})
    app.register_manager(system, "boss", "Boss", roles=[bulk])
    closed = app.bulk_close(Principal.manager(TENANT, "boss"), "ana").value
    assert [(t.id, t.status) for t in closed] == [("t1", TicketStatus.CLOSED)]


# -- on: backups of absent owners (MG-5) ----------------------------------------------------


@pytest.fixture
def ana_away(app: Carteira, system: Principal, clock: ManualClock, owner_only: None) -> None:
    """ana is away from one hour from now, for a day; eva stands in."""
    start = clock.now() + timedelta(hours=1)
    app.schedule_absence(
        system, "ana", start=start, end=start + timedelta(days=1), backup="eva", absence_id="a1"
    )


def test_pm3_a_backup_may_act_only_while_the_absence_lasts(
    app: Carteira, store: InMemoryStore, system: Principal, clock: ManualClock, ana_away: None
) -> None:
    app.update_manager(system, "eva", roles=[VIEWER])
    refused_not_an_owner(store, lambda: app.reply(EVA, "t1"))
    clock.advance(timedelta(hours=1))
    assert app.reply(EVA, "t1").events
    assert app.reassign_ticket(EVA, "t1", "bia").value.assignee == "bia"
    clock.advance(timedelta(days=1))
    refused_not_an_owner(store, lambda: app.reply(EVA, "t1"))
    refused_not_an_owner(store, lambda: app.close_ticket(EVA, "t1"))


def test_pm3_a_backup_who_sees_nothing_else_loses_the_ticket_after_the_absence(
    app: Carteira, store: InMemoryStore, system: Principal, clock: ManualClock, ana_away: None
) -> None:
    clock.advance(timedelta(hours=2))
    assert app.close_ticket(EVA, "t1").value.status == TicketStatus.CLOSED
    app.open_ticket(system, "t2", "c1", "d")
    app.reassign_ticket(system, "t2", "bia")  # not waiting in the queue eva serves (VS-7)
    clock.advance(timedelta(days=1))
    before = store.snapshot()
    with pytest.raises(NotFound):
        app.reply(EVA, "t2")
    assert store.snapshot() == before


def test_pm3_a_backup_of_an_absent_portfolio_manager_may_act(
    app: Carteira, store: InMemoryStore, system: Principal, clock: ManualClock, owner_only: None
) -> None:
    """bia manages Sul (c1's portfolio) without being its account manager."""
    app.update_manager(system, "eva", roles=[VIEWER])
    app.schedule_absence(
        system,
        "bia",
        start=clock.now(),
        end=clock.now() + timedelta(hours=4),
        backup="eva",
        absence_id="b1",
    )
    assert app.reply(EVA, "t1").events
    clock.advance(timedelta(hours=4))
    refused_not_an_owner(store, lambda: app.reply(EVA, "t1"))


def test_pm3_a_cancelled_absence_makes_the_backup_no_owner(
    app: Carteira, store: InMemoryStore, system: Principal, clock: ManualClock, ana_away: None
) -> None:
    app.update_manager(system, "eva", roles=[VIEWER])
    clock.advance(timedelta(hours=2))
    assert app.reply(EVA, "t1").events
    app.cancel_absence(system, "ana", "a1")
    refused_not_an_owner(store, lambda: app.reply(EVA, "t1"))
