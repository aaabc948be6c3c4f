"""Membership: MB-1..MB-4 and MB-6 (MB-5 is about tickets and comes with them)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carteira import (
    Carteira,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    NotFound,
    Ownership,
    Principal,
    Profile,
    RuleViolation,
    SubjectKind,
    Way,
)
from carteira.events import MembershipChanged, SettingsChanged

TENANT = "acme"


@pytest.fixture
def world(app: Carteira, system: Principal) -> dict[str, str]:
    """Sul (ana, bia), Norte (cid), Vazia (no manager); organization org; customer c1."""
    for manager_id in ("ana", "bia", "cid"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    sul = app.create_portfolio(system, "Sul", managers=["ana", "bia"]).value.id
    norte = app.create_portfolio(system, "Norte", managers=["cid"]).value.id
    vazia = app.create_portfolio(system, "Vazia").value.id
    app.register_organization(system, "org", "Org")
    app.register_customer(system, "c1", "Cliente")
    return {"sul": sul, "norte": norte, "vazia": vazia}


def ownership(app: Carteira, system: Principal, customer_id: str) -> Ownership:
    return app.customer(system, customer_id).ownership


def member_ids(app: Carteira, system: Principal, portfolio_id: str) -> list[str]:
    return [c.id for c in app.customers_of_portfolio(system, portfolio_id).items]


# -- MB-1 -----------------------------------------------------------------------------------


def test_mb1_the_effective_portfolio_comes_from_the_organization(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.set_organization_portfolio(system, "org", world["sul"])
    app.register_customer(system, "c2", "Membro", organization="org")
    assert ownership(app, system, "c2") == Ownership(world["sul"], (), inherited=True)
    assert "c2" in member_ids(app, system, world["sul"])


def test_mb1_the_customers_own_portfolio_wins_over_its_organizations(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.set_organization_portfolio(system, "org", world["sul"])
    app.update_customer(system, "c1", organization="org")
    app.set_customer_membership(system, "c1", portfolio=world["norte"])
    assert ownership(app, system, "c1") == Ownership(world["norte"], (), inherited=False)
    assert member_ids(app, system, world["sul"]) == []
    assert member_ids(app, system, world["norte"]) == ["c1"]


def test_mb1_a_customer_belongs_to_at_most_one_portfolio(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.set_customer_membership(system, "c1", portfolio=world["sul"])
    app.set_customer_membership(system, "c1", portfolio=world["norte"])
    assert member_ids(app, system, world["sul"]) == []
    assert member_ids(app, system, world["norte"]) == ["c1"]
    assert app.customer(system, "c1").customer.portfolio == world["norte"]


def test_mb1_an_organization_belongs_to_at_most_one_portfolio(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    app.set_organization_portfolio(system, "org", world["sul"])
    moved = app.set_organization_portfolio(system, "org", world["norte"]).value
    assert moved.portfolio == world["norte"]
    with store.unit_of_work(TENANT) as uow:
        assert [o.id for o in uow.organizations.in_portfolio(world["sul"])] == []
        assert [o.id for o in uow.organizations.in_portfolio(world["norte"])] == ["org"]


def test_mb1_moving_an_organization_resettles_its_members(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    """Members without a portfolio of their own follow; account managers of the old one go."""
    sul, norte = world["sul"], world["norte"]
    app.set_organization_portfolio(system, "org", sul)
    app.register_customer(system, "follows", "Follows", organization="org")
    app.set_customer_membership(system, "follows", account_managers=["ana"])
    app.register_customer(system, "stays", "Stays", organization="org")
    app.set_customer_membership(system, "stays", portfolio=sul, account_managers=["bia"])
    result = app.set_organization_portfolio(system, "org", norte)
    assert ownership(app, system, "follows") == Ownership(norte, (), inherited=True)
    assert ownership(app, system, "stays") == Ownership(sul, ("bia",))
    changes = {(e.subject, e.subject_id): e for e in result.events}
    assert set(changes) == {(SubjectKind.ORGANIZATION, "org"), (SubjectKind.CUSTOMER, "follows")}
    follows = changes[(SubjectKind.CUSTOMER, "follows")]
    assert isinstance(follows, MembershipChanged)
    assert follows.way is Way.ORGANIZATION_CHANGED
    assert follows.before == Ownership(sul, ("ana",), inherited=True)
    assert follows.after == Ownership(norte, (), inherited=True)


def test_mb1_joining_an_organization_moves_the_customer_to_its_portfolio(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.set_organization_portfolio(system, "org", world["norte"])
    app.update_customer(system, "c1", organization="org")
    assert ownership(app, system, "c1") == Ownership(world["norte"], (), inherited=True)
    assert app.owner_history(system, "c1")[-1].way is Way.ORGANIZATION_CHANGED


# -- MB-2 -----------------------------------------------------------------------------------


def test_mb2_a_customer_cannot_enter_a_portfolio_with_no_manager(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.set_customer_membership(system, "c1", portfolio=world["vazia"])
    assert caught.value.code == "portfolio_unavailable"
    assert caught.value.rule == "MB-2"
    assert caught.value.details["portfolio"] == world["vazia"]
    assert store.snapshot() == before


def test_mb2_an_organization_cannot_enter_a_portfolio_with_no_manager(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.set_organization_portfolio(system, "org", world["vazia"])
    assert caught.value.code == "portfolio_unavailable"
    assert store.snapshot() == before


def test_mb2_after_its_only_manager_is_deactivated_a_portfolio_receives_no_one(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    app.deactivate_manager(system, "cid")  # Norte holds nobody: no choice needed
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.set_customer_membership(system, "c1", portfolio=world["norte"])
    assert caught.value.code == "portfolio_unavailable"
    assert store.snapshot() == before


def test_mb2_no_one_enters_an_orphaned_portfolio_through_its_organization(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    norte = world["norte"]
    app.set_organization_portfolio(system, "org", norte)
    app.register_customer(system, "c2", "Membro", organization="org")
    app.deactivate_manager(system, "cid", keep=True)  # Norte is orphaned now
    assert [s.portfolio.id for s in app.orphaned_portfolios(system)] == [norte]
    before = store.snapshot()
    with pytest.raises(RuleViolation) as registering:
        app.register_customer(system, "c3", "Novo", organization="org")
    assert registering.value.code == "portfolio_unavailable"
    with pytest.raises(RuleViolation) as joining:
        app.update_customer(system, "c1", organization="org")
    assert joining.value.code == "portfolio_unavailable"
    assert store.snapshot() == before


def test_mb2_editing_off_the_last_active_manager_of_a_portfolio_with_customers_is_refused(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    norte = world["norte"]
    app.assign_customer(system, "c1", "cid", portfolio=norte)
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.edit_portfolio(system, norte, managers=[])
    assert caught.value.code == "portfolio_would_be_orphaned"
    assert caught.value.rule == "MB-2"
    assert store.snapshot() == before


def test_mb2_editing_off_the_last_manager_of_an_empty_portfolio_is_allowed(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    edited = app.edit_portfolio(system, world["norte"], managers=[]).value
    assert edited.managers == ()
    assert app.orphaned_portfolios(system) == []


def test_mb2_replacing_the_last_manager_in_one_edit_is_allowed_and_drops_his_customers(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    norte = world["norte"]
    app.assign_customer(system, "c1", "cid", portfolio=norte)
    app.edit_portfolio(system, norte, managers=["ana"])
    assert ownership(app, system, "c1") == Ownership(norte, ())
    assert app.owner_history(system, "c1")[-1].before == Ownership(norte, ("cid",))


# -- MB-3 -----------------------------------------------------------------------------------


def test_mb3_account_managers_must_be_active(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    app.register_manager(system, "off", "Off", profile=Profile.ANALYST, active=False)
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.set_customer_membership(system, "c1", account_managers=["off"])
    assert caught.value.code == "manager_inactive"
    assert caught.value.rule == "MB-3"
    assert store.snapshot() == before


def test_mb3_account_managers_must_manage_the_effective_portfolio(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    before = store.snapshot()
    with pytest.raises(RuleViolation) as outside:
        app.set_customer_membership(system, "c1", portfolio=world["sul"], account_managers=["cid"])
    assert outside.value.code == "manager_outside_portfolio"
    assert outside.value.rule == "MB-3"
    assert store.snapshot() == before


def test_mb3_account_managers_through_the_organization_must_manage_its_portfolio(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.set_organization_portfolio(system, "org", world["sul"])
    app.update_customer(system, "c1", organization="org")
    with pytest.raises(RuleViolation) as caught:
        app.set_customer_membership(system, "c1", account_managers=["cid"])
    assert caught.value.code == "manager_outside_portfolio"
    app.set_customer_membership(system, "c1", account_managers=["bia"])
    assert ownership(app, system, "c1") == Ownership(world["sul"], ("bia",), inherited=True)


def test_mb3_an_outside_customer_may_have_any_active_account_manager(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    customer = app.set_customer_membership(system, "c1", account_managers=["cid"]).value
    assert (customer.portfolio, customer.account_managers) == (None, ("cid",))


def test_mb3_the_cap_defaults_to_one_and_assign_replaces(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    assert app.settings(system).max_account_managers == 1
    sul = world["sul"]
    app.assign_customer(system, "c1", "ana", portfolio=sul)
    customer = app.assign_customer(system, "c1", "bia", portfolio=sul).value
    assert customer.account_managers == ("bia",)
    with pytest.raises(RuleViolation) as caught:
        app.set_customer_membership(system, "c1", account_managers=["ana", "bia"])
    assert caught.value.code == "too_many_account_managers"
    assert caught.value.details["cap"] == 1


def test_mb3_with_a_cap_of_three_assign_appends_in_order(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    sul = world["sul"]
    app.edit_portfolio(system, sul, managers=["ana", "bia", "cid"])
    app.register_manager(system, "dan", "Dan", profile=Profile.ANALYST)
    app.edit_portfolio(system, sul, managers=["ana", "bia", "cid", "dan"])
    result = app.update_settings(system, max_account_managers=3)
    assert isinstance(result.events[0], SettingsChanged)
    for manager_id in ("ana", "bia", "cid"):
        app.assign_customer(system, "c1", manager_id, portfolio=sul)
    assert app.customer(system, "c1").customer.account_managers == ("ana", "bia", "cid")
    # assigning one already there changes nothing
    assert app.assign_customer(system, "c1", "bia").value.account_managers == ("ana", "bia", "cid")
    with pytest.raises(RuleViolation) as caught:
        app.assign_customer(system, "c1", "dan")
    assert caught.value.code == "too_many_account_managers"
    assert caught.value.details["cap"] == 3


def test_mb3_lowering_the_cap_below_what_a_customer_has_is_refused(
    app: Carteira, store: InMemoryStore, system: Principal, world: dict[str, str]
) -> None:
    app.update_settings(system, max_account_managers=3)
    app.set_customer_membership(
        system, "c1", portfolio=world["sul"], account_managers=["ana", "bia"]
    )
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.update_settings(system, max_account_managers=1)
    assert caught.value.code == "cap_below_current"
    assert caught.value.rule == "MB-3"
    assert store.snapshot() == before
    assert app.update_settings(system, max_account_managers=2).value.max_account_managers == 2


@pytest.mark.parametrize("cap", [0, -1, True, "2"])
def test_mb3_the_cap_is_a_whole_number_of_at_least_one(
    app: Carteira, store: InMemoryStore, system: Principal, cap: object
) -> None:
    app.settings(system)
    before = store.snapshot()
    with pytest.raises(InvalidInput) as caught:
        app.update_settings(system, max_account_managers=cap)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_input"
    assert [e.path for e in caught.value.errors] == ["$.max_account_managers"]
    assert store.snapshot() == before


def test_mb3_unassign_keeps_the_portfolio(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.assign_customer(system, "c1", "ana", portfolio=world["sul"])
    customer = app.unassign_customer(system, "c1", "ana").value
    assert (customer.portfolio, customer.account_managers) == (world["sul"], ())


def test_mb3_an_unknown_account_manager_is_not_found(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    with pytest.raises(NotFound) as caught:
        app.set_customer_membership(system, "c1", account_managers=["ghost"])
    assert caught.value.code == "not_found"
    assert caught.value.details == {"kind": "manager", "id": "ghost"}


# -- MB-4 -----------------------------------------------------------------------------------


def test_mb4_a_new_customer_is_outside_portfolio(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    view = app.customer(system, "c1")
    assert view.ownership.in_portfolio is False
    assert view.no_manager is True


def test_mb4_an_account_manager_alone_puts_a_customer_in_portfolio(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.set_customer_membership(system, "c1", account_managers=["cid"])
    assert app.customer(system, "c1").ownership.in_portfolio is True
    app.unassign_customer(system, "c1", "cid")
    assert app.customer(system, "c1").ownership.in_portfolio is False


def test_mb4_a_portfolio_alone_puts_a_customer_in_portfolio(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.set_customer_membership(system, "c1", portfolio=world["sul"])
    view = app.customer(system, "c1")
    assert view.ownership.in_portfolio is True
    assert view.no_manager is True
    app.set_customer_membership(system, "c1", portfolio=None)
    assert app.customer(system, "c1").ownership.in_portfolio is False


def test_mb4_a_portfolio_through_the_organization_puts_a_customer_in_portfolio(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.set_organization_portfolio(system, "org", world["sul"])
    app.register_customer(system, "c2", "Membro", organization="org")
    assert app.customer(system, "c2").ownership.in_portfolio is True
    app.set_organization_portfolio(system, "org", None)
    assert app.customer(system, "c2").ownership.in_portfolio is False


# -- MB-6 -----------------------------------------------------------------------------------


def test_mb6_history_records_who_when_which_way_before_and_after(
    app: Carteira, clock: ManualClock, system: Principal, admin: Principal, world: dict[str, str]
) -> None:
    sul, norte = world["sul"], world["norte"]
    t1 = clock.advance(timedelta(days=1))
    app.assign_customer(admin, "c1", "ana", portfolio=sul)
    t2 = clock.advance(timedelta(days=1))
    app.assign_customer(system, "c1", "cid", portfolio=norte)
    t3 = clock.advance(timedelta(days=1))
    app.unassign_customer(admin, "c1", "cid")
    history = app.owner_history(system, "c1")
    assert [(h.actor, h.at, h.way) for h in history] == [
        ("admin", t1, Way.RECORD),
        ("system", t2, Way.RECORD),
        ("admin", t3, Way.RECORD),
    ]
    assert [(h.before, h.after) for h in history] == [
        (Ownership(), Ownership(sul, ("ana",))),
        (Ownership(sul, ("ana",)), Ownership(norte, ("cid",))),
        (Ownership(norte, ("cid",)), Ownership(norte, ())),
    ]
    assert all(h.subject is SubjectKind.CUSTOMER and h.subject_id == "c1" for h in history)
    assert all(h.tenant == TENANT for h in history)


def test_mb6_owners_at_answers_who_owned_a_customer_at_each_instant(
    app: Carteira, clock: ManualClock, system: Principal, world: dict[str, str]
) -> None:
    sul, norte = world["sul"], world["norte"]
    start = clock.now()
    t1 = clock.advance(timedelta(hours=1))
    app.assign_customer(system, "c1", "ana", portfolio=sul)
    t2 = clock.advance(timedelta(hours=1))
    app.assign_customer(system, "c1", "cid", portfolio=norte)
    t3 = clock.advance(timedelta(hours=1))
    app.set_customer_membership(system, "c1", portfolio=None, account_managers=[])
    clock.advance(timedelta(hours=1))
    half = timedelta(minutes=30)
    assert app.owners_at(system, "c1", start) == Ownership()
    assert app.owners_at(system, "c1", t1 - half) == Ownership()
    assert app.owners_at(system, "c1", t1) == Ownership(sul, ("ana",))
    assert app.owners_at(system, "c1", t1 + half) == Ownership(sul, ("ana",))
    assert app.owners_at(system, "c1", t2 + half) == Ownership(norte, ("cid",))
    assert app.owners_at(system, "c1", t3) == Ownership()
    assert app.owners_at(system, "c1", clock.now()) == ownership(app, system, "c1")


def test_mb6_owners_at_follows_the_organization(
    app: Carteira, clock: ManualClock, system: Principal, world: dict[str, str]
) -> None:
    app.set_organization_portfolio(system, "org", world["sul"])
    t1 = clock.advance()
    app.update_customer(system, "c1", organization="org")
    t2 = clock.advance()
    app.set_organization_portfolio(system, "org", world["norte"])
    assert app.owners_at(system, "c1", t1) == Ownership(world["sul"], (), inherited=True)
    assert app.owners_at(system, "c1", t2) == Ownership(world["norte"], (), inherited=True)


def test_mb6_a_customer_that_never_moved_has_no_history(
    app: Carteira, clock: ManualClock, system: Principal, world: dict[str, str]
) -> None:
    assert app.owner_history(system, "c1") == ()
    assert app.owners_at(system, "c1", clock.now()) == Ownership()


def test_mb6_owners_at_needs_a_timezone_aware_instant(
    app: Carteira, clock: ManualClock, system: Principal, world: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        app.owners_at(system, "c1", clock.now().replace(tzinfo=None))
    assert (caught.value.code, caught.value.rule) == ("invalid_input", "MB-6")
    assert [e.path for e in caught.value.errors] == ["$.at"]


def test_mb6_a_change_that_changes_nothing_records_nothing(
    app: Carteira, system: Principal, world: dict[str, str]
) -> None:
    app.assign_customer(system, "c1", "ana", portfolio=world["sul"])
    result = app.assign_customer(system, "c1", "ana", portfolio=world["sul"])
    assert [e for e in result.events if isinstance(e, MembershipChanged)] == []
    assert len(app.owner_history(system, "c1")) == 1


def test_wa3_the_record_sets_portfolio_and_account_managers_and_records_the_way(
    app: Carteira, clock: ManualClock, system: Principal
) -> None:
    """WA-3: from the customer's record, with SET_PORTFOLIO; recorded as way ``record``."""
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.register_customer(system, "c1", "C1")
    clock.advance()
    app.set_customer_membership(system, "c1", portfolio="sul", account_managers=["ana"])
    [change] = app.owner_history(system, "c1")
    assert (change.way, change.way.rule) == (Way.RECORD, "WA-3")
    assert (change.before, change.after) == (Ownership(), Ownership("sul", ("ana",)))
    assert (change.actor, change.at) == ("system", clock.now())


def test_wa5_deactivation_with_transfer_is_recorded_as_its_own_way(
    app: Carteira, system: Principal
) -> None:
    """WA-5: deactivating a manager with transfer moves his customers to the successor."""
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    app.register_manager(system, "bia", "Bia", profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.register_customer(system, "c1", "C1")
    app.assign_customer(system, "c1", "ana", portfolio="sul")
    app.deactivate_manager(system, "ana", transfer_to="bia")
    last = app.owner_history(system, "c1")[-1]
    assert (last.way, last.way.rule) == (Way.DEACTIVATION_TRANSFER, "WA-5")
    assert last.after == Ownership("sul", ("bia",))
