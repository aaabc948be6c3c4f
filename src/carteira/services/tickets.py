"""Tickets as routing and the ways need them: departments, open, serve, close (RT, PM-3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from carteira.domain.errors import (
    FieldError,
    InvalidInput,
    PermissionDenied,
    RuleViolation,
)
from carteira.domain.events import (
    DepartmentSaved,
    TicketAssigned,
    TicketClosed,
    TicketOpened,
    TicketReplied,
)
from carteira.domain.identifiers import check_id, check_ids, check_text
from carteira.domain.inputs import check_choice, check_count, check_flag
from carteira.domain.permissions import Permission
from carteira.domain.ticket import ChoiceMode, Department, RoutingMode, Ticket, TicketStatus
from carteira.policies.routing import Outcome, availability, route
from carteira.services.context import Context, ReadContext, id_taken
from carteira.services.routing import routing_input

__all__ = [
    "assign_to",
    "choose_agent",
    "close",
    "open_ticket",
    "reassign",
    "reply",
    "require_open",
    "require_owner",
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
        context.uow.departments.add(department)
    else:
        context.uow.departments.update(attrs.evolve(department, version=current.version))
    context.emit(
        DepartmentSaved(
            **context.stamp_fields,
            department_id=department.id,
            name=department.name,
            routing=department.routing,
            choice=department.choice,
            members=department.members,
            capacity=department.capacity,
            account_managers_only=department.account_managers_only,
        )
    )
    return context.department(department_id)


def open_ticket(context: Context, ticket_id: str, customer_id: str, department_id: str) -> Ticket:
    """Open a ticket for a customer and route it (RT-1..RT-4, RT-7); membership stays (RT-5)."""
    check_id("ticket", ticket_id)
    customer = context.visible_customer(customer_id)
    department = context.department(department_id)
    existing = context.uow.tickets.get(ticket_id)
    if existing is not None:
        seen = context.ticket_visibility(existing).granted
        raise id_taken("ticket", ticket_id, "ticket_exists", "RT-3", seen=seen)
    decision = route(routing_input(context, customer, department), context.tie_break)
    now = context.stamp.at
    assigned = decision.outcome is Outcome.ASSIGN
    offered = decision.candidates if decision.outcome is Outcome.OFFER else ()
    ticket = Ticket(
        context.stamp.tenant,
        ticket_id,
        customer.id,
        department.id,
        now,
        assignee=decision.assignee,
        assigned_at=now if assigned else None,
        offered=offered,
    )
    context.uow.tickets.add(ticket)
    context.emit(
        TicketOpened(
            **context.stamp_fields,
            ticket_id=ticket_id,
            customer_id=customer.id,
            department_id=department.id,
            outcome=decision.outcome.value,
            reason=decision.reason.value,
            step=decision.step.value,
            assignee=decision.assignee,
            offered=offered,
        )
    )
    return context.ticket(ticket_id)


def choose_agent(context: Context, ticket_id: str, manager_id: str) -> Ticket:
    """Record the customer's choice among the offered agents (RT-1); the host acts for him."""
    if not context.actor.is_system:
        raise PermissionDenied("only the host application records a customer's choice", rule="RT-1")
    manager_id = check_id("manager", manager_id, path="$.manager_id")
    ticket = require_open(context.ticket(ticket_id))
    if manager_id not in ticket.offered:
        raise RuleViolation(
            f"manager {manager_id!r} was not offered for ticket {ticket_id!r}",
            code="not_offered",
            rule="RT-1",
            details={"offered": ticket.offered},
        )
    customer = context.customer(ticket.customer)
    inputs = routing_input(context, customer, context.department(ticket.department))
    excluded = availability(manager_id, inputs)
    if excluded is not None:
        raise RuleViolation(
            f"manager {manager_id!r} can no longer take ticket {ticket_id!r}: {excluded.value}",
            code="not_available",
            rule="MG-4",
            details={"manager": manager_id, "exclusion": excluded.value},
        )
    return assign_to(context, ticket, manager_id)


def reassign(context: Context, ticket_id: str, manager_id: str | None) -> Ticket:
    """Give a ticket to another manager, or back to the queue (RT-2, PM-3)."""
    ticket = require_open(context.visible_ticket(ticket_id))
    require_owner(context, ticket, "reassign")
    if manager_id is not None:
        manager = context.manager(manager_id)
        department = context.department(ticket.department)
        if not manager.active or not department.admits(manager_id):
            raise RuleViolation(
                f"manager {manager_id!r} cannot serve department {department.name!r}",
                code="cannot_serve",
                rule="RT-2",
                details={"manager": manager_id, "department": department.id},
            )
    return assign_to(context, ticket, manager_id)


def reply(context: Context, ticket_id: str) -> Ticket:
    """Record a reply on an open ticket (PM-3)."""
    ticket = require_open(context.visible_ticket(ticket_id))
    require_owner(context, ticket, "reply to")
    context.uow.tickets.update_many([attrs.evolve(ticket, last_activity=context.stamp.at)])
    context.emit(TicketReplied(**context.stamp_fields, ticket_id=ticket_id))
    return context.ticket(ticket_id)


def close(context: Context, tickets: Iterable[Ticket], *, check_owner: bool = True) -> None:
    """Close open tickets the actor may act on, in one write; membership stays (MB-5, PM-3)."""
    tickets = list(tickets)
    for ticket in tickets:
        require_open(ticket)
        if check_owner:
            require_owner(context, ticket, "close")
    now = context.stamp.at
    context.uow.tickets.update_many(
        attrs.evolve(t, status=TicketStatus.CLOSED, last_activity=now) for t in tickets
    )
    context.emit(*(TicketClosed(**context.stamp_fields, ticket_id=t.id) for t in tickets))


def require_owner(context: ReadContext, ticket: Ticket, action: str) -> None:
    """Under *owner-only*, refuse anyone but the customer's owners and override holders (PM-3).

    Owners are its account managers, the managers of its effective portfolio, and the
    backups of those of them who are absent now.
    """
    actor = context.actor
    if not context.settings.owner_only or actor.is_system:
        return
    if actor.may(Permission.OVERRIDE_OWNER_ONLY):
        return
    customer = context.customer(ticket.customer)
    effective = customer.effective_portfolio(context.organization_of(customer))
    owners = set(customer.account_managers)
    if effective is not None:
        owners.update(context.portfolio(effective).managers)
    if actor.id in owners or owners & context.viewer.stands_in_for:
        return
    raise PermissionDenied(
        f"only the owners of customer {customer.id!r} may {action} its open tickets",
        code="not_an_owner",
        rule="PM-3",
        details={"ticket": ticket.id, "actor": actor.id},
    )


def assign_to(context: Context, ticket: Ticket, manager_id: str | None) -> Ticket:
    """Give ``ticket`` to ``manager_id`` (``None``: back to the queue), as checked by the caller."""
    if ticket.assignee == manager_id:
        return ticket
    now = context.stamp.at
    moved = attrs.evolve(
        ticket, assignee=manager_id, assigned_at=now if manager_id else None, offered=()
    )
    context.uow.tickets.update_many([moved])
    context.emit(
        TicketAssigned(
            **context.stamp_fields,
            ticket_id=ticket.id,
            assignee=manager_id,
            previous=ticket.assignee,
        )
    )
    return context.ticket(ticket.id)


def require_open(ticket: Ticket) -> Ticket:
    """Refuse any change to a closed, completed or cancelled ticket: it is read-only (TK-9)."""
    if not ticket.open:
        # A portal ticket closed at its final stage is, in the portal's words, completed.
        state = (
            "completed"
            if ticket.type is not None and ticket.status is TicketStatus.CLOSED
            else ticket.status
        )
        raise RuleViolation(
            f"ticket {ticket.id!r} is {state}: it is read-only",
            code=f"ticket_{ticket.status}",
            rule="TK-9",
            details={"ticket": ticket.id, "status": ticket.status.value},
        )
    return ticket


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
