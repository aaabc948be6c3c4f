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

from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import InvalidInput, NotFound
from carteira.domain.identifiers import check_ids
from carteira.domain.inputs import check_flag, check_optional_text
from carteira.domain.permissions import Permission
from carteira.domain.principal import Principal
from carteira.domain.scope import Scope
from carteira.domain.ticket import Ticket
from carteira.domain.visibility_rule import Subject, subject_of
from carteira.policies.visibility import Viewer, Visibility
from carteira.ports.unit_of_work import ReadUnitOfWork
from carteira.services.context import ReadContext, refused_manager
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
        return context.customer_visibility(context.customer(object_id), viewer)
    if subject is Subject.ORGANIZATION:
        return context.organization_visibility(context.organization(object_id), viewer)
    return context.ticket_visibility(context.ticket(object_id), viewer)


def _decide_visible(context: ReadContext, subject: Subject, object_id: str) -> None:
    if not _decide(context, subject, object_id, context.viewer).granted:
        raise NotFound(subject.value, object_id)
