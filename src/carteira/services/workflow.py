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

from carteira.domain import refusals
from carteira.domain.errors import NotFound
from carteira.domain.identifiers import check_id
from carteira.domain.inputs import check_flag
from carteira.domain.permissions import Permission
from carteira.domain.portal import Attachment, Message
from carteira.domain.ticket import Ticket
from carteira.domain.visibility import id_taken
from carteira.domain.workflow import (
    MAX_TEXT,
    FieldValue,
    Responsible,
    TicketType,
    check_portal_form,
)
from carteira.policies.tickets import require_customer, require_customer_or_host, require_turn
from carteira.services.context import Context, ReadContext
from carteira.services.tickets import open_routed, require_owner, save
from carteira.services.visibility import ticket_visibility, visible_ticket

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
    "type_of",
]


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
        ticket = visible_ticket(context, ticket_id)
        side = Responsible.SERVICE
    return Reached(ticket, type_of(context, ticket), side)


def type_of(context: ReadContext, ticket: Ticket) -> TicketType:
    """Return the type a portal ticket follows; a conversation has none (TK-1)."""
    type_id = ticket.require_portal()
    kind = context.uow.ticket_types.get(type_id)
    if kind is None:
        raise NotFound("ticket type", type_id)
    return kind


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
    require_customer_or_host(context.actor)
    if context.actor.is_customer and customer_id != context.actor.id:
        raise NotFound("customer", customer_id)
    check_id("ticket", ticket_id)
    check_portal_form(group, type_id, subject, request)
    customer = context.customer(customer_id)
    kind = context.uow.ticket_types.get(type_id)
    if kind is None:
        raise NotFound("ticket type", type_id)
    kind.require_group(group)
    existing = context.uow.tickets.get(ticket_id)
    if existing is not None:
        if context.actor.is_customer:  # his own tickets are all a customer sees (VS-4)
            seen = existing.customer == context.actor.id
        else:
            seen = ticket_visibility(context, existing).granted
        raise id_taken(refusals.ticket_exists(ticket_id, "TK-1"), "ticket", ticket_id, seen=seen)
    filled = kind.fill(kind.first, Responsible.CUSTOMER, {}, values)
    department = None if kind.department is None else context.department(kind.department)
    return open_routed(
        context,
        ticket_id,
        customer,
        department,
        kind=kind,
        subject=subject,
        request=request,
        values=filled,
    )


def move(context: Context, ticket_id: str, target: str, note: str) -> Ticket:
    """Move a ticket along one of its type's transitions, by the side responsible (TK-2, TK-3)."""
    ticket, kind, side = _changeable(context, ticket_id)
    require_turn(ticket, side, "move")
    return save(context, ticket.move(kind, target, note, context.stamp))


def fill(context: Context, ticket_id: str, values: Mapping[str, FieldValue | None]) -> Ticket:
    """Fill or clear extra fields where the stage lets the responsible side (TK-3).

    ``None`` clears a field. Read-only fields refuse changes; a customer cannot reach
    the fields invisible to him.
    """
    ticket, kind, side = _changeable(context, ticket_id)
    require_turn(ticket, side, "fill the fields of")
    return save(context, ticket.fill(kind, side, values, context.stamp))


def decide(context: Context, ticket_id: str, approve: bool, reason: str) -> Ticket:
    """Approve the understanding, moving on, or reject it, going back: the customer's (TK-6)."""
    approve = check_flag("understanding", approve, path="$.approve")
    ticket, kind, side = _changeable(context, ticket_id)
    require_customer(side, ticket, "approves or rejects the understanding", "TK-6")
    return save(context, ticket.decide(kind, approve, reason, context.stamp))


def cancel(context: Context, ticket_id: str, reason: str) -> Ticket:
    """Cancel a ticket under the customer's responsibility, by him (TK-8); it turns read-only."""
    ticket, _, side = _changeable(context, ticket_id)
    require_customer(side, ticket, "cancels it", "TK-8")
    require_turn(ticket, side, "cancel", rule="TK-8")
    return save(context, ticket.cancel(reason, context.stamp))


def delete(context: Context, ticket_id: str) -> Ticket:
    """Delete a cancelled ticket, by an administrator, leaving an audit event (TK-8).

    Returns the deleted ticket, so that the caller can drop its attachments' content.
    """
    context.actor.require(Permission.DELETE_TICKETS, "delete tickets", "TK-8")
    deleted = visible_ticket(context, ticket_id).delete(context.stamp)
    context.uow.tickets.remove(deleted.value)
    context.emit(*deleted.events)
    return deleted.value


def post_message(
    context: Context, ticket_id: str, message_id: str, text: str, internal: bool
) -> Message:
    """Add a message to an open ticket's discussion, whoever is responsible (TK-5).

    Only the service side writes ``internal`` notes; the customer never sees them.
    """
    internal = check_flag("message", internal, path="$.internal")
    ticket, _, side = _changeable(context, ticket_id)
    posted = save(context, ticket.post(message_id, text, internal, side, context.stamp))
    return posted.discussion[-1]


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
    changed = ticket.attach(
        attachment_id, name, content_type, size, sha256, context.settings, context.stamp
    )
    return save(context, changed).attachments[-1]


def _changeable(context: ReadContext, ticket_id: str) -> Reached:
    reached = reach(context, ticket_id)
    reached.ticket.require_open()
    if reached.side is Responsible.SERVICE:
        require_owner(context, reached.ticket, "change")
    return reached
