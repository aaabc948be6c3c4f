"""Ticket types: workflows of stages and transitions, extra fields (TK-2, TK-3, TK-6)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from carteira.domain.errors import InvalidInput
from carteira.domain.workflow import (
    ExtraField,
    FieldAccess,
    FieldKind,
    Responsible,
    Stage,
    TicketType,
)

CUSTOMER, SERVICE = Responsible.CUSTOMER, Responsible.SERVICE


def _type(**changes: Any) -> TicketType:
    fields = (
        ExtraField("invoice", FieldKind.TEXT),
        ExtraField("amount", FieldKind.NUMBER),
        ExtraField("due", FieldKind.DATE),
        ExtraField("urgency", FieldKind.CHOICE, choices=("low", "high")),
        ExtraField("recurring", FieldKind.BOOLEAN),
    )
    stages = (
        Stage("draft", "Rascunho", CUSTOMER, {"invoice": FieldAccess.REQUIRED}),
        Stage("triage", "Triagem", SERVICE, {"amount": FieldAccess.INVISIBLE}),
        Stage(
            "understanding",
            "Entendimento",
            CUSTOMER,
            asks_approval=True,
            approve_to="work",
            reject_to="triage",
        ),
        Stage("work", "Execução", SERVICE, {"invoice": FieldAccess.READ_ONLY}),
        Stage("done", "Concluído", SERVICE, final=True),
    )
    transitions = {
        ("draft", "triage"),
        ("triage", "understanding"),
        ("triage", "draft"),
        ("work", "done"),
    }
    arguments: dict[str, Any] = {
        "tenant": "acme",
        "id": "refund",
        "group": "Financeiro",
        "name": "Reembolso",
        "stages": stages,
        "transitions": transitions,
        "fields": fields,
    }
    arguments.update(changes)
    return TicketType(**arguments)


def _paths(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e.path for e in error.value.errors]


def test_tk2_a_type_enters_its_first_stage_and_moves_only_by_its_transitions() -> None:
    kind = _type()
    assert kind.first.id == "draft"
    assert kind.allows("draft", "triage")
    assert kind.allows("triage", "draft")
    assert not kind.allows("draft", "work")
    assert not kind.allows("triage", "work")


def test_tk2_a_workflow_without_stages_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        _type(stages=(), transitions=())
    assert _paths(error) == ["$.stages"]
    assert error.value.rule == "TK-2"


def test_tk2_every_broken_transition_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as error:
        _type(transitions={("draft", "nowhere"), ("done", "draft"), ("work", "work")})
    assert sorted(_paths(error)) == ["$.transitions[0]", "$.transitions[1]", "$.transitions[2]"]
    messages = sorted(e.message for e in error.value.errors)
    assert messages == ["goes nowhere", "leaves a final stage", "names an unknown stage"]


def test_tk2_stage_ids_are_unique() -> None:
    stage = Stage("a", "A", SERVICE)
    with pytest.raises(InvalidInput) as error:
        _type(stages=(stage, stage), transitions=(), fields=())
    assert _paths(error) == ["$.stages"]


def test_tk3_a_stage_names_only_fields_the_type_has() -> None:
    stage = Stage("a", "A", SERVICE, {"ghost": FieldAccess.REQUIRED})
    with pytest.raises(InvalidInput) as error:
        _type(stages=(stage,), transitions=())
    assert _paths(error) == ["$.stages[0].access"]


def test_tk3_a_field_not_named_by_a_stage_is_editable_there() -> None:
    kind = _type()
    assert kind.stage("draft").access_of("amount") is FieldAccess.EDITABLE
    assert kind.stage("draft").access_of("invoice") is FieldAccess.REQUIRED


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("invoice", "NF-123", [12, None, True]),
        ("amount", 12.5, ["12", True, float("nan"), float("inf")]),
        ("due", date(2026, 12, 1), ["2026-12-01", 20261201]),
        ("urgency", "high", ["HIGH", "medium", 1]),
        ("recurring", False, ["no", 0, None]),
    ],
)
def test_tk3_an_extra_field_takes_only_values_of_its_kind(
    name: str, good: object, bad: list[object]
) -> None:
    field = _type().field(name)
    assert field is not None
    assert field.check(good, path=f"$.values.{name}") == good
    for value in bad:
        with pytest.raises(InvalidInput) as error:
            field.check(value, path=f"$.values.{name}")
        assert _paths(error) == [f"$.values.{name}"]
        assert error.value.rule == "TK-3"


def test_tk3_a_choice_field_needs_choices_and_others_have_none() -> None:
    with pytest.raises(InvalidInput):
        ExtraField("urgency", FieldKind.CHOICE)
    with pytest.raises(InvalidInput):
        ExtraField("note", FieldKind.TEXT, choices=("a",))
    with pytest.raises(InvalidInput):
        ExtraField("urgency", FieldKind.CHOICE, choices=("a", "a"))


def test_tk3_field_names_are_unique() -> None:
    twice = (ExtraField("a", FieldKind.TEXT), ExtraField("a", FieldKind.NUMBER))
    stage = Stage("s", "S", SERVICE)
    with pytest.raises(InvalidInput) as error:
        _type(stages=(stage,), transitions=(), fields=twice)
    assert _paths(error) == ["$.fields"]


def test_tk6_a_stage_asking_approval_names_where_approval_and_rejection_go() -> None:
    with pytest.raises(InvalidInput):
        Stage("u", "U", CUSTOMER, asks_approval=True, approve_to="work")
    with pytest.raises(InvalidInput):
        Stage("u", "U", CUSTOMER, approve_to="work", reject_to="triage")
    with pytest.raises(InvalidInput):
        Stage("u", "U", CUSTOMER, asks_approval=True, approve_to="a", reject_to="b", final=True)
    asking = Stage("u", "U", CUSTOMER, asks_approval=True, approve_to="nowhere", reject_to="u")
    with pytest.raises(InvalidInput) as error:
        _type(stages=(asking,), transitions=(), fields=())
    assert _paths(error) == ["$.stages[0]"]


def test_tk2_a_stage_needs_a_name_and_a_known_responsible() -> None:
    with pytest.raises(InvalidInput):
        Stage("a", " ", SERVICE)
    with pytest.raises(InvalidInput):
        Stage("a", "A", "customer")  # type: ignore[arg-type]
