"""Errors: ER-1 (one root, stable codes, messages naming object and rule, no partial change)
and ER-2 (bad input to structuring lists every bad field by path)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira import (
    Carteira,
    CarteiraError,
    Conflict,
    Customer,
    FieldError,
    InMemoryStore,
    InvalidInput,
    Manager,
    ManualClock,
    NotFound,
    Organization,
    Permission,
    PermissionDenied,
    Portfolio,
    Principal,
    Profile,
    Role,
    RuleViolation,
    StorageError,
    TenantSettings,
    make_converter,
)
from carteira.events import Event
from carteira.testing.strategies import events, portfolios

TENANT = "acme"
RULE_AT_END = re.compile(r"\[([A-Z]{2}-\d+)\]$")
CONVERTER = make_converter()


# -- ER-1: every refusal --------------------------------------------------------------------


def world(app: Carteira, system: Principal) -> None:
    """ana manages Sul (holding c1); bia idle analyst; zeca an agent; Vazia has no manager."""
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    app.register_manager(system, "bia", "Bia", profile=Profile.ANALYST)
    app.register_manager(system, "zeca", "Zeca", profile=Profile.AGENT)
    app.register_manager(system, "off", "Off", profile=Profile.ANALYST, active=False)
    app.register_manager(system, "clerk", "Clerk", roles=[Role("r", {Permission.SET_PORTFOLIO})])
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.create_portfolio(system, "Vazia", portfolio_id="vazia")
    app.register_customer(system, "c1", "Cliente")
    app.assign_customer(system, "c1", "ana", portfolio="sul")
    app.register_organization(system, "o1", "Org")


S = Principal.system(TENANT)
CLERK = Principal.manager(TENANT, "clerk")

# (call, class, code, rule or None for "some rule", a word the message must contain)
REFUSALS: list[Any] = [
    pytest.param(
        lambda app: app.edit_portfolio(S, "nope", name="X"),
        NotFound,
        "not_found",
        "TN-1",
        "nope",
        id="not_found",
    ),
    pytest.param(
        lambda app: app.create_portfolio(CLERK, "Novo"),
        PermissionDenied,
        "permission_denied",
        "PF-6",
        "clerk",
        id="permission_denied",
    ),
    pytest.param(
        lambda app: app.list_portfolios(Principal.manager(TENANT, "ghost")),
        PermissionDenied,
        "principal_inactive",
        "MG-4",
        "ghost",
        id="principal_inactive",
    ),
    pytest.param(
        lambda app: app.read_events(CLERK),
        PermissionDenied,
        "permission_denied",
        "EV-1",
        "event",
        id="read_events",
    ),
    pytest.param(
        lambda app: app.create_portfolio(S, "SUL"),
        Conflict,
        "portfolio_name_taken",
        "PF-1",
        "Sul",
        id="portfolio_name_taken",
    ),
    pytest.param(
        lambda app: app.create_portfolio(S, "Outra", portfolio_id="sul"),
        Conflict,
        "portfolio_exists",
        None,
        "sul",
        id="portfolio_exists",
    ),
    pytest.param(
        lambda app: app.register_manager(S, "ana", "Ana again"),
        Conflict,
        "manager_exists",
        None,
        "ana",
        id="manager_exists",
    ),
    pytest.param(
        lambda app: app.register_customer(S, "c1", "Again"),
        Conflict,
        "customer_exists",
        None,
        "c1",
        id="customer_exists",
    ),
    pytest.param(
        lambda app: app.register_organization(S, "o1", "Again"),
        Conflict,
        "organization_exists",
        None,
        "o1",
        id="organization_exists",
    ),
    pytest.param(
        lambda app: app.create_portfolio(S, "Novo", managers=["zeca"]),
        RuleViolation,
        "manager_not_eligible",
        "MG-1",
        "zeca",
        id="manager_not_eligible",
    ),
    pytest.param(
        lambda app: app.set_customer_membership(S, "c1", portfolio="vazia", account_managers=[]),
        RuleViolation,
        "portfolio_unavailable",
        "MB-2",
        "Vazia",
        id="portfolio_unavailable",
    ),
    pytest.param(
        lambda app: app.edit_portfolio(S, "sul", managers=[]),
        RuleViolation,
        "portfolio_would_be_orphaned",
        "MB-2",
        "Sul",
        id="portfolio_would_be_orphaned",
    ),
    pytest.param(
        lambda app: app.deactivate_manager(S, "ana"),
        RuleViolation,
        "portfolios_would_be_orphaned",
        "MG-3",
        "Sul",
        id="portfolios_would_be_orphaned",
    ),
    pytest.param(
        lambda app: app.deactivate_manager(S, "ana", transfer_to="ana"),
        RuleViolation,
        "successor_is_leaving",
        "MG-3",
        "ana",
        id="successor_is_leaving",
    ),
    pytest.param(
        lambda app: app.deactivate_manager(S, "ana", transfer_to="off"),
        RuleViolation,
        "manager_inactive",
        "MG-3",
        "off",
        id="successor_inactive",
    ),
    pytest.param(
        lambda app: app.assign_customer(S, "c1", "bia", portfolio="sul"),
        RuleViolation,
        "manager_outside_portfolio",
        "MG-2",
        "bia",
        id="manager_outside_portfolio_mg2",
    ),
    pytest.param(
        lambda app: app.set_customer_membership(S, "c1", account_managers=["bia"]),
        RuleViolation,
        "manager_outside_portfolio",
        "MB-3",
        "bia",
        id="manager_outside_portfolio_mb3",
    ),
    pytest.param(
        lambda app: app.set_customer_membership(S, "c1", portfolio=None, account_managers=["off"]),
        RuleViolation,
        "manager_inactive",
        "MB-3",
        "off",
        id="manager_inactive",
    ),
    pytest.param(
        lambda app: app.set_customer_membership(S, "c1", account_managers=["ana", "bia"]),
        RuleViolation,
        "too_many_account_managers",
        "MB-3",
        "c1",
        id="too_many_account_managers",
    ),
    pytest.param(
        lambda app: app.set_default_portfolio(S, "bia", "sul"),
        RuleViolation,
        "manager_outside_portfolio",
        "MG-2",
        "bia",
        id="default_outside",
    ),
    pytest.param(
        lambda app: app.create_portfolio(S, " "),
        InvalidInput,
        "name_required",
        "PF-1",
        "name",
        id="name_required",
    ),
    pytest.param(
        lambda app: app.create_portfolio(S, "x" * 129),
        InvalidInput,
        "name_too_long",
        "PF-1",
        "129",
        id="name_too_long",
    ),
    pytest.param(
        lambda app: app.deactivate_manager(S, "ana", transfer_to="bia", keep=True),
        InvalidInput,
        "invalid_input",
        "MG-3",
        "keep",
        id="transfer_and_keep",
    ),
    pytest.param(
        lambda app: app.register_customer(S, " padded ", "X"),
        InvalidInput,
        "invalid_input",
        None,
        "customer",
        id="bad_id",
    ),
    pytest.param(
        lambda app: app.owners_at(S, "c1", ManualClock().now().replace(tzinfo=None)),
        InvalidInput,
        "invalid_input",
        "MB-6",
        "timezone",
        id="naive_instant",
    ),
    pytest.param(
        lambda app: app.update_settings(S, max_account_managers=0),
        InvalidInput,
        "invalid_input",
        "MB-3",
        "max_account_managers",
        id="bad_cap",
    ),
]


@pytest.mark.parametrize(("call", "cls", "code", "rule", "named"), REFUSALS)
def test_er1_every_refusal_has_a_class_a_stable_code_and_names_object_and_rule(
    app: Carteira,
    store: InMemoryStore,
    system: Principal,
    call: Callable[[Carteira], Any],
    cls: type[CarteiraError],
    code: str,
    rule: str | None,
    named: str,
) -> None:
    world(app, system)
    before = store.snapshot()
    with pytest.raises(CarteiraError) as caught:
        call(app)
    error = caught.value
    assert type(error) is cls
    assert error.code == code
    message = str(error)
    assert named in message
    found = RULE_AT_END.search(message)
    assert found is not None, f"{message!r} does not end with [RULE-ID]"
    assert found.group(1) == error.rule
    if rule is not None:
        assert error.rule == rule
    assert store.snapshot() == before


def test_er1_every_refusal_class_derives_from_the_root() -> None:
    classes = {type(e) for e in _raised_errors()}
    assert classes >= {NotFound, PermissionDenied, Conflict, RuleViolation, InvalidInput}
    assert all(issubclass(c, CarteiraError) for c in classes)
    assert all(issubclass(c, Exception) for c in classes)


def _raised_errors() -> list[CarteiraError]:
    store = InMemoryStore()
    app = Carteira(store.unit_of_work, clock=ManualClock())
    world(app, S)
    errors = []
    for param in REFUSALS:
        try:
            param.values[0](app)
        except CarteiraError as error:
            errors.append(error)
    assert len(errors) == len(REFUSALS)
    return errors


def test_er1_codes_are_distinct_per_kind_of_refusal() -> None:
    """ER-1: one code names one refusal; callers may branch on it."""
    codes = {(type(e).__name__, e.code) for e in _raised_errors()}
    by_code: dict[str, set[str]] = {}
    for cls, code in codes:
        by_code.setdefault(code, set()).add(cls)
    assert all(len(classes) == 1 for classes in by_code.values()), by_code


# -- ER-1: no partial change ----------------------------------------------------------------


@pytest.fixture
def transfer_world(app: Carteira, system: Principal) -> None:
    """ana manages Sul and Norte, account manager of c1 (Sul) and c2 (Norte)."""
    for manager_id in ("ana", "bia", "cid"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.create_portfolio(system, "Norte", managers=["ana"], portfolio_id="norte")
    for customer, portfolio in (("c1", "sul"), ("c2", "norte")):
        app.register_customer(system, customer, customer.upper())
        app.assign_customer(system, customer, "ana", portfolio=portfolio)


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        (lambda app, s: app.deactivate_manager(s, "bia"), "manager_inactive"),
        (
            lambda app, s: app.update_manager(s, "bia", profile=Profile.AGENT),
            "manager_not_eligible",
        ),
    ],
    ids=["inactive", "ineligible"],
)
def test_er1_a_refused_transfer_changes_nothing(
    app: Carteira,
    store: InMemoryStore,
    system: Principal,
    transfer_world: None,
    spoil: Callable[[Carteira, Principal], Any],
    code: str,
) -> None:
    spoil(app, system)
    before = store.snapshot()
    with pytest.raises(RuleViolation) as caught:
        app.deactivate_manager(system, "ana", transfer_to="bia")
    assert caught.value.code == code
    assert store.snapshot() == before


def test_er1_a_failure_midway_through_a_transfer_changes_nothing(clock: ManualClock) -> None:
    """ER-1/ST-1: the storage fails after portfolios were written, before customers were."""
    store = InMemoryStore()
    failing = {"on": False, "hit": 0}

    def unit_of_work(tenant: str) -> Any:
        uow = store.unit_of_work(tenant)
        update_many = uow.customers.update_many

        def flaky(customers: Any) -> Any:
            if failing["on"]:
                failing["hit"] += 1
                raise StorageError("disk full", rule="ST-1")
            return update_many(customers)

        uow.customers.update_many = flaky  # type: ignore[method-assign]
        return uow

    app = Carteira(unit_of_work, clock=clock)
    system = Principal.system(TENANT)
    for manager_id in ("ana", "bia"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.register_customer(system, "c1", "C1")
    app.assign_customer(system, "c1", "ana")
    before = store.snapshot()
    failing["on"] = True
    with pytest.raises(StorageError) as caught:
        app.deactivate_manager(system, "ana", transfer_to="bia")
    assert failing["hit"] == 1
    assert isinstance(caught.value, CarteiraError)
    assert caught.value.code == "storage_failed"
    assert store.snapshot() == before
    failing["on"] = False
    app.deactivate_manager(system, "ana", transfer_to="bia")
    assert app.customer(system, "c1").customer.account_managers == ("bia",)


def test_er1_a_refused_deletion_changes_nothing(
    app: Carteira, store: InMemoryStore, system: Principal, transfer_world: None
) -> None:
    app.register_manager(system, "limited", "L", roles=[Role("r", {Permission.SET_PORTFOLIO})])
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as caught:
        app.delete_portfolio(Principal.manager(TENANT, "limited"), "sul")
    assert (caught.value.code, caught.value.rule) == ("permission_denied", "PF-6")
    assert store.snapshot() == before


# -- ER-2: structuring ----------------------------------------------------------------------


def paths(data: object, cls: Any) -> set[str]:
    with pytest.raises(InvalidInput) as caught:
        CONVERTER.structure(data, cls)
    error = caught.value
    assert error.code == "invalid_input"
    assert all(isinstance(e, FieldError) for e in error.errors)
    listed = [e.path for e in error.errors]
    for path in listed:
        assert path in str(error)
    return set(listed)


def test_er2_a_bad_portfolio_lists_every_bad_field() -> None:
    data = {
        "tenant": 1,
        "id": None,
        "name": "   ",
        "description": 3,
        "journey": {"id": 7},
        "managers": ["ana", 2, None],
        "colour": "blue",
    }
    assert paths(data, Portfolio) == {
        "$.tenant",
        "$.id",
        "$.name",
        "$.description",
        "$.journey.id",
        "$.journey.name",
        "$.managers[1]",
        "$.managers[2]",
        "$",  # the unknown field
    }


def test_er2_a_portfolio_name_too_long_is_reported_at_its_path() -> None:
    data = {"tenant": "acme", "id": "p1", "name": "x" * 129}
    assert paths(data, Portfolio) == {"$.name"}


def test_er2_missing_fields_are_listed_each_at_its_path() -> None:
    assert paths({}, Portfolio) == {"$.tenant", "$.id", "$.name"}
    assert paths({"tenant": "acme"}, Customer) == {"$.id", "$.name"}


def test_er2_a_bad_manager_lists_every_bad_field() -> None:
    data = {
        "tenant": "acme",
        "id": "ana",
        "name": ["Ana"],
        "profile": "boss",
        "roles": [{"name": "r", "permissions": ["fly", "view_all"]}, "admin"],
        "active": "yes",
        "default_portfolio": 5,
    }
    assert paths(data, Manager) == {
        "$.name",
        "$.profile",
        "$.roles[0].permissions[0]",
        "$.roles[1]",
        "$.active",
        "$.default_portfolio",
    }


def test_er2_a_bad_customer_lists_every_bad_field() -> None:
    data = {
        "tenant": "acme",
        "id": "c1",
        "name": "C",
        "organization": 1,
        "portfolio": [],
        "account_managers": ["a", 1, "b", None],
        "version": "2",
    }
    assert paths(data, Customer) == {
        "$.organization",
        "$.portfolio",
        "$.account_managers[1]",
        "$.account_managers[3]",
        "$.version",
    }


def test_er2_a_bad_organization_is_reported() -> None:
    assert paths({"tenant": "acme", "id": "o1", "name": None}, Organization) == {"$.name"}


def test_er2_bad_tenant_settings_list_every_bad_field() -> None:
    data = {"segmentation": "on", "max_account_managers": 0, "version": 1.5}
    assert paths(data, TenantSettings) == {
        "$.segmentation",
        "$.max_account_managers",
        "$.version",
    }
    assert paths({"max_account_managers": True}, TenantSettings) == {"$.max_account_managers"}


def test_er2_a_bad_event_lists_every_bad_field() -> None:
    data = {
        "type": "MembershipChanged",
        "tenant": "acme",
        "actor": "system",
        "at": "2026-01-01T00:00:00",
        "subject": "planet",
        "subject_id": 1,
        "way": "teleport",
        "before": {"portfolio": 3, "account_managers": ["a"], "inherited": "no"},
        "after": {"portfolio": None},
    }
    assert paths(data, Event) == {
        "$.at",
        "$.subject",
        "$.subject_id",
        "$.way",
        "$.before.portfolio",
        "$.before.inherited",
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"type": "Teleported"}, {"$.type"}),
        ({"type": 3}, {"$.type"}),
        ({}, {"$.type"}),
        ([], {"$"}),
        ("PortfolioCreated", {"$"}),
        (None, {"$"}),
    ],
)
def test_er2_an_event_without_a_known_type_is_reported(data: object, expected: set[str]) -> None:
    assert paths(data, Event) == expected


def test_er2_an_event_missing_fields_lists_them_all() -> None:
    assert paths({"type": "PortfolioDeleted", "tenant": "acme"}, Event) == {
        "$.actor",
        "$.at",
        "$.portfolio_id",
        "$.name",
        "$.customers",
        "$.organizations",
    }


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutated(valid: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    mutated = dict(valid)
    for key in list(mutated):
        action = data.draw(st.sampled_from(["keep", "keep", "drop", "replace"]), label=key)
        if action == "drop":
            del mutated[key]
        elif action == "replace":
            mutated[key] = data.draw(JSON, label=f"{key} value")
    if data.draw(st.booleans(), label="add a field"):
        mutated[data.draw(st.text(max_size=8), label="extra key")] = data.draw(JSON)
    return mutated


def _structure_or_invalid(value: object, cls: Any) -> None:
    refusal: InvalidInput | None = None
    try:
        made = CONVERTER.structure(value, cls)
    except InvalidInput as error:
        refusal = error
    if refusal is None:
        assert isinstance(made, cls)
    else:
        assert refusal.errors
        assert all(e.path.startswith("$") for e in refusal.errors)


@given(JSON)
def test_er2_random_json_becomes_an_event_or_invalid_input(value: object) -> None:
    _structure_or_invalid(value, Event)


@given(JSON)
def test_er2_random_json_becomes_a_portfolio_or_invalid_input(value: object) -> None:
    _structure_or_invalid(value, Portfolio)


@given(events(), st.data())
def test_er2_a_damaged_event_becomes_an_event_or_invalid_input(
    event: Event, data: st.DataObject
) -> None:
    valid = CONVERTER.unstructure(event, Event)
    _structure_or_invalid(_mutated(valid, data), Event)


@given(portfolios(), st.data())
def test_er2_a_damaged_portfolio_becomes_a_portfolio_or_invalid_input(
    portfolio: Portfolio, data: st.DataObject
) -> None:
    valid = CONVERTER.unstructure(portfolio)
    _structure_or_invalid(_mutated(valid, data), Portfolio)
