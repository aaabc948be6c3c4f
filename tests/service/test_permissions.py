"""Permissions: PM-1 (roles group permissions) and PM-2 (every command checks first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from carteira import (
    ALL_PERMISSIONS,
    Carteira,
    InMemoryStore,
    Manager,
    NotFound,
    Permission,
    PermissionDenied,
    Principal,
    Profile,
    Role,
)

TENANT = "acme"
ACTOR = Principal.manager(TENANT, "actor")


# -- PM-1 -----------------------------------------------------------------------------------


def test_pm1_a_role_is_a_named_set_of_permissions() -> None:
    role = Role("sales", {"set_portfolio", Permission.VIEW_UNASSIGNED})
    assert role.permissions == {Permission.SET_PORTFOLIO, Permission.VIEW_UNASSIGNED}
    assert role.allows(Permission.SET_PORTFOLIO)
    assert not role.allows(Permission.MANAGE_PORTFOLIOS)
    assert role == Role("sales", [Permission.VIEW_UNASSIGNED, Permission.SET_PORTFOLIO])
    assert role != Role("support", role.permissions)


def test_pm1_the_eight_permissions_and_the_pm3_override() -> None:
    """PM-1's eight permissions, plus the override permission PM-3 calls for."""
    assert {p.name for p in ALL_PERMISSIONS} == {
        "OVERRIDE_OWNER_ONLY",
        "MANAGE_PORTFOLIOS",
        "MANAGE_MANAGERS",
        "SET_PORTFOLIO",
        "ASSIGN_SELF",
        "VIEW_UNASSIGNED",
        "VIEW_ALL",
        "BULK_CLOSE",
        "DELETE_TICKETS",
    }
    assert Role.administrator().permissions == ALL_PERMISSIONS


def test_pm1_an_unknown_permission_is_refused() -> None:
    with pytest.raises(ValueError, match="fly"):
        Role("pilot", {"fly"})


def test_pm1_a_managers_permissions_are_the_union_of_his_roles() -> None:
    sales = Role("sales", {Permission.SET_PORTFOLIO, Permission.VIEW_UNASSIGNED})
    lead = Role("lead", {Permission.MANAGE_PORTFOLIOS, Permission.SET_PORTFOLIO})
    manager = Manager(TENANT, "ana", "Ana", roles=frozenset({sales, lead}))
    assert manager.permissions == {
        Permission.SET_PORTFOLIO,
        Permission.VIEW_UNASSIGNED,
        Permission.MANAGE_PORTFOLIOS,
    }
    assert Manager(TENANT, "bia", "Bia").permissions == frozenset()
    assert manager.may(Permission.MANAGE_PORTFOLIOS)
    assert not manager.may(Permission.MANAGE_MANAGERS)


def test_pm1_an_inactive_manager_may_nothing() -> None:
    manager = Manager(TENANT, "ana", "Ana", roles=frozenset({Role.administrator()}), active=False)
    assert manager.permissions == ALL_PERMISSIONS
    assert not any(manager.may(p) for p in Permission)


def test_pm1_a_manager_acts_with_every_role_he_holds(app: Carteira, system: Principal) -> None:
    portfolios = Role("portfolios", {Permission.MANAGE_PORTFOLIOS})
    records = Role("records", {Permission.SET_PORTFOLIO})
    app.register_manager(system, "ana", "Ana", roles=[portfolios, records])
    ana = Principal.manager(TENANT, "ana")
    assert app.create_portfolio(ana, "Sul").value.name == "Sul"
    assert app.register_customer(ana, "c1", "Cliente").value.id == "c1"
    with pytest.raises(PermissionDenied) as caught:
        app.register_manager(ana, "bia", "Bia")
    assert caught.value.code == "permission_denied"
    assert caught.value.details["permission"] == Permission.MANAGE_MANAGERS.value


def test_pm1_changing_his_roles_changes_what_he_may_do(app: Carteira, system: Principal) -> None:
    app.register_manager(system, "ana", "Ana", roles=[Role("r", {Permission.MANAGE_PORTFOLIOS})])
    ana = Principal.manager(TENANT, "ana")
    app.create_portfolio(ana, "Sul")
    app.update_manager(system, "ana", roles=[Role("r", {Permission.SET_PORTFOLIO})])
    with pytest.raises(PermissionDenied) as caught:
        app.create_portfolio(ana, "Norte")
    assert caught.value.code == "permission_denied"
    assert app.register_customer(ana, "c1", "Cliente").value.id == "c1"


# -- PM-2: the matrix -----------------------------------------------------------------------


def world(app: Carteira, system: Principal) -> None:
    """ana and bia manage Sul (c1 with ana, organization o1); x idle; off inactive."""
    for manager_id in ("ana", "bia", "x"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    app.register_manager(system, "off", "Off", profile=Profile.ANALYST, active=False)
    app.create_portfolio(system, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.register_customer(system, "c1", "Cliente")
    app.assign_customer(system, "c1", "ana", portfolio="sul")
    app.register_organization(system, "o1", "Org")
    app.set_organization_portfolio(system, "o1", "sul")


Command = Callable[[Carteira, Principal], Any]

MP, MM, SP = Permission.MANAGE_PORTFOLIOS, Permission.MANAGE_MANAGERS, Permission.SET_PORTFOLIO

COMMANDS: list[Any] = [
    pytest.param(MP, lambda app, a: app.create_portfolio(a, "Novo"), id="create_portfolio"),
    pytest.param(MP, lambda app, a: app.edit_portfolio(a, "sul", name="Sud"), id="edit_portfolio"),
    pytest.param(MP, lambda app, a: app.delete_portfolio(a, "sul"), id="delete_portfolio"),
    pytest.param(MP, lambda app, a: app.update_settings(a, segmentation=False), id="settings"),
    pytest.param(MM, lambda app, a: app.register_manager(a, "new", "New"), id="register_manager"),
    pytest.param(MM, lambda app, a: app.update_manager(a, "x", name="X2"), id="update_manager"),
    pytest.param(MM, lambda app, a: app.deactivate_manager(a, "x"), id="deactivate_manager"),
    pytest.param(MM, lambda app, a: app.reactivate_manager(a, "off"), id="reactivate_manager"),
    pytest.param(MM, lambda app, a: app.remove_manager(a, "x"), id="remove_manager"),
    pytest.param(
        MM, lambda app, a: app.set_default_portfolio(a, "ana", "sul"), id="set_default_portfolio"
    ),
    pytest.param(SP, lambda app, a: app.register_customer(a, "c9", "N"), id="register_customer"),
    pytest.param(SP, lambda app, a: app.update_customer(a, "c1", name="C"), id="update_customer"),
    pytest.param(
        SP, lambda app, a: app.register_organization(a, "o9", "O"), id="register_organization"
    ),
    pytest.param(
        SP, lambda app, a: app.update_organization(a, "o1", name="O2"), id="update_organization"
    ),
    pytest.param(
        SP,
        lambda app, a: app.set_organization_portfolio(a, "o1", None),
        id="set_organization_portfolio",
    ),
    pytest.param(
        SP,
        lambda app, a: app.set_customer_membership(a, "c1", portfolio=None),
        id="set_customer_membership",
    ),
    pytest.param(SP, lambda app, a: app.assign_customer(a, "c1", "bia"), id="assign_customer"),
    pytest.param(SP, lambda app, a: app.unassign_customer(a, "c1", "ana"), id="unassign_customer"),
]

QUERIES: list[Any] = [
    pytest.param(MP, lambda app, a: app.orphaned_portfolios(a), id="orphaned_portfolios"),
    pytest.param(
        MM, lambda app, a: app.portfolios_of_manager(a, "ana"), id="portfolios_of_manager"
    ),
]


def actor_holding(app: Carteira, system: Principal, permissions: set[Permission]) -> Principal:
    app.register_manager(
        system, "actor", "Actor", profile=Profile.AGENT, roles=[Role("r", permissions)]
    )
    return ACTOR


@pytest.mark.parametrize(("needed", "command"), [*COMMANDS, *QUERIES])
def test_pm2_a_manager_lacking_the_permission_is_refused_and_nothing_changes(
    app: Carteira, store: InMemoryStore, system: Principal, needed: Permission, command: Command
) -> None:
    world(app, system)
    actor = actor_holding(app, system, set(ALL_PERMISSIONS - {needed}))
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        command(app, actor)
    assert caught.value.code == "permission_denied"
    assert caught.value.details["permission"] == needed.value
    assert caught.value.details["actor"] == "actor"
    assert needed.name in str(caught.value)
    assert store.snapshot() == before


@pytest.mark.parametrize(("needed", "command"), COMMANDS)
def test_pm2_a_manager_holding_the_permission_succeeds(
    app: Carteira, store: InMemoryStore, system: Principal, needed: Permission, command: Command
) -> None:
    """PM-2: the needed permission (plus VIEW_ALL, so every customer is visible) suffices."""
    world(app, system)
    actor = actor_holding(app, system, {needed, Permission.VIEW_ALL})
    before = store.snapshot()
    result = command(app, actor)
    assert result.events
    assert all(e.actor == "actor" for e in result.events)
    assert store.snapshot() != before


@pytest.mark.parametrize(("needed", "query"), QUERIES)
def test_pm2_a_manager_holding_the_permission_may_query(
    app: Carteira, system: Principal, needed: Permission, query: Command
) -> None:
    world(app, system)
    actor = actor_holding(app, system, {needed})
    assert query(app, actor) is not None  # answered, not refused


@pytest.mark.parametrize(("needed", "command"), COMMANDS)
def test_pm2_the_system_principal_holds_every_permission(
    app: Carteira, system: Principal, needed: Permission, command: Command
) -> None:
    world(app, system)
    assert command(app, system).events


@pytest.mark.parametrize(("needed", "command"), COMMANDS)
def test_pm2_an_inactive_manager_is_refused_whatever_his_roles(
    app: Carteira, store: InMemoryStore, system: Principal, needed: Permission, command: Command
) -> None:
    world(app, system)
    actor = actor_holding(app, system, set(ALL_PERMISSIONS))
    app.deactivate_manager(system, "actor")
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        command(app, actor)
    assert caught.value.code == "principal_inactive"
    assert store.snapshot() == before


def test_pm2_the_permission_is_checked_before_the_record_is_looked_up(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    world(app, system)
    actor = actor_holding(app, system, set(ALL_PERMISSIONS - {SP}))
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.update_customer(actor, "no-such-customer", name="X")
    assert caught.value.code == "permission_denied"
    assert store.snapshot() == before


# -- PM-2: visibility -----------------------------------------------------------------------

HIDDEN: list[Any] = [
    pytest.param("customer", lambda app, a: app.customer(a, "c1"), id="customer"),
    pytest.param(
        "customer", lambda app, a: app.update_customer(a, "c1", name="C"), id="update_customer"
    ),
    pytest.param(
        "customer",
        lambda app, a: app.set_customer_membership(a, "c1", portfolio=None),
        id="set_customer_membership",
    ),
    pytest.param("customer", lambda app, a: app.assign_customer(a, "c1", "bia"), id="assign"),
    pytest.param("customer", lambda app, a: app.unassign_customer(a, "c1", "ana"), id="unassign"),
    pytest.param("customer", lambda app, a: app.owner_history(a, "c1"), id="owner_history"),
    pytest.param(
        "organization",
        lambda app, a: app.update_organization(a, "o1", name="O"),
        id="update_organization",
    ),
    pytest.param(
        "organization",
        lambda app, a: app.set_organization_portfolio(a, "o1", None),
        id="set_organization_portfolio",
    ),
]


@pytest.mark.parametrize(("kind", "command"), HIDDEN)
def test_pm2_a_record_the_actor_cannot_see_is_reported_as_not_found(
    app: Carteira, store: InMemoryStore, system: Principal, kind: str, command: Command
) -> None:
    """PM-2/VS-3: SET_PORTFOLIO without seeing the record reads exactly like a missing one."""
    world(app, system)
    actor = actor_holding(app, system, {SP})
    before = store.snapshot()
    with pytest.raises(NotFound) as caught:
        command(app, actor)
    expected = NotFound(kind, "c1" if kind == "customer" else "o1")
    assert (str(caught.value), caught.value.code, dict(caught.value.details)) == (
        str(expected),
        expected.code,
        dict(expected.details),
    )
    assert store.snapshot() == before


@pytest.mark.parametrize(("kind", "command"), HIDDEN)
def test_pm2_a_portfolio_manager_sees_and_changes_his_portfolios_records(
    app: Carteira, system: Principal, kind: str, command: Command
) -> None:
    """PM-2: the same commands succeed for bia, who manages Sul, with SET_PORTFOLIO only."""
    world(app, system)
    app.update_manager(system, "bia", roles=[Role("r", {SP})])
    bia = Principal.manager(TENANT, "bia")
    assert command(app, bia) is not None
