"""Visibility as queries: single checks, explanations and listings (VS-1..VS-5, ST-4).

Single checks and listings come from the same policy: a listing asks storage for the
viewer's [`Scope`][carteira.Scope], a check asks the decision functions,
and the tests hold them equal (VS-3).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import FieldError, InvalidInput, NotFound
from carteira.domain.identifiers import check_ids
from carteira.domain.inputs import check_flag, check_optional_text
from carteira.domain.permissions import Permission
from carteira.domain.ticket import Ticket
from carteira.policies.visibility import Viewer, Visibility
from carteira.services.context import Context
from carteira.services.results import Page

__all__ = [
    "MAX_PAGE",
    "Subject",
    "can_view",
    "explain",
    "visible_among",
    "visible_customers",
    "visible_organizations",
    "visible_tickets",
]

MAX_PAGE = 500
T = TypeVar("T", Customer, Organization, Ticket)


class Subject(enum.StrEnum):
    """What a visibility question is about."""

    CUSTOMER = "customer"
    ORGANIZATION = "organization"
    TICKET = "ticket"


def explain(
    context: Context, subject: Subject, object_id: str, viewer_id: str | None
) -> Visibility:
    """Say why a manager sees an object, or why not (VS-5).

    About himself a manager learns nothing of objects he cannot see (NotFound); asking
    about another manager needs MANAGE_MANAGERS and an object the asker sees.
    """
    subject = _subject(subject)
    if viewer_id is None or (viewer_id == context.actor.id and not context.actor.is_system):
        verdict = _decide(context, subject, object_id, context.viewer)
        if not verdict.granted:
            raise NotFound(subject.value, object_id)
        return verdict
    context.actor.require(Permission.MANAGE_MANAGERS, "explain another's view", "VS-5")
    _decide_visible(context, subject, object_id)
    viewer = context.viewer_of(context.manager(viewer_id))
    return _decide(context, subject, object_id, viewer)


def can_view(context: Context, subject: Subject, object_id: str) -> bool:
    """Tell whether the actor sees an object; a missing one is simply not seen (VS-2)."""
    return _sees(context, _subject(subject), object_id, context.viewer)


def visible_among(context: Context, subject: Subject, object_ids: Iterable[str]) -> frozenset[str]:
    """Return those of ``object_ids`` the actor sees; unknown ones are not seen (VS-2).

    The batch form of `can_view`, for a host filtering its own search results:
    one unit of work and one actor for the whole list.
    """
    subject = _subject(subject)
    ids = check_ids(subject.value, object_ids, path="$.object_ids")
    viewer = context.viewer
    return frozenset(i for i in dict.fromkeys(ids) if _sees(context, subject, i, viewer))


def visible_customers(
    context: Context, search: str | None, after: str | None, limit: int
) -> Page[Customer]:
    """Return a page of the customers the actor sees, optionally searched (VS-3)."""
    search = check_optional_text("search", search, path="$.search")
    scope = context.scope(context.viewer)
    customers = context.uow.customers
    return _page(
        lambda a, n: customers.in_scope(scope, after=a, limit=n, search=search), after, limit
    )


def visible_organizations(
    context: Context, search: str | None, after: str | None, limit: int
) -> Page[Organization]:
    """Return a page of the organizations the actor sees (VS-3)."""
    search = check_optional_text("search", search, path="$.search")
    scope = context.scope(context.viewer)
    organizations = context.uow.organizations
    return _page(
        lambda a, n: organizations.in_scope(scope, after=a, limit=n, search=search), after, limit
    )


def visible_tickets(
    context: Context, open_only: bool, after: str | None, limit: int
) -> Page[Ticket]:
    """Return a page of the tickets the actor sees (VS-2, VS-3)."""
    open_only = check_flag("page", open_only, path="$.open_only")
    scope = context.scope(context.viewer)
    tickets = context.uow.tickets
    return _page(
        lambda a, n: tickets.in_scope(scope, after=a, limit=n, open_only=open_only), after, limit
    )


def _subject(value: object) -> Subject:
    subjects = {s.value: s for s in Subject}
    if isinstance(value, str) and value in subjects:
        return subjects[value]
    choices = ", ".join(subjects)
    raise InvalidInput("subject", [FieldError("$.subject", f"must be one of {choices}")])


def _decide(context: Context, subject: Subject, object_id: str, viewer: Viewer) -> Visibility:
    if subject is Subject.CUSTOMER:
        return context.customer_visibility(context.customer(object_id), viewer)
    if subject is Subject.ORGANIZATION:
        return context.organization_visibility(context.organization(object_id), viewer)
    return context.ticket_visibility(context.ticket(object_id), viewer)


def _sees(context: Context, subject: Subject, object_id: str, viewer: Viewer) -> bool:
    try:
        return _decide(context, subject, object_id, viewer).granted
    except NotFound:
        return False


def _decide_visible(context: Context, subject: Subject, object_id: str) -> None:
    if not _decide(context, subject, object_id, context.viewer).granted:
        raise NotFound(subject.value, object_id)


def _page(fetch: Callable[[str | None, int], Sequence[T]], after: object, limit: int) -> Page[T]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("page", [FieldError("$.limit", f"must be from 1 to {MAX_PAGE}")])
    found = fetch(check_optional_text("page", after, path="$.after"), limit + 1)
    items = found[:limit]
    return Page(items, items[-1].id if len(found) > limit else None)
