"""Who may act on a ticket, and where a new one goes: pure decisions (TK, PM-3, RT, VS-4, WA-1).

The [`Ticket`][carteira.Ticket] aggregate decides what a change does; these decide who
may ask for it: the side responsible at the stage, the customer alone, the customer's
owners under *owner-only*, a department's members, an agent, the host. The caller
loads what a rule needs and passes it in; a refusal is raised as the domain error the
SPEC rule names. Routing's answer becomes where a new ticket goes here too (RT-3, RT-6).
"""

from __future__ import annotations

from collections.abc import Set

from carteira.domain import refusals
from carteira.domain.actor import Actor
from carteira.domain.customer import Customer
from carteira.domain.department import Department
from carteira.domain.permissions import Permission
from carteira.domain.portfolio import Portfolio
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.routing_outcome import Outcome, Routed
from carteira.domain.ticket import Ticket
from carteira.domain.workflow import Responsible
from carteira.policies.routing import RoutingDecision, RoutingInput, availability

__all__ = [
    "owner_only_binds",
    "owners_of",
    "require_agent",
    "require_available",
    "require_customer",
    "require_customer_or_host",
    "require_member",
    "require_owner",
    "require_portal_customer",
    "require_serving_agent",
    "require_taker",
    "require_turn",
    "routed",
    "to_attendant",
]


def require_turn(ticket: Ticket, side: Responsible, action: str, rule: str = "TK-7") -> None:
    """Refuse ``side`` acting on ``ticket`` while the other side is responsible (TK-2, TK-7, TK-8).

    [`RuleViolation`][carteira.RuleViolation] ``not_your_turn``.
    """
    if ticket.responsible is not side:
        raise refusals.not_your_turn(ticket.id, ticket.responsible.value, side.value, action, rule)


def require_customer(side: Responsible, ticket: Ticket, action: str, rule: str) -> None:
    """Refuse the service side what only the ticket's customer does (TK-6, TK-8).

    [`PermissionDenied`][carteira.PermissionDenied] ``customer_only``.
    """
    if side is not Responsible.CUSTOMER:
        raise refusals.customer_only(ticket.id, action, rule)


def require_customer_or_host(actor: Actor) -> None:
    """Refuse a manager opening a portal ticket: a customer opens his, the host for him (TK-1)."""
    if not (actor.is_customer or actor.is_system):
        raise refusals.customer_or_host_opens()


def require_portal_customer(principal: object, message: str) -> None:
    """Refuse anyone but a signed-in customer where the portal's views are his (VS-4).

    [`PermissionDenied`][carteira.PermissionDenied] ``customer_only`` saying ``message``.
    """
    if not isinstance(principal, Principal) or principal.kind is not PrincipalKind.CUSTOMER:
        raise refusals.portal_customer_only(message)


def require_agent(actor: Actor, action: str, rule: str) -> str:
    """Return the acting agent's id: a manager holding ASSIGN_SELF, not the host (WA-1, WA-6)."""
    if actor.is_system:
        raise refusals.not_permitted(f"only an agent may {action}", rule)
    actor.require(Permission.ASSIGN_SELF, action, rule)
    return actor.id


def require_taker(actor: Actor) -> None:
    """Refuse anyone but an agent holding ASSIGN_SELF taking from a queue (RT-8)."""
    if actor.is_system or actor.is_customer:
        raise refusals.not_permitted("only an agent takes a ticket from a queue", "RT-8")
    actor.require(Permission.ASSIGN_SELF, "take tickets from a queue", "RT-8")


def require_member(department: Department, actor: Actor, action: str, rule: str) -> None:
    """Refuse anyone but the host and the department's members its queue (VS-7, RT-8).

    [`PermissionDenied`][carteira.PermissionDenied] ``not_a_member``. A manager acting is
    active: inactive ones are refused before.
    """
    if actor.is_system or (actor.manager is not None and department.admits(actor.id)):
        return
    kind = actor.principal.kind.value
    raise refusals.not_a_member(kind, actor.id, action, department.name, department.id, rule)


def owner_only_binds(actor: Actor, owner_only: bool) -> bool:
    """Tell whether *owner-only* restricts ``actor`` (PM-3).

    Only while the setting is on, and never the host nor a holder of OVERRIDE_OWNER_ONLY.
    """
    return owner_only and not actor.is_system and not actor.may(Permission.OVERRIDE_OWNER_ONLY)


def owners_of(customer: Customer, portfolio: Portfolio | None) -> frozenset[str]:
    """Return a customer's owners: its account managers and its effective portfolio's (PM-3)."""
    managers = () if portfolio is None else portfolio.managers
    return frozenset((*customer.account_managers, *managers))


def require_owner(
    ticket: Ticket, actor: Actor, owners: Set[str], stands_in_for: Set[str], action: str
) -> None:
    """Under *owner-only*, refuse anyone but the customer's owners and their backups (PM-3).

    ``owners`` from [`owners_of`][carteira.policies.tickets.owners_of]; ``stands_in_for``
    the absent managers the actor stands in for now (MG-5). Ask only where
    [`owner_only_binds`][carteira.policies.tickets.owner_only_binds].
    """
    if actor.id in owners or owners & stands_in_for:
        return
    raise refusals.not_an_owner(ticket.customer, action, ticket.id, actor.id)


def require_serving_agent(ticket: Ticket, agent: str) -> None:
    """Refuse adding a ticket's customer by anyone but the agent serving it, open (WA-1)."""
    if ticket.assignee != agent or not ticket.open:
        raise refusals.not_serving_agent(ticket.id, ticket.assignee)


def require_available(manager_id: str, ticket: Ticket, inputs: RoutingInput) -> None:
    """Refuse a chosen agent who can no longer take the ticket (MG-4, MG-5, RT-2).

    [`RuleViolation`][carteira.RuleViolation] ``not_available`` with the exclusion that
    [`availability`][carteira.policies.routing.availability] found.
    """
    excluded = availability(manager_id, inputs)
    if excluded is not None:
        raise refusals.not_available(manager_id, ticket.id, excluded.value)


def routed(decision: RoutingDecision | None) -> Routed:
    """Return where a routing decision puts a new ticket; no decision: the queue (RT-3).

    Assigned to the one it picked, offered to the candidates where the customer chooses
    (RT-1), else queued with the decision's reason. A ticket with no department to route
    it (``None``) waits, nobody assigned.
    """
    if decision is None:
        return Routed()
    assignee = decision.assignee if decision.outcome is Outcome.ASSIGN else None
    offered = decision.candidates if decision.outcome is Outcome.OFFER else ()
    return Routed(decision.outcome, decision.reason, decision.step, assignee, offered)


def to_attendant(placed: Routed, attendant: str | None) -> Routed:
    """Give a portal ticket nothing else assigns to the portal's attendant, if any (RT-6).

    ``attendant`` is the active default attendant, or ``None``. A ticket assigned or
    offered stays as routed; the routing's outcome and reason are kept either way.
    """
    if not placed.queued or attendant is None:
        return placed
    return Routed(placed.outcome, placed.reason, placed.step, attendant, (), attendant=True)
