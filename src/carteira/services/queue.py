"""A department's queue: who lists it, and taking a ticket from it (VS-7, RT-8).

A ticket waits in its department's queue while it is open, with no assignee, offered to no
one ([`Ticket.queued`][carteira.Ticket.queued]): routing found no owner to give it to
(RT-3), or someone handed it back. The department's members (every active manager where
it lists none) see what waits there and take it, first taker first; holders of VIEW_ALL
list it too. Taking a ticket changes no membership (MB-5).
"""

from __future__ import annotations

from carteira.domain.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from carteira.domain.permissions import Permission
from carteira.domain.ticket import Department, Ticket
from carteira.services.context import Context, ReadContext
from carteira.services.pages import page_window
from carteira.services.results import Page
from carteira.services.tickets import assign_to, require_open, require_owner

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
        _require_member(context, department, "list the queue of", "VS-7")
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
    if actor.is_system or actor.is_customer:
        raise PermissionDenied("only an agent takes a ticket from a queue", rule="RT-8")
    actor.require(Permission.ASSIGN_SELF, "take tickets from a queue", "RT-8")
    ticket = context.ticket(ticket_id)
    department = context.department(ticket.department)
    member = department.admits(actor.id)
    lost_race = member and ticket.open and ticket.assignee is not None
    if not lost_race and not context.ticket_visibility(ticket):
        raise NotFound("ticket", ticket_id)
    require_open(ticket)
    if ticket.assignee == actor.id:
        return ticket
    _require_member(context, department, "take the tickets of", "RT-8")
    if ticket.assignee is not None:
        raise Conflict(
            f"ticket {ticket_id!r} was taken from the queue by another agent first",
            code="already_taken",
            rule="RT-8",
            details={"ticket": ticket_id, "department": department.id},
        )
    if not ticket.queued:
        raise RuleViolation(
            f"ticket {ticket_id!r} waits for its customer to choose among the agents offered",
            code="customer_choosing",
            rule="RT-1",
            details={"ticket": ticket_id, "offered": ticket.offered},
        )
    require_owner(context, ticket, "take")
    return assign_to(context, ticket, actor.id)


def _require_member(context: ReadContext, department: Department, action: str, rule: str) -> None:
    actor = context.actor  # a manager acting is active: inactive ones are refused first
    if actor.is_system or (actor.manager is not None and department.admits(actor.id)):
        return
    raise PermissionDenied(
        f"{actor.principal.kind.value} {actor.id!r} may not {action} department "
        f"{department.name!r}: only its members may",
        code="not_a_member",
        rule=rule,
        details={"department": department.id, "actor": actor.id},
    )
