"""Record screens: the managers of the tenant, one organization's record (MG-1, VS-3).

The list of managers (seed 003's "lista de gerentes de sucesso") is an administrator's
screen: it takes the host, MANAGE_MANAGERS or MANAGE_PORTFOLIOS. An organization's
record is shown to whoever may see the organization, and to no one else (VS-3, TN-1).
"""

from __future__ import annotations

from carteira.domain.customer import Organization
from carteira.domain.identifiers import check_id
from carteira.domain.inputs import check_flag
from carteira.domain.manager import Manager
from carteira.domain.permissions import Permission
from carteira.services.context import ReadContext
from carteira.services.pages import page_window
from carteira.services.results import Page
from carteira.services.visibility import visible_organization

__all__ = ["list_managers", "organization_record"]


def list_managers(
    context: ReadContext,
    *,
    active: bool | None,
    eligible: bool | None,
    portfolio: str | None,
    after: str | None,
    limit: int,
) -> Page[Manager]:
    """Return a page of the tenant's managers by id, filtered (MG-1, ST-4).

    ``active`` and ``eligible`` (by the tenant's eligibility policy) keep those that are
    (``True``) or are not (``False``); ``portfolio`` keeps that portfolio's managers.
    Pass the page's ``next_after`` back as ``after`` for the next one.
    """
    actor = context.actor
    if not actor.may(Permission.MANAGE_PORTFOLIOS):
        actor.require(Permission.MANAGE_MANAGERS, "list managers", "MG-1")
    after, limit = page_window(after, limit)
    if active is not None:
        check_flag("filter", active, path="$.active")
    if eligible is not None:
        check_flag("filter", eligible, path="$.eligible")

    def kept(manager: Manager) -> bool:
        return eligible is None or context.eligibility(manager).eligible is eligible

    if portfolio is not None:
        managed = context.portfolio(check_id("portfolio", portfolio, path="$.portfolio"))
        ids = sorted(m for m in managed.managers if after is None or m > after)
        found = context.uow.managers.get_many(ids)
        chosen = [
            found[i]
            for i in ids
            if i in found and (active is None or found[i].active is active) and kept(found[i])
        ]
        return _page(chosen, limit)
    chosen = []
    while len(chosen) <= limit:  # one more than a page says whether another follows
        batch = context.uow.managers.page(after=after, limit=limit + 1, active=active)
        chosen += [m for m in batch if kept(m)]
        if len(batch) <= limit:
            break
        after = batch[-1].id
    return _page(chosen, limit)


def organization_record(context: ReadContext, organization_id: str) -> Organization:
    """Return one organization the actor may see; to anyone else it does not exist (VS-3)."""
    return visible_organization(context, organization_id)


def _page(chosen: list[Manager], limit: int) -> Page[Manager]:
    shown = chosen[:limit]
    return Page(shown, shown[-1].id if len(chosen) > limit else None)
