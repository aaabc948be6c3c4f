"""A department's queue: who lists it, and taking a ticket from it (VS-7, RT-8).

A ticket waits in its department's queue while it is open, with no assignee, offered to no
one ([`Ticket.queued`][carteira.Ticket.queued]): routing found no owner to give it to
(RT-3), or someone handed it back. The department's members (every active manager where
it lists none) see what waits there and take it, first taker first; holders of VIEW_ALL
list it too. Taking a ticket changes no membership (MB-5).
"""

from __future__ import annotations

from carteira.domain.errors import NotFound
from carteira.domain.permissions import Permission
from carteira.domain.ticket import Ticket
from carteira.policies.tickets import require_member, require_taker
from carteira.services.context import Context, ReadContext
from carteira.services.pages import page_window
from carteira.services.results import Page
from carteira.services.tickets import require_owner, save
from carteira.services.visibility import ticket_visibility

__all__ = ["queue", "take"]


def queue(
    context: ReadContext, department_id: str, *, after: str | None, limit: int
) -> Page[Ticket]:
    """Return a page of what waits in a department's queue, oldest first (VS-7, ST-4).

    Listed by the host, by the department's members and by holders of VIEW_ALL; anyone
    else is refused with [`PermissionDenied`][carteira.PermissionDenied] ``not_a_member``.
    Pass the page's ``next_after`` (its last ticket) back as ``after`` for the next one.
    """
    department = context.department(department_id)
    actor = context.actor
    if not (actor.is_system or actor.may(Permission.VIEW_ALL)):
        require_member(department, actor, "list the queue of", "VS-7")
    after, limit = page_window(after, limit)
    found = context.uow.tickets.queue(department.id, after=after, limit=limit + 1)
    shown = list(found[:limit])
    return Page(shown, shown[-1].id if len(found) > limit else None)


def take(context: Context, ticket_id: str) -> Ticket:
    """Take a ticket waiting in the queue of one's department: it becomes his (RT-8).

    Needs an agent holding ASSIGN_SELF whom the ticket's department admits. The first
    taker wins: once a ticket has an assignee, another member is refused with
    [`Conflict`][carteira.Conflict] ``already_taken``; taking one's own ticket again changes
    nothing. A ticket whose customer is choosing among offered agents is not in the queue
    (``customer_choosing``, RT-1). Under owner-only, only the customer's owners take it
    (PM-3). To anyone who neither sees the ticket nor lost the race for it, it does not
    exist (VS-3).
    """
    actor = context.actor
    require_taker(actor)
    ticket = context.ticket(ticket_id)
    department = context.department(ticket.department)
    member = department.admits(actor.id)
    lost_race = member and ticket.open and ticket.assignee is not None
    if not lost_race and not ticket_visibility(context, ticket):
        raise NotFound("ticket", ticket_id)
    ticket.require_open()
    if ticket.assignee == actor.id:
        return ticket
    require_member(department, actor, "take the tickets of", "RT-8")
    taken = ticket.take(actor.id, context.stamp)
    require_owner(context, ticket, "take")
    return save(context, taken)
