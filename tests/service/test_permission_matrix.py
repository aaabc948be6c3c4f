"""The permission matrix: roles by operations (PM-1, PM-2; WA-1..WA-7, MG-5, VS-5, PM-3's setting).

Roles (PM-1): no permission, each single :class:`Permission` alone, and the administrator
role holding all of them. Operations: every facade command or query that needs a
permission, plus a few controls that need none. ``ALLOWED`` below is the whole table,
written out: every listed cell must succeed, and every other cell must be refused with
:class:`PermissionDenied` and leave storage exactly as it was (PM-2, invariant 8).

Visibility never decides a cell here, so no role is given VIEW_ALL on top of the
permission under test: every object an operation names is visible to the actor through a
clause that is not a permission — he serves ticket t1, he is c2's account manager, and he
manages portfolio Casa, which holds organization o1.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from carteira import (
    ALL_PERMISSIONS,
    Carteira,
    ChoiceMode,
    InMemoryStore,
    ManualClock,
    Permission,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RoutingMode,
    Subject,
)

TENANT = "acme"
ACTOR = Principal.manager(TENANT, "actor")
DAY = timedelta(days=1)

ROLES: dict[str, frozenset[Permission]] = {
    "none": frozenset(),
    **{p.name: frozenset({p}) for p in Permission},
    "administrator": ALL_PERMISSIONS,
}

ADMIN = "administrator"
MP, MM, SP = "MANAGE_PORTFOLIOS", "MANAGE_MANAGERS", "SET_PORTFOLIO"
AS, BC = "ASSIGN_SELF", "BULK_CLOSE"
EVERYONE = frozenset(ROLES)

# Granting one permission takes MANAGE_MANAGERS and that permission (PM-1, PM-2).
_GRANTERS = {
    p: frozenset({ADMIN, MM}) if p is Permission.MANAGE_MANAGERS else frozenset({ADMIN})
    for p in Permission
}

# The table: operation → the roles that may run it. Every other cell is refused.
ALLOWED: dict[str, frozenset[str]] = {
    # portfolio administration (PF-6) and the tenant's settings (VS-1, MB-3, PM-3)
    "create_portfolio": frozenset({MP, ADMIN}),
    "edit_portfolio": frozenset({MP, ADMIN}),
    "delete_portfolio": frozenset({MP, ADMIN}),
    "save_department": frozenset({MP, ADMIN}),
    "update_settings": frozenset({MP, ADMIN}),
    "orphaned_portfolios": frozenset({MP, ADMIN}),
    # manager administration (MG-1..MG-3), others' absences (MG-5), others' views (VS-5)
    "register_manager": frozenset({MM, ADMIN}),
    "update_manager": frozenset({MM, ADMIN}),
    "deactivate_manager": frozenset({MM, ADMIN}),
    "reactivate_manager": frozenset({MM, ADMIN}),
    "remove_manager": frozenset({MM, ADMIN}),
    "set_default_portfolio_of_another": frozenset({MM, ADMIN}),
    "portfolios_of_another": frozenset({MM, ADMIN}),
    "schedule_absence_of_another": frozenset({MM, ADMIN}),
    "cancel_absence_of_another": frozenset({MM, ADMIN}),
    "explain_for_another": frozenset({MM, ADMIN}),
    # WA-3: the customer and organization records
    "register_customer": frozenset({SP, ADMIN}),
    "update_customer": frozenset({SP, ADMIN}),
    "register_organization": frozenset({SP, ADMIN}),
    "update_organization": frozenset({SP, ADMIN}),
    "set_organization_portfolio": frozenset({SP, ADMIN}),
    "set_customer_membership": frozenset({SP, ADMIN}),
    "assign_customer": frozenset({SP, ADMIN}),
    "unassign_customer": frozenset({SP, ADMIN}),
    # WA-1, WA-2 (closing and answering yes), WA-6: the agent's own ways. Answering WA-2's
    # question with yes is a way of entering a portfolio: without ASSIGN_SELF it is refused,
    # not silently dropped while the ticket closes ("every way is checked", PM-2).
    "wa1_add_to_my_portfolio": frozenset({AS, ADMIN}),
    "wa2_close_and_associate": frozenset({AS, ADMIN}),
    "wa6_assign_to_me": frozenset({AS, ADMIN}),
    "wa6_unassign_me": frozenset({AS, ADMIN}),
    # WA-4: administrators only
    "wa4_bulk_close_with_portfolio": frozenset({BC, ADMIN}),
    # WA-7: from an agent's record
    "wa7_assign_customers": frozenset({SP, ADMIN}),
    "wa7_unassign_customers": frozenset({SP, ADMIN}),
    # the host application's own: no manager, however privileged
    "choose_agent": frozenset(),
    "read_events": frozenset(),
    # controls that need no permission
    "reply": EVERYONE,
    "close_ticket": EVERYONE,
    "open_ticket": EVERYONE,
    "route": EVERYONE,
    "schedule_own_absence": EVERYONE,
    # PM-1, PM-2: every grant path gives only what the granter holds himself, and no one
    # administers a manager holding more than he does (chief is an administrator)
    **{f"grant_{p.name}_on_register": _GRANTERS[p] for p in Permission},
    **{f"grant_{p.name}_on_update": _GRANTERS[p] for p in Permission},
    "rename_an_administrator": frozenset({ADMIN}),
    "deactivate_an_administrator": frozenset({ADMIN}),
}

Operation = Callable[[Carteira, Principal, ManualClock], Any]


def _grant_on_register(permission: Permission) -> Operation:
    role = Role("granted", {permission})
    return lambda app, a, clock: app.register_manager(a, "new", "New", roles=[role])


def _grant_on_update(permission: Permission) -> Operation:
    role = Role("granted", {permission})
    return lambda app, a, clock: app.update_manager(a, "x", roles=[role])


OPERATIONS: dict[str, Operation] = {
    **{f"grant_{p.name}_on_register": _grant_on_register(p) for p in Permission},
    **{f"grant_{p.name}_on_update": _grant_on_update(p) for p in Permission},
    "rename_an_administrator": lambda app, a, clock: app.update_manager(a, "chief", name="C"),
    "deactivate_an_administrator": lambda app, a, clock: app.deactivate_manager(
        a, "chief", keep=True
    ),
    "create_portfolio": lambda app, a, clock: app.create_portfolio(a, "Novo"),
    "edit_portfolio": lambda app, a, clock: app.edit_portfolio(a, "sul", name="Sud"),
    "delete_portfolio": lambda app, a, clock: app.delete_portfolio(a, "sul"),
    "save_department": lambda app, a, clock: app.save_department(a, "d2", "Novo"),
    "update_settings": lambda app, a, clock: app.update_settings(a, owner_only=True),
    "orphaned_portfolios": lambda app, a, clock: app.orphaned_portfolios(a),
    "register_manager": lambda app, a, clock: app.register_manager(a, "new", "New"),
    "update_manager": lambda app, a, clock: app.update_manager(a, "x", name="X2"),
    "deactivate_manager": lambda app, a, clock: app.deactivate_manager(a, "x"),
    "reactivate_manager": lambda app, a, clock: app.reactivate_manager(a, "off"),
    "remove_manager": lambda app, a, clock: app.remove_manager(a, "x"),
    "set_default_portfolio_of_another": lambda app, a, clock: app.set_default_portfolio(
        a, "ana", "sul"
    ),
    "portfolios_of_another": lambda app, a, clock: app.portfolios_of_manager(a, "ana"),
    "schedule_absence_of_another": lambda app, a, clock: app.schedule_absence(
        a, "ana", start=clock.now() + DAY, end=clock.now() + 2 * DAY, backup="bia"
    ),
    "cancel_absence_of_another": lambda app, a, clock: app.cancel_absence(a, "bia", "ab1"),
    "explain_for_another": lambda app, a, clock: app.explain(
        a, Subject.TICKET, "t1", viewer_id="ana"
    ),
    "register_customer": lambda app, a, clock: app.register_customer(a, "c9", "Novo"),
    "update_customer": lambda app, a, clock: app.update_customer(a, "c2", name="C2b"),
    "register_organization": lambda app, a, clock: app.register_organization(a, "o9", "Nova"),
    "update_organization": lambda app, a, clock: app.update_organization(a, "o1", name="O1b"),
    "set_organization_portfolio": lambda app, a, clock: app.set_organization_portfolio(
        a, "o1", None
    ),
    "set_customer_membership": lambda app, a, clock: app.set_customer_membership(
        a, "c2", account_managers=["bia"]
    ),
    "assign_customer": lambda app, a, clock: app.assign_customer(a, "c2", "bia"),
    "unassign_customer": lambda app, a, clock: app.unassign_customer(a, "c2", "actor"),
    "wa1_add_to_my_portfolio": lambda app, a, clock: app.add_to_my_portfolio(a, "t1"),
    "wa2_close_and_associate": lambda app, a, clock: app.close_ticket(a, "t1", associate=True),
    "wa6_assign_to_me": lambda app, a, clock: app.assign_to_me(a, "t1"),
    "wa6_unassign_me": lambda app, a, clock: app.unassign_me(a, "t3"),
    "wa4_bulk_close_with_portfolio": lambda app, a, clock: app.bulk_close(a, "bia", associate=True),
    "wa7_assign_customers": lambda app, a, clock: app.assign_customers(a, "bia", ["c2"]),
    "wa7_unassign_customers": lambda app, a, clock: app.unassign_customers(a, "actor", ["c2"]),
    "choose_agent": lambda app, a, clock: app.choose_agent(a, "t4", "ana"),
    "read_events": lambda app, a, clock: app.read_events(a),
    "reply": lambda app, a, clock: app.reply(a, "t1"),
    "close_ticket": lambda app, a, clock: app.close_ticket(a, "t1"),
    "open_ticket": lambda app, a, clock: app.open_ticket(a, "t9", "c2", "d"),
    "route": lambda app, a, clock: app.route(a, "c2", "d"),
    "schedule_own_absence": lambda app, a, clock: app.schedule_absence(
        a, "actor", start=clock.now() + DAY, end=clock.now() + 2 * DAY, backup="ana"
    ),
}

QUERIES = {
    "orphaned_portfolios",
    "portfolios_of_another",
    "explain_for_another",
    "read_events",
    "route",
}


def world(
    app: Carteira,
    system: Principal,
    clock: ManualClock,
    permissions: frozenset[Permission],
    role: str,
) -> None:
    """The actor holds exactly one role; everything else is set up by the host.

    ana, bia and x are analysts (x idle), off is inactive; Sul (ana, bia) holds c4;
    Casa (the actor) holds organization o1. c1 and c3 are outside portfolio; c2 is the
    actor's own (account manager). t1 (c1) is served by the actor, t2 (c3) by bia, t3 (c2)
    waits in the queue, t4 (c4) is offered to ana and bia. bia is away later, ab1.
    """
    admin_role = role == ADMIN
    app.register_manager(
        system,
        "actor",
        "Actor",
        profile=Profile.ADMINISTRATOR if admin_role else Profile.ANALYST,
        roles=[Role.administrator() if admin_role else Role(role, permissions)],
    )
    for manager_id in ("ana", "bia", "x"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    app.register_manager(system, "off", "Off", profile=Profile.ANALYST, active=False)
    app.register_manager(system, "chief", "Chief", roles=[Role.administrator()])
    app.create_portfolio(system, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.create_portfolio(system, "Casa", managers=["actor"], portfolio_id="casa")
    app.register_organization(system, "o1", "Org")
    app.set_organization_portfolio(system, "o1", "casa")
    for customer_id in ("c1", "c2", "c3", "c4"):
        app.register_customer(system, customer_id, customer_id.upper())
    app.set_customer_membership(system, "c2", account_managers=["actor"])
    app.set_customer_membership(system, "c4", portfolio="sul")
    app.save_department(system, "d", "Fila", routing=RoutingMode.QUEUE)
    app.save_department(system, "dc", "Escolha", choice=ChoiceMode.CUSTOMER_CHOOSES)
    app.open_ticket(system, "t1", "c1", "d")
    app.reassign_ticket(system, "t1", "actor")
    app.open_ticket(system, "t2", "c3", "d")
    app.reassign_ticket(system, "t2", "bia")
    app.open_ticket(system, "t3", "c2", "d")
    app.open_ticket(system, "t4", "c4", "dc")
    later = clock.now() + DAY
    app.schedule_absence(
        system, "bia", start=later, end=later + DAY, backup="ana", absence_id="ab1"
    )


CELLS = [
    pytest.param(role, operation, id=f"{role}-{operation}")
    for role in ROLES
    for operation in OPERATIONS
]


def test_pm2_the_table_covers_every_operation_and_names_only_known_roles() -> None:
    assert set(ALLOWED) == set(OPERATIONS)
    assert set().union(*ALLOWED.values()) <= set(ROLES)
    assert set(ROLES) == {"none", ADMIN} | {p.name for p in Permission}


def test_pm1_the_administrator_role_holds_every_permission() -> None:
    assert Role.administrator().permissions == ROLES[ADMIN]
    assert all(len(ROLES[p.name]) == 1 for p in Permission)


@pytest.mark.parametrize("open_access", [False, True], ids=["segmented", "open-access"])
@pytest.mark.parametrize(("role", "operation"), CELLS)
def test_pm1_pm2_permission_matrix(
    app: Carteira,
    store: InMemoryStore,
    clock: ManualClock,
    system: Principal,
    role: str,
    operation: str,
    open_access: bool,
) -> None:
    """PM-2: an allowed cell succeeds; any other is refused with PermissionDenied and
    changes nothing. VS-6: the same with open access on, which lets see and grants nothing."""
    world(app, system, clock, ROLES[role], role)
    app.update_settings(system, open_access=open_access)
    run = OPERATIONS[operation]
    before = store.snapshot()
    if role in ALLOWED[operation]:
        result = run(app, ACTOR, clock)
        after = store.snapshot()
        if operation in QUERIES:
            assert after == before
        else:
            assert after != before
            assert {e.actor for e in result.events} == {"actor"}
    else:
        with pytest.raises(PermissionDenied):
            run(app, ACTOR, clock)
        assert store.snapshot() == before
