"""Portfolios: PF-1..PF-6."""

from __future__ import annotations

import pytest

from carteira import (
    ALL_PERMISSIONS,
    Carteira,
    Conflict,
    InMemoryStore,
    InvalidInput,
    Journey,
    ManualClock,
    NotFound,
    Ownership,
    Permission,
    PermissionDenied,
    PortfolioSummary,
    Principal,
    Profile,
    Role,
    RuleViolation,
    SubjectKind,
    Way,
)
from carteira.events import MembershipChanged, PortfolioCreated, PortfolioDeleted, PortfolioEdited

TENANT = "acme"


def analyst(app: Carteira, system: Principal, manager_id: str) -> str:
    app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    return manager_id


def counts(store: InMemoryStore) -> tuple[int, int]:
    with store.unit_of_work(TENANT) as uow:
        return uow.customers.count(), uow.organizations.count()


def summary(app: Carteira, system: Principal, portfolio_id: str) -> PortfolioSummary:
    return next(s for s in app.list_portfolios(system) if s.portfolio.id == portfolio_id)


# -- PF-1 -----------------------------------------------------------------------------------


def test_pf1_portfolio_names_are_unique_ignoring_case(app: Carteira, system: Principal) -> None:
    app.create_portfolio(system, "Sul")
    with pytest.raises(Conflict) as caught:
        app.create_portfolio(system, "SUL")
    assert caught.value.code == "portfolio_name_taken"
    assert caught.value.details["holder"] == "p1"
    assert [s.portfolio.name for s in app.list_portfolios(system)] == ["Sul"]


def test_pf1_a_blank_name_is_refused(app: Carteira, system: Principal) -> None:
    with pytest.raises(InvalidInput) as caught:
        app.create_portfolio(system, "  ")
    assert caught.value.code == "name_required"
    assert list(app.list_portfolios(system)) == []


# -- PF-2 / PF-3 ----------------------------------------------------------------------------


def test_pf2_a_portfolio_has_description_journey_and_managers(
    app: Carteira, system: Principal
) -> None:
    ana = analyst(app, system, "ana")
    bia = analyst(app, system, "bia")
    journey = Journey("j1", "Onboarding")
    created = app.create_portfolio(
        system, "Sul", description="southern stores", journey=journey, managers=[ana, bia, ana]
    ).value
    assert created.description == "southern stores"
    assert created.journey == journey
    assert created.managers == (ana, bia)  # in order, without repeats
    listed = summary(app, system, created.id).portfolio
    assert listed == created


def test_pf3_a_portfolio_without_managers_or_journey_is_created_unavailable(
    app: Carteira, system: Principal
) -> None:
    result = app.create_portfolio(system, "Norte")
    portfolio = result.value
    assert portfolio.managers == ()
    assert portfolio.journey is None
    assert portfolio.description is None
    listed = summary(app, system, portfolio.id)
    assert listed.available is False
    assert listed.orphaned is False
    assert isinstance(result.events[0], PortfolioCreated)


def test_pf3_a_portfolio_with_an_active_manager_is_available(
    app: Carteira, system: Principal
) -> None:
    ana = analyst(app, system, "ana")
    empty = app.create_portfolio(system, "Norte").value
    staffed = app.create_portfolio(system, "Sul", managers=[ana]).value
    flags = {s.portfolio.id: s.available for s in app.list_portfolios(system)}
    assert flags == {empty.id: False, staffed.id: True}


def test_pf3_an_unavailable_portfolio_receives_no_customer(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    empty = app.create_portfolio(system, "Norte").value
    app.register_customer(system, "c1", "Cliente")
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.set_customer_membership(system, "c1", portfolio=empty.id)
    assert caught.value.code == "portfolio_unavailable"
    assert store.snapshot() == before


def test_pf3_a_portfolio_whose_only_manager_is_inactive_is_listed_unavailable(
    app: Carteira, system: Principal
) -> None:
    ana = analyst(app, system, "ana")
    portfolio = app.create_portfolio(system, "Sul", managers=[ana]).value
    app.deactivate_manager(system, ana)
    assert summary(app, system, portfolio.id).available is False


# -- PF-4 -----------------------------------------------------------------------------------


def test_pf4_renaming_to_another_casing_of_its_own_name_is_allowed(
    app: Carteira, system: Principal
) -> None:
    portfolio = app.create_portfolio(system, "Sul").value
    result = app.edit_portfolio(system, portfolio.id, name="SUL")
    assert result.value.name == "SUL"
    assert isinstance(result.events[0], PortfolioEdited)
    assert [s.portfolio.name for s in app.list_portfolios(system)] == ["SUL"]


def test_pf4_renaming_to_anothers_name_in_any_casing_is_refused(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    app.create_portfolio(system, "Straße")
    norte = app.create_portfolio(system, "Norte").value
    before = store.snapshot()
    with pytest.raises(Conflict) as caught:
        app.edit_portfolio(system, norte.id, name="STRASSE")
    assert caught.value.code == "portfolio_name_taken"
    assert caught.value.rule == "PF-1"
    assert store.snapshot() == before


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "name_required"), ("   ", "name_required"), ("x" * 129, "name_too_long")],
)
def test_pf4_editing_rechecks_the_name_rules(
    app: Carteira, store: InMemoryStore, system: Principal, name: str, code: str
) -> None:
    portfolio = app.create_portfolio(system, "Sul").value
    before = store.snapshot()
    with pytest.raises(InvalidInput) as caught:
        app.edit_portfolio(system, portfolio.id, name=name)
    assert caught.value.code == code
    assert store.snapshot() == before


def test_pf4_a_renamed_portfolio_frees_its_old_name(app: Carteira, system: Principal) -> None:
    portfolio = app.create_portfolio(system, "Sul").value
    app.edit_portfolio(system, portfolio.id, name="Sudeste")
    again = app.create_portfolio(system, "sul").value
    assert sorted(s.portfolio.name for s in app.list_portfolios(system)) == ["Sudeste", "sul"]
    assert again.id != portfolio.id


def test_pf4_editing_only_the_description_keeps_the_name(app: Carteira, system: Principal) -> None:
    portfolio = app.create_portfolio(system, "Sul", description="old").value
    edited = app.edit_portfolio(system, portfolio.id, description="new").value
    assert (edited.name, edited.description) == ("Sul", "new")


# -- PF-5 -----------------------------------------------------------------------------------


@pytest.fixture
def populated(app: Carteira, system: Principal) -> dict[str, str]:
    """Portfolio Sul (ana, bia) with an own customer, an organization and its members.

    c-own: own portfolio Sul, account manager ana
    org: in Sul; c-org: member inheriting Sul, account manager bia
    c-elsewhere: member of org with its own portfolio Norte
    c-out: outside portfolio
    """
    ana = analyst(app, system, "ana")
    bia = analyst(app, system, "bia")
    cid = analyst(app, system, "cid")
    sul = app.create_portfolio(system, "Sul", managers=[ana, bia]).value.id
    norte = app.create_portfolio(system, "Norte", managers=[cid]).value.id
    app.set_default_portfolio(system, ana, sul)
    app.set_default_portfolio(system, cid, norte)
    app.register_organization(system, "org", "Org")
    app.set_organization_portfolio(system, "org", sul)
    app.register_customer(system, "c-own", "Own")
    app.assign_customer(system, "c-own", ana, portfolio=sul)
    app.register_customer(system, "c-org", "Member", organization="org")
    app.assign_customer(system, "c-org", bia, portfolio=sul)
    app.set_customer_membership(system, "c-org", portfolio=None)
    app.register_customer(system, "c-elsewhere", "Elsewhere", organization="org")
    app.assign_customer(system, "c-elsewhere", cid, portfolio=norte)
    app.register_customer(system, "c-out", "Outside")
    return {"sul": sul, "norte": norte}


def test_pf5_the_fixture_starts_where_the_tests_assume(
    app: Carteira, system: Principal, populated: dict[str, str]
) -> None:
    sul = populated["sul"]
    assert app.customer(system, "c-org").ownership == Ownership(sul, ("bia",), inherited=True)
    assert app.customer(system, "c-own").ownership == Ownership(sul, ("ana",))
    page = app.customers_of_portfolio(system, sul)
    assert [c.id for c in page.items] == ["c-org", "c-own"]


def test_pf5_deleting_a_portfolio_leaves_its_customers_and_organizations_outside(
    app: Carteira, system: Principal, populated: dict[str, str]
) -> None:
    app.delete_portfolio(system, populated["sul"])
    for customer_id in ("c-own", "c-org"):
        view = app.customer(system, customer_id)
        assert view.ownership == Ownership()
        assert view.ownership.in_portfolio is False
        assert view.customer.account_managers == ()
    # the organization went outside too: its member with no portfolio of its own follows
    assert app.customer(system, "c-org").customer.organization == "org"
    # a member with its own portfolio elsewhere is untouched
    assert app.customer(system, "c-elsewhere").ownership == Ownership(populated["norte"], ("cid",))


def test_pf5_deletion_never_deletes_a_customer_or_an_organization(
    app: Carteira, store: InMemoryStore, system: Principal, populated: dict[str, str]
) -> None:
    before = counts(store)
    app.delete_portfolio(system, populated["sul"])
    assert counts(store) == before == (4, 1)


def test_pf5_the_deletion_event_lists_every_affected_customer_and_organization(
    app: Carteira, clock: ManualClock, system: Principal, populated: dict[str, str]
) -> None:
    clock.advance()
    events = app.delete_portfolio(system, populated["sul"]).events
    deleted = [e for e in events if isinstance(e, PortfolioDeleted)]
    assert len(deleted) == 1
    event = deleted[0]
    assert event.portfolio_id == populated["sul"]
    assert event.name == "Sul"
    assert sorted(event.customers) == ["c-org", "c-own"]
    assert event.organizations == ("org",)
    assert (event.tenant, event.actor, event.at) == (TENANT, "system", clock.now())


def test_pf5_deletion_records_each_change_with_way_portfolio_deleted(
    app: Carteira, system: Principal, populated: dict[str, str]
) -> None:
    sul = populated["sul"]
    events = app.delete_portfolio(system, sul).events
    changes = {(e.subject, e.subject_id): e for e in events if isinstance(e, MembershipChanged)}
    assert set(changes) == {
        (SubjectKind.CUSTOMER, "c-own"),
        (SubjectKind.CUSTOMER, "c-org"),
        (SubjectKind.ORGANIZATION, "org"),
    }
    assert all(e.way is Way.PORTFOLIO_DELETED for e in changes.values())
    own = changes[(SubjectKind.CUSTOMER, "c-own")]
    assert own.before == Ownership(sul, ("ana",))
    assert own.after == Ownership()
    history = app.owner_history(system, "c-org")
    assert history[-1].way is Way.PORTFOLIO_DELETED
    assert history[-1].before == Ownership(sul, ("bia",), inherited=True)
    assert history[-1].after == Ownership()


def test_pf5_managers_lose_the_deleted_portfolio_as_default(
    app: Carteira, store: InMemoryStore, system: Principal, populated: dict[str, str]
) -> None:
    app.delete_portfolio(system, populated["sul"])
    assert list(app.portfolios_of_manager(system, "ana")) == []
    with store.unit_of_work(TENANT) as uow:  # the stored record itself
        assert uow.managers.get("ana").default_portfolio is None
        assert uow.managers.get("cid").default_portfolio == populated["norte"]


def test_pf5_a_deleted_portfolio_is_gone_for_good(
    app: Carteira, system: Principal, populated: dict[str, str]
) -> None:
    sul = populated["sul"]
    app.delete_portfolio(system, sul)
    assert [s.portfolio.id for s in app.list_portfolios(system)] == [populated["norte"]]
    with pytest.raises(NotFound) as caught:
        app.edit_portfolio(system, sul, name="Sul de novo")
    assert caught.value.code == "not_found"
    with pytest.raises(NotFound) as again:
        app.delete_portfolio(system, sul)
    assert again.value.code == "not_found"
    # its name is free again, for a new portfolio
    assert app.create_portfolio(system, "Sul").value.id != sul


def test_pf5_a_member_with_its_own_portfolio_elsewhere_is_not_listed_in_the_deletion(
    app: Carteira, system: Principal, populated: dict[str, str]
) -> None:
    event = next(
        e
        for e in app.delete_portfolio(system, populated["sul"]).events
        if isinstance(e, PortfolioDeleted)
    )
    assert "c-elsewhere" not in event.customers
    assert "c-out" not in event.customers


def test_pf5_mb6_after_deletion_history_agrees_with_where_the_customer_stands(
    app: Carteira, clock: ManualClock, system: Principal
) -> None:
    """PF-5/MB-6: a customer with its own portfolio P in an organization of Q.

    Deleting P leaves it with no portfolio of its own, so it stands in Q through its
    organization. The history's last ``after`` and ``owners_at(now)`` must say where it
    actually stands, as ``customer()`` does.
    """
    ana = analyst(app, system, "ana")
    bia = analyst(app, system, "bia")
    p = app.create_portfolio(system, "P", managers=[ana]).value.id
    q = app.create_portfolio(system, "Q", managers=[bia]).value.id
    app.register_organization(system, "org", "Org")
    app.set_organization_portfolio(system, "org", q)
    app.register_customer(system, "c1", "C1", organization="org")
    app.set_customer_membership(system, "c1", portfolio=p, account_managers=[ana])
    clock.advance()
    app.delete_portfolio(system, p)
    now_view = app.customer(system, "c1").ownership
    assert app.owner_history(system, "c1")[-1].after == now_view
    assert app.owners_at(system, "c1", clock.now()) == now_view


def test_pf5_mb2_deletion_refused_when_a_customer_would_fall_into_an_orphaned_portfolio(
    app: Carteira, store: InMemoryStore, system: Principal
) -> None:
    """PF-5 with MB-1/MB-2: a customer of P whose organization sits in Q falls back to Q.

    When Q has no active manager (orphaned by an explicit MG-3 keep), that fallback would
    put a customer in a manager-less portfolio, so the deletion is refused as a whole.
    """
    ana = analyst(app, system, "ana")
    bia = analyst(app, system, "bia")
    p = app.create_portfolio(system, "P", managers=[ana]).value.id
    q = app.create_portfolio(system, "Q", managers=[bia]).value.id
    app.register_organization(system, "org", "Org")
    app.set_organization_portfolio(system, "org", q)
    app.register_customer(system, "c1", "C1", organization="org")
    app.set_customer_membership(system, "c1", portfolio=p, account_managers=[ana])
    app.deactivate_manager(system, bia, keep=True)
    before = store.snapshot()

    with pytest.raises(RuleViolation) as caught:
        app.delete_portfolio(system, p)

    assert (caught.value.code, caught.value.rule) == ("portfolio_unavailable", "MB-2")
    assert before == store.snapshot()


# -- PF-6 -----------------------------------------------------------------------------------


@pytest.fixture
def clerk(app: Carteira, system: Principal) -> Principal:
    """A manager holding every permission but MANAGE_PORTFOLIOS."""
    permissions = ALL_PERMISSIONS - {Permission.MANAGE_PORTFOLIOS}
    app.register_manager(
        system, "clerk", "Clerk", profile=Profile.ADMINISTRATOR, roles=[Role("clerk", permissions)]
    )
    return Principal.manager(TENANT, "clerk")


def test_pf6_only_manage_portfolios_creates(
    app: Carteira, store: InMemoryStore, clerk: Principal, admin: Principal
) -> None:
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.create_portfolio(clerk, "Sul")
    assert caught.value.code == "permission_denied"
    assert caught.value.rule == "PF-6"
    assert caught.value.details["permission"] == Permission.MANAGE_PORTFOLIOS.value
    assert store.snapshot() == before
    assert app.create_portfolio(admin, "Sul").value.name == "Sul"


def test_pf6_only_manage_portfolios_edits(
    app: Carteira, store: InMemoryStore, system: Principal, clerk: Principal, admin: Principal
) -> None:
    portfolio = app.create_portfolio(system, "Sul").value
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.edit_portfolio(clerk, portfolio.id, name="Norte")
    assert (caught.value.code, caught.value.rule) == ("permission_denied", "PF-6")
    assert store.snapshot() == before
    assert app.edit_portfolio(admin, portfolio.id, name="Norte").value.name == "Norte"


def test_pf6_only_manage_portfolios_deletes(
    app: Carteira, store: InMemoryStore, system: Principal, clerk: Principal, admin: Principal
) -> None:
    portfolio = app.create_portfolio(system, "Sul").value
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.delete_portfolio(clerk, portfolio.id)
    assert (caught.value.code, caught.value.rule) == ("permission_denied", "PF-6")
    assert store.snapshot() == before
    app.delete_portfolio(admin, portfolio.id)
    assert list(app.list_portfolios(system)) == []


def test_pf6_permission_is_checked_before_the_portfolio_is_looked_up(
    app: Carteira, store: InMemoryStore, clerk: Principal
) -> None:
    """PF-6/PM-2: without the permission a missing portfolio is a refusal, not NotFound."""
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.delete_portfolio(clerk, "nope")
    assert caught.value.code == "permission_denied"
    assert store.snapshot() == before


def test_pf3_one_portfolio_is_marked_as_listings_mark_it(app: Carteira, system: Principal) -> None:
    """PF-3: ``portfolio`` answers one portfolio as a listing page would show it."""
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.create_portfolio(system, "Norte", portfolio_id="norte")
    listed = {s.portfolio.id: s for s in app.list_portfolios(system)}
    assert app.portfolio(system, "sul") == listed["sul"]
    assert app.portfolio(system, "norte") == listed["norte"]
    assert not app.portfolio(system, "norte").available
    with pytest.raises(NotFound):
        app.portfolio(system, "leste")
