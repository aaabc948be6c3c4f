"""Portal tickets through their workflow, from either side (TK-1..TK-9, RT-6, VS-4).

A portal ticket is reached by the customer who opened it (any other customer finds
nothing, VS-4) or by a manager who sees it (VS-2; under *owner-only* only its owners
change it, PM-3). Whoever is responsible at the ticket's stage moves it and fills its
fields; either side discusses and attaches while it is open; only the customer approves
or rejects the understanding and cancels; only an administrator deletes, and only a
cancelled ticket. Completed and cancelled tickets refuse every change (TK-9).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import attrs

from carteira.domain.customer import Customer
from carteira.domain.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from carteira.domain.events import (
    AttachmentAdded,
    MessagePosted,
    TicketCancelled,
    TicketClosed,
    TicketDeleted,
    TicketFieldsChanged,
    TicketMoved,
    TicketOpened,
)
from carteira.domain.identifiers import check_id, check_text, storable
from carteira.domain.inputs import check_flag, check_optional_text
from carteira.domain.permissions import Permission
from carteira.domain.portal import Attachment, Message, MoveKind, StageMove
from carteira.domain.ticket import Ticket, TicketStatus
from carteira.domain.workflow import FieldAccess, FieldValue, Responsible, Stage, TicketType
from carteira.policies.routing import Outcome, route
from carteira.services.context import Context, ReadContext, id_taken
from carteira.services.routing import routing_input
from carteira.services.tickets import require_open, require_owner

__all__ = [
    "MAX_TEXT",
    "Reached",
    "attach",
    "cancel",
    "decide",
    "delete",
    "fill",
    "move",
    "open_portal_ticket",
    "post_message",
    "reach",
]

MAX_TEXT = 20_000
"""The longest subject, request, message or note, in characters."""


class Reached(NamedTuple):
    """A portal ticket, its type, and the side the actor acts on."""

    ticket: Ticket
    kind: TicketType
    side: Responsible


def reach(context: ReadContext, ticket_id: str) -> Reached:
    """Find a portal ticket the actor may reach, or refuse as if it did not exist (VS-4).

    A customer reaches only the tickets he opened; a manager those he sees (VS-2).
    """
    if context.actor.is_customer:
        ticket = context.uow.tickets.get(check_id("ticket", ticket_id))
        if ticket is None or ticket.customer != context.actor.id or ticket.type is None:
            raise NotFound("ticket", ticket_id)
        side = Responsible.CUSTOMER
    else:
        ticket = context.visible_ticket(ticket_id)
        if ticket.type is None:
            raise RuleViolation(
                f"ticket {ticket_id!r} is a conversation, not a portal ticket",
                code="not_a_portal_ticket",
                rule="TK-1",
                details={"ticket": ticket_id},
            )
        side = Responsible.SERVICE
    kind = context.uow.ticket_types.get(ticket.type)
    if kind is None:
        raise NotFound("ticket type", ticket.type)
    return Reached(ticket, kind, side)


def open_portal_ticket(
    context: Context,
    ticket_id: str,
    customer_id: str,
    group: str,
    type_id: str,
    subject: str,
    request: str,
    values: Mapping[str, FieldValue | None],
) -> Ticket:
    """Open a ticket in the portal: it enters its type's first stage and is routed (TK-1, RT-6).

    A customer opens his own; the host may open one for any customer.
    """
    if not (context.actor.is_customer or context.actor.is_system):
        raise PermissionDenied(
            "only a customer, or the host for him, opens a portal ticket",
            code="customer_only",
            rule="TK-1",
        )
    if context.actor.is_customer and customer_id != context.actor.id:
        raise NotFound("customer", customer_id)
    check_id("ticket", ticket_id)
    _check_form(group, type_id, subject, request)
    customer = context.customer(customer_id)
    kind = context.uow.ticket_types.get(type_id)
    if kind is None:
        raise NotFound("ticket type", type_id)
    if kind.group != group:
        problem = FieldError("$.type", f"ticket type {type_id!r} is not in group {group!r}")
        raise InvalidInput("portal ticket", [problem], rule="TK-1")
    existing = context.uow.tickets.get(ticket_id)
    if existing is not None:
        if context.actor.is_customer:  # his own tickets are all a customer sees (VS-4)
            seen = existing.customer == context.actor.id
        else:
            seen = context.ticket_visibility(existing).granted
        raise id_taken("ticket", ticket_id, "ticket_exists", "TK-1", seen=seen)
    first = kind.first
    filled = _filled(kind, first, Responsible.CUSTOMER, {}, values)
    now = context.stamp.at
    assignee, offered, attendant, decision = _route(context, customer, kind)
    ticket = Ticket(
        context.stamp.tenant,
        ticket_id,
        customer.id,
        kind.department or "",
        now,
        assignee=assignee,
        assigned_at=now if assignee else None,
        offered=offered,
        type=kind.id,
        subject=subject,
        request=request,
        stage=first.id,
        responsible=first.responsible,
        values=filled,
        history=(_move(context, None, first.id, MoveKind.OPENED, ""),),
        status=TicketStatus.CLOSED if first.final else TicketStatus.OPEN,
    )
    context.uow.tickets.add(ticket)
    context.emit(
        TicketOpened(
            **context.stamp_fields,
            ticket_id=ticket_id,
            customer_id=customer.id,
            department_id=ticket.department,
            outcome=decision[0],
            reason=decision[1],
            step=decision[2],
            assignee=assignee,
            offered=offered,
            ticket_type=kind.id,
            stage=first.id,
            attendant=attendant,
        )
    )
    return context.ticket(ticket_id)


def move(context: Context, ticket_id: str, target: str, note: str) -> Ticket:
    """Move a ticket along one of its type's transitions, by the side responsible (TK-2, TK-3)."""
    ticket, kind, side = _changeable(context, ticket_id)
    _require_turn(ticket, side, "move")
    check_id("stage", target, path="$.target")
    note = _note(note, required=False)
    if not kind.has_stage(target):
        raise InvalidInput("move", [FieldError("$.target", f"no stage {target!r} in this type")])
    assert ticket.stage is not None
    if not kind.allows(ticket.stage, target):
        allowed = sorted(t for s, t in kind.transitions if s == ticket.stage)
        raise RuleViolation(
            f"ticket {ticket_id!r} cannot move from {ticket.stage!r} to {target!r}",
            code="illegal_transition",
            rule="TK-2",
            details={"ticket": ticket_id, "from": ticket.stage, "to": target, "allowed": allowed},
        )
    return _enter(context, ticket, kind, target, MoveKind.MOVED, note)


def fill(context: Context, ticket_id: str, values: Mapping[str, FieldValue | None]) -> Ticket:
    """Fill or clear extra fields where the stage lets the responsible side (TK-3).

    ``None`` clears a field. Read-only fields refuse changes; a customer cannot reach
    the fields invisible to him.
    """
    ticket, kind, side = _changeable(context, ticket_id)
    _require_turn(ticket, side, "fill the fields of")
    stage = _stage(kind, ticket)
    filled = _filled(kind, stage, side, ticket.values, values)
    if filled == dict(ticket.values):
        return ticket
    changed = sorted(
        n for n in set(filled) | set(ticket.values) if filled.get(n) != ticket.values.get(n)
    )
    context.uow.tickets.update_many(
        [attrs.evolve(ticket, values=filled, last_activity=context.stamp.at)]
    )
    context.emit(
        TicketFieldsChanged(**context.stamp_fields, ticket_id=ticket.id, fields=tuple(changed))
    )
    return context.ticket(ticket.id)


def decide(context: Context, ticket_id: str, approve: bool, reason: str) -> Ticket:
    """Approve the understanding, moving on, or reject it, going back: the customer's (TK-6)."""
    approve = check_flag("understanding", approve, path="$.approve")
    ticket, kind, side = _changeable(context, ticket_id)
    _require_customer(side, ticket, "approves or rejects the understanding", "TK-6")
    stage = _stage(kind, ticket)
    if not stage.asks_approval:
        raise RuleViolation(
            f"ticket {ticket_id!r} awaits no approval at stage {stage.id!r}",
            code="no_approval_pending",
            rule="TK-6",
            details={"ticket": ticket_id, "stage": stage.id},
        )
    note = _note(reason, required=not approve)
    target, how = (
        (stage.approve_to, MoveKind.APPROVED) if approve else (stage.reject_to, MoveKind.REJECTED)
    )
    assert target is not None
    return _enter(context, ticket, kind, target, how, note)


def cancel(context: Context, ticket_id: str, reason: str) -> Ticket:
    """Cancel a ticket under the customer's responsibility, by him (TK-8); it turns read-only."""
    ticket, _, side = _changeable(context, ticket_id)
    _require_customer(side, ticket, "cancels it", "TK-8")
    _require_turn(ticket, side, "cancel", rule="TK-8")
    note = _note(reason, required=False)
    assert ticket.stage is not None
    entry = _move(context, ticket.stage, ticket.stage, MoveKind.CANCELLED, note)
    cancelled = attrs.evolve(
        ticket,
        status=TicketStatus.CANCELLED,
        history=(*ticket.history, entry),
        last_activity=context.stamp.at,
    )
    context.uow.tickets.update_many([cancelled])
    context.emit(TicketCancelled(**context.stamp_fields, ticket_id=ticket.id, reason=note))
    return context.ticket(ticket.id)


def delete(context: Context, ticket_id: str) -> Ticket:
    """Delete a cancelled ticket, by an administrator, leaving an audit event (TK-8).

    Returns the deleted ticket, so that the caller can drop its attachments' content.
    """
    context.actor.require(Permission.DELETE_TICKETS, "delete tickets", "TK-8")
    ticket = context.visible_ticket(ticket_id)
    if ticket.status is not TicketStatus.CANCELLED:
        raise RuleViolation(
            f"ticket {ticket_id!r} is {ticket.status}: only a cancelled ticket is deleted",
            code="not_cancelled",
            rule="TK-8",
            details={"ticket": ticket_id, "status": ticket.status.value},
        )
    context.uow.tickets.remove(ticket)
    context.emit(
        TicketDeleted(
            **context.stamp_fields,
            ticket_id=ticket.id,
            customer_id=ticket.customer,
            ticket_type=ticket.type,
            subject=ticket.subject,
        )
    )
    return ticket


def post_message(
    context: Context, ticket_id: str, message_id: str, text: str, internal: bool
) -> Message:
    """Add a message to an open ticket's discussion, whoever is responsible (TK-5).

    Only the service side writes ``internal`` notes; the customer never sees them.
    """
    internal = check_flag("message", internal, path="$.internal")
    ticket, _, side = _changeable(context, ticket_id)
    if any(m.id == message_id for m in ticket.discussion):
        raise Conflict(f"message {message_id!r} already exists", code="message_exists", rule="TK-5")
    if internal and side is Responsible.CUSTOMER:
        raise PermissionDenied(
            "internal notes are the service side's", code="service_only", rule="TK-5"
        )
    message = Message(
        check_id("message", message_id),
        context.actor.id,
        context.stamp.kind,
        context.stamp.at,
        _note(text, required=True, path="$.text"),
        internal,
    )
    updated = attrs.evolve(
        ticket, discussion=(*ticket.discussion, message), last_activity=context.stamp.at
    )
    context.uow.tickets.update_many([updated])
    context.emit(
        MessagePosted(
            **context.stamp_fields, ticket_id=ticket.id, message_id=message.id, internal=internal
        )
    )
    return message


def attach(
    context: Context,
    ticket_id: str,
    attachment_id: str,
    name: str,
    content_type: str,
    size: int,
    sha256: str,
) -> Attachment:
    """Record an attachment's metadata on an open ticket, within the tenant's limits (TK-4).

    The caller stores the content only after this accepted it: a refused upload stores
    nothing.
    """
    ticket, _, _ = _changeable(context, ticket_id)
    name = _note(name, required=True, path="$.name")
    settings = context.settings
    content_type = check_text("attachment", content_type, path="$.content_type")
    if content_type not in settings.attachment_types:
        raise RuleViolation(
            f"files of type {content_type!r} are not accepted",
            code="content_type_not_allowed",
            rule="TK-4",
            details={"content_type": content_type, "allowed": sorted(settings.attachment_types)},
        )
    if size > settings.attachment_max_bytes:
        raise RuleViolation(
            f"the file has {size} bytes, more than the {settings.attachment_max_bytes} allowed",
            code="attachment_too_large",
            rule="TK-4",
            details={"size": size, "limit": settings.attachment_max_bytes},
        )
    if any(a.id == attachment_id for a in ticket.attachments):
        raise Conflict(f"attachment {attachment_id!r} already exists", code="attachment_exists")
    attachment = Attachment(
        check_id("attachment", attachment_id),
        name,
        content_type,
        size,
        sha256,
        context.actor.id,
        context.stamp.kind,
        context.stamp.at,
    )
    updated = attrs.evolve(
        ticket, attachments=(*ticket.attachments, attachment), last_activity=context.stamp.at
    )
    context.uow.tickets.update_many([updated])
    context.emit(
        AttachmentAdded(
            **context.stamp_fields,
            ticket_id=ticket.id,
            attachment_id=attachment.id,
            name=name,
            content_type=content_type,
            size=size,
        )
    )
    return attachment


def _changeable(context: ReadContext, ticket_id: str) -> Reached:
    reached = reach(context, ticket_id)
    require_open(reached.ticket)
    if reached.side is Responsible.SERVICE:
        require_owner(context, reached.ticket, "change")
    return reached


def _require_customer(side: Responsible, ticket: Ticket, action: str, rule: str) -> None:
    if side is not Responsible.CUSTOMER:
        raise PermissionDenied(
            f"only the customer who opened ticket {ticket.id!r} {action}",
            code="customer_only",
            rule=rule,
            details={"ticket": ticket.id},
        )


def _require_turn(ticket: Ticket, side: Responsible, action: str, rule: str = "TK-7") -> None:
    if ticket.responsible is not side:
        raise RuleViolation(
            f"ticket {ticket.id!r} is with the {ticket.responsible} side: "
            f"the {side} side cannot {action} it now",
            code="not_your_turn",
            rule=rule,
            details={"ticket": ticket.id, "responsible": ticket.responsible.value},
        )


def _stage(kind: TicketType, ticket: Ticket) -> Stage:
    assert ticket.stage is not None
    return kind.stage(ticket.stage)


def _enter(
    context: Context, ticket: Ticket, kind: TicketType, target: str, how: MoveKind, note: str
) -> Ticket:
    source = _stage(kind, ticket)
    missing = sorted(
        name
        for name, access in source.access.items()
        if access is FieldAccess.REQUIRED and _blank(ticket.values.get(name))
    )
    if missing:
        raise RuleViolation(
            f"stage {source.id!r} needs {', '.join(missing)} filled before the ticket leaves it",
            code="required_fields_missing",
            rule="TK-3",
            details={"ticket": ticket.id, "stage": source.id, "missing": missing},
        )
    stage = kind.stage(target)
    moved = attrs.evolve(
        ticket,
        stage=stage.id,
        responsible=stage.responsible,
        status=TicketStatus.CLOSED if stage.final else TicketStatus.OPEN,
        history=(*ticket.history, _move(context, source.id, stage.id, how, note)),
        last_activity=context.stamp.at,
    )
    context.uow.tickets.update_many([moved])
    context.emit(
        TicketMoved(
            **context.stamp_fields,
            ticket_id=ticket.id,
            source=source.id,
            target=stage.id,
            kind=how.value,
            note=note,
        )
    )
    if stage.final:
        context.emit(TicketClosed(**context.stamp_fields, ticket_id=ticket.id))
    return context.ticket(ticket.id)


def _blank(value: FieldValue | None) -> bool:
    """Tell whether a required field still waits for a value (empty text counts as none)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _move(
    context: ReadContext, source: str | None, target: str, how: MoveKind, note: str
) -> StageMove:
    stamp = context.stamp
    return StageMove(source, target, stamp.actor, stamp.kind, stamp.at, how, note)


def _filled(
    kind: TicketType,
    stage: Stage,
    side: Responsible,
    current: Mapping[str, FieldValue],
    values: object,
) -> dict[str, FieldValue]:
    if not isinstance(values, Mapping):
        raise InvalidInput("fields", [FieldError("$.values", "must map field names to values")])
    filled = dict(current)
    errors: list[FieldError] = []
    for name, value in values.items():
        path = f"$.values[{name!r}]"
        field = kind.field(name) if isinstance(name, str) else None
        access = stage.access_of(name) if field is not None else None
        if field is None or (access is FieldAccess.INVISIBLE and side is Responsible.CUSTOMER):
            errors.append(FieldError(path, "no such field"))
            continue
        if access is FieldAccess.READ_ONLY:
            raise RuleViolation(
                f"field {name!r} is read-only at stage {stage.id!r}",
                code="field_read_only",
                rule="TK-3",
                details={"field": name, "stage": stage.id},
            )
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


def _check_form(group: object, type_id: object, subject: object, request: object) -> None:
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


def _note(value: object, *, required: bool, path: str = "$.note") -> str:
    if value is None and not required:
        return ""
    if required:
        return check_text("text", value, path=path, max_length=MAX_TEXT)
    found = check_optional_text("text", value, path=path, max_length=MAX_TEXT)
    return found or ""


def _route(
    context: Context, customer: Customer, kind: TicketType
) -> tuple[str | None, tuple[str, ...], bool, tuple[str, str, str]]:
    """Route by the type's department, else give it to the portal's attendant (RT-1, RT-6)."""
    outcome, reason, step = "queue", "none_assigned", "queue"
    assignee: str | None = None
    offered: tuple[str, ...] = ()
    if kind.department is not None:
        department = context.department(kind.department)
        decision = route(routing_input(context, customer, department), context.tie_break)
        outcome, reason, step = decision.outcome.value, decision.reason.value, decision.step.value
        if decision.outcome is Outcome.ASSIGN:
            return decision.assignee, (), False, (outcome, reason, step)
        if decision.outcome is Outcome.OFFER:
            return None, decision.candidates, False, (outcome, reason, step)
    attendant = context.settings.portal_attendant
    if attendant is not None:
        record = context.uow.managers.get(attendant)
        if record is not None and record.active:
            assignee = attendant
    return assignee, offered, assignee is not None, (outcome, reason, step)
