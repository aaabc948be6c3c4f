"""The read side: listings and look-ups, each obeying visibility (PF-3, MG-2, MB-6, VS-3)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import attrs

from carteira.domain.customer import Customer
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.events import Event, MembershipChanged
from carteira.domain.inputs import check_instant
from carteira.domain.ownership import Ownership, SubjectKind
from carteira.domain.permissions import Permission
from carteira.domain.portfolio import Portfolio
from carteira.domain.scope import Scope
from carteira.policies import membership
from carteira.services.context import Context, ReadContext
from carteira.services.pages import MAX_PAGE, check_limit, page_window
from carteira.services.portfolios import holds_customers
from carteira.services.results import Page
from carteira.services.visibility import viewer_scope, visible_customer

__all__ = [
    "CustomerView",
    "PortfolioSummary",
    "customer_view",
    "customers_of_portfolio",
    "list_portfolios",
    "orphaned_portfolios",
    "owner_history",
    "owners_at",
    "portfolios_of_manager",
    "read_events",
]

# A portfolio page's cursor is a name key: NFKC and case folding may make one of a
# 128-character name (PF-1) many times longer than the name.
_MAX_KEY = 8192


@attrs.frozen
class PortfolioSummary:
    """A portfolio as listings show it (PF-3, MB-2, MG-2, MG-6).

    ``available`` is false while it has no active manager; ``orphaned`` when, on top
    of that, it holds customers; ``default`` when it is the listed manager's default;
    ``defaults`` names its managers whose default it is (the one they marked, or the
    only one they manage): the checkmark of the portfolio list.
    """

    portfolio: Portfolio
    available: bool
    orphaned: bool
    default: bool = False
    defaults: tuple[str, ...] = ()


@attrs.frozen
class CustomerView:
    """A customer with who owns it now (MB-4); ``no_manager`` shows "no manager" (MG-3)."""

    customer: Customer
    ownership: Ownership

    @property
    def no_manager(self) -> bool:
        """Tell whether the customer has no account manager."""
        return not self.ownership.account_managers


def list_portfolios(context: ReadContext, after: str | None, limit: int) -> Page[PortfolioSummary]:
    """Return a page of the tenant's portfolios by name, each marked available or not.

    ``after`` is the ``next_after`` of the page before (PF-3, ST-4).
    """
    after, limit = page_window(after, limit, longest=_MAX_KEY)
    found = context.uow.portfolios.page(after=after, limit=limit + 1)
    return _page_of(context, found, limit, default=None)


def portfolio_summary(context: ReadContext, portfolio_id: str) -> PortfolioSummary:
    """Return one portfolio as listings show it, marked available or not (PF-3)."""
    found = context.portfolio(portfolio_id)
    return _page_of(context, [found], 1, default=None).items[0]


def portfolios_of_manager(
    context: ReadContext, manager_id: str, after: str | None, limit: int
) -> Page[PortfolioSummary]:
    """Return a page of the portfolios a manager manages, his default first (MG-2, ST-4).

    The first page opens with his default portfolio; the pages after it list the others
    by name.
    """
    after, limit = page_window(after, limit, longest=_MAX_KEY)
    if context.actor.is_system or context.actor.id != manager_id:
        context.actor.require(
            Permission.MANAGE_MANAGERS, "list another manager's portfolios", "MG-2"
        )
    manager = context.manager(manager_id)
    portfolios = context.uow.portfolios
    # One more than a page, and one more again for the default taken out of its place.
    found = list(portfolios.page(after=after, limit=limit + 2, manager=manager_id))
    default = context.default_portfolio(manager)
    mine = None if default is None else portfolios.get(default)
    if mine is None or manager_id not in mine.managers:
        return _page_of(context, found, limit, default=None)
    others = [p for p in found if p.id != default]
    if after is not None:
        return _page_of(context, others, limit, default=default)
    page = _page_of(context, [mine, *others], limit, default=default)
    if page.next_after is None:
        return page
    # The cursor is the last name shown after the default: "" when only it was shown.
    last = page.items[-1].portfolio
    return Page(page.items, "" if last.id == default else last.key)


def orphaned_portfolios(context: ReadContext) -> list[PortfolioSummary]:
    """Return portfolios that hold customers and have no active manager (MB-2, MG-3).

    Walks every portfolio a page at a time: at most what the tenant holds, in memory.
    """
    context.actor.require(Permission.MANAGE_PORTFOLIOS, "list orphaned portfolios", "MB-2")
    orphaned: list[PortfolioSummary] = []
    after: str | None = None
    while True:
        page = list_portfolios(context, after, MAX_PAGE)
        orphaned += [s for s in page if s.orphaned]
        if page.next_after is None:
            return orphaned
        after = page.next_after


def _page_of(
    context: ReadContext, found: Sequence[Portfolio], limit: int, *, default: str | None
) -> Page[PortfolioSummary]:
    """Summarise up to ``limit`` of ``found``, reading their managers in one go."""
    shown = found[:limit]
    managers = context.uow.managers.get_many({m for p in shown for m in p.managers})
    unmarked = [m.id for m in managers.values() if m.default_portfolio is None]
    counts = context.uow.portfolios.count_managed(unmarked)
    summaries = []
    for portfolio in shown:
        available = bool(membership.active_managers(portfolio, managers))
        orphaned = not available and holds_customers(context, portfolio.id)
        # a manager of this portfolio who manages exactly one manages this one (MG-6)
        defaults = tuple(
            m
            for m in portfolio.managers
            if m in managers
            and managers[m].default_among((portfolio.id,) if counts.get(m) == 1 else ())
            == portfolio.id
        )
        summaries.append(
            PortfolioSummary(portfolio, available, orphaned, portfolio.id == default, defaults)
        )
    more = len(found) > limit
    return Page(summaries, shown[-1].key if more else None)


def customers_of_portfolio(
    context: ReadContext, portfolio_id: str, after: str | None, limit: int
) -> Page[Customer]:
    """Return a page of the portfolio's customers (own or through their organization).

    Only customers the actor may see are listed, so pages reveal nothing else (VS-3).
    """
    after, limit = page_window(after, limit)
    context.portfolio(portfolio_id)
    scope = viewer_scope(context, context.viewer)
    members = Scope(portfolios=frozenset({portfolio_id}))
    if scope.everything or portfolio_id in scope.portfolios:
        found = context.uow.customers.in_scope(members, after=after, limit=limit + 1, search=None)
        return Page(found[:limit], found[limit - 1].id if len(found) > limit else None)
    # He sees only those of its customers he serves (or one he stands in for serves):
    # walk those, fewer than the portfolio's, keeping the portfolio's own (ST-4).
    served = Scope(account_managers=scope.account_managers)
    return _walk(context, served, after, limit, lambda c: _in_portfolio(context, c, members))


def _in_portfolio(context: ReadContext, customer: Customer, members: Scope) -> bool:
    organization = context.organization_of(customer)
    return members.sees_customer(customer.effective_portfolio(organization), ())


def _walk(
    context: ReadContext,
    scope: Scope,
    after: str | None,
    limit: int,
    keep: Callable[[Customer], bool],
) -> Page[Customer]:
    """Page through ``scope`` keeping what ``keep`` says, until a page is full (ST-4)."""
    kept: list[Customer] = []
    while len(kept) <= limit:
        found = context.uow.customers.in_scope(scope, after=after, limit=MAX_PAGE, search=None)
        kept += [c for c in found if keep(c)]
        if len(found) < MAX_PAGE:
            break
        after = found[-1].id
    items = kept[:limit]
    return Page(items, items[-1].id if len(kept) > limit else None)


def customer_view(context: ReadContext, customer_id: str) -> CustomerView:
    """Return a customer the actor may see, with its current ownership (MB-4, VS-3)."""
    customer = visible_customer(context, customer_id)
    org = context.organization_of(customer)
    return CustomerView(customer, customer.ownership(None if org is None else org.portfolio))


def owner_history(context: ReadContext, customer_id: str) -> Sequence[MembershipChanged]:
    """Return every ownership change of a customer the actor may see, oldest first (MB-6)."""
    visible_customer(context, customer_id)
    return context.uow.history.of(SubjectKind.CUSTOMER, customer_id)


def owners_at(context: ReadContext, customer_id: str, at: datetime) -> Ownership:
    """Answer "who owned customer X at time T" from its history (MB-6).

    Before its first recorded change the customer stood where that change found it.
    """
    check_instant("instant", at, path="$.at", rule="MB-6")
    view = customer_view(context, customer_id)
    changes = context.uow.history.of(SubjectKind.CUSTOMER, customer_id)
    if not changes:
        return view.ownership
    position = bisect_right([c.at for c in changes], at)
    return changes[0].before if position == 0 else changes[position - 1].after


def read_events(context: ReadContext, after: int, limit: int) -> Sequence[tuple[int, Event]]:
    """Return the tenant's events after position ``after``, for the host's publisher (EV-1)."""
    _require_host(context)
    check_limit(limit)
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise InvalidInput("position", [FieldError("$.after", "must be a whole number >= 0")])
    return context.uow.events.read(after, limit)


def unpublished_events(context: ReadContext, limit: int) -> Sequence[tuple[int, Event]]:
    """Return the first events not yet marked published, in order: the outbox (EV-1)."""
    _require_host(context)
    check_limit(limit)
    return context.uow.events.unpublished(limit)


def mark_published(context: Context, positions: Iterable[int]) -> int:
    """Mark events published once the host sent them on; return how many were new (EV-1)."""
    _require_host(context)
    if isinstance(positions, str | bytes) or not isinstance(positions, Iterable):
        raise InvalidInput("positions", [FieldError("$.positions", "must be a list of positions")])
    positions = list(positions)
    wrong = [
        FieldError(f"$.positions[{i}]", "must be a whole number >= 1")
        for i, p in enumerate(positions)
        if isinstance(p, bool) or not isinstance(p, int) or p < 1
    ]
    if wrong:
        raise InvalidInput("positions", wrong)
    return context.uow.events.mark_published(positions)


def _require_host(context: ReadContext) -> None:
    context.actor.require_host("reads the event log", "EV-1")
