"""Tickets as routing and the ways need them: departments, open, serve, close (RT, PM-3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from carteira.domain import refusals
from carteira.domain.changed import Changed
from carteira.domain.customer import Customer
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.events import DepartmentSaved
from carteira.domain.identifiers import check_id, check_ids, check_text
from carteira.domain.inputs import check_choice, check_count, check_flag
from carteira.domain.permissions import Permission
from carteira.domain.ticket import ChoiceMode, Department, RoutingMode, Ticket
from carteira.domain.visibility import id_taken
from carteira.domain.workflow import FieldValue, TicketType
from carteira.policies import tickets as policy
from carteira.policies.routing import route
from carteira.policies.tickets import (
    owner_only_binds,
    owners_of,
    require_available,
    routed,
    to_attendant,
)
from carteira.services.context import Context, ReadContext
from carteira.services.routing import routing_input
from carteira.services.visibility import ticket_visibility, visible_customer, visible_ticket

__all__ = [
    "choose_agent",
    "close",
    "open_routed",
    "open_ticket",
    "reassign",
    "reply",
    "require_owner",
    "save",
    "save_department",
]


def save_department(
    context: Context,
    department_id: str,
    name: str,
    routing: RoutingMode,
    choice: ChoiceMode,
    members: Iterable[str] | None,
    capacity: int | None,
    capacities: Mapping[str, int],
    account_managers_only: bool,
) -> Department:
    """Create or change a department's routing setup (RT-1, RT-2)."""
    context.actor.require(Permission.MANAGE_PORTFOLIOS, "set up departments", "RT-1")
    check_id("department", department_id)
    department = Department(
        context.stamp.tenant,
        department_id,
        check_text("department", name, path="$.name"),
        check_choice(RoutingMode, routing, path="$.routing"),
        check_choice(ChoiceMode, choice, path="$.choice"),
        None if members is None else check_ids("manager", members, path="$.members"),
        _capacity(capacity, "$.capacity"),
        _capacities(capacities),
        check_flag("department", account_managers_only, path="$.account_managers_only"),
    )
    current = context.uow.departments.get(department_id)
    if current is None:
        saved = context.uow.departments.add(department)
    else:
        saved = context.uow.departments.update(attrs.evolve(department, version=current.version))
    context.emit(
        DepartmentSaved(
            **context.stamp.fields(),
            department_id=department.id,
            name=department.name,
            routing=department.routing,
            choice=department.choice,
            members=department.members,
            capacity=department.capacity,
            account_managers_only=department.account_managers_only,
        )
    )
    return saved


def open_ticket(context: Context, ticket_id: str, customer_id: str, department_id: str) -> Ticket:
    """Open a ticket for a customer and route it (RT-1..RT-4, RT-7); membership stays (RT-5)."""
    check_id("ticket", ticket_id)
    customer = visible_customer(context, customer_id)
    department = context.department(department_id)
    existing = context.uow.tickets.get(ticket_id)
    if existing is not None:
        seen = ticket_visibility(context, existing).granted
        raise id_taken(refusals.ticket_exists(ticket_id, "RT-3"), "ticket", ticket_id, seen=seen)
    return open_routed(context, ticket_id, customer, department)


def open_routed(
    context: Context,
    ticket_id: str,
    customer: Customer,
    department: Department | None,
    *,
    kind: TicketType | None = None,
    subject: str = "",
    request: str = "",
    values: Mapping[str, FieldValue] | None = None,
) -> Ticket:
    """Route a new ticket, open it where routing put it, store it (RT-1..RT-7, TK-1).

    The one way a ticket is opened: a conversation (no ``kind``) is routed by its
    ``department``; a portal ticket by its type's department if it names one (else
    ``None``), and what nothing else assigns goes to the portal's attendant (RT-6).
    """
    decision = (
        None
        if department is None
        else route(routing_input(context, customer, department), context.tie_break)
    )
    placed = routed(decision)
    if kind is not None and placed.queued:
        placed = to_attendant(placed, _attendant(context))
    department_id = department.id if department is not None else ""
    opened = Ticket.opened(
        context.stamp,
        ticket_id,
        customer.id,
        department_id,
        placed,
        kind=kind,
        subject=subject,
        request=request,
        values=values,
    )
    stored = context.uow.tickets.add(opened.value)
    context.emit(*opened.events)
    return stored


def _attendant(context: ReadContext) -> str | None:
    """Return the portal's default attendant, if the tenant names one who is active (RT-6)."""
    attendant = context.settings.portal_attendant
    if attendant is None:
        return None
    record = context.uow.managers.get(attendant)
    return attendant if record is not None and record.active else None


def choose_agent(context: Context, ticket_id: str, manager_id: str) -> Ticket:
    """Record the customer's choice among the offered agents (RT-1); the host acts for him."""
    context.actor.require_host("records a customer's choice", "RT-1")
    manager_id = check_id("manager", manager_id, path="$.manager_id")
    ticket = context.ticket(ticket_id)
    chosen = ticket.choose(manager_id, context.stamp)
    customer = context.customer(ticket.customer)
    inputs = routing_input(context, customer, context.department(ticket.department))
    require_available(manager_id, ticket, inputs)
    return save(context, chosen)


def reassign(context: Context, ticket_id: str, manager_id: str | None) -> Ticket:
    """Give a ticket to another manager, or back to the queue (RT-2, PM-3)."""
    ticket = visible_ticket(context, ticket_id).require_open()
    require_owner(context, ticket, "reassign")
    manager = department = None
    if manager_id is not None:
        manager = context.manager(manager_id)
        department = context.department(ticket.department)
    return save(context, ticket.reassign(manager, department, context.stamp))


def reply(context: Context, ticket_id: str) -> Ticket:
    """Record a reply on an open ticket (PM-3)."""
    ticket = visible_ticket(context, ticket_id).require_open()
    require_owner(context, ticket, "reply to")
    return save(context, ticket.reply(context.stamp))


def close(
    context: Context, tickets: Iterable[Ticket], *, check_owner: bool = True
) -> Sequence[Ticket]:
    """Close open tickets the actor may act on, in one write; membership stays (MB-5, PM-3).

    Returns them as stored.
    """
    tickets = list(tickets)
    for ticket in tickets:
        ticket.require_open()
        if check_owner:
            require_owner(context, ticket, "close")
    closed = [t.close(context.stamp) for t in tickets]
    stored = context.uow.tickets.update_many(c.value for c in closed)
    context.emit(*(e for c in closed for e in c.events))
    return stored


def require_owner(context: ReadContext, ticket: Ticket, action: str) -> None:
    """Under *owner-only*, refuse anyone but the customer's owners and override holders (PM-3).

    Owners are its account managers, the managers of its effective portfolio, and the
    backups of those of them who are absent now. Reads them only where the rule binds.
    """
    if not owner_only_binds(context.actor, context.settings.owner_only):
        return
    customer = context.customer(ticket.customer)
    effective = customer.effective_portfolio(context.organization_of(customer))
    portfolio = None if effective is None else context.portfolio(effective)
    owners = owners_of(customer, portfolio)
    policy.require_owner(ticket, context.actor, owners, context.viewer.stands_in_for, action)


def save(context: Context, changed: Changed[Ticket]) -> Ticket:
    """Store a changed ticket and emit its events; nothing to store when nothing changed."""
    if not changed.events:
        return changed.value
    (stored,) = context.uow.tickets.update_many([changed.value])
    context.emit(*changed.events)
    return stored


def _capacity(value: object, path: str) -> int | None:
    return None if value is None else _count(value, path)


def _capacities(value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            "department", [FieldError("$.capacities", "must map managers to counts")]
        )
    keys = check_ids("manager", list(value), path="$.capacities")
    return {m: _count(value[m], f"$.capacities[{m!r}]") for m in keys}


def _count(value: object, path: str) -> int:
    return check_count("department", value, path=path)
