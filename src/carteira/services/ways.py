"""The ways a customer enters or leaves a portfolio from the agents' work (WA-1..WA-7).

WA-3 (the record) and WA-5 (deactivation with transfer) live with customers and
managers; these are the ways that start from a conversation or an agent's record.
Each checks the acting principal's permissions and is recorded with its way (MB-6).
"""

from __future__ import annotations

from collections.abc import Sequence

from carteira.domain.customer import Customer
from carteira.domain.identifiers import check_ids
from carteira.domain.inputs import check_flag
from carteira.domain.ownership import Way
from carteira.domain.permissions import Permission
from carteira.domain.ticket import Ticket
from carteira.policies.tickets import require_agent, require_serving_agent
from carteira.services.context import Context, ReadContext
from carteira.services.customers import give_to, giving, take_from, taking
from carteira.services.ownership import apply_moves
from carteira.services.tickets import close
from carteira.services.visibility import ticket_visibility, visible_customer, visible_ticket

__all__ = [
    "add_to_my_portfolio",
    "assign_customers",
    "assign_to_me",
    "bulk_close",
    "close_ticket",
    "offers_association",
    "unassign_customers",
    "unassign_me",
]


def add_to_my_portfolio(context: Context, ticket_id: str) -> Customer:
    """WA-1: during a conversation its agent adds the customer to his own portfolio."""
    agent = _agent(context, "add customers to his portfolio", "WA-1")
    ticket = visible_ticket(context, ticket_id)
    require_serving_agent(ticket, agent)
    return give_to(context, context.customer(ticket.customer), agent, None, Way.CONVERSATION)


def offers_association(context: ReadContext, ticket_id: str) -> bool:
    """WA-2: tell whether closing this ticket should ask to associate its customer."""
    ticket = visible_ticket(context, ticket_id)
    if context.actor.is_system or not context.actor.may(Permission.ASSIGN_SELF):
        return False
    customer = context.customer(ticket.customer)
    return ticket.open and context.actor.id not in customer.account_managers


def close_ticket(context: Context, ticket_id: str, associate: bool) -> Ticket:
    """Close a ticket (MB-5); WA-2: answering yes associates its customer with the agent.

    The question is only asked where the customer is not already his; "no" changes
    nothing but the ticket.
    """
    associate = check_flag("closing", associate, path="$.associate")
    ticket = visible_ticket(context, ticket_id)
    if associate:
        _agent(context, "associate a customer with his portfolio", "WA-2")
    asked = associate and offers_association(context, ticket_id)
    (closed,) = close(context, [ticket])
    if asked:
        give_to(context, context.customer(ticket.customer), context.actor.id, None, Way.CLOSING)
    return closed


def bulk_close(context: Context, agent_id: str, associate: bool) -> list[Ticket]:
    """WA-4: an administrator closes all open conversations of an agent at once.

    With ``associate`` (the *portfolio* option) each of those customers gets the agent
    as account manager. All of it applies, or nothing (ST-1). An administrator's bulk
    close is not bound by *owner-only* (PM-3), which governs agents' own work. It closes
    every one of them, but returns only the tickets the caller sees (VS-3).
    """
    associate = check_flag("bulk close", associate, path="$.associate")
    context.actor.require(Permission.BULK_CLOSE, "close an agent's conversations", "WA-4")
    context.manager(agent_id)
    tickets = list(context.uow.tickets.open_assigned_to(agent_id))
    closed = close(context, tickets, check_owner=False)
    standing: dict[str, Customer] = {}
    if associate:
        customers = [context.customer(c) for c in dict.fromkeys(t.customer for t in tickets)]
        moves = [
            giving(context, c, agent_id, None)
            for c in customers
            if agent_id not in c.account_managers
        ]
        standing = {c.id: c for c in apply_moves(context, moves, Way.BULK_CLOSE)}
    seen = (ticket_visibility(context, t, customer=standing.get(t.customer)) for t in closed)
    return [t for t, visible in zip(closed, seen, strict=True) if visible.granted]


def assign_to_me(context: Context, ticket_id: str) -> Customer:
    """WA-6: "assign to me" from a ticket makes the agent an account manager of its customer."""
    agent = _agent(context, "assign customers to himself", "WA-6")
    ticket = visible_ticket(context, ticket_id)
    return give_to(context, context.customer(ticket.customer), agent, None, Way.TICKET)


def unassign_me(context: Context, ticket_id: str) -> Customer:
    """WA-6: "unassign" from a ticket takes the agent off its customer's account managers."""
    agent = _agent(context, "unassign customers from himself", "WA-6")
    ticket = visible_ticket(context, ticket_id)
    return take_from(context, context.customer(ticket.customer), agent, Way.TICKET)


def assign_customers(
    context: Context, agent_id: str, customer_ids: Sequence[str]
) -> list[Customer]:
    """WA-7: from an agent's record, assign a list of customers to him, all or none."""
    context.actor.require(Permission.SET_PORTFOLIO, "assign customers to an agent", "WA-7")
    ids = check_ids("customer", customer_ids, path="$.customer_ids")
    customers = [visible_customer(context, c) for c in dict.fromkeys(ids)]
    return apply_moves(
        context, [giving(context, c, agent_id, None) for c in customers], Way.AGENT_RECORD
    )


def unassign_customers(
    context: Context, agent_id: str, customer_ids: Sequence[str]
) -> list[Customer]:
    """WA-7: from an agent's record, unassign a list of customers from him, all or none."""
    context.actor.require(Permission.SET_PORTFOLIO, "unassign customers from an agent", "WA-7")
    context.manager(agent_id)
    ids = check_ids("customer", customer_ids, path="$.customer_ids")
    customers = [visible_customer(context, c) for c in dict.fromkeys(ids)]
    return apply_moves(context, [taking(context, c, agent_id) for c in customers], Way.AGENT_RECORD)


def _agent(context: Context, action: str, rule: str) -> str:
    return require_agent(context.actor, action, rule)
