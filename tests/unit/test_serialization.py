"""Serialization at the edge: round trips of every entity and event (ER-2, EV-1)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira import (
    ChoiceMode,
    Customer,
    Journey,
    Manager,
    Organization,
    Ownership,
    Permission,
    Portfolio,
    Profile,
    Role,
    RoutingMode,
    SubjectKind,
    TenantSettings,
    Ticket,
    TicketStatus,
    Way,
    make_converter,
)
from carteira.domain.errors import InvalidInput
from carteira.domain.events import (
    EVENT_TYPES,
    TicketCancelled,
    TicketDeleted,
    TicketMoved,
    TicketOpened,
    TicketTypeSaved,
)
from carteira.domain.portal import Attachment, Message, MoveKind, StageMove
from carteira.domain.principal import PrincipalKind
from carteira.domain.routing_outcome import Reason
from carteira.domain.workflow import (
    ExtraField,
    FieldAccess,
    FieldKind,
    FieldValue,
    Responsible,
    Stage,
    TicketType,
)
from carteira.events import (
    Event,
    LeaveMode,
    LeaveReason,
    ManagerLeft,
    MembershipChanged,
    PortfolioCreated,
)
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

REVIEW = Stage(
    "review",
    "Review",
    Responsible.CUSTOMER,
    {"due": FieldAccess.READ_ONLY, "cost": FieldAccess.INVISIBLE},
    asks_approval=True,
    approve_to="work",
    reject_to="triage",
)
REPAIR = TicketType(
    "acme",
    "repair",
    "Support",
    "Repair",
    [
        Stage("triage", "Triage", Responsible.SERVICE, {"due": FieldAccess.REQUIRED}),
        REVIEW,
        Stage("work", "Work", Responsible.SERVICE),
        Stage("done", "Done", Responsible.SERVICE, final=True),
    ],
    {("work", "done"), ("triage", "review"), ("triage", "done")},
    [
        ExtraField("due", FieldKind.DATE, "Due date"),
        ExtraField("cost", FieldKind.NUMBER),
        ExtraField("urgent", FieldKind.BOOLEAN),
        ExtraField("model", FieldKind.CHOICE, "Model", ("X1", "X2")),
        ExtraField("notes", FieldKind.TEXT),
    ],
    department="vendas",
    version=2,
)
OPENED = StageMove(None, "triage", "c1", PrincipalKind.CUSTOMER, AT, MoveKind.OPENED)
MOVED = StageMove("triage", "review", "ana", PrincipalKind.MANAGER, AT, note="please confirm")
HELLO = Message("m1", "c1", PrincipalKind.CUSTOMER, AT, "Hello")
NOTE = Message("m2", "ana", PrincipalKind.MANAGER, AT, "Customer is VIP", internal=True)
INVOICE = Attachment(
    "a1", "invoice.pdf", "application/pdf", 1234, "ab" * 32, "c1", PrincipalKind.CUSTOMER, AT
)
PORTAL_TICKET = Ticket(
    "acme",
    "t1",
    "c1",
    "vendas",
    AT,
    assignee="ana",
    assigned_at=AT,
    last_activity=AT + timedelta(hours=1),
    type="repair",
    subject="Broken printer",
    request="It prints nothing",
    stage="review",
    responsible=Responsible.CUSTOMER,
    values={
        "due": date(2026, 12, 1),
        "cost": 1.5,
        "urgent": True,
        "model": "X2",
        "notes": "2026-12-01",
        "count": 1,
    },
    history=(OPENED, MOVED),
    discussion=(HELLO, NOTE),
    attachments=(INVOICE,),
    version=5,
)

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
    pytest.param(
        TenantSettings(
            portal_attendant="ana",
            attachment_max_bytes=2048,
            attachment_types=frozenset({"text/plain", "application/pdf"}),
        ),
        id="settings-portal",
    ),
    pytest.param(REPAIR, id="tk2-ticket-type"),
    pytest.param(
        TicketType("acme", "ask", "G", "Ask", [Stage("s", "S", Responsible.CUSTOMER)]),
        id="tk2-bare",
    ),
    pytest.param(REVIEW, id="tk2-stage-asking-approval"),
    pytest.param(ExtraField("model", FieldKind.CHOICE, "Model", ("X1", "X2")), id="tk3-field"),
    pytest.param(OPENED, id="tk2-opening-move"),
    pytest.param(MOVED, id="tk2-move"),
    pytest.param(HELLO, id="tk5-message"),
    pytest.param(NOTE, id="tk5-internal-note"),
    pytest.param(INVOICE, id="tk4-attachment"),
    pytest.param(PORTAL_TICKET, id="tk1-portal-ticket"),
    pytest.param(
        Ticket("acme", "t2", "c1", "vendas", AT, TicketStatus.CANCELLED), id="conversation"
    ),
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


def test_tk2_a_ticket_type_unstructures_to_plain_stable_json() -> None:
    data = CONVERTER.unstructure(REPAIR)
    assert data["transitions"] == [["triage", "done"], ["triage", "review"], ["work", "done"]]
    assert data["stages"][1] == {
        "id": "review",
        "name": "Review",
        "responsible": "customer",
        "access": {"cost": "invisible", "due": "read_only"},
        "asks_approval": True,
        "approve_to": "work",
        "reject_to": "triage",
        "final": False,
    }
    assert data["fields"][3] == {
        "name": "model",
        "kind": "choice",
        "label": "Model",
        "choices": ["X1", "X2"],
    }
    # Built in another order, the same type gives the same JSON text.
    shuffled = attrs.evolve(
        REPAIR,
        stages=[
            attrs.evolve(REVIEW, access=dict(reversed(REVIEW.access.items())))
            if s.id == "review"
            else s
            for s in REPAIR.stages
        ],
        transitions=sorted(REPAIR.transitions, reverse=True),
    )
    assert shuffled == REPAIR
    assert json.dumps(CONVERTER.unstructure(shuffled)) == json.dumps(data)


def test_tk4_settings_list_attachment_types_sorted() -> None:
    settings = TenantSettings(attachment_types=frozenset({"text/plain", "application/pdf"}))
    data = CONVERTER.unstructure(settings)
    assert data["attachment_types"] == ["application/pdf", "text/plain"]
    assert (data["portal_attendant"], data["attachment_max_bytes"]) == (None, 10 * 1024 * 1024)


def test_tk3_ticket_values_are_tagged_by_kind_and_sorted_by_name() -> None:
    data = CONVERTER.unstructure(PORTAL_TICKET)
    assert list(data["values"].items()) == [
        ("cost", {"float": 1.5}),
        ("count", {"integer": 1}),
        ("due", {"date": "2026-12-01"}),
        ("model", {"text": "X2"}),
        ("notes", {"text": "2026-12-01"}),
        ("urgent", {"boolean": True}),
    ]
    assert data["history"][0] == {
        "source": None,
        "target": "triage",
        "actor": "c1",
        "actor_kind": "customer",
        "at": "2026-03-01T12:30:00+00:00",
        "kind": "opened",
        "note": "",
    }


KINDS_APART: list[FieldValue] = [date(2026, 12, 1), "2026-12-01", 1, 1.0, True, 0, 0.0, False, "1"]


def test_tk3_ticket_values_keep_their_kinds_apart_through_json() -> None:
    values = {f"v{index}": value for index, value in enumerate(KINDS_APART)}
    ticket = attrs.evolve(PORTAL_TICKET, values=values)
    back = round_trip(ticket)
    assert back == ticket
    # == alone would not tell 1 from 1.0 and True, so compare the exact types too.
    assert [(type(back.values[k]), back.values[k]) for k in values] == [
        (type(v), v) for v in KINDS_APART
    ]


def test_tk3_a_float_stays_a_float_when_json_writes_it_without_a_point() -> None:
    data = CONVERTER.unstructure(attrs.evolve(PORTAL_TICKET, values={"cost": 2.0}))
    data["values"]["cost"] = {"float": 2}
    back = CONVERTER.structure(data, Ticket)
    assert type(back.values["cost"]) is float


@given(
    strategies.extra_fields().flatmap(lambda f: st.tuples(st.just(f), strategies.field_values(f)))
)
def test_tk3_generated_field_values_fit_their_field_and_round_trip(
    field_and_value: tuple[ExtraField, FieldValue],
) -> None:
    field, value = field_and_value
    assert field.check(value, path="$") == value
    back = round_trip(attrs.evolve(PORTAL_TICKET, values={field.name: value}))
    assert type(back.values[field.name]) is type(value)
    assert back.values[field.name] == value


def bad_paths(data: Any, cls: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refusal:
        CONVERTER.structure(data, cls)
    assert refusal.value.rule == "ER-2"
    return {e.path: e.message for e in refusal.value.errors}


def test_er2_ticket_values_with_unknown_tags_or_wrong_kinds_are_listed_by_path() -> None:
    data = CONVERTER.unstructure(PORTAL_TICKET)
    data["values"] = {
        "ok": {"text": "fine"},
        "color": {"colour": "red"},
        "bare": "2026-12-01",
        "two": {"text": "a", "date": "2026-12-01"},
        "due": {"date": "01/12/2026"},
        "feb": {"date": "2026-02-30"},
        "count": {"integer": 1.5},
        "flag": {"boolean": 1},
        "cost": {"float": True},
        "notes": {"text": 12},
    }
    data["subject"] = 3
    one_key = "expected an object with one key of text, integer, float, boolean, date"
    assert bad_paths(data, Ticket) == {
        "$.subject": "expected a string",
        "$.values['color']": one_key,
        "$.values['bare']": one_key,
        "$.values['two']": one_key,
        "$.values['due'].date": "expected a date as YYYY-MM-DD",
        "$.values['feb'].date": "no such date: 2026-02-30",
        "$.values['count'].integer": "expected a whole number",
        "$.values['flag'].boolean": "expected true or false",
        "$.values['cost'].float": "expected a finite number",
        "$.values['notes'].text": "expected a string",
    }


def test_er2_ticket_values_must_be_an_object() -> None:
    data = CONVERTER.unstructure(PORTAL_TICKET)
    data["values"] = [["due", "2026-12-01"]]
    assert bad_paths(data, Ticket) == {"$.values": "expected an object"}


def test_er2_tk2_a_transition_is_a_pair_of_stage_ids() -> None:
    data = CONVERTER.unstructure(REPAIR)
    data["transitions"] = [["triage", "review", "work"], ["work", 3], "work", ["work", "done"]]
    assert bad_paths(data, TicketType) == {
        "$.transitions[0]": "expected a list of 2 items",
        "$.transitions[1][1]": "expected a string",
        "$.transitions[2]": "expected a list",
    }


def test_er2_tk3_an_unknown_field_access_is_listed_by_stage_and_field() -> None:
    data = CONVERTER.unstructure(REPAIR)
    data["stages"][1]["access"] = {"due": "hidden", "cost": "invisible"}
    data["stages"][2]["access"] = ["due"]
    data["fields"][0]["kind"] = "colour"
    assert bad_paths(data, TicketType) == {
        "$.stages[1].access['due']": "expected one of editable, required, read_only, invisible",
        "$.stages[2].access": "expected an object",
        "$.fields[0].kind": "expected one of text, number, date, choice, boolean",
    }


def test_er2_tk2_workflow_rules_are_reported_at_the_path_of_the_bad_part() -> None:
    data = CONVERTER.unstructure(REPAIR)
    data["stages"][1]["reject_to"] = None
    assert bad_paths(data, TicketType) == {
        "$.stages[1].approve_to": "a stage asking approval names approve_to and reject_to"
    }
    data = CONVERTER.unstructure(REPAIR)
    data["transitions"].append(["done", "work"])
    assert bad_paths(data, TicketType) == {"$.transitions[0]": "leaves a final stage"}


def test_er2_tk4_bad_attachment_settings_are_listed() -> None:
    data = CONVERTER.unstructure(TenantSettings())
    data.update(attachment_max_bytes=0, attachment_types="text/plain", portal_attendant=7)
    assert bad_paths(data, TenantSettings) == {
        "$.attachment_max_bytes": "must be a whole number >= 1",
        "$.attachment_types": "expected a list",
        "$.portal_attendant": "expected a string",
    }


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
    TicketMoved(
        tenant="acme",
        actor="c1",
        actor_kind=PrincipalKind.CUSTOMER,
        at=AT,
        ticket_id="t1",
        source="review",
        target="triage",
        kind=MoveKind.REJECTED.value,
        note="not what I asked",
    ),
    TicketTypeSaved(
        tenant="acme",
        actor="admin",
        at=AT,
        ticket_type="repair",
        group="Support",
        name="Repair",
        stages=("triage", "review", "work", "done"),
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


def test_ev1_a_portal_event_names_the_kind_of_its_actor() -> None:
    data = CONVERTER.unstructure(EVENT_EXAMPLES[3], Event)
    assert (data["actor"], data["actor_kind"]) == ("c1", "customer")
    assert CONVERTER.unstructure(EVENT_EXAMPLES[4], Event)["actor_kind"] == "manager"


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
        (strategies.ticket_types(), TicketType),
        (strategies.stages(), Stage),
        (strategies.extra_fields(), ExtraField),
        (strategies.stage_moves(), StageMove),
        (strategies.messages(), Message),
        (strategies.attachments(), Attachment),
        (strategies.tickets(), Ticket),
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
    "actor_kind": PrincipalKind.CUSTOMER,
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
    "open_access": True,
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
    "portal_attendant": "ana",
    "attachment_max_bytes": 2048,
    "attachment_types": ("application/pdf", "text/plain"),
    "ticket_type": "repair",
    "stage": "triage",
    "attendant": True,
    "group": "Support",
    "stages": ("triage", "review", "done"),
    "source": "triage",
    "target": "review",
    "kind": "moved",
    "note": "please confirm",
    "fields": ("due", "cost"),
    "message_id": "m1",
    "internal": True,
    "attachment_id": "a1",
    "content_type": "application/pdf",
    "size": 1234,
}

# Field names other events use with another type.
SAMPLE_OVERRIDES: dict[type[Event], dict[str, Any]] = {
    TicketOpened: {"reason": Reason.ONE_CANDIDATE},
    TicketCancelled: {"reason": "no longer needed"},
    TicketDeleted: {"subject": "Broken printer"},
}


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_ev1_every_event_class_round_trips_directly_and_through_the_base(
    cls: type[Event],
) -> None:
    fields = {f.name: SAMPLE_FIELDS[f.name] for f in attrs.fields(cls)}
    event = cls(**{**fields, **SAMPLE_OVERRIDES.get(cls, {})})
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
