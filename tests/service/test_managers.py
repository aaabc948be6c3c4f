"""Managers: MG-1 eligibility, MG-2 default portfolio, MG-3 leaving, MG-4 inactive managers."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import count

import attrs
import pytest

from carteira import (
    Carteira,
    InMemoryStore,
    InvalidInput,
    Manager,
    ManualClock,
    NotFound,
    Ownership,
    Permission,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RuleViolation,
    Way,
)
from carteira.events import LeaveMode, LeaveReason, ManagerLeft
from carteira.policies import Eligibility, ProfileEligibility

TENANT = "acme"


def register(
    app: Carteira, system: Principal, manager_id: str, profile: Profile = Profile.ANALYST
) -> str:
    app.register_manager(system, manager_id, manager_id.title(), profile=profile)
    return manager_id


def stored_manager(store: InMemoryStore, manager_id: str) -> Manager | None:
    with store.unit_of_work(TENANT) as uow:
        return uow.managers.get(manager_id)


def managers_of(app: Carteira, system: Principal, portfolio_id: str) -> tuple[str, ...]:
    return next(
        s for s in app.list_portfolios(system) if s.portfolio.id == portfolio_id
    ).portfolio.managers


# -- MG-1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", [Profile.ANALYST, Profile.ADMINISTRATOR])
def test_mg1_analysts_and_administrators_are_eligible_by_default(
    app: Carteira, system: Principal, profile: Profile
) -> None:
    manager = register(app, system, "ana", profile)
    portfolio = app.create_portfolio(system, "Sul", managers=[manager]).value
    assert portfolio.managers == (manager,)


def test_mg1_an_agent_is_not_eligible_by_default(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    agent = register(app, system, "zeca", Profile.AGENT)
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.create_portfolio(system, "Sul", managers=[agent])
    assert caught.value.code == "manager_not_eligible"
    assert caught.value.rule == "MG-1"
    assert caught.value.details["manager"] == agent
    assert store.snapshot() == before


def test_mg1_an_inactive_analyst_is_not_eligible(app: Carteira, system: Principal) -> None:
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST, active=False)
    with pytest.raises(RuleViolation) as caught:
        app.create_portfolio(system, "Sul", managers=["ana"])
    assert caught.value.code == "manager_not_eligible"
    assert caught.value.details["reason"] == "inactive"


def test_mg1_adding_an_ineligible_manager_by_edit_is_refused(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    ana = register(app, system, "ana")
    agent = register(app, system, "zeca", Profile.AGENT)
    portfolio = app.create_portfolio(system, "Sul", managers=[ana]).value
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.edit_portfolio(system, portfolio.id, managers=[ana, agent])
    assert caught.value.code == "manager_not_eligible"
    assert store.snapshot() == before


def test_mg1_an_unknown_manager_cannot_join(app: Carteira, system: Principal) -> None:
    with pytest.raises(NotFound) as caught:
        app.create_portfolio(system, "Sul", managers=["ghost"])
    assert caught.value.code == "not_found"
    assert caught.value.details == {"kind": "manager", "id": "ghost"}


@attrs.frozen
class AgentsOnly:
    """A host's own policy: only agents named in a list may manage portfolios."""

    allowed: frozenset[str]

    def __call__(self, manager: Manager) -> Eligibility:
        if manager.active and manager.profile is Profile.AGENT and manager.id in self.allowed:
            return Eligibility(True)
        return Eligibility(False, "not on the list")


def test_mg1_the_eligibility_policy_is_replaceable(clock: ManualClock) -> None:
    store = InMemoryStore()
    ids = (f"p{i}" for i in count(1))
    app = Carteira(
        store.unit_of_work,
        clock=clock,
        eligibility=AgentsOnly(frozenset({"zeca"})),
        new_id=lambda: next(ids),
    )
    system = Principal.system(TENANT)
    register(app, system, "zeca", Profile.AGENT)
    register(app, system, "ana", Profile.ANALYST)
    assert app.create_portfolio(system, "Sul", managers=["zeca"]).value.managers == ("zeca",)
    with pytest.raises(RuleViolation) as caught:
        app.create_portfolio(system, "Norte", managers=["ana"])
    assert caught.value.code == "manager_not_eligible"
    assert caught.value.details["reason"] == "not on the list"


def test_mg1_profile_eligibility_can_allow_other_profiles(clock: ManualClock) -> None:
    app = Carteira(
        InMemoryStore().unit_of_work,
        clock=clock,
        eligibility=ProfileEligibility.of([Profile.AGENT]),
    )
    system = Principal.system(TENANT)
    register(app, system, "zeca", Profile.AGENT)
    register(app, system, "ana", Profile.ANALYST)
    assert app.create_portfolio(system, "Sul", managers=["zeca"]).value.managers == ("zeca",)
    with pytest.raises(RuleViolation) as caught:
        app.create_portfolio(system, "Norte", managers=["ana"])
    assert caught.value.code == "manager_not_eligible"


def test_mg1_a_manager_has_id_name_active_flag_roles_and_profile(
    app: Carteira, system: Principal
) -> None:
    role = Role("sales", {"set_portfolio"})
    manager = app.register_manager(
        system, "ana", "Ana", profile=Profile.ANALYST, roles=[role]
    ).value
    assert (manager.tenant, manager.id, manager.name) == (TENANT, "ana", "Ana")
    assert (manager.active, manager.profile, manager.roles) == (True, Profile.ANALYST, {role})
    assert manager.default_portfolio is None


# -- MG-2 -----------------------------------------------------------------------------------


@pytest.fixture
def three(app: Carteira, system: Principal) -> dict[str, str]:
    """ana manages Alfa, Beta and Gama (default Gama); bia manages Beta."""
    register(app, system, "ana")
    register(app, system, "bia")
    alfa = app.create_portfolio(system, "Alfa", managers=["ana"]).value.id
    beta = app.create_portfolio(system, "Beta", managers=["ana", "bia"]).value.id
    gama = app.create_portfolio(system, "Gama", managers=["ana"]).value.id
    app.set_default_portfolio(system, "ana", gama)
    return {"alfa": alfa, "beta": beta, "gama": gama}


def test_mg2_listing_a_managers_portfolios_puts_his_default_first(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    listed = app.portfolios_of_manager(system, "ana")
    assert [s.portfolio.name for s in listed] == ["Gama", "Alfa", "Beta"]
    assert [s.default for s in listed] == [True, False, False]


def test_mg2_without_a_default_the_listing_is_by_name(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    assert [s.portfolio.name for s in app.portfolios_of_manager(system, "bia")] == ["Beta"]
    app.set_default_portfolio(system, "ana", None)
    listed = app.portfolios_of_manager(system, "ana")
    assert [s.portfolio.name for s in listed] == ["Alfa", "Beta", "Gama"]
    assert not any(s.default for s in listed)


def test_mg2_the_default_must_be_one_he_manages(
    app: Carteira, store: InMemoryStore, system: Principal, three: dict[str, str]
) -> None:
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.set_default_portfolio(system, "bia", three["alfa"])
    assert caught.value.code == "manager_outside_portfolio"
    assert caught.value.rule == "MG-2"
    assert store.snapshot() == before


def test_mg2_assigning_without_a_portfolio_uses_the_managers_default(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    app.register_customer(system, "c1", "Cliente")
    customer = app.assign_customer(system, "c1", "ana").value
    assert customer.portfolio == three["gama"]
    assert customer.account_managers == ("ana",)


def test_mg2_the_caller_may_name_another_portfolio_the_manager_manages(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    app.register_customer(system, "c1", "Cliente")
    customer = app.assign_customer(system, "c1", "ana", portfolio=three["beta"]).value
    assert customer.portfolio == three["beta"]


def test_mg2_naming_a_portfolio_the_manager_does_not_manage_is_refused(
    app: Carteira, store: InMemoryStore, system: Principal, three: dict[str, str]
) -> None:
    app.register_customer(system, "c1", "Cliente")
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.assign_customer(system, "c1", "bia", portfolio=three["gama"])
    assert caught.value.code == "manager_outside_portfolio"
    assert store.snapshot() == before


def test_mg2_without_a_default_the_customer_keeps_its_own_portfolio(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    app.register_customer(system, "c1", "Cliente")
    app.assign_customer(system, "c1", "ana", portfolio=three["beta"])
    customer = app.assign_customer(system, "c1", "bia").value  # bia has no default
    assert customer.portfolio == three["beta"]
    assert customer.account_managers == ("bia",)


def test_mg2_mg6_without_a_default_an_outside_customer_stays_outside(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    app.create_portfolio(system, "Delta", managers=["bia"])  # bia manages two, marks none
    app.register_customer(system, "c1", "Cliente")
    customer = app.assign_customer(system, "c1", "bia").value
    assert customer.portfolio is None
    assert customer.account_managers == ("bia",)


def test_mg6_the_lone_portfolio_of_a_manager_without_a_default_pulls_the_customer_in(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    """MG-6: bia marked no default and manages Beta alone: assigning to her places in Beta."""
    app.register_customer(system, "c1", "Cliente")
    customer = app.assign_customer(system, "c1", "bia").value
    assert (customer.portfolio, customer.account_managers) == (three["beta"], ("bia",))
    assert app.portfolios_of_manager(system, "bia").items[0].default


def test_mg6_every_portfolio_listing_marks_whose_default_it_is(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    """MG-6: the checkmark: ana marked Gama; bia manages Beta alone, so Beta is hers."""
    register(app, system, "cid")
    app.create_portfolio(system, "Delta", managers=["cid"])
    app.create_portfolio(system, "Epsilon", managers=["cid"])  # cid: two, none marked
    listed = {s.portfolio.name: s.defaults for s in app.list_portfolios(system)}
    assert listed == {
        "Alfa": (),
        "Beta": ("bia",),
        "Delta": (),
        "Epsilon": (),
        "Gama": ("ana",),
    }
    assert app.portfolio(system, three["beta"]).defaults == ("bia",)
    of_ana = {
        s.portfolio.name: (s.default, s.defaults) for s in app.portfolios_of_manager(system, "ana")
    }
    assert of_ana == {"Gama": (True, ("ana",)), "Alfa": (False, ()), "Beta": (False, ("bia",))}
    app.create_portfolio(system, "Zeta", managers=["bia"])  # a second one: no lone default
    assert app.portfolio(system, three["beta"]).defaults == ()


def test_mg2_a_manager_sets_his_own_default_without_manage_managers(
    app: Carteira, system: Principal, three: dict[str, str]
) -> None:
    ana = Principal.manager(TENANT, "ana")  # no roles at all
    changed = app.set_default_portfolio(ana, "ana", three["alfa"]).value
    assert changed.default_portfolio == three["alfa"]
    with pytest.raises(PermissionDenied) as caught:
        app.set_default_portfolio(ana, "bia", three["beta"])
    assert caught.value.code == "permission_denied"


# -- MG-3 -----------------------------------------------------------------------------------


@pytest.fixture
def sul(app: Carteira, system: Principal) -> str:
    """Sul managed by ana alone, holding c1 and c2 (account manager ana); bia, cid idle."""
    register(app, system, "ana")
    register(app, system, "bia")
    register(app, system, "cid")
    portfolio = app.create_portfolio(system, "Sul", managers=["ana"]).value.id
    app.set_default_portfolio(system, "ana", portfolio)
    for customer in ("c1", "c2"):
        app.register_customer(system, customer, customer.upper())
        app.assign_customer(system, customer, "ana")
    return portfolio


LEAVING = [
    pytest.param(
        lambda app, p, **kw: app.deactivate_manager(p, "ana", **kw),
        LeaveReason.DEACTIVATED,
        id="deactivate",
    ),
    pytest.param(
        lambda app, p, **kw: app.remove_manager(p, "ana", **kw), LeaveReason.REMOVED, id="remove"
    ),
    pytest.param(
        lambda app, p, **kw: app.update_manager(p, "ana", profile=Profile.AGENT, **kw),
        LeaveReason.INELIGIBLE,
        id="ineligible",
    ),
]


@pytest.mark.parametrize(("leave", "reason"), LEAVING)
def test_mg3_with_neither_choice_orphaning_is_refused_naming_the_portfolios(
    app: Carteira, store: InMemoryStore, system: Principal, sul: str, leave, reason: LeaveReason
) -> None:
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        leave(app, system)
    assert caught.value.code == "portfolios_would_be_orphaned"
    assert caught.value.rule == "MG-3"
    assert caught.value.details["portfolios"] == (sul,)
    assert "'Sul'" in str(caught.value)
    assert store.snapshot() == before


@pytest.mark.parametrize(("leave", "reason"), LEAVING)
def test_mg3_transfer_gives_the_successor_his_customers_and_portfolios(
    app: Carteira, system: Principal, sul: str, leave, reason: LeaveReason
) -> None:
    result = leave(app, system, transfer_to="bia")
    assert managers_of(app, system, sul) == ("bia",)
    for customer in ("c1", "c2"):
        assert app.customer(system, customer).ownership == Ownership(sul, ("bia",))
        assert app.owner_history(system, customer)[-1].way is Way.DEACTIVATION_TRANSFER
    left = [e for e in result.events if isinstance(e, ManagerLeft)]
    assert len(left) == 1
    assert (left[0].mode, left[0].successor) == (LeaveMode.TRANSFER, "bia")
    assert (left[0].manager_id, left[0].reason) == ("ana", reason)
    assert left[0].customers == ("c1", "c2")
    assert left[0].portfolios == (sul,)


@pytest.mark.parametrize(("leave", "reason"), LEAVING)
def test_mg3_keep_leaves_customers_in_place_with_no_manager(
    app: Carteira, system: Principal, sul: str, leave, reason: LeaveReason
) -> None:
    result = leave(app, system, keep=True)
    assert managers_of(app, system, sul) == ()
    for customer in ("c1", "c2"):
        view = app.customer(system, customer)
        assert view.ownership == Ownership(sul, ())
        assert view.no_manager is True
        assert app.owner_history(system, customer)[-1].way is Way.MANAGER_LEFT
    assert [s.portfolio.id for s in app.orphaned_portfolios(system)] == [sul]
    left = next(e for e in result.events if isinstance(e, ManagerLeft))
    assert (left.mode, left.successor, left.reason) == (LeaveMode.KEEP, None, reason)


def test_mg3_a_manager_who_is_not_the_last_leaves_without_a_choice(
    app: Carteira, system: Principal, sul: str
) -> None:
    app.edit_portfolio(system, sul, managers=["ana", "bia"])
    app.deactivate_manager(system, "ana")
    assert managers_of(app, system, sul) == ("bia",)
    assert app.customer(system, "c1").ownership == Ownership(sul, ())
    assert app.orphaned_portfolios(system) == []


def test_mg3_choosing_both_transfer_and_keep_is_invalid(
    app: Carteira, store: InMemoryStore, system: Principal, sul: str
) -> None:
    before = store.snapshot()
    with pytest.raises(InvalidInput) as caught:
        app.deactivate_manager(system, "ana", transfer_to="bia", keep=True)
    assert (caught.value.code, caught.value.rule) == ("invalid_input", "MG-3")
    assert [e.path for e in caught.value.errors] == ["$.keep"]
    assert store.snapshot() == before


def test_mg3_a_manager_cannot_succeed_himself(
    app: Carteira, store: InMemoryStore, system: Principal, sul: str
) -> None:
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.deactivate_manager(system, "ana", transfer_to="ana")
    assert caught.value.code == "successor_is_leaving"
    assert store.snapshot() == before


@pytest.mark.parametrize(
    ("prepare", "code"),
    [
        (lambda app, s: app.deactivate_manager(s, "bia"), "manager_inactive"),
        (
            lambda app, s: app.update_manager(s, "bia", profile=Profile.AGENT),
            "manager_not_eligible",
        ),
    ],
    ids=["inactive", "ineligible"],
)
def test_mg3_the_successor_must_be_active_and_eligible(
    app: Carteira, store: InMemoryStore, system: Principal, sul: str, prepare, code: str
) -> None:
    prepare(app, system)
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.deactivate_manager(system, "ana", transfer_to="bia")
    assert caught.value.code == code
    assert store.snapshot() == before


def test_mg3_transfer_to_an_unknown_successor_is_not_found(
    app: Carteira, store: InMemoryStore, system: Principal, sul: str
) -> None:
    before = store.snapshot()
    with pytest.raises(NotFound) as caught:
        app.deactivate_manager(system, "ana", transfer_to="ghost")
    assert caught.value.code == "not_found"
    assert caught.value.details == {"kind": "manager", "id": "ghost"}
    assert store.snapshot() == before


def test_mg3_removal_deletes_the_record_after_the_transfer(
    app: Carteira, store: InMemoryStore, system: Principal, sul: str
) -> None:
    app.remove_manager(system, "ana", transfer_to="bia")
    assert stored_manager(store, "ana") is None
    with pytest.raises(NotFound) as caught:
        app.update_manager(system, "ana", name="Ana")
    assert caught.value.code == "not_found"
    assert app.customer(system, "c1").customer.account_managers == ("bia",)


def test_mg3_a_leaving_manager_loses_his_default(
    app: Carteira, store: InMemoryStore, system: Principal, sul: str
) -> None:
    app.deactivate_manager(system, "ana", transfer_to="bia")
    ana = stored_manager(store, "ana")
    assert ana is not None
    assert (ana.active, ana.default_portfolio) == (False, None)


def test_mg3_transfer_keeps_the_successors_place_among_several_managers(
    app: Carteira, system: Principal, sul: str
) -> None:
    app.edit_portfolio(system, sul, managers=["ana", "cid"])
    app.deactivate_manager(system, "ana", transfer_to="bia")
    assert managers_of(app, system, sul) == ("bia", "cid")


def test_mg3_an_ineligible_change_with_keep_removes_him_but_keeps_him_active(
    app: Carteira, store: InMemoryStore, system: Principal, sul: str
) -> None:
    result = app.update_manager(system, "ana", profile=Profile.AGENT, keep=True)
    assert result.value.active is True
    assert result.value.profile is Profile.AGENT
    assert managers_of(app, system, sul) == ()
    assert app.customer(system, "c1").no_manager is True
    assert stored_manager(store, "ana").default_portfolio is None  # type: ignore[union-attr]


def test_mg3_a_change_that_keeps_him_eligible_needs_no_choice(
    app: Carteira, system: Principal, sul: str
) -> None:
    app.update_manager(system, "ana", profile=Profile.ADMINISTRATOR, name="Ana Maria")
    assert managers_of(app, system, sul) == ("ana",)
    assert app.customer(system, "c1").customer.account_managers == ("ana",)


# -- MG-4 -----------------------------------------------------------------------------------


def test_mg4_an_inactive_manager_principal_is_refused_and_sees_nothing(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    app.register_manager(system, "boss", "Boss", roles=[Role.administrator()])
    boss = Principal.manager(TENANT, "boss")
    app.create_portfolio(boss, "Sul")  # active: allowed
    app.deactivate_manager(system, "boss")
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.create_portfolio(boss, "Norte")
    assert caught.value.code == "principal_inactive"
    assert caught.value.rule == "MG-4"
    assert store.snapshot() == before
    with pytest.raises(PermissionDenied) as seen:
        app.list_portfolios(boss)
    assert seen.value.code == "principal_inactive"


def test_mg4_an_unknown_manager_principal_is_refused_like_an_inactive_one(
    app: Carteira, system: Principal
) -> None:
    with pytest.raises(PermissionDenied) as caught:
        app.list_portfolios(Principal.manager(TENANT, "nobody"))
    assert caught.value.code == "principal_inactive"


def test_mg4_an_inactive_manager_cannot_become_account_manager(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST, active=False)
    app.register_customer(system, "c1", "Cliente")
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.assign_customer(system, "c1", "ana")
    assert caught.value.code == "manager_inactive"
    with pytest.raises(RuleViolation) as again:
        app.set_customer_membership(system, "c1", account_managers=["ana"])
    assert again.value.code == "manager_inactive"
    assert store.snapshot() == before


def test_mg4_a_reactivated_manager_acts_again_but_gets_nothing_back(
    app: Carteira, system: Principal, sul: str
) -> None:
    app.deactivate_manager(system, "ana", transfer_to="bia")
    reactivated = app.reactivate_manager(system, "ana").value
    assert reactivated.active is True
    assert list(app.portfolios_of_manager(system, "ana")) == []
    assert app.customer(system, "c1").customer.account_managers == ("bia",)


# --- the list of managers and an organization's record (MG-1, VS-3) ----------------------


@pytest.fixture
def staff(app: Carteira, system: Principal) -> Principal:
    """ana, bia (analysts), cid (agent, not eligible), dan (inactive); Sul: ana, bia.

    Returns rui, an analyst holding only MANAGE_PORTFOLIOS.
    """
    for manager_id in ("ana", "bia", "dan"):
        register(app, system, manager_id)
    register(app, system, "cid", Profile.AGENT)
    app.create_portfolio(system, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.deactivate_manager(system, "dan")
    builder = Role("builder", frozenset({Permission.MANAGE_PORTFOLIOS}))
    app.register_manager(system, "rui", "Rui", profile=Profile.ANALYST, roles=[builder])
    return Principal.manager(TENANT, "rui")


def _ids(page: Iterable[Manager]) -> list[str]:
    return [m.id for m in page]


def test_mg1_the_list_of_managers_filters_by_activity_eligibility_and_portfolio(
    app: Carteira, system: Principal, staff: Principal
) -> None:
    """MG-1: seed 003's list of managers, by id, filtered as its screen filters it."""
    assert _ids(app.list_managers(staff)) == ["ana", "bia", "cid", "dan", "rui"]
    assert _ids(app.list_managers(staff, active=False)) == ["dan"]
    assert _ids(app.list_managers(staff, active=True, eligible=True)) == ["ana", "bia", "rui"]
    assert _ids(app.list_managers(system, eligible=False)) == ["cid", "dan"]
    assert _ids(app.list_managers(staff, portfolio="sul")) == ["ana", "bia"]
    assert _ids(app.list_managers(staff, portfolio="sul", after="ana")) == ["bia"]


@pytest.mark.parametrize("eligible", [None, True, False])
def test_st4_the_list_of_managers_walks_in_pages(
    app: Carteira, system: Principal, staff: Principal, eligible: bool | None
) -> None:
    """ST-4: pages of two, each after the last id of the one before, filtered alike."""
    walked: list[str] = []
    after = None
    while True:
        page = app.list_managers(staff, eligible=eligible, after=after, limit=2)
        assert len(page) <= 2
        walked += _ids(page)
        if page.next_after is None:
            break
        after = page.next_after
    assert walked == _ids(app.list_managers(staff, eligible=eligible, limit=500))


def test_mg1_only_who_manages_managers_or_portfolios_lists_them(
    app: Carteira, system: Principal, staff: Principal
) -> None:
    """PM-2: an agent may not read the staff list; bad filters are invalid input (ER-2)."""
    with pytest.raises(PermissionDenied):
        app.list_managers(Principal.manager(TENANT, "cid"))
    with pytest.raises(InvalidInput):
        app.list_managers(staff, active="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        app.list_managers(staff, limit=0)
    with pytest.raises(NotFound):
        app.list_managers(staff, portfolio="norte")


def test_vs3_an_organizations_record_shows_to_who_sees_it_only(
    app: Carteira, system: Principal, staff: Principal
) -> None:
    """VS-3, TN-1: ana sees Andes through Sul; cid does not, and for him it does not exist."""
    app.register_organization(system, "andes", "Andes Ltda")
    app.set_organization_portfolio(system, "andes", "sul")
    assert app.organization(Principal.manager(TENANT, "ana"), "andes").portfolio == "sul"
    assert app.organization(system, "andes").name == "Andes Ltda"
    with pytest.raises(NotFound):
        app.organization(Principal.manager(TENANT, "cid"), "andes")
    with pytest.raises(NotFound):
        app.organization(system, "nada")
