"""What the signed-in customer sees of his tickets in the portal (TK-7, VS-4).

A customer sees his own portal tickets only, through five views (TK-7); each ticket as a
[`PortalTicket`][carteira.PortalTicket], which leaves out the fields invisible at its stage and the
service side's internal notes, and says what he may do with it now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from carteira.domain.errors import NotFound
from carteira.domain.inputs import check_choice
from carteira.domain.portal import Attachment, Message, PortalFilter, StageMove
from carteira.domain.ticket import Ticket, TicketStatus
from carteira.domain.workflow import FieldAccess, FieldValue, Responsible, TicketType
from carteira.policies.tickets import require_portal_customer
from carteira.services.context import ReadContext
from carteira.services.pages import page_window
from carteira.services.results import Page
from carteira.services.workflow import reach, type_of

__all__ = ["PortalTicket", "attachment_of", "my_ticket", "my_tickets", "portal_view", "view_of"]


@attrs.frozen
class PortalTicket:
    """A ticket as its customer sees it in the portal (TK-7, VS-4).

    ``values`` hold only the fields visible at the current stage and ``discussion``
    no internal note. ``editable`` are the fields he may fill now and ``moves`` the
    stages he may move it to now; ``awaiting_approval`` says the understanding waits
    for his decision (TK-6); ``cancellable`` that he may cancel it (TK-8).
    """

    id: str
    group: str
    type: str
    type_name: str
    subject: str
    request: str
    stage: str
    stage_name: str
    responsible: Responsible
    status: TicketStatus
    view: PortalFilter
    opened_at: datetime
    values: Mapping[str, FieldValue]
    history: tuple[StageMove, ...]
    discussion: tuple[Message, ...]
    attachments: tuple[Attachment, ...]
    editable: tuple[str, ...]
    moves: tuple[str, ...]
    awaiting_approval: bool
    cancellable: bool


def portal_view(ticket: Ticket, kind: TicketType) -> PortalTicket:
    """Return ``ticket`` as its customer sees it (TK-3, TK-5, TK-7)."""
    assert ticket.stage is not None
    stage = kind.stage(ticket.stage)
    visible = {
        n: v for n, v in ticket.values.items() if stage.access_of(n) is not FieldAccess.INVISIBLE
    }
    his_turn = ticket.open and ticket.responsible is Responsible.CUSTOMER
    editable = tuple(
        f.name
        for f in kind.fields
        if his_turn and stage.access_of(f.name) in (FieldAccess.EDITABLE, FieldAccess.REQUIRED)
    )
    moves = tuple(sorted(t for s, t in kind.transitions if his_turn and s == stage.id))
    return PortalTicket(
        id=ticket.id,
        group=kind.group,
        type=kind.id,
        type_name=kind.name,
        subject=ticket.subject,
        request=ticket.request,
        stage=stage.id,
        stage_name=stage.name,
        responsible=ticket.responsible,
        status=ticket.status,
        view=ticket.portal_filter,
        opened_at=ticket.opened_at,
        values=visible,
        history=ticket.history,
        discussion=tuple(m for m in ticket.discussion if not m.internal),
        attachments=ticket.attachments,
        editable=editable,
        moves=moves,
        awaiting_approval=his_turn and stage.asks_approval,
        cancellable=his_turn,
    )


def view_of(context: ReadContext, ticket: Ticket) -> PortalTicket:
    """Return the customer's view of a ticket his command just stored, as stored (TK-7, VS-4).

    Only its type is read: the command returned the ticket itself.
    """
    return portal_view(ticket, type_of(context, ticket))


def my_ticket(context: ReadContext, ticket_id: str) -> PortalTicket:
    """Return one of the signed-in customer's tickets; any other is not found (VS-4)."""
    _require_customer(context)
    ticket, kind, _ = reach(context, ticket_id)
    return portal_view(ticket, kind)


def my_tickets(
    context: ReadContext, view: PortalFilter, after: str | None, limit: int
) -> Page[PortalTicket]:
    """Return a page of the signed-in customer's tickets in one of the five views (TK-7)."""
    _require_customer(context)
    view = check_choice(PortalFilter, view, path="$.view")
    after, limit = page_window(after, limit)
    found = context.uow.tickets.of_customer(context.actor.id, view, after=after, limit=limit + 1)
    kinds: dict[str, TicketType] = {}
    items = []
    for ticket in found[:limit]:
        assert ticket.type is not None
        if ticket.type not in kinds:
            kind = context.uow.ticket_types.get(ticket.type)
            assert kind is not None
            kinds[ticket.type] = kind
        items.append(portal_view(ticket, kinds[ticket.type]))
    return Page(items, items[-1].id if len(found) > limit else None)


def attachment_of(context: ReadContext, ticket_id: str, attachment_id: str) -> Attachment:
    """Return an attachment's metadata if the actor reaches its ticket (TK-4, VS-4)."""
    ticket, _, _ = reach(context, ticket_id)
    for attachment in ticket.attachments:
        if attachment.id == attachment_id:
            return attachment
    raise NotFound("attachment", attachment_id)


def _require_customer(context: ReadContext) -> None:
    require_portal_customer(
        context.actor.principal, "the portal's views are the signed-in customer's"
    )
