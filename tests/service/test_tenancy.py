"""Tenancy: TN-1 (no record of another tenant is reachable or revealed) and TN-2."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest

from carteira import (
    Carteira,
    CarteiraError,
    Conflict,
    InMemoryStore,
    ManualClock,
    NotFound,
    PermissionDenied,
    Principal,
    Profile,
    Role,
)
from carteira.ports import name_key

ACME = Principal.system("acme")
GLOBEX = Principal.system("globex")


def new_app() -> tuple[Carteira, InMemoryStore, ManualClock]:
    store = InMemoryStore()
    clock = ManualClock()
    ids = (f"p{i}" for i in count(1))
    return Carteira(store.unit_of_work, clock=clock, new_id=lambda: next(ids)), store, clock


def acme_world(app: Carteira) -> str:
    """acme: ana manages Sul, which holds c1 (account manager ana); o1 outside."""
    app.register_manager(ACME, "ana", "Ana", profile=Profile.ANALYST)
    sul = app.create_portfolio(ACME, "Sul", managers=["ana"]).value.id
    app.register_customer(ACME, "c1", "Cliente")
    app.assign_customer(ACME, "c1", "ana", portfolio=sul)
    app.register_organization(ACME, "o1", "Org")
    return sul


def globex_world(app: Carteira) -> None:
    """globex: one record of every kind, with ids acme never uses."""
    app.register_manager(
        GLOBEX, "g-man", "G", profile=Profile.ANALYST, roles=[Role.administrator()]
    )
    app.create_portfolio(GLOBEX, "Global", managers=["g-man"], portfolio_id="g-port")
    app.register_organization(GLOBEX, "g-org", "G Org")
    app.set_organization_portfolio(GLOBEX, "g-org", "g-port")
    app.register_customer(GLOBEX, "g-cust", "G Cust", organization="g-org")
    app.assign_customer(GLOBEX, "g-cust", "g-man")


def signature(call: Callable[[], Any]) -> tuple[Any, ...]:
    with pytest.raises(CarteiraError) as caught:
        call()
    error = caught.value
    return type(error), str(error), error.code, error.rule, dict(error.details)


Call = Callable[[Carteira, str], Any]

FOREIGN: list[Any] = [
    # portfolios
    pytest.param(
        lambda app, sul: app.edit_portfolio(ACME, "g-port", name="X"), id="edit_portfolio"
    ),
    pytest.param(lambda app, sul: app.delete_portfolio(ACME, "g-port"), id="delete_portfolio"),
    pytest.param(
        lambda app, sul: app.customers_of_portfolio(ACME, "g-port"), id="customers_of_portfolio"
    ),
    pytest.param(
        lambda app, sul: app.set_customer_membership(ACME, "c1", portfolio="g-port"),
        id="set_customer_membership-portfolio",
    ),
    pytest.param(
        lambda app, sul: app.set_organization_portfolio(ACME, "o1", "g-port"),
        id="set_organization_portfolio-portfolio",
    ),
    pytest.param(
        lambda app, sul: app.set_default_portfolio(ACME, "ana", "g-port"),
        id="set_default_portfolio-portfolio",
    ),
    pytest.param(
        lambda app, sul: app.assign_customer(ACME, "c1", "ana", portfolio="g-port"),
        id="assign_customer-portfolio",
    ),
    # managers
    pytest.param(lambda app, sul: app.update_manager(ACME, "g-man", name="X"), id="update_manager"),
    pytest.param(lambda app, sul: app.deactivate_manager(ACME, "g-man"), id="deactivate_manager"),
    pytest.param(lambda app, sul: app.reactivate_manager(ACME, "g-man"), id="reactivate_manager"),
    pytest.param(lambda app, sul: app.remove_manager(ACME, "g-man"), id="remove_manager"),
    pytest.param(
        lambda app, sul: app.portfolios_of_manager(ACME, "g-man"), id="portfolios_of_manager"
    ),
    pytest.param(
        lambda app, sul: app.set_default_portfolio(ACME, "g-man", None),
        id="set_default_portfolio-manager",
    ),
    pytest.param(
        lambda app, sul: app.assign_customer(ACME, "c1", "g-man"), id="assign_customer-manager"
    ),
    pytest.param(
        lambda app, sul: app.create_portfolio(ACME, "Novo", managers=["g-man"]),
        id="create_portfolio-manager",
    ),
    pytest.param(
        lambda app, sul: app.edit_portfolio(ACME, sul, managers=["ana", "g-man"]),
        id="edit_portfolio-manager",
    ),
    pytest.param(
        lambda app, sul: app.set_customer_membership(ACME, "c1", account_managers=["g-man"]),
        id="set_customer_membership-manager",
    ),
    pytest.param(
        lambda app, sul: app.deactivate_manager(ACME, "ana", transfer_to="g-man"),
        id="transfer_to",
    ),
    pytest.param(
        lambda app, sul: app.list_portfolios(Principal.manager("acme", "g-man")),
        id="acting-as-foreign-manager",
    ),
    pytest.param(
        lambda app, sul: app.create_portfolio(Principal.manager("acme", "g-man"), "Novo"),
        id="commanding-as-foreign-manager",
    ),
    # customers
    pytest.param(lambda app, sul: app.customer(ACME, "g-cust"), id="customer"),
    pytest.param(
        lambda app, sul: app.update_customer(ACME, "g-cust", name="X"), id="update_customer"
    ),
    pytest.param(
        lambda app, sul: app.set_customer_membership(ACME, "g-cust", portfolio=None),
        id="set_customer_membership-customer",
    ),
    pytest.param(
        lambda app, sul: app.assign_customer(ACME, "g-cust", "ana"), id="assign_customer-customer"
    ),
    pytest.param(lambda app, sul: app.unassign_customer(ACME, "g-cust", "ana"), id="unassign"),
    pytest.param(lambda app, sul: app.owner_history(ACME, "g-cust"), id="owner_history"),
    pytest.param(
        lambda app, sul: app.owners_at(ACME, "g-cust", ManualClock().now()), id="owners_at"
    ),
    # organizations
    pytest.param(
        lambda app, sul: app.update_organization(ACME, "g-org", name="X"), id="update_organization"
    ),
    pytest.param(
        lambda app, sul: app.set_organization_portfolio(ACME, "g-org", None),
        id="set_organization_portfolio-organization",
    ),
    pytest.param(
        lambda app, sul: app.register_customer(ACME, "new", "New", organization="g-org"),
        id="register_customer-organization",
    ),
    pytest.param(
        lambda app, sul: app.update_customer(ACME, "c1", organization="g-org"),
        id="update_customer-organization",
    ),
]


@pytest.mark.parametrize("call", FOREIGN)
def test_tn1_another_tenants_record_behaves_exactly_like_a_missing_one(call: Call) -> None:
    """TN-1: the same refusal, message, code and details before and after it exists elsewhere."""
    app, store, _ = new_app()
    sul = acme_world(app)
    missing = signature(lambda: call(app, sul))
    globex_world(app)
    before = store.snapshot()
    foreign = signature(lambda: call(app, sul))
    assert foreign == missing
    assert foreign[0] in {NotFound, PermissionDenied}
    assert foreign[2] in {"not_found", "principal_inactive"}
    assert store.snapshot() == before


def test_tn1_a_foreign_id_never_appears_in_a_listing() -> None:
    app, _, _ = new_app()
    sul = acme_world(app)
    globex_world(app)
    assert [s.portfolio.id for s in app.list_portfolios(ACME)] == [sul]
    assert [c.id for c in app.customers_of_portfolio(ACME, sul).items] == ["c1"]
    assert [s.portfolio.id for s in app.portfolios_of_manager(ACME, "ana")] == [sul]
    assert {e.tenant for _, e in app.read_events(ACME)} == {"acme"}
    assert {e.tenant for _, e in app.read_events(GLOBEX)} == {"globex"}


def test_tn1_commands_in_one_tenant_leave_the_other_untouched() -> None:
    app, store, clock = new_app()
    globex_world(app)
    globex = store.snapshot()["globex"]
    sul = acme_world(app)
    clock.advance()
    app.register_manager(ACME, "bia", "Bia", profile=Profile.ANALYST)
    app.edit_portfolio(ACME, sul, name="Sudeste", managers=["ana", "bia"])
    app.set_organization_portfolio(ACME, "o1", sul)
    app.update_settings(ACME, max_account_managers=2, segmentation=False)
    app.deactivate_manager(ACME, "ana", transfer_to="bia")
    app.remove_manager(ACME, "ana")
    app.delete_portfolio(ACME, sul)
    assert store.snapshot()["globex"] == globex
    assert app.settings(GLOBEX).max_account_managers == 1
    assert app.settings(GLOBEX).segmentation is True


def test_tn1_the_same_ids_in_two_tenants_are_two_records() -> None:
    """TN-1: registering an id another tenant uses succeeds (no conflict leaks it)."""
    app, _, _ = new_app()
    globex_world(app)
    app.register_manager(ACME, "g-man", "Acme's own", profile=Profile.ANALYST)
    app.create_portfolio(ACME, "Acme", portfolio_id="g-port", managers=["g-man"])
    app.register_organization(ACME, "g-org", "Acme Org")
    customer = app.register_customer(ACME, "g-cust", "Acme Cust").value
    assert customer.tenant == "acme"
    assert customer.organization is None
    assert app.customer(GLOBEX, "g-cust").customer.organization == "g-org"
    assert app.customer(ACME, "g-cust").customer.name == "Acme Cust"
    assert [c.id for c in app.customers_of_portfolio(ACME, "g-port").items] == []
    assert [c.id for c in app.customers_of_portfolio(GLOBEX, "g-port").items] == ["g-cust"]
    with pytest.raises(Conflict) as caught:
        app.register_customer(ACME, "g-cust", "Twice")
    assert caught.value.code == "customer_exists"


def test_tn1_every_record_and_event_carries_its_tenant() -> None:
    app, store, _ = new_app()
    globex_world(app)
    acme_world(app)
    for tenant, data in store.snapshot().items():
        for table in ("portfolios", "managers", "customers", "organizations"):
            rows, _ = data[table]
            assert rows
            assert {row.tenant for row in rows.values()} == {tenant}
        assert {e.tenant for e in data["events"]} == {tenant}


def test_tn1_a_refused_command_of_an_unknown_tenant_leaves_storage_as_it_was() -> None:
    """TN-1 / invariant 8: a principal of a tenant with no records leaves no trace."""
    app, store, _ = new_app()
    acme_world(app)
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.create_portfolio(Principal.manager("initech", "ana"), "Sul")
    assert caught.value.code == "principal_inactive"
    assert store.snapshot() == before


# -- TN-2 -----------------------------------------------------------------------------------


def test_tn2_two_tenants_may_both_have_a_portfolio_called_sul() -> None:
    app, _, _ = new_app()
    acme_sul = app.create_portfolio(ACME, "Sul").value
    globex_sul = app.create_portfolio(GLOBEX, "SUL").value
    assert (acme_sul.tenant, globex_sul.tenant) == ("acme", "globex")
    assert acme_sul.key == globex_sul.key == name_key("sul")
    # names stay unique inside each tenant
    for principal in (ACME, GLOBEX):
        with pytest.raises(Conflict) as caught:
            app.create_portfolio(principal, "sul")
        assert caught.value.code == "portfolio_name_taken"


def test_tn2_listings_and_look_ups_are_per_tenant() -> None:
    app, store, _ = new_app()
    app.create_portfolio(ACME, "Sul")
    app.create_portfolio(ACME, "Norte")
    app.create_portfolio(GLOBEX, "Sul")
    assert [s.portfolio.name for s in app.list_portfolios(ACME)] == ["Norte", "Sul"]
    assert [s.portfolio.name for s in app.list_portfolios(GLOBEX)] == ["Sul"]
    with store.unit_of_work("globex") as uow:
        assert uow.portfolios.by_key(name_key("norte")) is None
        found = uow.portfolios.by_key(name_key("sul"))
        assert found is not None
        assert found.tenant == "globex"


def test_tn2_counts_and_caps_are_per_tenant() -> None:
    app, store, _ = new_app()
    acme_world(app)
    globex_world(app)
    app.register_customer(GLOBEX, "g-2", "Second")
    with store.unit_of_work("acme") as uow:
        assert (uow.customers.count(), uow.organizations.count()) == (1, 1)
    with store.unit_of_work("globex") as uow:
        assert (uow.customers.count(), uow.organizations.count()) == (2, 1)
    app.update_settings(GLOBEX, max_account_managers=3)
    assert app.settings(ACME).max_account_managers == 1
