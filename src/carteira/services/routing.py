"""Routing as a use case: gather the inputs, ask the pure policy (RT-1..RT-5, RT-7)."""

from __future__ import annotations

from datetime import datetime

from carteira.domain.customer import Customer
from carteira.domain.department import Department, RoutingMode
from carteira.domain.errors import NotFound
from carteira.domain.identifiers import check_id
from carteira.domain.principal import Principal
from carteira.domain.routing_facts import Owners
from carteira.domain.visibility_rule import Subject
from carteira.policies.routing import RoutingDecision, RoutingInput, TieBreak, route
from carteira.ports.presence import Presence
from carteira.ports.unit_of_work import ReadUnitOfWork
from carteira.services.context import ReadContext
from carteira.services.visibility import admitted_first, seen_ids

__all__ = ["decide", "gather", "routing_input"]


def gather(
    uow: ReadUnitOfWork, presence: Presence, customer_id: str, department: Department, now: datetime
) -> RoutingInput:
    """Read everything the routing policy needs about a customer right now (RT-2, RT-4).

    Two reads: the customer's owners, then the candidates with their backups and loads.
    A queue department ignores owners (RT-1): it reads nothing.
    """
    if department.routing is RoutingMode.QUEUE:
        return _queued(department, now)
    owners = uow.routing.owners(customer_id)
    if owners is None:
        raise NotFound("customer", customer_id)
    return _inputs(uow, presence, owners, department, now)


def _queued(department: Department, now: datetime) -> RoutingInput:
    return RoutingInput((), (), {}, department, frozenset(), {}, {}, now)


def _inputs(
    uow: ReadUnitOfWork, presence: Presence, owners: Owners, department: Department, now: datetime
) -> RoutingInput:
    asked = (*owners.account_managers, *owners.portfolio_managers)
    found = uow.routing.candidates(department.id, asked, now)
    return RoutingInput(
        account_managers=owners.account_managers,
        portfolio_managers=owners.portfolio_managers,
        managers=found.managers,
        department=department,
        online=presence.online(uow.tenant, list(found.managers)),
        loads=found.loads,
        busy_since=found.busy_since,
        now=now,
    )


def routing_input(context: ReadContext, customer: Customer, department: Department) -> RoutingInput:
    """Collect everything the routing policy needs about ``customer`` right now (RT-4)."""
    return gather(context.uow, context.presence, customer.id, department, context.stamp.at)


def decide(
    uow: ReadUnitOfWork,
    principal: Principal,
    at: datetime,
    customer_id: str,
    department_id: str,
    presence: Presence,
    tie_break: TieBreak,
) -> RoutingDecision:
    """Return where a new conversation of a customer the principal sees would go (RT-4, RT-5).

    A customer he may not see does not exist for him (VS-3): the check is the store's
    one statement (ST-7); then the department with the owners, then the candidates (RT-4).
    """
    with admitted_first(uow, principal, at):
        customer_id = check_id("customer", customer_id)
        department_id = check_id("department", department_id)
    if customer_id not in seen_ids(uow, principal, at, Subject.CUSTOMER, [customer_id]):
        raise NotFound("customer", customer_id)
    opening = uow.routing.opening(customer_id, department_id)
    if opening is None:
        raise NotFound("customer", customer_id)
    department = opening.department
    if department is None:
        raise NotFound("department", department_id)
    if department.routing is RoutingMode.QUEUE:
        return route(_queued(department, at), tie_break)
    return route(_inputs(uow, presence, opening.owners, department, at), tie_break)
