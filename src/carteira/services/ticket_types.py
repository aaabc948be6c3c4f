"""Ticket types: setting up the workflows portal tickets follow (TK-1, TK-2, TK-3, TK-6)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

import attrs

from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.events import TicketTypeSaved
from carteira.domain.permissions import Permission
from carteira.domain.workflow import ExtraField, Stage, TicketType
from carteira.services.context import Context, ReadContext

__all__ = ["save_ticket_type", "ticket_types"]

T = TypeVar("T", Stage, ExtraField)


def save_ticket_type(
    context: Context,
    type_id: str,
    group: str,
    name: str,
    stages: Iterable[Stage],
    transitions: Iterable[tuple[str, str]],
    fields: Iterable[ExtraField],
    department: str | None,
) -> TicketType:
    """Create or change a ticket type (TK-2); a stage holding open tickets stays (TK-9).

    Needs MANAGE_PORTFOLIOS, like every routing setup.
    """
    context.actor.require(Permission.MANAGE_PORTFOLIOS, "set up ticket types", "TK-2")
    kind = TicketType(
        context.stamp.tenant,
        type_id,
        group,
        name,
        _items("stages", stages, Stage),
        _pairs(transitions),
        _items("fields", fields, ExtraField),
        department,
    )
    if department is not None:
        context.department(department)
    current = context.uow.ticket_types.get(type_id)
    if current is None:
        saved = context.uow.ticket_types.add(kind)
    else:
        gone = current.removed_by(kind)
        current.require_replaceable_by(
            kind, context.uow.tickets.count_open_at(current.id, gone) if gone else 0
        )
        saved = context.uow.ticket_types.update(attrs.evolve(kind, version=current.version))
    context.emit(
        TicketTypeSaved(
            **context.stamp.fields(),
            ticket_type=kind.id,
            group=kind.group,
            name=kind.name,
            stages=tuple(s.id for s in kind.stages),
        )
    )
    return saved


def ticket_types(context: ReadContext) -> Sequence[TicketType]:
    """Return every ticket type, by group and name: what a customer may open (TK-1)."""
    return context.uow.ticket_types.list()


def _items(name: str, values: object, kind: type[T]) -> tuple[T, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput("ticket type", [FieldError(f"$.{name}", "must be a list")])
    items = tuple(values)
    wrong = [
        FieldError(f"$.{name}[{i}]", f"must be a {kind.__name__}")
        for i, item in enumerate(items)
        if not isinstance(item, kind)
    ]
    if wrong:
        raise InvalidInput("ticket type", wrong)
    return items


def _pairs(values: object) -> tuple[tuple[str, str], ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput("ticket type", [FieldError("$.transitions", "must be a list")])
    pairs = tuple(values)
    wrong = [
        FieldError(f"$.transitions[{i}]", "must be a (from, to) pair of stage ids")
        for i, pair in enumerate(pairs)
        if not (
            isinstance(pair, tuple | list)
            and len(pair) == 2
            and all(isinstance(p, str) for p in pair)
        )
    ]
    if wrong:
        raise InvalidInput("ticket type", wrong)
    return tuple((s, t) for s, t in pairs)
