"""No privilege escalation through the grant paths (issue 14, row 2; PM-1, PM-2).

The campaign's reproducer: a manager holding only MANAGE_MANAGERS gave himself the
administrator role, then saw every hidden customer and deleted portfolios. A manager now
gives, takes away and administers only what he holds himself: the roles he grants, on
registration, update or import, and the managers he updates, deactivates, reactivates,
removes or schedules absences for, hold no permission he lacks. The host (a system
principal) holds every permission.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from carteira import (
    Carteira,
    Journey,
    ManualClock,
    Permission,
    PermissionDenied,
    Portfolio,
    Principal,
    Profile,
    Role,
    Subject,
)
from carteira.spreadsheets import DataSet, ImportRefused, SourceRow, Table, TableKind

TENANT = "acme"
ACTOR = Principal.manager(TENANT, "hr")
MM = Permission.MANAGE_MANAGERS


def _world(app: Carteira, system: Principal, *held: Permission) -> None:
    """hr holds MANAGE_MANAGERS (and ``held``); boss is an administrator; hidden is a
    customer in boss's portfolio that hr cannot see."""
    app.register_manager(
        system, "hr", "HR", profile=Profile.ANALYST, roles=[Role("hr", {MM, *held})]
    )
    app.register_manager(
        system, "boss", "Boss", profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
    )
    app.register_manager(system, "agent", "Agent", profile=Profile.ANALYST)
    app.create_portfolio(system, "Diretoria", managers=["boss"], portfolio_id="dir")
    app.register_customer(system, "hidden", "Cliente VIP")
    app.set_customer_membership(system, "hidden", portfolio="dir")


def _refused_beyond(store: Any, call: Any) -> PermissionDenied:
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        call()
    assert refused.value.code == "beyond_own_permissions"
    assert refused.value.rule == "PM-2"
    assert store.snapshot() == before
    return refused.value


def test_pm2_row2_a_manager_cannot_make_himself_administrator(
    app: Carteira, store: Any, system: Principal
) -> None:
    """PM-1, PM-2: the reproducer fails at its first step and nothing changes."""
    _world(app, system)
    refusal = _refused_beyond(
        store, lambda: app.update_manager(ACTOR, "hr", roles=[Role.administrator()])
    )
    assert Permission.VIEW_ALL.value in refusal.details["permissions"]
    assert Permission.MANAGE_MANAGERS.value not in refusal.details["permissions"]
    assert not app.can_view(ACTOR, Subject.CUSTOMER, "hidden")
    with pytest.raises(PermissionDenied):
        app.delete_portfolio(ACTOR, "dir")


def test_pm2_row2_a_manager_cannot_grant_what_he_lacks_to_another(
    app: Carteira, store: Any, system: Principal
) -> None:
    """PM-1, PM-2: not to a new manager, not to an existing one."""
    _world(app, system)
    view_all = [Role("supervisor", {Permission.VIEW_ALL})]
    _refused_beyond(store, lambda: app.register_manager(ACTOR, "new", "New", roles=view_all))
    _refused_beyond(store, lambda: app.update_manager(ACTOR, "agent", roles=view_all))


def test_pm2_a_manager_grants_what_he_holds(app: Carteira, system: Principal) -> None:
    """PM-1, PM-2: within his own permissions a grant goes through."""
    _world(app, system, Permission.VIEW_ALL)
    supervisor = Role("supervisor", {Permission.VIEW_ALL, MM})
    app.register_manager(ACTOR, "new", "New", roles=[supervisor])
    app.update_manager(ACTOR, "agent", roles=[Role("viewer", {Permission.VIEW_ALL})])
    assert app.can_view(Principal.manager(TENANT, "agent"), Subject.CUSTOMER, "hidden")
    app.update_manager(ACTOR, "agent", roles=[])
    assert not app.can_view(Principal.manager(TENANT, "agent"), Subject.CUSTOMER, "hidden")


def test_pm2_a_manager_administers_no_one_holding_more_than_he_does(
    app: Carteira, store: Any, system: Principal, clock: ManualClock
) -> None:
    """PM-2: he cannot rename, strip, deactivate, remove, reactivate, re-default or send
    away a manager who holds a permission he lacks (what he would wield through him)."""
    _world(app, system)
    later = clock.now() + timedelta(days=1)
    calls = [
        lambda: app.update_manager(ACTOR, "boss", name="Ex-boss"),
        lambda: app.update_manager(ACTOR, "boss", roles=[]),
        lambda: app.deactivate_manager(ACTOR, "boss", keep=True),
        lambda: app.remove_manager(ACTOR, "boss", keep=True),
        lambda: app.set_default_portfolio(ACTOR, "boss", "dir"),
        lambda: app.schedule_absence(
            ACTOR, "boss", start=later, end=later + timedelta(days=1), backup="hr"
        ),
    ]
    for call in calls:
        _refused_beyond(store, call)
    app.deactivate_manager(system, "boss", keep=True)
    _refused_beyond(store, lambda: app.reactivate_manager(ACTOR, "boss"))


def test_pm2_a_manager_still_administers_those_within_his_permissions(
    app: Carteira, system: Principal
) -> None:
    """PM-2: the limit is what he holds, not a ban on managing managers."""
    _world(app, system)
    app.update_manager(ACTOR, "agent", name="Agente")
    app.deactivate_manager(ACTOR, "agent", keep=True)
    app.reactivate_manager(ACTOR, "agent")
    app.remove_manager(ACTOR, "agent", keep=True)


def test_pm2_the_host_grants_anything(app: Carteira, system: Principal) -> None:
    """PM-1: a system principal holds every permission, so it grants every one."""
    _world(app, system)
    app.update_manager(system, "hr", roles=[Role.administrator()])
    assert app.can_view(ACTOR, Subject.CUSTOMER, "hidden")


def test_pm2_row2_an_import_grants_only_what_the_importer_holds(
    app: Carteira, store: Any, system: Principal
) -> None:
    """PM-1, PM-2, WA-8: a managers table is one more grant path; the row is refused."""
    _world(app, system, Permission.VIEW_ALL)
    columns = ("id", "name", "profile", "active", "roles")
    rows = (
        SourceRow(2, dict(zip(columns, ("ok", "Ok", "agent", "yes", "v:view_all"), strict=True))),
        SourceRow(3, dict(zip(columns, ("hr", "HR", "", "", "administrator"), strict=True))),
    )
    dataset = DataSet((Table(TableKind.MANAGERS, "managers.csv", columns, rows),))
    before = store.snapshot()
    with pytest.raises(ImportRefused) as refused:
        app.import_dataset(ACTOR, dataset)
    assert [(p.line, p.code) for p in refused.value.problems] == [(3, "beyond_own_permissions")]
    assert store.snapshot() == before


def test_pm2_review_he_cannot_take_another_manager_s_reach_for_himself(
    app: Carteira, store: Any, system: Principal, clock: ManualClock
) -> None:
    """PM-2, MG-3, MG-5: naming himself backup of another's absence, or successor of a
    leaving manager, would show him that manager's customers: refused without VIEW_ALL."""
    _world(app, system)
    app.create_portfolio(system, "Agencia", managers=["agent"], portfolio_id="ag")
    app.register_customer(system, "hers", "Cliente da agente")
    app.set_customer_membership(system, "hers", portfolio="ag")
    now = clock.now()
    _refused_beyond(
        store,
        lambda: app.schedule_absence(
            ACTOR, "agent", start=now, end=now + timedelta(days=365), backup="hr"
        ),
    )
    _refused_beyond(store, lambda: app.deactivate_manager(ACTOR, "agent", transfer_to="hr"))
    assert not app.can_view(ACTOR, Subject.CUSTOMER, "hers")
    app.schedule_absence(  # naming someone else stays his to do
        ACTOR, "agent", start=now, end=now + timedelta(days=1), backup="boss"
    )


def test_pm2_with_view_all_he_may_stand_in_himself(app: Carteira, system: Principal) -> None:
    """PM-2: one who sees every customer already gains nothing by standing in."""
    _world(app, system, Permission.VIEW_ALL)
    app.deactivate_manager(ACTOR, "agent", transfer_to="hr")


def test_pm2_review_with_segmentation_off_he_may_stand_in_himself(
    app: Carteira, system: Principal, clock: ManualClock
) -> None:
    """PM-2, VS-1: with segmentation off he sees every customer already."""
    _world(app, system)
    app.update_settings(system, segmentation=False)
    now = clock.now()
    app.schedule_absence(ACTOR, "agent", start=now, end=now + timedelta(days=1), backup="hr")


def test_pf2_review_a_stored_description_is_not_checked_again_on_edit(
    app: Carteira, store: Any, system: Principal
) -> None:
    """PF-2, ER-2: only what the caller gives is checked; a rename keeps what is stored."""
    with store.unit_of_work("acme") as uow:
        uow.portfolios.add(
            Portfolio("acme", "old", "Antiga", "d" * 3_000, Journey("j", ""), ("boss",))
        )
        uow.commit()
    _world(app, system)
    assert app.edit_portfolio(system, "old", name="Renomeada").value.description == "d" * 3_000


def test_pf6_pm2_review_he_cannot_join_another_s_portfolio_to_see_its_customers(
    app: Carteira, store: Any, system: Principal
) -> None:
    """PF-6, PM-2: MANAGE_PORTFOLIOS lets him administer portfolios, not take one holding
    customers he does not see; a portfolio without customers, or with VIEW_ALL, he may."""
    _world(app, system)
    app.update_manager(system, "hr", roles=[Role("admin", {Permission.MANAGE_PORTFOLIOS, MM})])
    _refused_beyond(store, lambda: app.edit_portfolio(ACTOR, "dir", managers=["boss", "hr"]))
    assert not app.can_view(ACTOR, Subject.CUSTOMER, "hidden")
    app.create_portfolio(ACTOR, "Nova", managers=["hr"], portfolio_id="nova")
    app.create_portfolio(system, "Vazia", portfolio_id="vazia")
    app.edit_portfolio(ACTOR, "vazia", managers=["hr"])
    app.edit_portfolio(ACTOR, "dir", name="Diretoria Geral")  # administering it stays his
