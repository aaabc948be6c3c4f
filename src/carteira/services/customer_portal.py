"""The self-service portal's API: what a signed-in customer does with his tickets (TK, VS-4).

Reach it as ``Carteira.portal``. Every method takes a customer principal
([`Principal.customer`][carteira.Principal.customer]); the host application
authenticates the customer and builds it. A customer reaches his own tickets only:
any other ticket, attachment or history is simply not found (VS-4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from carteira.domain.portal import Attachment, Message, PortalFilter
from carteira.domain.principal import Principal
from carteira.domain.ticket import Ticket
from carteira.domain.workflow import FieldValue, TicketType
from carteira.policies.tickets import require_portal_customer
from carteira.ports.attachments import AttachmentStore
from carteira.services import portal, ticket_types, uploads, workflow
from carteira.services.context import Context
from carteira.services.portal import PortalTicket
from carteira.services.results import Page, Result
from carteira.services.runner import Runner

__all__ = ["CustomerPortal"]


class CustomerPortal:
    """The customer's side of portal tickets: open, follow, discuss, approve, cancel (TK).

    Built by [`Carteira`][carteira.Carteira]; use ``app.portal``.
    """

    def __init__(
        self, run: Runner, attachments: AttachmentStore, new_id: Callable[[], str]
    ) -> None:
        self._run = run
        self._attachments = attachments
        self._new_id = new_id

    def ticket_types(self, customer: Principal) -> Sequence[TicketType]:
        """Return the ticket types he may open, by group and name (TK-1)."""
        _require_customer(customer)
        return self._run.query(customer, ticket_types.ticket_types, portal=True)

    def open_ticket(
        self,
        customer: Principal,
        *,
        group: str,
        ticket_type: str,
        subject: str,
        request: str,
        values: Mapping[str, FieldValue] | None = None,
        ticket_id: str | None = None,
    ) -> Result[PortalTicket]:
        """Open a ticket: it enters its type's first stage and is routed (TK-1, RT-6).

        ``ticket_id`` is for a host that numbers tickets itself; never take it from the
        customer: an id another customer's ticket holds is refused as a conflict.
        """
        new_id = ticket_id if ticket_id is not None else self._new_id()
        return self._command(
            customer,
            lambda c: workflow.open_portal_ticket(
                c, new_id, c.actor.id, group, ticket_type, subject, request, values or {}
            ),
        )

    def tickets(
        self,
        customer: Principal,
        view: PortalFilter = PortalFilter.ALL,
        *,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[PortalTicket]:
        """Return a page of his tickets in one of the portal's five views, by id (TK-7)."""
        _require_customer(customer)
        return self._run.query(
            customer, lambda c: portal.my_tickets(c, view, after, limit), portal=True
        )

    def ticket(self, customer: Principal, ticket_id: str) -> PortalTicket:
        """Return one of his tickets as he sees it (TK-7, VS-4)."""
        _require_customer(customer)
        return self._run.query(customer, lambda c: portal.my_ticket(c, ticket_id), portal=True)

    def move(
        self, customer: Principal, ticket_id: str, target: str, *, note: str = ""
    ) -> Result[PortalTicket]:
        """Move a ticket under his responsibility to the next stage he may choose (TK-2)."""
        return self._command(customer, lambda c: workflow.move(c, ticket_id, target, note))

    def fill(
        self, customer: Principal, ticket_id: str, values: Mapping[str, FieldValue | None]
    ) -> Result[PortalTicket]:
        """Fill or clear extra fields of a ticket under his responsibility (TK-3)."""
        return self._command(customer, lambda c: workflow.fill(c, ticket_id, values))

    def approve(
        self, customer: Principal, ticket_id: str, *, note: str = ""
    ) -> Result[PortalTicket]:
        """Approve the service side's understanding of his request: it moves on (TK-6)."""
        return self._command(customer, lambda c: workflow.decide(c, ticket_id, True, note))

    def reject(self, customer: Principal, ticket_id: str, *, reason: str) -> Result[PortalTicket]:
        """Reject the understanding, saying why: the ticket goes back (TK-6)."""
        return self._command(customer, lambda c: workflow.decide(c, ticket_id, False, reason))

    def cancel(
        self, customer: Principal, ticket_id: str, *, reason: str = ""
    ) -> Result[PortalTicket]:
        """Cancel a ticket under his responsibility; it becomes read-only (TK-8)."""
        return self._command(customer, lambda c: workflow.cancel(c, ticket_id, reason))

    def post_message(
        self, customer: Principal, ticket_id: str, text: str, *, message_id: str | None = None
    ) -> Result[Message]:
        """Write in an open ticket's discussion, whoever is responsible (TK-5)."""
        _require_customer(customer)
        new_id = message_id if message_id is not None else self._new_id()
        return self._run.command(
            customer,
            lambda c: workflow.post_message(c, ticket_id, new_id, text, False),
            portal=True,
        )

    def attach(
        self,
        customer: Principal,
        ticket_id: str,
        *,
        name: str,
        content_type: str,
        content: bytes,
        attachment_id: str | None = None,
    ) -> Result[Attachment]:
        """Attach a file to an open ticket, even one awaiting return (TK-4)."""
        _require_customer(customer)
        new_id = attachment_id if attachment_id is not None else self._new_id()
        return uploads.store_upload(
            self._run,
            self._attachments,
            customer,
            ticket_id,
            new_id,
            name,
            content_type,
            content,
            portal_side=True,
        )

    def attachment(
        self, customer: Principal, ticket_id: str, attachment_id: str
    ) -> tuple[Attachment, bytes]:
        """Return an attachment of one of his tickets, metadata and content (TK-4, VS-4)."""
        _require_customer(customer)
        return uploads.read_upload(
            self._run, self._attachments, customer, ticket_id, attachment_id, portal_side=True
        )

    def _command(
        self, customer: Principal, body: Callable[[Context], Ticket]
    ) -> Result[PortalTicket]:
        _require_customer(customer)

        def run(context: Context) -> PortalTicket:
            return portal.view_of(context, body(context))

        return self._run.command(customer, run, portal=True)


def _require_customer(principal: Principal) -> None:
    """Refuse anyone but a signed-in customer: managers and the host use Carteira (VS-4)."""
    require_portal_customer(
        principal, "the portal takes a signed-in customer; managers and the host use Carteira"
    )
