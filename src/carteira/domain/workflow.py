"""Ticket types and their workflows: stages, transitions and extra fields (TK-2, TK-3, TK-6).

A [`TicketType`][carteira.TicketType] belongs to a group and holds an ordered list of
[`Stage`][carteira.Stage]s, the explicit transitions between them, and the
[`ExtraField`][carteira.ExtraField]s its tickets carry. Each stage says who is responsible there
(the customer or the service side), how each extra field may be used there, and whether it asks the
customer to approve the service side's understanding of the request. Everything here is checked when
it is built, so a stored type is always a usable workflow.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType

import attrs

from carteira.domain import refusals
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.identifiers import check_id, check_text, storable
from carteira.domain.inputs import check_optional_text

__all__ = [
    "MAX_TEXT",
    "ExtraField",
    "FieldAccess",
    "FieldKind",
    "FieldValue",
    "Responsible",
    "Stage",
    "TicketType",
    "check_note",
    "check_portal_form",
]

FieldValue = str | int | float | bool | date
"""What an extra field holds: text or choice (``str``), number, boolean or date."""


class Responsible(enum.StrEnum):
    """Who must act on a ticket at a stage (TK-2, TK-7)."""

    CUSTOMER = "customer"
    SERVICE = "service"


class FieldKind(enum.StrEnum):
    """The type of an extra field's value (TK-3)."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    BOOLEAN = "boolean"


class FieldAccess(enum.StrEnum):
    """How an extra field may be used at a stage (TK-3)."""

    EDITABLE = "editable"
    REQUIRED = "required"
    READ_ONLY = "read_only"
    INVISIBLE = "invisible"


def _choices(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _problem(path: str, message: str) -> InvalidInput:
    return InvalidInput("ticket type", [FieldError(path, message)], rule="TK-3")


@attrs.frozen
class ExtraField:
    """An extra field of a ticket type: its name, kind and, for a choice, the choices (TK-3)."""

    name: str
    kind: FieldKind
    label: str = ""
    choices: tuple[str, ...] = attrs.field(default=(), converter=_choices)

    def __attrs_post_init__(self) -> None:
        check_id("field", self.name, path="$.name")
        if not isinstance(self.kind, FieldKind):
            raise _problem("$.kind", f"must be one of {', '.join(FieldKind)}")
        if self.kind is FieldKind.CHOICE and not self.choices:
            raise _problem("$.choices", "a choice field needs at least one choice")
        if self.kind is not FieldKind.CHOICE and self.choices:
            raise _problem("$.choices", "only a choice field has choices")
        if len(set(self.choices)) != len(self.choices):
            raise _problem("$.choices", "choices must be unique")

    def check(self, value: object, *, path: str) -> FieldValue:
        """Return ``value`` if it fits this field; else refuse with ``InvalidInput`` (TK-3)."""
        if not _fits(self.kind, self.choices, value):
            wanted = f"one of {', '.join(self.choices)}" if self.choices else f"a {self.kind}"
            raise InvalidInput(
                f"field {self.name!r}", [FieldError(path, f"must be {wanted}")], rule="TK-3"
            )
        return value  # type: ignore[return-value]


MAX_FIELD_TEXT = 20_000
"""The longest text an extra field holds (TK-3, ER-2)."""
_LARGEST = 2**63 - 1


def _fits(kind: FieldKind, choices: tuple[str, ...], value: object) -> bool:
    if kind is FieldKind.NUMBER:
        return _number(value)
    if kind is FieldKind.DATE:
        return isinstance(value, date)
    if kind is FieldKind.BOOLEAN:
        return isinstance(value, bool)
    if kind is FieldKind.CHOICE:
        return isinstance(value, str) and value in choices
    return isinstance(value, str) and len(value) <= MAX_FIELD_TEXT and storable(value)


def _number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):  # no float would hold it: every store keeps a BIGINT
        return -_LARGEST - 1 <= value <= _LARGEST
    return isinstance(value, float) and math.isfinite(value)


def _access(value: Mapping[str, FieldAccess]) -> Mapping[str, FieldAccess]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Stage:
    """One stage of a workflow (TK-2, TK-3, TK-6).

    ``access`` says how each extra field may be used here (fields it does not name are
    editable); ``asks_approval`` makes the customer approve the understanding here,
    moving to ``approve_to`` or, rejected, back to ``reject_to``; a ``final`` stage
    completes the ticket.
    """

    id: str
    name: str
    responsible: Responsible
    access: Mapping[str, FieldAccess] = attrs.field(
        factory=dict, converter=_access, eq=attrs.cmp_using(eq=lambda a, b: dict(a) == dict(b))
    )
    asks_approval: bool = False
    approve_to: str | None = None
    reject_to: str | None = None
    final: bool = False

    def __attrs_post_init__(self) -> None:
        check_id("stage", self.id, path="$.id")
        check_text("stage", self.name, path="$.name")
        if not isinstance(self.responsible, Responsible):
            raise _problem("$.responsible", "must be customer or service")
        approval = (self.approve_to, self.reject_to)
        if self.asks_approval and None in approval:
            raise _problem("$.approve_to", "a stage asking approval names approve_to and reject_to")
        if not self.asks_approval and approval != (None, None):
            raise _problem("$.approve_to", "only a stage asking approval names approve_to")
        if self.final and self.asks_approval:
            raise _problem("$.final", "a final stage asks nothing")
        if self.asks_approval and self.responsible is not Responsible.CUSTOMER:
            raise _problem("$.responsible", "the customer is responsible where he approves")

    def access_of(self, field: str) -> FieldAccess:
        """How ``field`` may be used at this stage (editable unless said otherwise)."""
        return self.access.get(field, FieldAccess.EDITABLE)

    def require_leavable(self, ticket_id: str, values: Mapping[str, FieldValue]) -> None:
        """Refuse to let ticket ``ticket_id`` leave while a required field is blank (TK-3).

        Empty or blank text counts as no value.
        """
        missing = sorted(
            name
            for name, access in self.access.items()
            if access is FieldAccess.REQUIRED and _blank(values.get(name))
        )
        if missing:
            raise refusals.required_fields_missing(ticket_id, self.id, missing)


def _blank(value: FieldValue | None) -> bool:
    """Tell whether a required field still waits for a value (empty text counts as none)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _stages(value: Iterable[Stage]) -> tuple[Stage, ...]:
    return tuple(value)


def _extra_fields(value: Iterable[ExtraField]) -> tuple[ExtraField, ...]:
    return tuple(value)


def _transitions(value: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    return frozenset((source, target) for source, target in value)


@attrs.frozen
class TicketType:
    """A kind of request customers open in the portal, with its workflow (TK-1, TK-2, TK-3).

    ``stages`` are in order, the first being where new tickets enter; ``transitions``
    are the allowed moves as (from, to) pairs of stage ids, approval moves included
    implicitly; ``fields`` are the extra fields its tickets carry; ``department``, if
    any, is where its new tickets are routed (RT-1), the portal's default attendant
    taking those nothing else assigns (RT-6).
    """

    tenant: str
    id: str
    group: str
    name: str
    stages: tuple[Stage, ...] = attrs.field(converter=_stages)
    transitions: frozenset[tuple[str, str]] = attrs.field(factory=frozenset, converter=_transitions)
    fields: tuple[ExtraField, ...] = attrs.field(default=(), converter=_extra_fields)
    department: str | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        check_id("ticket type", self.id)
        check_text("ticket type", self.group, path="$.group")
        check_text("ticket type", self.name, path="$.name")
        errors = [*self._stage_errors(), *self._field_errors()]
        if errors:
            raise InvalidInput("ticket type", errors, rule="TK-2")

    def _stage_errors(self) -> list[FieldError]:
        ids = [s.id for s in self.stages]
        errors = []
        if not ids:
            errors.append(FieldError("$.stages", "a workflow needs at least one stage"))
        if len(set(ids)) != len(ids):
            errors.append(FieldError("$.stages", "stage ids must be unique"))
        known = set(ids)
        for index, (source, target) in enumerate(sorted(self.transitions)):
            if source not in known or target not in known:
                errors.append(FieldError(f"$.transitions[{index}]", "names an unknown stage"))
            elif source == target:
                errors.append(FieldError(f"$.transitions[{index}]", "goes nowhere"))
            elif self.stage(source).final:
                errors.append(FieldError(f"$.transitions[{index}]", "leaves a final stage"))
        for index, stage in enumerate(self.stages):
            for then in (stage.approve_to, stage.reject_to):
                if then is not None and then not in known:
                    errors.append(FieldError(f"$.stages[{index}]", "approval names no stage"))
        return errors

    def _field_errors(self) -> list[FieldError]:
        names = [f.name for f in self.fields]
        errors = []
        if len(set(names)) != len(names):
            errors.append(FieldError("$.fields", "field names must be unique"))
        for index, stage in enumerate(self.stages):
            for name in stage.access:
                if name not in names:
                    errors.append(FieldError(f"$.stages[{index}].access", f"no field {name!r}"))
        return errors

    @property
    def first(self) -> Stage:
        """The stage new tickets enter (TK-1)."""
        return self.stages[0]

    def stage(self, stage_id: str) -> Stage:
        """Return the stage ``stage_id`` (it must exist)."""
        return next(s for s in self.stages if s.id == stage_id)

    def has_stage(self, stage_id: str) -> bool:
        """Tell whether the workflow has a stage ``stage_id``."""
        return any(s.id == stage_id for s in self.stages)

    def allows(self, source: str, target: str) -> bool:
        """Tell whether a ticket may move from ``source`` to ``target`` by hand (TK-2)."""
        return (source, target) in self.transitions

    def field(self, name: str) -> ExtraField | None:
        """Return the extra field ``name``, if the type has one."""
        return next((f for f in self.fields if f.name == name), None)

    def require_group(self, group: str) -> None:
        """Refuse a portal form naming this type under another group (TK-1)."""
        if self.group != group:
            problem = FieldError("$.type", f"ticket type {self.id!r} is not in group {group!r}")
            raise InvalidInput("portal ticket", [problem], rule="TK-1")

    def fill(
        self,
        stage: Stage,
        side: Responsible,
        current: Mapping[str, FieldValue],
        values: object,
    ) -> dict[str, FieldValue]:
        """Return ``current`` with ``values`` filled in at ``stage`` by ``side`` (TK-3).

        ``None`` clears a field. A read-only field refuses any change
        ([`RuleViolation`][carteira.RuleViolation] ``field_read_only``); a field the type
        lacks, or one invisible to a customer filling, is no such field; every value must
        fit its field. Problems with values are reported together.
        """
        if not isinstance(values, Mapping):
            raise InvalidInput("fields", [FieldError("$.values", "must map field names to values")])
        filled = dict(current)
        errors: list[FieldError] = []
        for name, value in values.items():
            path = f"$.values[{name!r}]"
            field = self.field(name) if isinstance(name, str) else None
            access = stage.access_of(name) if field is not None else None
            if field is None or (access is FieldAccess.INVISIBLE and side is Responsible.CUSTOMER):
                errors.append(FieldError(path, "no such field"))
                continue
            if access is FieldAccess.READ_ONLY:
                raise refusals.field_read_only(name, stage.id)
            if value is None:
                filled.pop(name, None)
                continue
            try:
                filled[name] = field.check(value, path=path)
            except InvalidInput as error:
                errors.extend(error.errors)
        if errors:
            raise InvalidInput("fields", errors, rule="TK-3")
        return filled

    def require_replaceable_by(self, changed: TicketType, held: int) -> None:
        """Refuse a change removing stages where ``held`` open tickets stand (TK-2, TK-9)."""
        if held:
            gone = sorted(self.removed_by(changed))
            raise refusals.stage_in_use(self.id, gone, held)

    def removed_by(self, changed: TicketType) -> set[str]:
        """Return the ids of this type's stages that ``changed`` no longer has (TK-2)."""
        return {s.id for s in self.stages} - {s.id for s in changed.stages}


MAX_TEXT = 20_000
"""The longest subject, request, message or note, in characters (TK-1, TK-5, ER-2)."""


def check_portal_form(group: object, type_id: object, subject: object, request: object) -> None:
    """Refuse a portal form lacking a group, type, subject or request, or holding bad text (TK-1).

    Every problem is reported together, as [`InvalidInput`][carteira.InvalidInput].
    """
    errors = []
    for path, value in (
        ("$.group", group),
        ("$.type", type_id),
        ("$.subject", subject),
        ("$.request", request),
    ):
        if not isinstance(value, str) or not value.strip():
            errors.append(FieldError(path, "is required"))
        elif len(value) > MAX_TEXT:
            errors.append(FieldError(path, f"is longer than {MAX_TEXT}"))
        elif not storable(value):
            errors.append(FieldError(path, "must be text every store keeps"))
    if errors:
        raise InvalidInput("portal ticket", errors, rule="TK-1")


def check_note(value: object, *, required: bool, path: str = "$.note") -> str:
    """Return a note, reason or message text of at most ``MAX_TEXT`` characters (TK-2, TK-5, ER-2).

    An optional one may be ``None`` or empty, giving ``""``.
    """
    if value is None and not required:
        return ""
    if required:
        return check_text("text", value, path=path, max_length=MAX_TEXT)
    found = check_optional_text("text", value, path=path, max_length=MAX_TEXT)
    return found or ""
