"""Revocation freshness: once a view is taken away, the very next answer says so.

VS-2 (each clause can be taken away), VS-3 (listings follow at once), MG-4 (a deactivated
manager sees nothing), MG-5 (a backup's view ends with the absence). Each Hypothesis
example is one revoke→check pair: a manager who sees a customer and its ticket through
some clause, one revocation, then ``can_view``, ``visible_customers`` and
``visible_tickets`` compared with an oracle that reads only what this file did. Eight
kinds of revocation at the ``ci`` profile's 200 examples each make 1,600 pairs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from carteira import (
    Carteira,
    InMemoryStore,
    ManualClock,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RoutingMode,
    Subject,
)

TENANT = "acme"
SYSTEM = Principal.system(TENANT)
CUS, ORG, TIC = Subject.CUSTOMER, Subject.ORGANIZATION, Subject.TICKET
VIEW_ALL, VIEW_UNASSIGNED = "view_all", "view_unassigned"
MANAGERS = ("v", "x", "a", "b")  # v first: his are the very next answers after a revocation
VIEWER_PERMISSIONS = [frozenset(), frozenset(), frozenset(), frozenset({VIEW_UNASSIGNED})] * 2 + [
    frozenset({VIEW_ALL})
]
ABSENCE = "ferias"


# -- what this file did, and the oracle over it ----------------------------------------------


@dataclass
class Model:
    """The tenant as the SPEC says it must stand after each command this file sent."""

    active: dict[str, bool] = field(default_factory=dict)
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)
    portfolios: dict[str, list[str]] = field(default_factory=dict)
    organizations: dict[str, str | None] = field(default_factory=dict)
    # customer -> [organization, own portfolio, account managers]
    customers: dict[str, list[Any]] = field(default_factory=dict)
    tickets: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)
    # department -> the members it lists (None: it lists none, every manager serves it)
    departments: dict[str, frozenset[str] | None] = field(default_factory=dict)
    standing_in: dict[str, str] = field(default_factory=dict)  # absent -> backup, now
    segmentation: bool = True

    def effective(self, customer: str) -> str | None:
        organization, own, _ = self.customers[customer]
        if own is not None:
            return own
        return None if organization is None else self.organizations[organization]

    def sees_customer(self, viewer: str, customer: str) -> bool:
        if not self.active[viewer]:
            return False
        if not self.segmentation:
            return True
        ids = {viewer} | {m for m, backup in self.standing_in.items() if backup == viewer}
        portfolio = self.effective(customer)
        managers = self.customers[customer][2]
        if portfolio is not None and ids & set(self.portfolios[portfolio]):
            return True
        if ids & set(managers):
            return True
        perms = self.permissions[viewer]
        if portfolio is None and not managers and VIEW_UNASSIGNED in perms:
            return True
        return VIEW_ALL in perms

    def sees_organization(self, viewer: str, organization: str) -> bool:
        if not self.active[viewer]:
            return False
        if not self.segmentation:
            return True
        ids = {viewer} | {m for m, backup in self.standing_in.items() if backup == viewer}
        portfolio = self.organizations[organization]
        if portfolio is not None and ids & set(self.portfolios[portfolio]):
            return True
        perms = self.permissions[viewer]
        return (portfolio is None and VIEW_UNASSIGNED in perms) or VIEW_ALL in perms

    def sees_ticket(self, viewer: str, ticket: str) -> bool:
        customer, assignee, department = self.tickets[ticket]
        if not self.active[viewer]:
            return False
        if self.sees_customer(viewer, customer) or assignee == viewer:
            return True
        members = self.departments[department]  # VS-7: it waits in a queue of his
        return assignee is None and (members is None or viewer in members)

    # What each revocation must leave behind (MB-3, MG-3, PF-5, MG-5, VS-1).

    def unassign(self, customer: str, manager: str) -> None:
        self.customers[customer][2] = [m for m in self.customers[customer][2] if m != manager]

    def deactivate_keeping(self, manager: str) -> None:
        """MG-3 *keep*: he leaves every portfolio and every customer; MG-4: he sees nothing."""
        self.active[manager] = False
        for managers in self.portfolios.values():
            if manager in managers:
                managers.remove(manager)
        for customer in self.customers:
            self.unassign(customer, manager)

    def deactivate_transferring(self, manager: str, successor: str) -> None:
        """MG-3 *transfer*: the successor takes his place everywhere; MG-4: he sees nothing."""
        self.active[manager] = False
        for portfolio, managers in self.portfolios.items():
            replaced = [successor if m == manager else m for m in managers]
            self.portfolios[portfolio] = list(dict.fromkeys(replaced))
        for record in self.customers.values():
            replaced = [successor if m == manager else m for m in record[2]]
            record[2] = list(dict.fromkeys(replaced))

    def take_off(self, portfolio: str, managers: list[str]) -> None:
        """Those taken off a portfolio stop being account managers of its customers."""
        gone = set(self.portfolios[portfolio]) - set(managers)
        for customer, (_, _, linked) in self.customers.items():
            if self.effective(customer) == portfolio:
                self.customers[customer][2] = [m for m in linked if m not in gone]
        self.portfolios[portfolio] = list(managers)

    def delete(self, portfolio: str) -> None:
        """PF-5: everything in it goes outside, and the links that depended on it go."""
        for customer, record in self.customers.items():
            if self.effective(customer) == portfolio:
                record[2] = []
                if record[1] == portfolio:
                    record[1] = None
        for organization, placed in self.organizations.items():
            if placed == portfolio:
                self.organizations[organization] = None
        del self.portfolios[portfolio]

    def resettle(self, customer: str, *, organization: Any = None, own: Any = None) -> None:
        """MB-1, MB-3: a new effective portfolio keeps only the account managers who manage it."""
        record = self.customers[customer]
        before = self.effective(customer)
        if organization is not None:
            record[0] = organization
        if own is not None:
            record[1] = own
        after = self.effective(customer)
        if after is not None and after != before:
            record[2] = [m for m in record[2] if m in self.portfolios[after]]


# -- one scene: a world, a viewer who sees c and t, and a revocation ------------------------------


@dataclass
class Scene:
    app: Carteira
    clock: ManualClock
    model: Model
    rng: random.Random

    def manager(self, manager_id: str, permissions: frozenset[str] = frozenset()) -> None:
        self.app.register_manager(
            SYSTEM,
            manager_id,
            manager_id.upper(),
            profile=Profile.ANALYST,
            roles=[Role("r", permissions)],
        )
        self.model.active[manager_id] = True
        self.model.permissions[manager_id] = permissions

    def portfolio(self, portfolio_id: str, managers: list[str]) -> None:
        self.app.create_portfolio(
            SYSTEM, portfolio_id, managers=managers, portfolio_id=portfolio_id
        )
        self.model.portfolios[portfolio_id] = list(managers)

    def organization(self, organization_id: str, portfolio: str | None) -> None:
        self.app.register_organization(SYSTEM, organization_id, organization_id.upper())
        if portfolio is not None:
            self.app.set_organization_portfolio(SYSTEM, organization_id, portfolio)
        self.model.organizations[organization_id] = portfolio

    def customer(
        self, customer_id: str, organization: str | None, own: str | None, managers: list[str]
    ) -> None:
        self.app.register_customer(
            SYSTEM, customer_id, customer_id.upper(), organization=organization
        )
        self.app.set_customer_membership(
            SYSTEM, customer_id, portfolio=own, account_managers=managers
        )
        self.model.customers[customer_id] = [organization, own, list(managers)]

    def department(self, department_id: str, members: list[str]) -> None:
        self.app.save_department(
            SYSTEM, department_id, department_id.title(), routing=RoutingMode.QUEUE, members=members
        )
        self.model.departments[department_id] = frozenset(members)

    def ticket(self, ticket_id: str, customer_id: str, assignee: str | None) -> None:
        """Open a ticket served by ``assignee``, or waiting where v may not take it (VS-7)."""
        department = "mesa-v" if assignee == "v" else "fila"
        self.app.open_ticket(SYSTEM, ticket_id, customer_id, department)
        if assignee is not None:
            self.app.reassign_ticket(SYSTEM, ticket_id, assignee)
        self.model.tickets[ticket_id] = (customer_id, assignee, department)

    def away(self, absent: str, backup: str) -> None:
        """``absent`` is away from an hour ago until a day from now, ``backup`` standing in."""
        now = self.clock.now()
        self.app.schedule_absence(
            SYSTEM,
            absent,
            start=now - timedelta(hours=1),
            end=now + timedelta(days=1),
            backup=backup,
            absence_id=ABSENCE,
        )
        self.model.standing_in[absent] = backup

    def pick(self, choices: Sequence[Any]) -> Any:
        return self.rng.choice(choices)

    def some(self, pool: Sequence[str], most: int) -> list[str]:
        """A random selection of at most ``most`` of ``pool``, in random order."""
        return self.rng.sample(list(pool), self.rng.randint(0, min(most, len(pool))))


def _noise(scene: Scene) -> None:
    """Two more customers placed at random, each with a ticket, to keep listings honest."""
    for number in range(2):
        customer = f"n{number}"
        own = scene.pick([None, "p", "q"])
        orgs = [None, "o3"] if own is not None else [None, "o1", "o2", "o3"]
        organization = scene.pick(orgs)
        effective = own if own is not None else scene.model.organizations.get(organization or "")
        eligible = MANAGERS if effective is None else scene.model.portfolios[effective]
        managers = scene.some(sorted(eligible), 2)
        scene.customer(customer, organization, own, managers)
        scene.ticket(f"t{customer}", customer, scene.pick([None, "a", "v"]))


def build(rng: random.Random, kind: str) -> tuple[Scene, str, Callable[[], None]]:
    """Build a scene for ``kind``; return it, whom v sees c through, and the revocation."""
    clock = ManualClock()
    scene = Scene(Carteira(InMemoryStore().unit_of_work, clock=clock), clock, Model(), rng)
    clause = _clause(scene, kind)
    held = [frozenset({VIEW_ALL}), frozenset({VIEW_UNASSIGNED})]
    scene.manager("v", scene.pick(held if clause == "permission" else VIEWER_PERMISSIONS))
    for other in ("a", "b", "x"):
        scene.manager(other)
    scene.app.update_settings(SYSTEM, max_account_managers=3)
    # v serves only his own desk: what waits in fila's queue he sees through c alone.
    scene.department("fila", ["a", "b"])
    scene.department("mesa-v", ["v"])
    through = "x" if kind == "absence_ends" else scene.pick(["v", "x"])
    _place_target(scene, through, clause)
    if through == "x":
        scene.away("x", "v")
    _noise(scene)
    scene.ticket("t", "c", scene.pick([None, None, "a", "b", "v"]))
    if kind == "segmentation_on":
        scene.app.update_settings(SYSTEM, segmentation=False)
        scene.model.segmentation = False
    event(f"{kind}: through {'a backup' if through == 'x' else 'himself'}, {clause}")
    return scene, through, lambda: REVOCATIONS[kind](scene, through, clause)


def _clause(scene: Scene, kind: str) -> str:
    if kind in {"off_portfolio", "delete_portfolio", "move"}:
        return "portfolio"
    if kind == "permission_removed":
        return "permission"
    if kind == "segmentation_on":
        return scene.pick(["portfolio", "account", "elsewhere"])
    return scene.pick(["portfolio", "account", "account"])


def _place_target(scene: Scene, through: str, clause: str) -> None:
    """p (managed by ``through``, maybe with a), q (a, maybe b); o1 in p, o2 in q, o3 outside.

    c is in p (its own or its organization's) for the portfolio clause; outside any
    portfolio with ``through`` as account manager for the account clause; outside with
    no account manager or in q for the permission clause (VIEW_UNASSIGNED or VIEW_ALL);
    in q otherwise.
    """
    scene.portfolio("p", [through, *scene.pick([[], ["a"]])])
    scene.portfolio("q", scene.pick([["a"], ["a", "b"]]))
    scene.organization("o1", "p")
    scene.organization("o2", "q")
    scene.organization("o3", None)
    if clause == "portfolio":
        organization, own = scene.pick([(None, "p"), ("o1", None), ("o3", "p")])
        pool = sorted(scene.model.portfolios["p"])
        managers = scene.some(pool, len(pool))
    elif clause == "account":
        organization, own = scene.pick([None, "o3"]), None
        managers = [through, *scene.pick([[], ["a"], ["b", "a"]])]
    elif clause == "permission" and VIEW_UNASSIGNED in scene.model.permissions["v"]:
        organization, own, managers = scene.pick([None, "o3"]), None, []
    else:
        organization, own = scene.pick([(None, "q"), ("o2", None)])
        managers = scene.pick([[], ["a"]])
    scene.customer("c", organization, own, managers)


# Revocations: each changes the library and the model the same way.


def _unassign(scene: Scene, through: str, clause: str) -> None:
    scene.app.unassign_customer(SYSTEM, "c", through)
    scene.model.unassign("c", through)


def _deactivate(scene: Scene, through: str, clause: str) -> None:
    if scene.pick([False, True]):
        scene.app.deactivate_manager(SYSTEM, through, keep=True)
        scene.model.deactivate_keeping(through)
    else:
        scene.app.deactivate_manager(SYSTEM, through, transfer_to="a")
        scene.model.deactivate_transferring(through, "a")


def _absence_ends(scene: Scene, through: str, clause: str) -> None:
    how = scene.pick(["cancel", "end", "later"])
    if how == "cancel":
        scene.app.cancel_absence(SYSTEM, "x", ABSENCE)
    else:
        extra = timedelta(0) if how == "end" else timedelta(minutes=scene.rng.randint(1, 10**5))
        scene.clock.advance(timedelta(days=1) + extra)  # the end, or later
    del scene.model.standing_in["x"]


def _off_portfolio(scene: Scene, through: str, clause: str) -> None:
    kept = [m for m in scene.model.portfolios["p"] if m != through]
    kept = kept or ["a"]
    if scene.pick([False, True]):
        kept = [*kept, "b"]
    scene.app.edit_portfolio(SYSTEM, "p", managers=kept)
    scene.model.take_off("p", kept)


def _delete_portfolio(scene: Scene, through: str, clause: str) -> None:
    scene.app.delete_portfolio(SYSTEM, "p")
    scene.model.delete("p")


def _segmentation_on(scene: Scene, through: str, clause: str) -> None:
    scene.app.update_settings(SYSTEM, segmentation=True)
    scene.model.segmentation = True


def _permission_removed(scene: Scene, through: str, clause: str) -> None:
    """v's roles change: VIEW_ALL and VIEW_UNASSIGNED are gone, another permission stays."""
    scene.app.update_manager(SYSTEM, "v", roles=[Role("basic", {"assign_self"})])
    scene.model.permissions["v"] = frozenset({"assign_self"})


def _move(scene: Scene, through: str, clause: str) -> None:
    _, own, _ = scene.model.customers["c"]
    if own is None and scene.pick([False, True]):
        scene.app.update_customer(SYSTEM, "c", organization="o2")
        scene.model.resettle("c", organization="o2")
    else:
        scene.app.set_customer_membership(SYSTEM, "c", portfolio="q")
        scene.model.resettle("c", own="q")


REVOCATIONS: dict[str, Callable[[Scene, str, str], None]] = {
    "unassign": _unassign,
    "deactivate": _deactivate,
    "absence_ends": _absence_ends,
    "off_portfolio": _off_portfolio,
    "delete_portfolio": _delete_portfolio,
    "segmentation_on": _segmentation_on,
    "move": _move,
    "permission_removed": _permission_removed,
}


# -- the check ----------------------------------------------------------------------------------


def _refused(app: Carteira, principal: Principal) -> None:
    """MG-4: a deactivated manager's every question is refused, so nothing shows."""
    with pytest.raises(PermissionDenied):
        app.can_view(principal, CUS, "c")
    with pytest.raises(PermissionDenied):
        app.can_view(principal, TIC, "t")
    with pytest.raises(PermissionDenied):
        app.visible_customers(principal)
    with pytest.raises(PermissionDenied):
        app.visible_tickets(principal)


def check(scene: Scene, viewers: Sequence[str] = MANAGERS) -> None:
    """Each viewer's next answers equal the model: c and t first, then listings, then all."""
    model = scene.model
    for viewer in viewers:
        principal = Principal.manager(TENANT, viewer)
        if not model.active[viewer]:
            _refused(scene.app, principal)
            continue
        first = (scene.app.can_view(principal, CUS, "c"), scene.app.can_view(principal, TIC, "t"))
        assert (viewer, first) == (
            viewer,
            (model.sees_customer(viewer, "c"), model.sees_ticket(viewer, "t")),
        )
        listed = (
            [c.id for c in scene.app.visible_customers(principal, limit=50).items],
            [t.id for t in scene.app.visible_tickets(principal, limit=50).items],
            [o.id for o in scene.app.visible_organizations(principal, limit=50).items],
        )
        expected = (
            sorted(c for c in model.customers if model.sees_customer(viewer, c)),
            sorted(t for t in model.tickets if model.sees_ticket(viewer, t)),
            sorted(o for o in model.organizations if model.sees_organization(viewer, o)),
        )
        assert (viewer, listed) == (viewer, expected)
        for subject, ids, oracle in (
            (CUS, model.customers, model.sees_customer),
            (ORG, model.organizations, model.sees_organization),
            (TIC, model.tickets, model.sees_ticket),
        ):
            actual = {i: scene.app.can_view(principal, subject, i) for i in sorted(ids)}
            assert (viewer, actual) == (viewer, {i: oracle(viewer, i) for i in sorted(ids)})


@pytest.mark.parametrize("kind", sorted(REVOCATIONS))
@given(rng=st.randoms(use_true_random=False))
def test_vs2_vs3_mg5_a_revoked_view_is_gone_at_once(kind: str, rng: random.Random) -> None:
    """VS-2, VS-3, MG-4, MG-5: one revoke→check pair per example, no stale allow.

    Before: v sees c and its ticket t (through himself or as x's backup). After the
    revocation the very next ``can_view``, ``visible_customers`` and ``visible_tickets``
    of every manager equal the oracle: still shown only where another clause grants it.
    """
    scene, _, revoke = build(rng, kind)
    assert (scene.model.sees_customer("v", "c"), scene.model.sees_ticket("v", "t")) == (True, True)
    check(scene, ["v"])
    revoke()
    check(scene)


# -- the same revocations, one by one, by example -----------------------------------------------


def _who(manager_id: str) -> Principal:
    return Principal.manager(TENANT, manager_id)


@pytest.fixture
def sul(app: Carteira, system: Principal) -> Carteira:
    """ana and bia manage Sul; c1 is in Sul with ana as account manager; bia serves t1 on c1."""
    for manager_id in ("ana", "bia"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.create_portfolio(system, "Norte", managers=["bia"], portfolio_id="norte")
    app.register_organization(system, "org-sul", "Org Sul")
    app.set_organization_portfolio(system, "org-sul", "sul")
    app.register_organization(system, "org-norte", "Org Norte")
    app.set_organization_portfolio(system, "org-norte", "norte")
    app.register_customer(system, "c1", "Cliente", organization="org-sul")
    app.set_customer_membership(system, "c1", account_managers=["ana"])
    app.save_department(system, "fila", "Fila", routing=RoutingMode.QUEUE, members=["ana", "bia"])
    app.open_ticket(system, "t1", "c1", "fila")
    app.reassign_ticket(system, "t1", "bia")  # not waiting: ana sees it through c1 alone
    return app


def _sees(app: Carteira, manager_id: str) -> tuple[bool, bool, list[str], list[str]]:
    principal = _who(manager_id)
    return (
        app.can_view(principal, CUS, "c1"),
        app.can_view(principal, TIC, "t1"),
        [c.id for c in app.visible_customers(principal).items],
        [t.id for t in app.visible_tickets(principal).items],
    )


SEES = (True, True, ["c1"], ["t1"])
BLIND = (False, False, [], [])


def test_vs2_taken_off_the_portfolio_he_stops_seeing_at_once(
    sul: Carteira, system: Principal
) -> None:
    assert _sees(sul, "ana") == SEES
    sul.edit_portfolio(system, "sul", managers=["bia"])
    assert _sees(sul, "ana") == BLIND
    assert sul.customer(system, "c1").ownership.account_managers == ()


def test_vs2_vs3_moved_to_another_organization_the_customer_leaves_his_view(
    sul: Carteira, system: Principal
) -> None:
    sul.update_customer(system, "c1", organization="org-norte")
    assert _sees(sul, "ana") == BLIND
    assert _sees(sul, "bia") == SEES


def test_vs2_moved_to_another_portfolio_the_customer_leaves_his_view(
    sul: Carteira, system: Principal
) -> None:
    sul.set_customer_membership(system, "c1", portfolio="norte")
    assert _sees(sul, "ana") == BLIND


def test_vs2_a_deleted_portfolio_leaves_only_what_another_clause_grants(
    sul: Carteira, system: Principal
) -> None:
    """After PF-5 c1 is outside portfolio: VIEW_UNASSIGNED now grants it, nothing else."""
    sul.update_manager(system, "bia", roles=[Role("triagem", {"view_unassigned"})])
    sul.delete_portfolio(system, "sul")
    assert _sees(sul, "ana") == BLIND
    assert _sees(sul, "bia") == SEES
    assert sul.explain(_who("bia"), CUS, "c1").clause == "outside_portfolio_view_unassigned"


def test_vs2_unassigned_from_an_outside_customer_he_stops_seeing_it(
    sul: Carteira, system: Principal
) -> None:
    sul.register_customer(system, "c2", "Avulso")
    sul.set_customer_membership(system, "c2", account_managers=["ana"])
    assert sul.can_view(_who("ana"), CUS, "c2") is True
    sul.unassign_customer(system, "c2", "ana")
    assert sul.can_view(_who("ana"), CUS, "c2") is False
    assert "c2" not in [c.id for c in sul.visible_customers(_who("ana")).items]


def test_vs2_the_assignee_keeps_the_ticket_while_he_serves_it(
    sul: Carteira, system: Principal
) -> None:
    """Another clause still grants: taken off Sul, ana still serves t1, so she sees it."""
    sul.reassign_ticket(system, "t1", "ana")
    sul.edit_portfolio(system, "sul", managers=["bia"])
    assert _sees(sul, "ana") == (False, True, [], ["t1"])
    sul.reassign_ticket(system, "t1", "bia")
    assert _sees(sul, "ana") == BLIND


def test_mg4_deactivated_he_is_refused_at_once(sul: Carteira, system: Principal) -> None:
    sul.deactivate_manager(system, "ana", keep=True)
    with pytest.raises(PermissionDenied):
        sul.can_view(_who("ana"), CUS, "c1")
    with pytest.raises(PermissionDenied):
        sul.visible_tickets(_who("ana"))


def test_mg5_the_backups_view_ends_with_the_absence(
    sul: Carteira, system: Principal, clock: ManualClock
) -> None:
    sul.register_manager(system, "gil", "Gil")
    now = clock.now()
    sul.schedule_absence(
        system, "ana", start=now, end=now + timedelta(days=1), backup="gil", absence_id="a1"
    )
    sul.schedule_absence(
        system,
        "ana",
        start=now + timedelta(days=2),
        end=now + timedelta(days=3),
        backup="gil",
        absence_id="a2",
    )
    assert _sees(sul, "gil") == SEES
    clock.advance(timedelta(days=1))
    assert _sees(sul, "gil") == BLIND
    clock.advance(timedelta(days=1))
    assert _sees(sul, "gil") == SEES
    sul.cancel_absence(system, "ana", "a2")
    assert _sees(sul, "gil") == BLIND


def test_vs1_segmentation_back_on_restricts_at_once(sul: Carteira, system: Principal) -> None:
    sul.register_manager(system, "eva", "Eva")
    sul.update_settings(system, segmentation=False)
    assert _sees(sul, "eva") == SEES
    sul.update_settings(system, segmentation=True)
    assert _sees(sul, "eva") == BLIND


def test_vs2_losing_view_all_he_stops_seeing_at_once(sul: Carteira, system: Principal) -> None:
    sul.register_manager(system, "dan", "Dan", roles=[Role("geral", {"view_all"})])
    assert _sees(sul, "dan") == SEES
    sul.update_manager(system, "dan", roles=[])
    assert _sees(sul, "dan") == BLIND
