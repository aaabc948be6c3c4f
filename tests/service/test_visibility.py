"""Visibility by example: VS-1, VS-2, VS-3, VS-5, MG-4, MG-5 and TN-1 for listings.

Every expected answer here is written out by hand from the SPEC; the library's policy
functions are never called to compute one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from carteira import (
    Carteira,
    CarteiraError,
    InMemoryStore,
    ManualClock,
    NotFound,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RoutingMode,
    Subject,
)

TENANT = "acme"
CUS, ORG, TIC = Subject.CUSTOMER, Subject.ORGANIZATION, Subject.TICKET

GRANTING = {
    "system",
    "segmentation_off",
    "open_access",
    "manages_portfolio",
    "account_manager",
    "outside_portfolio_view_unassigned",
    "view_all",
    "ticket_assignee",
}


def who(manager_id: str) -> Principal:
    return Principal.manager(TENANT, manager_id)


def role(name: str, *permissions: str) -> Role:
    return Role(name, set(permissions))


def customers(app: Carteira, principal: Principal, **kwargs: Any) -> list[str]:
    return [c.id for c in app.visible_customers(principal, **kwargs).items]


def organizations(app: Carteira, principal: Principal) -> list[str]:
    return [o.id for o in app.visible_organizations(principal).items]


def tickets(app: Carteira, principal: Principal, **kwargs: Any) -> list[str]:
    return [t.id for t in app.visible_tickets(principal, **kwargs).items]


def signature(call: Callable[[], Any]) -> tuple[Any, ...]:
    """The refusal a call raises, with its record id masked out."""
    with pytest.raises(CarteiraError) as caught:
        call()
    error = caught.value
    details = {k: v for k, v in error.details.items() if k != "id"}
    record = error.details.get("id")
    message = str(error).replace(repr(record), "<id>")
    return type(error), error.code, error.rule, details, message


@pytest.fixture
def world(app: Carteira, system: Principal) -> Carteira:
    """A small tenant where each clause of VS-2 grants exactly one view.

    - ana manages Sul: c-sul (own), c-org (through org-sul), org-sul, t-sul on c-sul;
    - bia manages Norte: c-norte (own, account manager bia);
    - eva (no permission) is account manager of c-eva, which has no portfolio, and the
      assignee of t-sul;
    - cid holds VIEW_UNASSIGNED; c-fora and org-livre are outside portfolio, t-fora on c-fora;
    - dan holds VIEW_ALL; mgr holds MANAGE_MANAGERS and VIEW_ALL; chefe MANAGE_MANAGERS only;
    - department fila lists eva and bia, avulso lists cid: t-fora waits in avulso's queue.
    """
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    app.register_manager(system, "bia", "Bia", profile=Profile.ANALYST)
    app.register_manager(system, "eva", "Eva")
    app.register_manager(system, "cid", "Cid", roles=[role("triagem", "view_unassigned")])
    app.register_manager(system, "dan", "Dan", roles=[role("geral", "view_all")])
    app.register_manager(
        system, "mgr", "Mgr", roles=[role("gestao", "manage_managers", "view_all")]
    )
    app.register_manager(system, "chefe", "Chefe", roles=[role("rh", "manage_managers")])
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.create_portfolio(system, "Norte", managers=["bia"], portfolio_id="norte")
    app.register_organization(system, "org-sul", "Organização Sul")
    app.set_organization_portfolio(system, "org-sul", "sul")
    app.register_organization(system, "org-livre", "Organização Livre")
    app.register_customer(system, "c-sul", "Padaria Sul")
    app.set_customer_membership(system, "c-sul", portfolio="sul")
    app.register_customer(system, "c-org", "Mercado do Grupo", organization="org-sul")
    app.register_customer(system, "c-norte", "Oficina Norte")
    app.set_customer_membership(system, "c-norte", portfolio="norte", account_managers=["bia"])
    app.register_customer(system, "c-eva", "Loja da Eva")
    app.set_customer_membership(system, "c-eva", account_managers=["eva"])
    app.register_customer(system, "c-fora", "Cliente Avulso")
    # Each department lists its members, so a queue (VS-7) shows to them alone.
    app.save_department(system, "fila", "Fila", routing=RoutingMode.QUEUE, members=["eva", "bia"])
    app.save_department(system, "avulso", "Avulso", routing=RoutingMode.QUEUE, members=["cid"])
    app.open_ticket(system, "t-sul", "c-sul", "fila")
    app.reassign_ticket(system, "t-sul", "eva")
    app.open_ticket(system, "t-fora", "c-fora", "avulso")
    return app


ALL_CUSTOMERS = ["c-eva", "c-fora", "c-norte", "c-org", "c-sul"]
ALL_ORGANIZATIONS = ["org-livre", "org-sul"]
ALL_TICKETS = ["t-fora", "t-sul"]


# -- VS-1 -------------------------------------------------------------------------------------


def test_vs1_segmentation_is_on_by_default(world: Carteira, system: Principal) -> None:
    assert world.settings(system).segmentation is True
    assert world.can_view(who("eva"), CUS, "c-fora") is False


def test_vs1_segmentation_off_every_active_manager_sees_everything(
    world: Carteira, system: Principal
) -> None:
    world.update_settings(system, segmentation=False)
    for manager in ("ana", "bia", "eva", "cid", "chefe"):
        sees_everything(world, who(manager), "segmentation_off")


def sees_everything(world: Carteira, principal: Principal, clause: str) -> None:
    """Every check, listing and batch lets ``principal`` see every record, through ``clause``."""
    assert [world.can_view(principal, CUS, c) for c in ALL_CUSTOMERS] == [True] * 5
    assert [world.can_view(principal, ORG, o) for o in ALL_ORGANIZATIONS] == [True] * 2
    assert [world.can_view(principal, TIC, t) for t in ALL_TICKETS] == [True] * 2
    assert customers(world, principal) == ALL_CUSTOMERS
    assert organizations(world, principal) == ALL_ORGANIZATIONS
    assert tickets(world, principal) == ALL_TICKETS
    assert world.visible_among(principal, CUS, ALL_CUSTOMERS) == set(ALL_CUSTOMERS)
    assert world.explain(principal, CUS, "c-norte").clause == clause


def test_vs1_segmentation_off_does_not_wake_an_inactive_manager(
    world: Carteira, system: Principal
) -> None:
    world.update_settings(system, segmentation=False)
    world.deactivate_manager(system, "eva", keep=True)
    with pytest.raises(PermissionDenied):
        world.can_view(who("eva"), CUS, "c-fora")
    verdict = world.explain(who("mgr"), CUS, "c-fora", viewer_id="eva")
    assert verdict.granted is False


def test_vs1_turning_segmentation_back_on_restricts_again(
    world: Carteira, system: Principal
) -> None:
    world.update_settings(system, segmentation=False)
    assert customers(world, who("eva")) == ALL_CUSTOMERS
    world.update_settings(system, segmentation=True)
    assert customers(world, who("eva")) == ["c-eva"]
    assert world.can_view(who("eva"), CUS, "c-fora") is False


# -- VS-6: open access -------------------------------------------------------------------------


def test_vs6_open_access_is_off_by_default_and_lets_every_active_manager_see_everything(
    world: Carteira, system: Principal
) -> None:
    """VS-6, seed 001's second option: everyone sees everything; segmentation stays on."""
    assert world.settings(system).open_access is False
    settings = world.update_settings(system, open_access=True).value
    assert (settings.segmentation, settings.open_access) == (True, True)
    for manager in ("ana", "bia", "eva", "cid", "chefe"):
        sees_everything(world, who(manager), "open_access")
    world.deactivate_manager(system, "eva", keep=True)
    assert world.explain(who("mgr"), CUS, "c-fora", viewer_id="eva").granted is False
    world.update_settings(system, open_access=False)
    assert customers(world, who("ana")) == ["c-org", "c-sul"]


def test_vs6_open_access_changes_nothing_but_what_managers_see(
    world: Carteira, system: Principal
) -> None:
    """VS-6 ("não muda a regra primária de carteira"): ownership, routing and ways stay."""
    world.save_department(system, "chat", "Chat")
    before = {c: world.customer(system, c).ownership for c in ALL_CUSTOMERS}
    routed = {c: world.route(system, c, "chat") for c in ALL_CUSTOMERS}
    world.update_settings(system, open_access=True)
    assert {c: world.customer(system, c).ownership for c in ALL_CUSTOMERS} == before
    assert {c: world.route(system, c, "chat") for c in ALL_CUSTOMERS} == routed
    with pytest.raises(PermissionDenied):  # seeing is not acting: eva may not set portfolios
        world.set_customer_membership(who("eva"), "c-norte", portfolio="sul")
    with pytest.raises(CarteiraError):
        world.update_settings(system, open_access="yes")  # type: ignore[arg-type]


# -- VS-2: customers ----------------------------------------------------------------------------


def test_vs2a_he_sees_the_customers_of_the_portfolio_he_manages(world: Carteira) -> None:
    """Clause (a): his own portfolio, and its organization's when it has none of its own."""
    ana = who("ana")
    assert world.can_view(ana, CUS, "c-sul") is True
    assert world.can_view(ana, CUS, "c-org") is True
    assert world.explain(ana, CUS, "c-sul").clause == "manages_portfolio"
    assert world.explain(ana, CUS, "c-org").clause == "manages_portfolio"
    assert [world.can_view(ana, CUS, c) for c in ("c-norte", "c-eva", "c-fora")] == [False] * 3
    assert customers(world, ana) == ["c-org", "c-sul"]


def test_vs2a_a_customers_own_portfolio_wins_over_its_organizations(
    world: Carteira, system: Principal
) -> None:
    world.update_customer(system, "c-norte", organization="org-sul")
    assert world.can_view(who("bia"), CUS, "c-norte") is True
    assert world.can_view(who("ana"), CUS, "c-norte") is False


def test_vs2b_an_account_manager_sees_his_customer(world: Carteira) -> None:
    """Clause (b): c-eva has no portfolio; eva sees it only as its account manager."""
    eva = who("eva")
    assert world.can_view(eva, CUS, "c-eva") is True
    assert world.explain(eva, CUS, "c-eva").clause == "account_manager"
    assert [world.can_view(eva, CUS, c) for c in ("c-sul", "c-org", "c-norte", "c-fora")] == [
        False
    ] * 4
    assert customers(world, eva) == ["c-eva"]


def test_vs2c_view_unassigned_sees_customers_outside_portfolio_only(world: Carteira) -> None:
    """Clause (c): outside portfolio means no effective portfolio and no account manager."""
    cid = who("cid")
    assert world.can_view(cid, CUS, "c-fora") is True
    assert world.explain(cid, CUS, "c-fora").clause == "outside_portfolio_view_unassigned"
    assert world.can_view(cid, CUS, "c-eva") is False  # it has an account manager
    assert world.can_view(cid, CUS, "c-org") is False  # its organization is in a portfolio
    assert customers(world, cid) == ["c-fora"]


def test_vs2c_without_view_unassigned_an_outside_customer_stays_hidden(world: Carteira) -> None:
    assert world.can_view(who("ana"), CUS, "c-fora") is False
    assert world.can_view(who("chefe"), CUS, "c-fora") is False


def test_vs2d_view_all_sees_every_customer(world: Carteira) -> None:
    dan = who("dan")
    assert [world.can_view(dan, CUS, c) for c in ALL_CUSTOMERS] == [True] * 5
    assert world.explain(dan, CUS, "c-norte").clause == "view_all"
    assert customers(world, dan) == ALL_CUSTOMERS


# -- VS-2: organizations ------------------------------------------------------------------------


def test_vs2a_organizations_of_his_portfolio(world: Carteira) -> None:
    ana = who("ana")
    assert world.can_view(ana, ORG, "org-sul") is True
    assert world.can_view(ana, ORG, "org-livre") is False
    assert world.explain(ana, ORG, "org-sul").clause == "manages_portfolio"
    assert organizations(world, ana) == ["org-sul"]
    assert organizations(world, who("bia")) == []


def test_vs2_account_managers_see_no_organization_through_their_customer(
    world: Carteira, system: Principal
) -> None:
    """Organizations have clauses (a), (c) and (d) only: no account-manager clause."""
    world.update_customer(system, "c-eva", organization="org-livre")
    assert world.can_view(who("eva"), CUS, "c-eva") is True
    assert world.can_view(who("eva"), ORG, "org-livre") is False


def test_vs2c_organizations_outside_portfolio(world: Carteira) -> None:
    cid = who("cid")
    assert world.can_view(cid, ORG, "org-livre") is True
    assert world.can_view(cid, ORG, "org-sul") is False
    assert world.explain(cid, ORG, "org-livre").clause == "outside_portfolio_view_unassigned"
    assert organizations(world, cid) == ["org-livre"]


def test_vs2d_organizations_with_view_all(world: Carteira) -> None:
    dan = who("dan")
    assert [world.can_view(dan, ORG, o) for o in ALL_ORGANIZATIONS] == [True, True]
    assert world.explain(dan, ORG, "org-sul").clause == "view_all"
    assert organizations(world, dan) == ALL_ORGANIZATIONS


# -- VS-2: tickets ------------------------------------------------------------------------------


def test_vs2_tickets_through_their_customer(world: Carteira) -> None:
    assert world.can_view(who("ana"), TIC, "t-sul") is True
    assert world.explain(who("ana"), TIC, "t-sul").clause == "manages_portfolio"
    assert world.can_view(who("cid"), TIC, "t-fora") is True
    assert world.explain(who("cid"), TIC, "t-fora").clause == "outside_portfolio_view_unassigned"
    assert world.can_view(who("bia"), TIC, "t-sul") is False
    assert tickets(world, who("ana")) == ["t-sul"]
    assert tickets(world, who("cid")) == ["t-fora"]
    assert tickets(world, who("dan")) == ALL_TICKETS


def test_vs2_the_current_assignee_sees_the_ticket_but_not_its_customer(
    world: Carteira,
) -> None:
    eva = who("eva")
    assert world.can_view(eva, TIC, "t-sul") is True
    assert world.explain(eva, TIC, "t-sul").clause == "ticket_assignee"
    assert world.can_view(eva, CUS, "c-sul") is False
    assert tickets(world, eva) == ["t-sul"]


def test_vs2_only_the_current_assignee(world: Carteira, system: Principal) -> None:
    world.reassign_ticket(system, "t-sul", "bia")
    assert world.can_view(who("eva"), TIC, "t-sul") is False
    assert tickets(world, who("eva")) == []
    assert world.can_view(who("bia"), TIC, "t-sul") is True
    assert tickets(world, who("bia")) == ["t-sul"]
    world.reassign_ticket(system, "t-sul", None)
    # Back in fila's queue: bia sees it as a member now, not as its assignee (VS-7).
    assert world.explain(who("bia"), TIC, "t-sul").clause == "department_queue"
    assert world.can_view(who("ana"), TIC, "t-sul") is True  # through her portfolio
    assert world.can_view(who("cid"), TIC, "t-sul") is False


def test_vs2_closed_tickets_obey_the_same_rule(world: Carteira, system: Principal) -> None:
    world.close_ticket(system, "t-fora")
    assert world.can_view(who("cid"), TIC, "t-fora") is True
    assert tickets(world, who("cid")) == ["t-fora"]
    assert tickets(world, who("cid"), open_only=True) == []
    assert world.can_view(who("ana"), TIC, "t-fora") is False


# -- VS-3 ---------------------------------------------------------------------------------------


def test_vs3_a_search_for_a_customer_he_may_not_see_finds_nothing(world: Carteira) -> None:
    ana = who("ana")
    for search in ("Avulso", "c-fora", "Oficina", "c-norte", "Eva"):
        page = world.visible_customers(ana, search=search)
        assert (list(page.items), page.next_after) == ([], None)
    assert customers(world, ana, search="Padaria") == ["c-sul"]
    assert customers(world, ana, search="c-org") == ["c-org"]


def test_vs3_pages_reveal_nothing_of_hidden_customers(world: Carteira) -> None:
    """c-eva, c-fora, c-norte sort around ana's two: pages and next_after ignore them."""
    ana = who("ana")
    first = world.visible_customers(ana, limit=1)
    assert ([c.id for c in first.items], first.next_after) == (["c-org"], "c-org")
    second = world.visible_customers(ana, limit=1, after="c-org")
    assert ([c.id for c in second.items], second.next_after) == (["c-sul"], None)
    whole = world.visible_customers(ana, limit=2)
    assert ([c.id for c in whole.items], whole.next_after) == (["c-org", "c-sul"], None)
    from_hidden = world.visible_customers(ana, after="c-fora")
    assert ([c.id for c in from_hidden.items], from_hidden.next_after) == (
        ["c-org", "c-sul"],
        None,
    )


def test_vs3_pages_reveal_nothing_of_hidden_tickets_and_organizations(
    world: Carteira,
) -> None:
    page = world.visible_tickets(who("cid"), limit=1)
    assert ([t.id for t in page.items], page.next_after) == (["t-fora"], None)
    page = world.visible_tickets(who("eva"), limit=1)
    assert ([t.id for t in page.items], page.next_after) == (["t-sul"], None)
    orgs = world.visible_organizations(who("ana"), limit=1)
    assert ([o.id for o in orgs.items], orgs.next_after) == (["org-sul"], None)
    assert world.visible_organizations(who("ana"), search="Livre").items == []


def test_vs3_an_invisible_customer_looks_exactly_like_a_missing_one(world: Carteira) -> None:
    ana = who("ana")
    assert world.can_view(ana, CUS, "c-fora") is False
    assert world.can_view(ana, CUS, "c-nenhum") is False
    assert signature(lambda: world.customer(ana, "c-fora")) == signature(
        lambda: world.customer(ana, "c-nenhum")
    )
    assert signature(lambda: world.explain(ana, CUS, "c-fora")) == signature(
        lambda: world.explain(ana, CUS, "c-nenhum")
    )
    assert signature(lambda: world.explain(ana, ORG, "org-livre")) == signature(
        lambda: world.explain(ana, ORG, "org-nenhuma")
    )
    assert signature(lambda: world.explain(ana, TIC, "t-fora")) == signature(
        lambda: world.explain(ana, TIC, "t-nenhum")
    )
    assert signature(lambda: world.customer(ana, "c-fora"))[0] is NotFound


def test_vs3_a_subject_named_by_its_string_leaks_nothing_either(world: Carteira) -> None:
    """``Subject`` is a string enum: "customer" names the same subject, and must refuse alike."""
    ana = who("ana")
    assert world.can_view(ana, "customer", "c-sul") is True  # type: ignore[arg-type]
    assert world.can_view(ana, "customer", "c-fora") is False  # type: ignore[arg-type]
    for subject, hidden, missing in (
        ("customer", "c-fora", "c-nenhum"),
        ("organization", "org-livre", "org-nenhuma"),
        ("ticket", "t-fora", "t-nenhum"),
    ):
        assert signature(lambda s=subject, i=hidden: world.explain(ana, s, i)) == signature(
            lambda s=subject, i=missing: world.explain(ana, s, i)
        )


def test_vs3_customers_of_a_portfolio_lists_only_what_he_sees(world: Carteira) -> None:
    page = world.customers_of_portfolio(who("eva"), "sul")
    assert (list(page.items), page.next_after) == ([], None)
    assert [c.id for c in world.customers_of_portfolio(who("ana"), "sul").items] == [
        "c-org",
        "c-sul",
    ]


def test_tn1_another_tenants_records_are_neither_viewable_nor_listed(world: Carteira) -> None:
    other = Principal.system("globex")
    world.register_manager(other, "ana", "Ana", profile=Profile.ANALYST)
    world.create_portfolio(other, "Sul", managers=["ana"], portfolio_id="sul")
    world.register_customer(other, "c-globex", "Cliente Globex")
    world.set_customer_membership(other, "c-globex", portfolio="sul")
    for principal in (who("ana"), who("dan"), Principal.system(TENANT)):
        assert world.can_view(principal, CUS, "c-globex") is False
        assert "c-globex" not in customers(world, principal)
    assert signature(lambda: world.customer(who("dan"), "c-globex")) == signature(
        lambda: world.customer(who("dan"), "c-nenhum")
    )


# -- VS-5 ---------------------------------------------------------------------------------------


def test_vs5_explaining_for_himself_by_id_is_the_same_as_without(world: Carteira) -> None:
    assert world.explain(who("ana"), CUS, "c-sul", viewer_id="ana") == world.explain(
        who("ana"), CUS, "c-sul"
    )
    assert world.explain(who("ana"), CUS, "c-sul").via is None


def test_vs5_explaining_for_another_manager_needs_manage_managers(world: Carteira) -> None:
    with pytest.raises(PermissionDenied):
        world.explain(who("dan"), CUS, "c-sul", viewer_id="ana")
    with pytest.raises(PermissionDenied):
        world.explain(who("ana"), CUS, "c-sul", viewer_id="bia")
    verdict = world.explain(who("mgr"), CUS, "c-sul", viewer_id="ana")
    assert (verdict.granted, verdict.clause, verdict.via) == (True, "manages_portfolio", None)
    assert world.explain(who("mgr"), TIC, "t-sul", viewer_id="eva").clause == "ticket_assignee"
    assert world.explain(who("mgr"), ORG, "org-livre", viewer_id="cid").clause == (
        "outside_portfolio_view_unassigned"
    )


def test_vs5_a_denied_view_explains_why(world: Carteira) -> None:
    for viewer, subject, object_id in (
        ("eva", CUS, "c-fora"),
        ("ana", CUS, "c-norte"),
        ("ana", ORG, "org-livre"),
        ("bia", TIC, "t-sul"),
    ):
        verdict = world.explain(who("mgr"), subject, object_id, viewer_id=viewer)
        assert verdict.granted is False
        assert str(verdict.clause) not in GRANTING


def test_vs5_explaining_for_another_needs_the_asker_to_see_the_object(world: Carteira) -> None:
    """chefe holds MANAGE_MANAGERS but sees nothing: the object does not exist for him."""
    assert signature(lambda: world.explain(who("chefe"), CUS, "c-sul", viewer_id="ana")) == (
        signature(lambda: world.explain(who("chefe"), CUS, "c-nenhum", viewer_id="ana"))
    )
    assert signature(lambda: world.explain(who("chefe"), CUS, "c-sul", viewer_id="ana"))[0] is (
        NotFound
    )


# -- MG-4 ---------------------------------------------------------------------------------------


def _refused(call: Callable[[], Any]) -> tuple[Any, ...]:
    with pytest.raises(PermissionDenied) as caught:
        call()
    return caught.value.code, caught.value.rule


def test_mg4_an_inactive_manager_is_refused_as_a_principal(
    world: Carteira, system: Principal
) -> None:
    world.register_manager(system, "zed", "Zed", roles=[role("geral", "view_all")], active=False)
    zed = who("zed")
    calls: list[Callable[[], Any]] = [
        lambda: world.can_view(zed, CUS, "c-sul"),
        lambda: world.can_view(zed, CUS, "c-nenhum"),
        lambda: world.can_view(zed, ORG, "org-sul"),
        lambda: world.can_view(zed, TIC, "t-sul"),
        lambda: world.explain(zed, CUS, "c-sul"),
        lambda: world.visible_customers(zed),
        lambda: world.visible_organizations(zed),
        lambda: world.visible_tickets(zed),
        lambda: world.customer(zed, "c-sul"),
    ]
    for call in calls:
        assert _refused(call) == ("principal_inactive", "MG-4")


def test_mg4_a_deactivated_manager_stops_seeing_at_once(world: Carteira, system: Principal) -> None:
    assert customers(world, who("ana")) == ["c-org", "c-sul"]
    world.deactivate_manager(system, "ana", keep=True)
    assert _refused(lambda: world.visible_customers(who("ana"))) == ("principal_inactive", "MG-4")
    verdict = world.explain(who("mgr"), CUS, "c-sul", viewer_id="ana")
    assert verdict.granted is False


def test_mg4_an_inactive_manager_sees_nothing_even_with_view_all(
    world: Carteira, system: Principal
) -> None:
    world.deactivate_manager(system, "dan", keep=True)
    for subject, object_id in ((CUS, "c-fora"), (ORG, "org-sul"), (TIC, "t-sul")):
        verdict = world.explain(who("mgr"), subject, object_id, viewer_id="dan")
        assert verdict.granted is False


def test_mg4_reactivated_he_sees_again(world: Carteira, system: Principal) -> None:
    world.deactivate_manager(system, "cid", keep=True)
    world.reactivate_manager(system, "cid")
    assert customers(world, who("cid")) == ["c-fora"]


# -- MG-5 ---------------------------------------------------------------------------------------

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


@pytest.fixture
def away(world: Carteira, system: Principal, clock: ManualClock) -> Carteira:
    """fab manages Leste (c-leste, org-leste, t-leste) and is account manager of c-fab.

    He is away from day 1 to day 3 with gil (no permission, nothing of his own) as backup.
    """
    world.register_manager(system, "fab", "Fab", profile=Profile.ANALYST)
    world.register_manager(system, "gil", "Gil")
    world.create_portfolio(system, "Leste", managers=["fab"], portfolio_id="leste")
    world.register_organization(system, "org-leste", "Organização Leste")
    world.set_organization_portfolio(system, "org-leste", "leste")
    world.register_customer(system, "c-leste", "Cliente Leste")
    world.set_customer_membership(system, "c-leste", portfolio="leste", account_managers=["fab"])
    world.register_customer(system, "c-fab", "Cliente do Fab")
    world.set_customer_membership(system, "c-fab", account_managers=["fab"])
    world.open_ticket(system, "t-leste", "c-leste", "fila")
    now = clock.now()
    world.schedule_absence(
        system, "fab", start=now + DAY, end=now + 3 * DAY, backup="gil", absence_id="ferias"
    )
    return world


def _gil_sees(app: Carteira) -> dict[str, Any]:
    gil = who("gil")
    return {
        "customers": [app.can_view(gil, CUS, c) for c in ("c-leste", "c-fab")],
        "organization": app.can_view(gil, ORG, "org-leste"),
        "ticket": app.can_view(gil, TIC, "t-leste"),
        "listed": (customers(app, gil), organizations(app, gil), tickets(app, gil)),
    }


NOTHING = {
    "customers": [False, False],
    "organization": False,
    "ticket": False,
    "listed": ([], [], []),
}
EVERYTHING_OF_FAB = {
    "customers": [True, True],
    "organization": True,
    "ticket": True,
    "listed": (["c-fab", "c-leste"], ["org-leste"], ["t-leste"]),
}


def _membership(app: Carteira, system: Principal) -> tuple[Any, ...]:
    return (
        app.customer(system, "c-leste").ownership,
        app.customer(system, "c-fab").ownership,
        {s.portfolio.id: s.portfolio.managers for s in app.list_portfolios(system)},
    )


def test_mg5_the_backup_sees_only_while_the_absence_covers_now(
    away: Carteira, system: Principal, clock: ManualClock
) -> None:
    start = clock.now() + DAY
    end = clock.now() + 3 * DAY
    membership = _membership(away, system)
    seen = {}
    for label, instant in (
        ("before", start - SECOND),
        ("start", start),
        ("during", start + DAY),
        ("last second", end - SECOND),
        ("end", end),
        ("after", end + DAY),
    ):
        clock.set(instant)
        seen[label] = _gil_sees(away)
        assert _membership(away, system) == membership
    assert seen == {
        "before": NOTHING,
        "start": EVERYTHING_OF_FAB,
        "during": EVERYTHING_OF_FAB,
        "last second": EVERYTHING_OF_FAB,
        "end": NOTHING,
        "after": NOTHING,
    }


def test_mg5_the_backup_sees_through_clauses_a_and_b_only(
    away: Carteira, system: Principal, clock: ManualClock
) -> None:
    """fab's permissions do not pass to gil: only what fab manages or serves does."""
    away.update_manager(system, "fab", roles=[role("geral", "view_all", "view_unassigned")])
    clock.advance(2 * DAY)
    assert away.can_view(who("gil"), CUS, "c-fora") is False
    assert away.can_view(who("gil"), CUS, "c-sul") is False
    assert customers(away, who("gil")) == ["c-fab", "c-leste"]


def test_mg5_explain_names_the_absent_manager(
    away: Carteira, system: Principal, clock: ManualClock
) -> None:
    clock.advance(2 * DAY)
    gil = who("gil")
    leste = away.explain(gil, CUS, "c-leste")
    assert (leste.granted, leste.clause, leste.via) == (True, "manages_portfolio", "fab")
    fab = away.explain(gil, CUS, "c-fab")
    assert (fab.granted, fab.clause, fab.via) == (True, "account_manager", "fab")
    org = away.explain(gil, ORG, "org-leste")
    assert (org.granted, org.clause, org.via) == (True, "manages_portfolio", "fab")
    ticket = away.explain(gil, TIC, "t-leste")
    assert (ticket.granted, ticket.clause, ticket.via) == (True, "manages_portfolio", "fab")
    other = away.explain(who("mgr"), CUS, "c-leste", viewer_id="gil")
    assert (other.granted, other.clause, other.via) == (True, "manages_portfolio", "fab")


def test_mg5_the_absent_manager_keeps_his_own_view(away: Carteira, clock: ManualClock) -> None:
    clock.advance(2 * DAY)
    assert customers(away, who("fab")) == ["c-fab", "c-leste"]
    assert away.explain(who("fab"), CUS, "c-leste").via is None


def test_mg5_nobody_but_the_backup_gains_anything(away: Carteira, clock: ManualClock) -> None:
    clock.advance(2 * DAY)
    assert customers(away, who("eva")) == ["c-eva"]
    assert customers(away, who("ana")) == ["c-org", "c-sul"]


def test_mg5_cancelling_the_absence_ends_the_backups_view_at_once(
    away: Carteira, system: Principal, clock: ManualClock
) -> None:
    clock.advance(2 * DAY)
    assert _gil_sees(away) == EVERYTHING_OF_FAB
    membership = _membership(away, system)
    away.cancel_absence(system, "fab", "ferias")
    assert _gil_sees(away) == NOTHING
    assert _membership(away, system) == membership


def test_mg5_the_backup_follows_what_the_absent_manager_gains_and_loses(
    away: Carteira, system: Principal, clock: ManualClock
) -> None:
    clock.advance(2 * DAY)
    away.set_customer_membership(system, "c-fora", account_managers=["fab"])
    assert away.can_view(who("gil"), CUS, "c-fora") is True
    away.unassign_customer(system, "c-fab", "fab")
    assert away.can_view(who("gil"), CUS, "c-fab") is False
    assert customers(away, who("gil")) == ["c-fora", "c-leste"]


def test_mg5_a_backup_also_sees_his_own(
    away: Carteira, system: Principal, clock: ManualClock
) -> None:
    away.set_customer_membership(system, "c-fora", account_managers=["gil"])
    clock.advance(2 * DAY)
    assert customers(away, who("gil")) == ["c-fab", "c-fora", "c-leste"]
    assert away.explain(who("gil"), CUS, "c-fora").via is None


def test_mg5_an_absence_in_another_tenant_gives_nothing_here(
    clock: ManualClock,
) -> None:
    app = Carteira(InMemoryStore().unit_of_work, clock=clock)
    for tenant in ("acme", "globex"):
        host = Principal.system(tenant)
        app.register_manager(host, "fab", "Fab", profile=Profile.ANALYST)
        app.register_manager(host, "gil", "Gil")
    globex = Principal.system("globex")
    app.create_portfolio(globex, "Leste", managers=["fab"], portfolio_id="leste")
    app.register_customer(globex, "c-leste", "Cliente Leste")
    app.set_customer_membership(globex, "c-leste", portfolio="leste")
    app.schedule_absence(globex, "fab", start=clock.now(), end=clock.now() + DAY, backup="gil")
    assert app.can_view(Principal.manager("globex", "gil"), CUS, "c-leste") is True
    assert app.can_view(who("gil"), CUS, "c-leste") is False
    assert customers(app, who("gil")) == []


def test_vs2_the_system_principal_sees_everything(world: Carteira, system: Principal) -> None:
    assert [world.can_view(system, CUS, c) for c in ALL_CUSTOMERS] == [True] * 5
    assert [world.can_view(system, ORG, o) for o in ALL_ORGANIZATIONS] == [True] * 2
    assert [world.can_view(system, TIC, t) for t in ALL_TICKETS] == [True] * 2
    assert customers(world, system) == ALL_CUSTOMERS
    assert organizations(world, system) == ALL_ORGANIZATIONS
    assert tickets(world, system) == ALL_TICKETS
    assert world.can_view(system, CUS, "c-nenhum") is False
