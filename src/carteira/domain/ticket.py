"""Tickets: what routing and visibility need of them, and the rules of changing one (RT, TK, VS-2).

A ticket is one request or conversation of a customer; a department is where it waits
when no owner takes it (the department lives in `carteira.domain.department` and is
re-exported here). A ticket opened in the portal also has a type, whose workflow it
follows: its stage, who is responsible there, its extra fields' values, its stage
history, its discussion and its attachments (TK-1..TK-9).

A [`Ticket`][carteira.Ticket] decides its own changes: each method checks its rule and
returns a [`Changed`][carteira.domain.changed.Changed], the new ticket and the events it
produced, leaving storing both to the caller. Who may ask for a change is the
policies' to say (`carteira.policies.tickets`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from carteira.domain import refusals
from carteira.domain.changed import Changed
from carteira.domain.department import ChoiceMode, Department, RoutingMode, queues_of
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.events import (
    AttachmentAdded,
    Event,
    MessagePosted,
    TicketAssigned,
    TicketCancelled,
    TicketClosed,
    TicketDeleted,
    TicketFieldsChanged,
    TicketMoved,
    TicketOpened,
    TicketReplied,
)
from carteira.domain.identifiers import check_id, check_text
from carteira.domain.manager import Manager
from carteira.domain.portal import Attachment, Message, MoveKind, PortalFilter, StageMove
from carteira.domain.routing_outcome import Routed
from carteira.domain.settings import TenantSettings
from carteira.domain.stamp import Stamp
from carteira.domain.workflow import FieldValue, Responsible, Stage, TicketType, check_note

__all__ = [
    "Changed",
    "ChoiceMode",
    "Department",
    "RoutingMode",
    "Ticket",
    "TicketStatus",
    "queues_of",
]


def _values(value: Mapping[str, FieldValue]) -> Mapping[str, FieldValue]:
    return MappingProxyType(dict(value))


class TicketStatus(enum.StrEnum):
    """Whether a ticket is still being served (TK-9).

    ``CLOSED`` is a conversation closed or a portal ticket completed; closed and
    cancelled tickets are read-only.
    """

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@attrs.frozen
class Ticket:
    """One request or conversation of a customer (VS-2, RT, WA-1/2/4/6, PM-3).

    ``assignee`` is the manager serving it now (since ``assigned_at``), or ``None``
    while it waits in its department's queue; ``offered`` lists the candidates a
    customer may choose among (RT-1).

    A portal ticket names its ``type`` and carries ``subject`` and ``request`` (TK-1),
    its current ``stage`` and who is ``responsible`` there, its extra fields'
    ``values`` (TK-3), and three append-only logs: ``history`` (TK-2), ``discussion``
    (TK-5) and ``attachments`` (TK-4). A conversation has no type and no stage, and
    is the service side's responsibility.
    """

    tenant: str
    id: str
    customer: str
    department: str
    opened_at: datetime
    status: TicketStatus = TicketStatus.OPEN
    assignee: str | None = None
    assigned_at: datetime | None = None
    offered: tuple[str, ...] = ()
    last_activity: datetime | None = None
    type: str | None = None
    subject: str = ""
    request: str = ""
    stage: str | None = None
    responsible: Responsible = Responsible.SERVICE
    values: Mapping[str, FieldValue] = attrs.field(
        factory=dict, converter=_values, eq=attrs.cmp_using(eq=lambda a, b: dict(a) == dict(b))
    )
    history: tuple[StageMove, ...] = ()
    discussion: tuple[Message, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    version: int = 0

    @property
    def open(self) -> bool:
        """Tell whether the ticket is still open."""
        return self.status is TicketStatus.OPEN

    @property
    def queued(self) -> bool:
        """Tell whether it waits in its department's queue (VS-7, RT-3, RT-8).

        Open, with no assignee, and offered to no one: a ticket whose customer is choosing
        among the agents offered (RT-1) is not in the queue, so no one takes it from him.
        """
        return self.status is TicketStatus.OPEN and self.assignee is None and not self.offered

    @property
    def portal_filter(self) -> PortalFilter:
        """The one portal view, besides *All*, that shows this ticket (TK-7)."""
        if self.status is TicketStatus.CLOSED:
            return PortalFilter.COMPLETED
        if self.status is TicketStatus.CANCELLED:
            return PortalFilter.CANCELLED
        if self.responsible is Responsible.CUSTOMER:
            return PortalFilter.MINE
        return PortalFilter.AWAITING

    @classmethod
    def opened(
        cls,
        stamp: Stamp,
        ticket_id: str,
        customer_id: str,
        department_id: str,
        placed: Routed,
        *,
        kind: TicketType | None = None,
        subject: str = "",
        request: str = "",
        values: Mapping[str, FieldValue] | None = None,
    ) -> Changed[Ticket]:
        """Open a ticket where routing placed it, with its ``TicketOpened`` (RT-3, RT-6, RT-7).

        Without ``kind`` it is a conversation; with one, a portal ticket entering the
        type's first stage with its ``subject``, ``request`` and checked ``values``, that
        entry opening its stage history (TK-1, TK-2). A first stage that is final
        completes it at once.
        """
        now = stamp.at
        assignee = placed.assignee
        ticket = cls(
            stamp.tenant,
            ticket_id,
            customer_id,
            department_id,
            now,
            assignee=assignee,
            assigned_at=now if assignee is not None else None,
            offered=placed.offered,
        )
        stage: str | None = None
        if kind is not None:
            first = kind.first
            stage = first.id
            entry = StageMove(None, first.id, stamp.actor, stamp.kind, now, MoveKind.OPENED, "")
            ticket = attrs.evolve(
                ticket,
                type=kind.id,
                subject=subject,
                request=request,
                stage=first.id,
                responsible=first.responsible,
                values=values or {},
                history=(entry,),
                status=TicketStatus.CLOSED if first.final else TicketStatus.OPEN,
            )
        event = TicketOpened(
            **stamp.fields(),
            ticket_id=ticket_id,
            customer_id=customer_id,
            department_id=department_id,
            outcome=placed.outcome,
            reason=placed.reason,
            step=placed.step,
            assignee=assignee,
            offered=placed.offered,
            ticket_type=None if kind is None else kind.id,
            stage=stage,
            attendant=placed.attendant,
        )
        return Changed(ticket, (event,))

    def require_open(self) -> Ticket:
        """Refuse any change to a closed, completed or cancelled ticket: it is read-only (TK-9)."""
        if self.status is TicketStatus.CANCELLED:
            raise refusals.ticket_cancelled(self.id)
        if self.status is TicketStatus.CLOSED:
            # A portal ticket closed at its final stage is, in the portal's words, completed.
            raise refusals.ticket_closed(self.id, "closed" if self.type is None else "completed")
        return self

    def require_portal(self) -> str:
        """Return the ticket's type; refuse a conversation where a portal ticket is meant (TK-1)."""
        if self.type is None:
            raise refusals.not_a_portal_ticket(self.id)
        return self.type

    def move(self, kind: TicketType, target: object, note: object, stamp: Stamp) -> Changed[Ticket]:
        """Move the ticket along one of its type's transitions (TK-2, TK-3).

        The stage it leaves needs its required fields filled; a final stage completes it.

        Whose turn it is the policy's to say (``policies.tickets.require_turn``).
        """
        self.require_open()
        target = check_id("stage", target, path="$.target")
        text = check_note(note, required=False)
        if not kind.has_stage(target):
            raise InvalidInput(
                "move", [FieldError("$.target", f"no stage {target!r} in this type")]
            )
        source = self._stage(kind)
        if not kind.allows(source.id, target):
            allowed = sorted(t for s, t in kind.transitions if s == source.id)
            raise refusals.illegal_transition(self.id, source.id, target, allowed)
        return self._enter(kind, target, MoveKind.MOVED, text, stamp)

    def fill(
        self, kind: TicketType, side: Responsible, values: object, stamp: Stamp
    ) -> Changed[Ticket]:
        """Fill or clear extra fields as the current stage lets ``side`` (TK-3).

        ``None`` clears a field. Filling in what is already there changes nothing and
        produces no event.
        """
        self.require_open()
        filled = kind.fill(self._stage(kind), side, self.values, values)
        if filled == dict(self.values):
            return Changed(self)
        changed = sorted(
            n for n in set(filled) | set(self.values) if filled.get(n) != self.values.get(n)
        )
        updated = attrs.evolve(self, values=filled, last_activity=stamp.at)
        event = TicketFieldsChanged(**stamp.fields(), ticket_id=self.id, fields=tuple(changed))
        return Changed(updated, (event,))

    def decide(
        self, kind: TicketType, approve: bool, reason: object, stamp: Stamp
    ) -> Changed[Ticket]:
        """Approve the understanding, moving on, or reject it with a reason, going back (TK-6).

        Only where the stage asks for approval; that only the customer decides is the
        policy's to say (``policies.tickets.require_customer``).
        """
        self.require_open()
        stage = self._stage(kind)
        if not stage.asks_approval:
            raise refusals.no_approval_pending(self.id, stage.id)
        note = check_note(reason, required=not approve)
        target, how = (
            (stage.approve_to, MoveKind.APPROVED)
            if approve
            else (stage.reject_to, MoveKind.REJECTED)
        )
        assert target is not None
        return self._enter(kind, target, how, note, stamp)

    def cancel(self, reason: object, stamp: Stamp) -> Changed[Ticket]:
        """Cancel the ticket where it stands; it turns read-only (TK-8, TK-9).

        That only its customer cancels, and only at his turn, is the policies' to say.
        """
        self.require_open()
        note = check_note(reason, required=False)
        assert self.stage is not None
        entry = StageMove(
            self.stage, self.stage, stamp.actor, stamp.kind, stamp.at, MoveKind.CANCELLED, note
        )
        cancelled = attrs.evolve(
            self,
            status=TicketStatus.CANCELLED,
            history=(*self.history, entry),
            last_activity=stamp.at,
        )
        return Changed(
            cancelled, (TicketCancelled(**stamp.fields(), ticket_id=self.id, reason=note),)
        )

    def delete(self, stamp: Stamp) -> Changed[Ticket]:
        """Delete a cancelled ticket, leaving an audit event of what it was (TK-8).

        ``value`` is the ticket as it was, for the caller to remove.
        """
        if self.status is not TicketStatus.CANCELLED:
            raise refusals.not_cancelled(self.id, self.status.value)
        event = TicketDeleted(
            **stamp.fields(),
            ticket_id=self.id,
            customer_id=self.customer,
            ticket_type=self.type,
            subject=self.subject,
        )
        return Changed(self, (event,))

    def post(
        self, message_id: str, text: object, internal: bool, side: Responsible, stamp: Stamp
    ) -> Changed[Ticket]:
        """Add a message to the open ticket's discussion, whoever is responsible (TK-5).

        A message id is used once ([`Conflict`][carteira.Conflict] ``message_exists``);
        only the service side writes ``internal`` notes. The message is the new ticket's
        last in ``discussion``.
        """
        self.require_open()
        if any(m.id == message_id for m in self.discussion):
            raise refusals.message_exists(message_id)
        if internal and side is Responsible.CUSTOMER:
            raise refusals.service_only()
        message = Message(
            check_id("message", message_id),
            stamp.actor,
            stamp.kind,
            stamp.at,
            check_note(text, required=True, path="$.text"),
            internal,
        )
        updated = attrs.evolve(self, discussion=(*self.discussion, message), last_activity=stamp.at)
        event = MessagePosted(
            **stamp.fields(), ticket_id=self.id, message_id=message.id, internal=internal
        )
        return Changed(updated, (event,))

    def attach(
        self,
        attachment_id: str,
        name: object,
        content_type: object,
        size: int,
        sha256: str,
        settings: TenantSettings,
        stamp: Stamp,
    ) -> Changed[Ticket]:
        """Record a file's metadata on the open ticket, within the tenant's limits (TK-4).

        Its content type must be one ``settings`` accepts and its size within their
        limit; an attachment id is used once. The attachment is the new ticket's last in
        ``attachments``.
        """
        self.require_open()
        label = check_note(name, required=True, path="$.name")
        media = check_text("attachment", content_type, path="$.content_type")
        if media not in settings.attachment_types:
            raise refusals.content_type_not_allowed(media, sorted(settings.attachment_types))
        limit = settings.attachment_max_bytes
        if size > limit:
            raise refusals.attachment_too_large(size, limit)
        if any(a.id == attachment_id for a in self.attachments):
            raise refusals.attachment_exists(attachment_id)
        attachment = Attachment(
            check_id("attachment", attachment_id),
            label,
            media,
            size,
            sha256,
            stamp.actor,
            stamp.kind,
            stamp.at,
        )
        updated = attrs.evolve(
            self, attachments=(*self.attachments, attachment), last_activity=stamp.at
        )
        event = AttachmentAdded(
            **stamp.fields(),
            ticket_id=self.id,
            attachment_id=attachment.id,
            name=label,
            content_type=media,
            size=size,
        )
        return Changed(updated, (event,))

    def take(self, manager_id: str, stamp: Stamp) -> Changed[Ticket]:
        """Give the ticket waiting in its queue to ``manager_id``, first taker first (RT-8).

        Taking one's own ticket again changes nothing. Once another holds it, a taker is
        refused with [`Conflict`][carteira.Conflict] ``already_taken``; a ticket whose
        customer is choosing among offered agents is not in the queue (RT-1).
        """
        self.require_open()
        if self.assignee == manager_id:
            return Changed(self)
        if self.assignee is not None:
            raise refusals.already_taken(self.id, self.department)
        if not self.queued:
            raise refusals.customer_choosing(self.id, self.offered)
        return self._assign(manager_id, stamp)

    def choose(self, manager_id: str, stamp: Stamp) -> Changed[Ticket]:
        """Give the ticket to the agent its customer chose among those offered (RT-1).

        Whether he can still take it is the routing policy's to say (MG-4).
        """
        self.require_open()
        if manager_id not in self.offered:
            raise refusals.not_offered(manager_id, self.id, self.offered)
        return self._assign(manager_id, stamp)

    def reassign(
        self, manager: Manager | None, department: Department | None, stamp: Stamp
    ) -> Changed[Ticket]:
        """Give the open ticket to ``manager``, or back to the queue with ``None`` (RT-2).

        The manager must be active and serve the ticket's ``department`` (given with him).
        """
        self.require_open()
        if manager is not None:
            assert department is not None
            if not manager.active or not department.admits(manager.id):
                raise refusals.cannot_serve(manager.id, department.name, department.id)
        return self._assign(None if manager is None else manager.id, stamp)

    def reply(self, stamp: Stamp) -> Changed[Ticket]:
        """Record a reply on the open ticket (PM-3)."""
        self.require_open()
        replied = attrs.evolve(self, last_activity=stamp.at)
        return Changed(replied, (TicketReplied(**stamp.fields(), ticket_id=self.id),))

    def close(self, stamp: Stamp) -> Changed[Ticket]:
        """Close the open ticket; its customer's membership does not change (MB-5, TK-9)."""
        self.require_open()
        closed = attrs.evolve(self, status=TicketStatus.CLOSED, last_activity=stamp.at)
        return Changed(closed, (TicketClosed(**stamp.fields(), ticket_id=self.id),))

    def _assign(self, manager_id: str | None, stamp: Stamp) -> Changed[Ticket]:
        if self.assignee == manager_id:
            return Changed(self)
        moved = attrs.evolve(
            self,
            assignee=manager_id,
            assigned_at=stamp.at if manager_id else None,
            offered=(),
        )
        event = TicketAssigned(
            **stamp.fields(), ticket_id=self.id, assignee=manager_id, previous=self.assignee
        )
        return Changed(moved, (event,))

    def _stage(self, kind: TicketType) -> Stage:
        assert self.stage is not None
        return kind.stage(self.stage)

    def _enter(
        self, kind: TicketType, target: str, how: MoveKind, note: str, stamp: Stamp
    ) -> Changed[Ticket]:
        source = self._stage(kind)
        source.require_leavable(self.id, self.values)
        stage = kind.stage(target)
        entry = StageMove(source.id, stage.id, stamp.actor, stamp.kind, stamp.at, how, note)
        moved = attrs.evolve(
            self,
            stage=stage.id,
            responsible=stage.responsible,
            status=TicketStatus.CLOSED if stage.final else TicketStatus.OPEN,
            history=(*self.history, entry),
            last_activity=stamp.at,
        )
        events: tuple[Event, ...] = (
            TicketMoved(
                **stamp.fields(),
                ticket_id=self.id,
                source=source.id,
                target=stage.id,
                kind=how.value,
                note=note,
            ),
        )
        if stage.final:
            events = (*events, TicketClosed(**stamp.fields(), ticket_id=self.id))
        return Changed(moved, events)
