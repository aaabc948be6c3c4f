"""Visibility as queries: single checks, explanations and listings (VS-1..VS-5, ST-4).

Single checks and listings come from the same policy: a listing asks storage for the
viewer's [`Scope`][carteira.Scope], a check asks the decision functions,
and the tests hold them equal (VS-3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from carteira.domain.actor import refused_manager
from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import InvalidInput, NotFound
from carteira.domain.identifiers import check_ids
from carteira.domain.inputs import check_flag, check_optional_text
from carteira.domain.permissions import Permission
from carteira.domain.principal import Principal
from carteira.domain.scope import Scope
from carteira.domain.ticket import Ticket, queues_of
from carteira.domain.visibility import customer_visibility as decide_customer
from carteira.domain.visibility import organization_visibility as decide_organization
from carteira.domain.visibility import require_actionable, scope_of
from carteira.domain.visibility import ticket_visibility as decide_ticket
from carteira.domain.visibility_rule import Subject, subject_of
from carteira.policies.visibility import Viewer, Visibility
from carteira.ports.unit_of_work import ReadUnitOfWork
from carteira.services.context import ReadContext
from carteira.services.pages import MAX_PAGE, page_window
from carteira.services.results import Page

__all__ = [
    "MAX_PAGE",
    "Subject",
    "admitted_first",
    "explain",
    "seen_ids",
    "visible_among",
    "visible_customers",
    "visible_organizations",
    "visible_tickets",
]

T = TypeVar("T", Customer, Organization, Ticket)
V = TypeVar("V")


def viewer_scope(context: ReadContext, viewer: Viewer) -> Scope:
    """Return what ``viewer`` sees as sets storage can answer (VS-3)."""
    managed = {
        p.id for identity in viewer.identities for p in context.uow.portfolios.managed_by(identity)
    }
    return scope_of(
        viewer,
        segmentation=context.settings.segmentation,
        open_access=context.settings.open_access,
        managed_portfolios=managed,
        queues=queues_of(viewer.id, context.uow.departments.list()),
    )


def customer_visibility(
    context: ReadContext, customer: Customer, viewer: Viewer | None = None
) -> Visibility:
    """Decide whether the actor (or ``viewer``) sees ``customer`` (VS-2)."""
    effective = customer.effective_portfolio(context.organization_of(customer))
    managers = None if effective is None else context.portfolio(effective).managers
    return decide_customer(
        viewer or context.viewer,
        segmentation=context.settings.segmentation,
        open_access=context.settings.open_access,
        portfolio_managers=managers,
        account_managers=customer.account_managers,
    )


def organization_visibility(
    context: ReadContext, organization: Organization, viewer: Viewer | None = None
) -> Visibility:
    """Decide whether the actor (or ``viewer``) sees ``organization`` (VS-2)."""
    portfolio = organization.portfolio
    managers = None if portfolio is None else context.portfolio(portfolio).managers
    return decide_organization(
        viewer or context.viewer,
        segmentation=context.settings.segmentation,
        open_access=context.settings.open_access,
        portfolio_managers=managers,
    )


def ticket_visibility(
    context: ReadContext,
    ticket: Ticket,
    viewer: Viewer | None = None,
    customer: Customer | None = None,
) -> Visibility:
    """Decide whether the actor (or ``viewer``) sees ``ticket`` (VS-2, VS-7).

    ``customer`` is the ticket's customer when the caller holds it (as just stored);
    otherwise it is read.
    """
    viewer = viewer or context.viewer
    customer = customer or context.customer(ticket.customer)
    department = context.uow.departments.get(ticket.department) if ticket.queued else None
    return decide_ticket(viewer, customer_visibility(context, customer, viewer), ticket, department)


def visible_ticket(context: ReadContext, ticket_id: str) -> Ticket:
    """Return the ticket if the actor sees it to act on; otherwise it does not exist (VS-3).

    A ticket he sees only because it waits in his department's queue he may take
    (RT-8) and nothing else: acting on it otherwise is refused with
    [`PermissionDenied`][carteira.PermissionDenied] ``take_first`` (VS-7).
    """
    ticket = context.ticket(ticket_id)
    seen = ticket_visibility(context, ticket)
    if not seen:
        raise NotFound("ticket", ticket_id)
    require_actionable(seen, ticket)
    return ticket


def visible_customer(context: ReadContext, customer_id: str) -> Customer:
    """Return the customer if the actor sees it; otherwise it does not exist (VS-3, PM-2)."""
    customer = context.customer(customer_id)
    if not customer_visibility(context, customer):
        raise NotFound("customer", customer_id)
    return customer


def visible_organization(context: ReadContext, organization_id: str) -> Organization:
    """Return the organization if the actor sees it; otherwise it does not exist."""
    organization = context.organization(organization_id)
    if not organization_visibility(context, organization):
        raise NotFound("organization", organization_id)
    return organization


def explain(
    context: ReadContext, subject: Subject, object_id: str, viewer_id: str | None
) -> Visibility:
    """Say why a manager sees an object, or why not (VS-5).

    About himself a manager learns nothing of objects he cannot see (NotFound); asking
    about another manager needs MANAGE_MANAGERS and an object the asker sees.
    """
    subject = subject_of(subject)
    if viewer_id is None or (viewer_id == context.actor.id and not context.actor.is_system):
        verdict = _decide(context, subject, object_id, context.viewer)
        if not verdict.granted:
            raise NotFound(subject.value, object_id)
        return verdict
    context.actor.require(Permission.MANAGE_MANAGERS, "explain another's view", "VS-5")
    _decide_visible(context, subject, object_id)
    viewer = context.viewer_of(context.manager(viewer_id))
    return _decide(context, subject, object_id, viewer)


def visible_among(
    uow: ReadUnitOfWork,
    principal: Principal,
    at: datetime,
    subject: Subject,
    object_ids: Iterable[str],
) -> frozenset[str]:
    """Return those of ``object_ids`` ``principal`` sees; unknown ones are not seen (VS-2).

    The batch form of ``Carteira.can_view``, for a host filtering its own search results: one
    statement on SQL for the whole list (ST-7).
    """
    with admitted_first(uow, principal, at):
        subject = subject_of(subject)
        ids = check_ids(subject.value, object_ids, path="$.object_ids")
    return seen_ids(uow, principal, at, subject, list(dict.fromkeys(ids)))


@contextmanager
def admitted_first(uow: ReadUnitOfWork, principal: Principal, at: datetime) -> Iterator[None]:
    """On bad input, refuse an unknown or inactive principal first, as every call does (MG-4)."""
    try:
        yield
    except InvalidInput:
        seen_ids(uow, principal, at, Subject.CUSTOMER, [])
        raise


def seen_ids(
    uow: ReadUnitOfWork, principal: Principal, at: datetime, subject: Subject, ids: list[str]
) -> frozenset[str]:
    """Return which of ``ids`` the principal sees, refusing one who may not ask (MG-4, ST-7)."""
    seen = uow.visibility.seen(principal, subject, ids, at)
    if not seen.admitted:
        raise refused_manager(principal)
    return seen.ids


def visible_customers(
    uow: ReadUnitOfWork,
    principal: Principal,
    at: datetime,
    search: str | None,
    after: str | None,
    limit: int,
) -> Page[Customer]:
    """Return a page of the customers the principal sees, optionally searched (VS-3).

    The scope is read in one go (``uow.visibility.scope``, one statement on SQL), then the
    page through the indexes (ST-4).
    """
    return _listing(
        uow,
        principal,
        at,
        (after, limit),
        lambda: check_optional_text("search", search, path="$.search"),
        lambda scope, found, a, n: uow.customers.in_scope(scope, after=a, limit=n, search=found),
    )


def visible_organizations(
    uow: ReadUnitOfWork,
    principal: Principal,
    at: datetime,
    search: str | None,
    after: str | None,
    limit: int,
) -> Page[Organization]:
    """Return a page of the organizations the principal sees (VS-3)."""
    organizations = uow.organizations
    return _listing(
        uow,
        principal,
        at,
        (after, limit),
        lambda: check_optional_text("search", search, path="$.search"),
        lambda scope, found, a, n: organizations.in_scope(scope, after=a, limit=n, search=found),
    )


def visible_tickets(
    uow: ReadUnitOfWork,
    principal: Principal,
    at: datetime,
    open_only: bool,
    after: str | None,
    limit: int,
) -> Page[Ticket]:
    """Return a page of the tickets the principal sees (VS-2, VS-3)."""
    return _listing(
        uow,
        principal,
        at,
        (after, limit),
        lambda: check_flag("page", open_only, path="$.open_only"),
        lambda scope, only, a, n: uow.tickets.in_scope(scope, after=a, limit=n, open_only=only),
    )


def _listing(
    uow: ReadUnitOfWork,
    principal: Principal,
    at: datetime,
    window: tuple[object, object],
    checked: Callable[[], V],
    fetch: Callable[[Scope, V, str | None, int], Sequence[T]],
) -> Page[T]:
    """Check the input (an inactive principal refused first), read the scope, fetch a page."""
    with admitted_first(uow, principal, at):
        value = checked()
        after, limit = page_window(*window)
    found = fetch(_scope(uow, principal, at), value, after, limit + 1)
    items = found[:limit]
    return Page(items, items[-1].id if len(found) > limit else None)


def _scope(uow: ReadUnitOfWork, principal: Principal, at: datetime) -> Scope:
    scope = uow.visibility.scope(principal, at)
    if scope is None:
        raise refused_manager(principal)
    return scope


def _decide(context: ReadContext, subject: Subject, object_id: str, viewer: Viewer) -> Visibility:
    if subject is Subject.CUSTOMER:
        return customer_visibility(context, context.customer(object_id), viewer)
    if subject is Subject.ORGANIZATION:
        return organization_visibility(context, context.organization(object_id), viewer)
    return ticket_visibility(context, context.ticket(object_id), viewer)


def _decide_visible(context: ReadContext, subject: Subject, object_id: str) -> None:
    if not _decide(context, subject, object_id, context.viewer).granted:
        raise NotFound(subject.value, object_id)
