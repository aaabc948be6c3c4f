"""Routing as a use case: gather the inputs, ask the pure policy (RT-1..RT-5, RT-7)."""

from __future__ import annotations

from carteira.domain.customer import Customer
from carteira.domain.ticket import Department, RoutingMode
from carteira.policies.routing import RoutingDecision, RoutingInput, route
from carteira.services.context import ReadContext
from carteira.services.ownership import organization_portfolio

__all__ = ["decide", "routing_input"]


def routing_input(context: ReadContext, customer: Customer, department: Department) -> RoutingInput:
    """Collect everything the routing policy needs about ``customer`` right now (RT-4)."""
    now = context.stamp.at
    if department.routing is RoutingMode.QUEUE:
        # A queue department ignores owners (RT-1): nothing about them needs reading.
        return RoutingInput((), (), {}, department, frozenset(), {}, {}, now)
    effective = customer.portfolio or organization_portfolio(context, customer)
    portfolio_managers = () if effective is None else context.portfolio(effective).managers
    managers = dict(
        context.uow.managers.get_many((*customer.account_managers, *portfolio_managers))
    )
    backups = {m.backup_at(now) for m in managers.values()} - {None}
    managers.update(context.uow.managers.get_many(b for b in backups if b is not None))
    ids = list(managers)
    return RoutingInput(
        account_managers=customer.account_managers,
        portfolio_managers=portfolio_managers,
        managers=managers,
        department=department,
        online=context.presence.online(context.stamp.tenant, ids),
        loads=context.uow.tickets.open_load(department.id, ids),
        busy_since=context.uow.tickets.busy_since(department.id, ids),
        now=now,
    )


def decide(context: ReadContext, customer_id: str, department_id: str) -> RoutingDecision:
    """Return where a new conversation of a customer the actor sees would go (RT-4, RT-5)."""
    customer = context.visible_customer(customer_id)
    inputs = routing_input(context, customer, context.department(department_id))
    return route(inputs, context.tie_break)
