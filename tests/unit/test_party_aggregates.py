"""The party aggregates and the membership policies decide, without a store (issue 17).

Unit tests of `Customer`, `Organization`, `Portfolio`, `Manager` and `TenantSettings`
methods and of `carteira.policies.membership`: each names the rule it proves. A deciding
method returns a `Changed`, the new value with the events it produced (EV-1), and
produces none when it changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from carteira.domain import ticket
from carteira.domain.absence import Absence
from carteira.domain.changed import Changed
from carteira.domain.customer import Customer, Organization, Placement
from carteira.domain.errors import CarteiraError, InvalidInput, NotFound, RuleViolation
from carteira.domain.events import (
    AbsenceCancelled,
    AbsenceScheduled,
    CustomerRegistered,
    CustomerUpdated,
    DefaultPortfolioChanged,
    LeaveMode,
    LeaveReason,
    ManagerLeft,
    ManagerRegistered,
    ManagerRemoved,
    ManagerUpdated,
    OrganizationRegistered,
    OrganizationUpdated,
    PortfolioCreated,
    PortfolioDeleted,
    PortfolioEdited,
    SettingsChanged,
)
from carteira.domain.journey import Journey as MovedJourney
from carteira.domain.manager import Manager
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.portfolio import Journey, Portfolio
from carteira.domain.principal import PrincipalKind
from carteira.domain.settings import KEEP, TenantSettings
from carteira.domain.stamp import Stamp
from carteira.policies import membership
from carteira.policies.eligibility import ProfileEligibility, require_eligible

T = "acme"
NOON = datetime(2024, 5, 1, 12, tzinfo=UTC)
STAMP = Stamp(T, "root", NOON, PrincipalKind.SYSTEM)
WHO = STAMP.fields()


def manager(manager_id: str, *, active: bool = True, profile: Profile = Profile.ANALYST) -> Manager:
    return Manager(T, manager_id, manager_id.title(), profile=profile, active=active)


def managers(*found: Manager) -> dict[str, Manager]:
    return {m.id: m for m in found}


SUL = Portfolio(T, "sul", "Sul", managers=("ana", "bia"))
NORTE = Portfolio(T, "norte", "Norte", managers=("cid",))
ANA, BIA, CID = manager("ana"), manager("bia"), manager("cid")
GONE = manager("gil", active=False)


def refusal(error: CarteiraError) -> tuple[type, str, str | None, str, dict[str, object]]:
    return type(error), error.code, error.rule, error.message, dict(error.details)


# -- MB-2 ------------------------------------------------------------------------------------


def test_mb2_a_portfolio_with_an_active_manager_is_available() -> None:
    membership.require_available(SUL, managers(ANA, BIA), "customer 'c1'")
    assert membership.active_managers(SUL, managers(GONE, BIA)) == ["bia"]


def test_mb2_a_portfolio_with_no_active_manager_refuses_a_new_member() -> None:
    with pytest.raises(RuleViolation) as caught:
        membership.require_available(SUL, managers(manager("ana", active=False)), "customer 'c1'")
    assert refusal(caught.value) == (
        RuleViolation,
        "portfolio_unavailable",
        "MB-2",
        "customer 'c1' cannot enter portfolio 'Sul': it has no active manager",
        {"portfolio": "sul"},
    )


def test_mb2_taking_off_the_last_active_manager_of_a_held_portfolio_is_refused() -> None:
    edited = SUL.edit(name="Sul", description=None, journey=None, managers=(), stamp=STAMP).value
    with pytest.raises(RuleViolation) as caught:
        membership.check_not_orphaned(SUL, edited, managers(ANA, BIA), lambda: True)
    assert (caught.value.code, caught.value.rule) == ("portfolio_would_be_orphaned", "MB-2")
    assert caught.value.details == {"portfolio": "sul"}
    membership.check_not_orphaned(SUL, edited, managers(ANA, BIA), lambda: False)


def test_mb2_an_edit_keeping_an_active_manager_never_asks_whether_it_holds_customers() -> None:
    edited = SUL.edit(
        name="Sul", description=None, journey=None, managers=("bia",), stamp=STAMP
    ).value

    def asked() -> bool:
        raise AssertionError("holds_customers asked")

    membership.check_not_orphaned(SUL, edited, managers(ANA, BIA), asked)


# -- MB-3 ------------------------------------------------------------------------------------


def test_mb3_account_managers_beyond_the_cap_are_refused_first() -> None:
    with pytest.raises(RuleViolation) as caught:
        membership.check_account_managers("c1", ["ana", "nobody"], SUL, {}, 1)
    assert refusal(caught.value) == (
        RuleViolation,
        "too_many_account_managers",
        "MB-3",
        "customer 'c1' may have at most 1 account manager(s), not 2",
        {"customer": "c1", "cap": 1},
    )


def test_mb3_an_unknown_account_manager_is_not_found() -> None:
    with pytest.raises(NotFound) as caught:
        membership.check_account_managers("c1", ["zed"], None, managers(ANA), 2)
    assert caught.value.details == {"kind": "manager", "id": "zed"}


def test_mb3_an_inactive_account_manager_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        membership.check_account_managers("c1", ["gil"], None, managers(GONE), 2)
    assert (caught.value.code, caught.value.details) == (
        "manager_inactive",
        {"customer": "c1", "manager": "gil"},
    )


def test_mb3_an_account_manager_outside_the_effective_portfolio_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        membership.check_account_managers("c1", ["cid"], SUL, managers(CID), 2)
    assert refusal(caught.value) == (
        RuleViolation,
        "manager_outside_portfolio",
        "MB-3",
        "manager 'cid' does not manage portfolio 'Sul' of customer 'c1'",
        {"customer": "c1", "manager": "cid", "portfolio": "sul"},
    )
    membership.check_account_managers("c1", ["cid"], None, managers(CID), 2)


def test_mb3_an_organization_row_names_no_account_managers() -> None:
    membership.check_organization_managers("org", ())
    with pytest.raises(RuleViolation) as caught:
        membership.check_organization_managers("org", ("ana",))
    assert (caught.value.code, caught.value.rule) == ("managers_on_organization", "MB-3")


def test_mb3_account_managers_within_a_portfolio_keep_only_its_managers() -> None:
    customer = Customer(T, "c1", "C1", account_managers=("cid", "ana"))
    assert customer.account_managers_within(SUL) == ("ana",)
    assert customer.account_managers_within(None) == ("cid", "ana")


def test_mb3_assigning_with_a_cap_of_one_replaces_the_account_manager() -> None:
    customer = Customer(T, "c1", "C1", portfolio="sul", account_managers=("ana",))
    assert customer.account_managers_assigning("bia", SUL, 1) == ("bia",)


def test_mb3_assigning_with_a_larger_cap_adds_after_those_who_stay() -> None:
    customer = Customer(T, "c1", "C1", account_managers=("cid", "ana"))
    assert customer.account_managers_assigning("bia", SUL, 3) == ("ana", "bia")
    assert customer.account_managers_assigning("ana", SUL, 3) == ("ana",)


def test_mb3_the_cap_cannot_go_below_what_a_customer_has() -> None:
    settings = TenantSettings(max_account_managers=3)
    assert settings.with_cap(2, lambda: 2).max_account_managers == 2
    with pytest.raises(RuleViolation) as caught:
        settings.with_cap(1, lambda: 2)
    assert refusal(caught.value) == (
        RuleViolation,
        "cap_below_current",
        "MB-3",
        "a customer has 2 account managers: the cap cannot go below that",
        {"cap": 1, "most": 2},
    )


def test_mb3_a_cap_that_is_no_count_is_refused_before_the_customers_are_asked() -> None:
    def asked() -> int:
        raise AssertionError("most asked")

    with pytest.raises(InvalidInput):
        TenantSettings().with_cap(0, asked)


# -- MB-1 ------------------------------------------------------------------------------------


def test_mb1_a_customer_following_its_organization_loses_managers_outside_the_new_portfolio() -> (
    None
):
    customer = Customer(T, "c1", "C1", organization="org", account_managers=("ana", "cid"))
    moved = customer.following("sul", "norte", lambda p: {"sul": SUL, "norte": NORTE}[p].managers)
    assert moved.account_managers == ("cid",)
    assert moved.ownership("norte").portfolio == "norte"


def test_mb1_a_customer_with_its_own_portfolio_does_not_follow_its_organization() -> None:
    customer = Customer(
        T, "c1", "C1", organization="org", portfolio="sul", account_managers=("ana",)
    )
    assert customer.following("sul", "norte", lambda p: ()) == customer


def test_mb1_an_organization_is_placed_in_one_portfolio_or_none() -> None:
    organization = Organization(T, "org", "Org")
    placed = organization.with_portfolio("sul")
    assert placed.placement == Placement("sul")
    assert placed.with_portfolio(None).portfolio is None
    assert organization.renamed("Org SA").name == "Org SA"


def test_mb1_a_customer_joins_an_organization_keeping_its_placement() -> None:
    customer = Customer(T, "c1", "C1", portfolio="sul", account_managers=("ana",))
    joined = customer.joining("org").renamed("Cliente")
    assert (joined.organization, joined.name, joined.placement) == (
        "org",
        "Cliente",
        customer.placement,
    )
    assert joined.with_account_managers(["bia"]).account_managers == ("bia",)


# -- MG-1 ------------------------------------------------------------------------------------


def test_mg1_an_ineligible_manager_is_refused_with_the_policys_reason() -> None:
    require_eligible(ANA, ProfileEligibility())
    with pytest.raises(RuleViolation) as caught:
        require_eligible(manager("val", profile=Profile.AGENT), ProfileEligibility())
    assert refusal(caught.value) == (
        RuleViolation,
        "manager_not_eligible",
        "MG-1",
        "manager 'val' may not manage portfolios: profile agent may not manage portfolios",
        {"manager": "val", "reason": "profile agent may not manage portfolios"},
    )


def test_mg1_editing_a_manager_keeps_what_is_not_given() -> None:
    edited = ANA.edit(profile=Profile.ADMINISTRATOR, stamp=STAMP).value
    assert (edited.name, edited.profile, edited.roles) == ("Ana", Profile.ADMINISTRATOR, ANA.roles)
    assert ANA.edit(stamp=STAMP) == Changed(ANA)


# -- MG-2, MG-6 ------------------------------------------------------------------------------


def test_mg2_a_customer_is_assigned_only_in_a_portfolio_its_manager_manages() -> None:
    membership.check_manages("ana", SUL, SUL.name)
    with pytest.raises(RuleViolation) as caught:
        membership.check_manages("cid", SUL, SUL.name)
    assert refusal(caught.value) == (
        RuleViolation,
        "manager_outside_portfolio",
        "MG-2",
        "manager 'cid' does not manage portfolio 'Sul'",
        {"manager": "cid", "portfolio": "sul"},
    )


def test_mg2_a_default_portfolio_is_one_the_manager_manages() -> None:
    membership.check_manages("cid", NORTE, NORTE.id)
    with pytest.raises(RuleViolation) as caught:
        membership.check_manages("cid", SUL, SUL.id)
    assert caught.value.message == "manager 'cid' does not manage portfolio 'sul'"
    assert caught.value.rule == "MG-2"


# -- MG-3, MG-4 ------------------------------------------------------------------------------


def test_mg3_leaving_with_no_choice_is_refused_naming_each_orphaned_portfolio() -> None:
    alone = Portfolio(T, "oeste", "Oeste", managers=("cid",))
    with pytest.raises(RuleViolation) as caught:
        membership.check_no_orphans(CID, [NORTE, alone], managers(CID), lambda p: p == "oeste")
    assert refusal(caught.value) == (
        RuleViolation,
        "portfolios_would_be_orphaned",
        "MG-3",
        "manager 'cid' is the last active manager of 'Oeste', which hold customers: "
        "choose transfer or keep",
        {"manager": "cid", "portfolios": ("oeste",)},
    )
    membership.check_no_orphans(ANA, [SUL], managers(ANA, BIA), lambda p: True)


def test_mg3_a_successor_is_another_active_eligible_manager() -> None:
    with pytest.raises(RuleViolation) as caught:
        membership.check_successor(ANA, ANA, None)
    assert (caught.value.code, caught.value.message) == (
        "successor_is_leaving",
        "manager 'ana' cannot be his own successor",
    )
    with pytest.raises(RuleViolation) as caught:
        membership.check_successor(ANA, GONE, None)
    assert (caught.value.code, caught.value.details) == ("manager_inactive", {"manager": "gil"})
    agent = manager("val", profile=Profile.AGENT)
    membership.check_successor(ANA, agent, None)  # no portfolios to hand over
    with pytest.raises(RuleViolation) as caught:
        membership.check_successor(ANA, agent, ProfileEligibility())
    assert caught.value.code == "manager_not_eligible"


def test_mg3_mg4_a_deactivated_manager_loses_his_default_and_gets_nothing_back() -> None:
    left = ANA.with_default("sul", STAMP).value.deactivate(STAMP).value
    assert (left.active, left.default_portfolio) == (False, None)
    assert left.reactivate(STAMP).value == ANA


# -- MG-5 ------------------------------------------------------------------------------------


def away(absence_id: str, start: int, end: int, backup: str = "bia") -> Absence:
    return Absence(absence_id, NOON + timedelta(days=start), NOON + timedelta(days=end), backup)


def test_mg5_an_absence_is_scheduled_with_another_active_backup() -> None:
    scheduled = ANA.schedule_absence(away("a1", 0, 2), BIA, STAMP).value
    assert scheduled.absences == (away("a1", 0, 2),)
    assert scheduled.backup_at(NOON + timedelta(days=1)) == "bia"


def test_mg5_the_backup_is_neither_the_absent_manager_nor_inactive() -> None:
    for backup in (ANA, GONE):
        with pytest.raises(RuleViolation) as caught:
            ANA.schedule_absence(away("a1", 0, 2, backup.id), backup, STAMP)
        assert refusal(caught.value) == (
            RuleViolation,
            "invalid_backup",
            "MG-5",
            f"manager {backup.id!r} cannot stand in for 'ana'",
            {"backup": backup.id},
        )


def test_mg5_absences_of_one_manager_do_not_overlap() -> None:
    scheduled = ANA.schedule_absence(away("a1", 0, 2), BIA, STAMP).value
    with pytest.raises(RuleViolation) as caught:
        scheduled.schedule_absence(away("a2", 1, 3), BIA, STAMP)
    assert (caught.value.code, caught.value.details) == ("absence_overlaps", {"absence": "a1"})
    assert len(scheduled.schedule_absence(away("a2", 2, 3), BIA, STAMP).value.absences) == 2


def test_mg5_cancelling_an_absence_removes_it_and_an_unknown_one_is_not_found() -> None:
    scheduled = ANA.schedule_absence(away("a1", 0, 2), BIA, STAMP).value
    assert scheduled.cancel_absence("a1", STAMP).value.absences == ()
    with pytest.raises(NotFound):
        scheduled.cancel_absence("a9", STAMP)


# -- PF-2, PF-4 ------------------------------------------------------------------------------


def test_pf4_an_edited_portfolio_keeps_its_id_and_version_and_cleans_its_name() -> None:
    stored = Portfolio(T, "sul", "Sul", managers=("ana",), version=4)
    journey = Journey("j1", "Onboarding")
    edited = stored.edit(
        name="  SUL ", description="d", journey=journey, managers=["ana", "ana"], stamp=STAMP
    ).value
    assert (edited.id, edited.version, edited.name, edited.managers) == ("sul", 4, "SUL", ("ana",))
    assert edited.key == stored.key
    with pytest.raises(InvalidInput):
        stored.edit(name=" ", description=None, journey=None, managers=(), stamp=STAMP)


# -- VS-1, VS-6, TK-4, RT-6 ------------------------------------------------------------------


def test_vs1_switching_settings_changes_only_what_is_given() -> None:
    settings = TenantSettings()
    switched = settings.switched(segmentation=False)
    assert (switched.segmentation, switched.open_access) == (False, settings.open_access)
    assert settings.switched() == settings
    with pytest.raises(InvalidInput):
        settings.switched(attachment_max_bytes=0)


def test_rt6_only_an_active_manager_attends_the_portal() -> None:
    assert TenantSettings().with_attendant(ANA).portal_attendant == "ana"
    assert TenantSettings(portal_attendant="ana").with_attendant(None).portal_attendant is None
    with pytest.raises(RuleViolation) as caught:
        TenantSettings().with_attendant(GONE)
    assert refusal(caught.value) == (
        RuleViolation,
        "attendant_inactive",
        "RT-6",
        "manager 'gil' is inactive and cannot attend the portal",
        {"manager": "gil"},
    )


# -- EV-1: the deciding methods return their events ------------------------------------------


def test_ev1_one_changed_serves_every_aggregate_and_the_ticket_module_still_exports_it() -> None:
    assert ticket.Changed is Changed
    assert Changed(ANA) == (ANA, ())
    assert MovedJourney is Journey


def test_ev1_pf1_pf3_creating_a_portfolio_returns_it_and_portfolio_created() -> None:
    journey = Journey("j1", "Onboarding")
    created = Portfolio.create("sul", "  Sul ", "d", journey, ["ana", "ana"], STAMP)
    assert created.value == Portfolio(T, "sul", "Sul", "d", journey, ("ana",))
    assert created.events == (
        PortfolioCreated(
            **WHO,
            portfolio_id="sul",
            name="Sul",
            description="d",
            journey=journey,
            managers=("ana",),
        ),
    )
    bare = Portfolio.create("oeste", "Oeste", None, None, [], STAMP)  # PF-3: no manager
    assert (bare.value.managers, len(bare.events)) == ((), 1)
    with pytest.raises(InvalidInput):
        Portfolio.create("x", " ", None, None, [], STAMP)


def test_ev1_pf4_an_edit_returns_portfolio_edited_with_the_new_state() -> None:
    stored = Portfolio(T, "sul", "Sul", managers=("ana",), version=4)
    edited = stored.edit(
        name="SUL", description=None, journey=None, managers=("ana", "bia"), stamp=STAMP
    )
    assert edited.value == Portfolio(T, "sul", "SUL", managers=("ana", "bia"), version=4)
    assert edited.events == (
        PortfolioEdited(
            **WHO,
            portfolio_id="sul",
            name="SUL",
            description=None,
            journey=None,
            managers=("ana", "bia"),
        ),
    )


def test_ev1_pf4_an_edit_that_changes_nothing_produces_nothing() -> None:
    same = SUL.edit(name=" Sul", description=None, journey=None, managers=SUL.managers, stamp=STAMP)
    assert same == Changed(SUL)


def test_ev1_pf5_deleting_a_portfolio_lists_every_customer_and_organization_it_left() -> None:
    deleted = SUL.delete(["c1", "c2"], iter(["org"]), STAMP)
    assert deleted == Changed(
        SUL,
        (
            PortfolioDeleted(
                **WHO,
                portfolio_id="sul",
                name="Sul",
                customers=("c1", "c2"),
                organizations=("org",),
            ),
        ),
    )


def test_ev1_mg3_a_leaving_manager_is_replaced_or_taken_off_each_portfolio() -> None:
    replaced = SUL.with_manager_replaced("ana", "cid", STAMP)
    assert replaced.value.managers == ("cid", "bia")
    kept = SUL.without_manager("ana", STAMP)
    assert kept.value.managers == ("bia",)
    for changed in (replaced, kept):
        (event,) = changed.events
        assert event == PortfolioEdited(
            **WHO,
            portfolio_id="sul",
            name="Sul",
            description=None,
            journey=None,
            managers=changed.value.managers,
        )
    # Taking the successor's own place merges him; someone who is no manager changes nothing.
    assert SUL.with_manager_replaced("ana", "bia", STAMP).value.managers == ("bia",)
    assert SUL.without_manager("cid", STAMP) == Changed(SUL)
    assert SUL.with_manager_replaced("cid", "ana", STAMP) == Changed(SUL)


def test_ev1_mg1_registering_a_manager_returns_manager_registered() -> None:
    roles = frozenset({Role("lead", {Permission.MANAGE_PORTFOLIOS})})
    registered = Manager.register("eva", "Eva", Profile.ANALYST, roles, True, STAMP)
    assert registered.value == Manager(T, "eva", "Eva", Profile.ANALYST, roles, True)
    assert registered.events == (
        ManagerRegistered(
            **WHO, manager_id="eva", name="Eva", profile=Profile.ANALYST, roles=roles, active=True
        ),
    )


def test_ev1_mg1_editing_a_manager_returns_manager_updated_with_the_new_state() -> None:
    edited = ANA.with_default("sul", STAMP).value.edit(name="Ana Maria", stamp=STAMP)
    assert (edited.value.name, edited.value.default_portfolio) == ("Ana Maria", "sul")
    assert edited.events == (
        ManagerUpdated(
            **WHO,
            manager_id="ana",
            name="Ana Maria",
            profile=Profile.ANALYST,
            roles=frozenset(),
            active=True,
        ),
    )
    assert ANA.edit(name="Ana", profile=Profile.ANALYST, stamp=STAMP) == Changed(ANA)


def test_ev1_mg3_mg4_deactivating_and_reactivating_return_manager_updated() -> None:
    off = ANA.with_default("sul", STAMP).value.deactivate(STAMP)
    assert (off.value.active, off.value.default_portfolio) == (False, None)
    assert off.events == (
        ManagerUpdated(
            **WHO,
            manager_id="ana",
            name="Ana",
            profile=Profile.ANALYST,
            roles=frozenset(),
            active=False,
        ),
    )
    on = off.value.reactivate(STAMP)
    assert on.value == ANA  # MG-3: he gets back nothing he left
    assert [type(e) for e in on.events] == [ManagerUpdated]
    assert on.events[0] == attrs.evolve(off.events[0], active=True)
    # Nothing to do, nothing to record.
    assert GONE.deactivate(STAMP) == Changed(GONE)
    assert ANA.reactivate(STAMP) == Changed(ANA)


def test_ev1_mg3_a_leaving_manager_loses_his_default_and_returns_manager_left() -> None:
    left = ANA.with_default("sul", STAMP).value.leave(
        LeaveReason.DEACTIVATED, LeaveMode.TRANSFER, "cid", iter(["c1"]), ["sul"], STAMP
    )
    assert left.value == ANA
    assert left.events == (
        ManagerLeft(
            **WHO,
            manager_id="ana",
            reason=LeaveReason.DEACTIVATED,
            mode=LeaveMode.TRANSFER,
            successor="cid",
            customers=("c1",),
            portfolios=("sul",),
        ),
    )


def test_ev1_mg3_removing_a_manager_returns_manager_removed() -> None:
    assert ANA.remove(STAMP) == Changed(ANA, (ManagerRemoved(**WHO, manager_id="ana"),))


def test_ev1_mg2_marking_a_default_portfolio_returns_default_portfolio_changed() -> None:
    marked = ANA.with_default("sul", STAMP)
    assert marked == Changed(
        attrs.evolve(ANA, default_portfolio="sul"),
        (DefaultPortfolioChanged(**WHO, manager_id="ana", portfolio_id="sul"),),
    )
    cleared = marked.value.with_default(None, STAMP)
    assert cleared == Changed(
        ANA, (DefaultPortfolioChanged(**WHO, manager_id="ana", portfolio_id=None),)
    )
    assert marked.value.with_default("sul", STAMP) == Changed(marked.value)


def test_ev1_mg5_scheduling_and_cancelling_an_absence_return_their_events() -> None:
    absence = away("a1", 0, 2)
    scheduled = ANA.schedule_absence(absence, BIA, STAMP)
    assert scheduled.events == (
        AbsenceScheduled(
            **WHO,
            manager_id="ana",
            absence_id="a1",
            start=absence.start,
            end=absence.end,
            backup="bia",
        ),
    )
    cancelled = scheduled.value.cancel_absence("a1", STAMP)
    assert cancelled == Changed(ANA, (AbsenceCancelled(**WHO, manager_id="ana", absence_id="a1"),))


def test_ev1_mb1_registering_a_customer_returns_customer_registered() -> None:
    registered = Customer.register("c1", "Cliente", "org", STAMP)
    assert registered.value == Customer(T, "c1", "Cliente", "org")
    assert registered.value.placement == Placement()  # MB-4: outside portfolio of its own
    assert registered.events == (
        CustomerRegistered(**WHO, customer_id="c1", name="Cliente", organization="org"),
    )


def test_ev1_mb1_updating_a_customer_keeps_its_placement_and_returns_customer_updated() -> None:
    customer = Customer(T, "c1", "C1", portfolio="sul", account_managers=("ana",))
    updated = customer.update(name="Cliente", organization="org", stamp=STAMP)
    assert updated.value == Customer(
        T, "c1", "Cliente", "org", portfolio="sul", account_managers=("ana",)
    )
    assert updated.events == (
        CustomerUpdated(**WHO, customer_id="c1", name="Cliente", organization="org"),
    )
    left = updated.value.update(name="Cliente", organization=None, stamp=STAMP)
    assert left.events == (
        CustomerUpdated(**WHO, customer_id="c1", name="Cliente", organization=None),
    )
    assert customer.update(name="C1", organization=None, stamp=STAMP) == Changed(customer)


def test_ev1_mb1_registering_and_renaming_an_organization_return_their_events() -> None:
    registered = Organization.register("org", "Org", STAMP)
    assert registered == Changed(
        Organization(T, "org", "Org"),
        (OrganizationRegistered(**WHO, organization_id="org", name="Org"),),
    )
    placed = registered.value.with_portfolio("sul")
    renamed = placed.rename("Org SA", STAMP)
    assert renamed == Changed(
        Organization(T, "org", "Org SA", "sul"),
        (OrganizationUpdated(**WHO, organization_id="org", name="Org SA"),),
    )
    assert placed.rename("Org", STAMP) == Changed(placed)


def test_ev1_vs1_vs6_tk4_rt6_changing_settings_returns_settings_changed_with_the_new_values() -> (
    None
):
    changed = TenantSettings().change(
        STAMP,
        most=lambda: 1,
        attendant=ANA,
        attachment_max_bytes=10,
        attachment_types=["text/plain", "image/png"],
        segmentation=False,
        open_access=True,
        owner_only=True,
        max_account_managers=2,
    )
    assert changed.value == TenantSettings(
        segmentation=False,
        max_account_managers=2,
        owner_only=True,
        portal_attendant="ana",
        attachment_max_bytes=10,
        attachment_types={"image/png", "text/plain"},
        open_access=True,
    )
    assert changed.events == (
        SettingsChanged(
            **WHO,
            segmentation=False,
            max_account_managers=2,
            owner_only=True,
            portal_attendant="ana",
            attachment_max_bytes=10,
            attachment_types=("image/png", "text/plain"),
            open_access=True,
        ),
    )


def test_ev1_vs1_settings_changed_to_what_they_are_produce_nothing() -> None:
    def asked() -> int:
        raise AssertionError("most asked")

    settings = TenantSettings(segmentation=False)
    assert settings.change(STAMP, most=asked) == Changed(settings)
    assert settings.change(STAMP, most=asked, segmentation=False, attendant=KEEP) == Changed(
        settings
    )


def test_mb3_rt6_settings_refuse_in_the_order_of_their_parameters() -> None:
    with pytest.raises(RuleViolation) as caught:  # the attendant first ...
        TenantSettings().change(STAMP, most=lambda: 3, attendant=GONE, max_account_managers=1)
    assert caught.value.code == "attendant_inactive"
    with pytest.raises(InvalidInput) as invalid:  # ... then the flags, each by its path
        TenantSettings().change(
            STAMP,
            most=lambda: 3,
            segmentation="yes",  # type: ignore[arg-type]
            max_account_managers=1,
        )
    assert [e.path for e in invalid.value.errors] == ["$.segmentation"]
    with pytest.raises(RuleViolation) as caught:  # ... and the cap last (MB-3)
        TenantSettings().change(STAMP, most=lambda: 3, max_account_managers=1)
    assert caught.value.code == "cap_below_current"
