"""Serialization at the edge: round trips of every entity and event (ER-2, EV-1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira import (
    ChoiceMode,
    Customer,
    Event,
    Journey,
    LeaveMode,
    LeaveReason,
    Manager,
    ManagerLeft,
    MembershipChanged,
    Organization,
    Ownership,
    Permission,
    Portfolio,
    PortfolioCreated,
    Profile,
    Role,
    RoutingMode,
    SubjectKind,
    TenantSettings,
    Way,
    make_converter,
)
from carteira.domain.events import EVENT_TYPES
from carteira.testing import strategies

CONVERTER = make_converter()
AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def round_trip(value: Any, cls: Any = None) -> Any:
    cls = cls or type(value)
    data = CONVERTER.unstructure(value, cls)
    # JSON-compatible: through json and back gives the same dict
    assert json.loads(json.dumps(data)) == data
    return CONVERTER.structure(json.loads(json.dumps(data)), cls)


# -- examples -------------------------------------------------------------------------------

ENTITIES = [
    pytest.param(
        Portfolio(
            "acme", "p1", "São Paulo", "desc", Journey("j1", "Onboarding"), ("ana", "bia"), 3
        ),
        id="portfolio",
    ),
    pytest.param(Portfolio("acme", "p2", "Sul"), id="portfolio-bare"),
    pytest.param(
        Manager(
            "acme",
            "ana",
            "Ana",
            Profile.ANALYST,
            frozenset({Role.administrator(), Role("sales", {Permission.SET_PORTFOLIO})}),
            False,
            "p1",
            7,
        ),
        id="manager",
    ),
    pytest.param(Customer("acme", "c1", "Cliente", "o1", "p1", ("ana", "bia"), 2), id="customer"),
    pytest.param(Organization("acme", "o1", "Org", "p1", 1), id="organization"),
    pytest.param(
        TenantSettings(segmentation=False, max_account_managers=3, version=4), id="settings"
    ),
    pytest.param(Journey("j1", "Onboarding"), id="journey"),
    pytest.param(Role("sales", {Permission.VIEW_ALL, Permission.SET_PORTFOLIO}), id="role"),
    pytest.param(Ownership("p1", ("ana",), inherited=True), id="ownership"),
]


@pytest.mark.parametrize("value", ENTITIES)
def test_er2_every_entity_round_trips_through_json(value: Any) -> None:
    assert round_trip(value) == value


def test_er2_unstructured_forms_are_plain_json_values() -> None:
    manager = ENTITIES[2].values[0]
    data = CONVERTER.unstructure(manager)
    assert data["profile"] == "analyst"
    assert data["roles"] == [
        {"name": "administrator", "permissions": sorted(p.value for p in Permission)},
        {"name": "sales", "permissions": ["set_portfolio"]},
    ]
    portfolio = CONVERTER.unstructure(ENTITIES[0].values[0])
    assert portfolio["journey"] == {"id": "j1", "name": "Onboarding"}
    assert portfolio["managers"] == ["ana", "bia"]


EVENT_EXAMPLES = [
    PortfolioCreated(
        tenant="acme",
        actor="system",
        at=AT,
        portfolio_id="p1",
        name="Sul",
        description=None,
        journey=Journey("j", "J"),
        managers=("ana",),
    ),
    ManagerLeft(
        tenant="acme",
        actor="admin",
        at=AT,
        manager_id="ana",
        reason=LeaveReason.INELIGIBLE,
        mode=LeaveMode.TRANSFER,
        successor="bia",
        customers=("c1", "c2"),
        portfolios=("p1",),
    ),
    MembershipChanged(
        tenant="acme",
        actor="admin",
        at=AT,
        subject=SubjectKind.CUSTOMER,
        subject_id="c1",
        way=Way.DEACTIVATION_TRANSFER,
        before=Ownership("p1", ("ana",)),
        after=Ownership("p1", ("bia",)),
    ),
]


@pytest.mark.parametrize("event", EVENT_EXAMPLES, ids=lambda e: type(e).__name__)
def test_ev1_an_event_carries_its_type_tag_and_round_trips_through_the_base(event: Event) -> None:
    data = CONVERTER.unstructure(event, Event)
    assert data["type"] == type(event).__name__
    assert data["at"] == "2026-03-01T12:30:00+00:00"
    assert CONVERTER.unstructure(event) == data
    assert round_trip(event, Event) == event
    assert round_trip(event) == event


def test_ev1_a_membership_change_serializes_its_enums_as_strings() -> None:
    data = CONVERTER.unstructure(EVENT_EXAMPLES[2], Event)
    assert (data["subject"], data["way"]) == ("customer", "deactivation_transfer")
    assert data["before"] == {"portfolio": "p1", "account_managers": ["ana"], "inherited": False}


def test_ev1_an_instant_keeps_its_offset_and_its_moment() -> None:
    brasilia = timezone(timedelta(hours=-3))
    event = EVENT_EXAMPLES[0]
    local = PortfolioCreated(
        tenant=event.tenant,
        actor=event.actor,
        at=AT.astimezone(brasilia),
        portfolio_id="p1",
        name="Sul",
        description=None,
        journey=None,
        managers=(),
    )
    data = CONVERTER.unstructure(local, Event)
    assert data["at"] == "2026-03-01T09:30:00-03:00"
    back = round_trip(local, Event)
    assert back == local
    assert back.at.utcoffset() == timedelta(hours=-3)


# -- properties -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "cls"),
    [
        (strategies.portfolios(), Portfolio),
        (strategies.managers(), Manager),
        (strategies.customers(), Customer),
        (strategies.organizations(), Organization),
        (strategies.tenant_settings(), TenantSettings),
        (strategies.journeys(), Journey),
        (strategies.roles(), Role),
        (strategies.ownerships(), Ownership),
    ],
    ids=lambda v: getattr(v, "__name__", "strategy"),
)
def test_er2_generated_entities_round_trip(strategy: st.SearchStrategy[Any], cls: type) -> None:
    @given(strategy)
    def check(value: Any) -> None:
        assert isinstance(value, cls)
        assert round_trip(value) == value

    check()


SAMPLE_FIELDS: dict[str, Any] = {
    "tenant": "acme",
    "actor": "admin",
    "at": AT,
    "portfolio_id": "p1",
    "manager_id": "ana",
    "customer_id": "c1",
    "organization_id": "o1",
    "subject_id": "c1",
    "successor": "bia",
    "name": "Sul",
    "description": "southern stores",
    "journey": Journey("j1", "Onboarding"),
    "managers": ("ana", "bia"),
    "customers": ("c1", "c2"),
    "organizations": ("o1",),
    "portfolios": ("p1", "p2"),
    "organization": "o1",
    "profile": Profile.ADMINISTRATOR,
    "roles": frozenset({Role.administrator(), Role("sales", {Permission.SET_PORTFOLIO})}),
    "active": False,
    "reason": LeaveReason.REMOVED,
    "mode": LeaveMode.KEEP,
    "subject": SubjectKind.ORGANIZATION,
    "way": Way.PORTFOLIO_DELETED,
    "before": Ownership("p1", ("ana",), inherited=True),
    "after": Ownership(),
    "segmentation": False,
    "max_account_managers": 2,
    "owner_only": True,
    "department_id": "vendas",
    "routing": RoutingMode.PORTFOLIO,
    "choice": ChoiceMode.CUSTOMER_CHOOSES,
    "members": frozenset({"ana", "bia"}),
    "capacity": 3,
    "account_managers_only": True,
    "ticket_id": "t1",
    "outcome": "assign",
    "step": "primary_account_manager",
    "assignee": "ana",
    "previous": None,
    "offered": ("ana", "bia"),
    "absence_id": "a1",
    "start": AT,
    "end": AT + timedelta(days=2),
    "backup": "bia",
}


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_ev1_every_event_class_round_trips_directly_and_through_the_base(
    cls: type[Event],
) -> None:
    event = cls(**{f.name: SAMPLE_FIELDS[f.name] for f in attrs.fields(cls)})
    data = CONVERTER.unstructure(event, Event)
    assert data["type"] == cls.__name__
    assert CONVERTER.unstructure(event) == data
    assert round_trip(event) == event
    assert round_trip(event, Event) == event
    assert type(round_trip(event, Event)) is cls


@given(strategies.events())
def test_ev1_generated_events_round_trip_through_the_base(event: Event) -> None:
    assert round_trip(event, Event) == event
    assert round_trip(event) == event
