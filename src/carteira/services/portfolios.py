"""Portfolio administration: create, edit, delete, and a manager's default (PF, MG-2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from carteira.domain import refusals
from carteira.domain.customer import Customer, Placement
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.identifiers import check_id, check_ids
from carteira.domain.inputs import check_optional_text
from carteira.domain.manager import Manager
from carteira.domain.ownership import Way
from carteira.domain.permissions import Permission
from carteira.domain.portfolio import Journey, Portfolio
from carteira.policies import membership
from carteira.policies.eligibility import require_eligible as eligible
from carteira.services.context import Context, ReadContext, refuse_self_reach
from carteira.services.ownership import (
    Move,
    apply_moves,
    apply_organization_moves,
    organization_portfolios,
    relink,
    require_available,
)
from carteira.services.results import UNCHANGED, Unchanged

__all__ = [
    "create_portfolio",
    "delete_portfolio",
    "edit_portfolio",
    "effective_members",
    "holds_customers",
    "require_eligible",
    "set_default_portfolio",
]

_ADMIN = "administer portfolios"


MAX_DESCRIPTION = 2_000
"""The longest portfolio description (PF-2, ER-2)."""


def create_portfolio(
    context: Context,
    portfolio_id: str,
    name: str,
    description: str | None,
    journey: Journey | None,
    managers: Sequence[str],
) -> Portfolio:
    """Create a portfolio, with or without managers and journey (PF-1..PF-3, PF-6, MG-1)."""
    context.actor.require(Permission.MANAGE_PORTFOLIOS, _ADMIN, "PF-6")
    check_id("portfolio", portfolio_id)
    created = Portfolio.create(
        portfolio_id,
        name,
        _description(description),
        _journey(journey),
        _managers(managers),
        context.stamp,
    )
    portfolio = created.value
    if context.uow.portfolios.get(portfolio_id) is not None:
        raise refusals.portfolio_exists(portfolio_id)
    _require_unique_name(context, portfolio)
    require_eligible(context, portfolio.managers)
    stored = context.uow.portfolios.add(portfolio)
    context.emit(*created.events)
    return stored


def edit_portfolio(
    context: Context,
    portfolio_id: str,
    name: str | Unchanged,
    description: str | Unchanged | None,
    journey: Journey | Unchanged | None,
    managers: Sequence[str] | Unchanged,
) -> Portfolio:
    """Edit a portfolio, re-checking its name (PF-4) and its managers (MG-1, MB-2, MB-3).

    A manager taken off the portfolio stops being account manager of its customers and
    loses it as his default. Taking off the last active manager of a portfolio that
    holds customers is refused: only an explicit MG-3 *keep* may orphan it.
    """
    context.actor.require(Permission.MANAGE_PORTFOLIOS, _ADMIN, "PF-6")
    current = context.portfolio(portfolio_id)
    changed = current.edit(
        name=current.name if name is UNCHANGED else name,
        description=current.description if description is UNCHANGED else _description(description),
        journey=current.journey if journey is UNCHANGED else _journey(journey),
        managers=current.managers if managers is UNCHANGED else _managers(managers),
        stamp=context.stamp,
    )
    if not changed.events:
        return current
    edited = changed.value
    if edited.key != current.key:
        _require_unique_name(context, edited)
    added = [m for m in edited.managers if not current.manages(m)]
    require_eligible(context, added)
    if context.actor.id in added and holds_customers(context, portfolio_id):
        # Managing a portfolio shows its customers: taking another's for himself is
        # taking that reach (PM-2), as standing in for its manager would be.
        refuse_self_reach(context, context.actor.id, None, "join a portfolio")
    removed = [m for m in current.managers if not edited.manages(m)]
    membership.check_not_orphaned(
        current,
        edited,
        context.uow.managers.get_many({*current.managers, *edited.managers}),
        lambda: holds_customers(context, current.id),
    )
    _drop_removed_managers(context, current, removed)
    stored = context.uow.portfolios.update(edited)
    context.emit(*changed.events)
    return stored


def delete_portfolio(context: Context, portfolio_id: str) -> None:
    """Delete a portfolio for good, leaving its customers and organizations outside (PF-5).

    In the same change every account-manager link that depended on it goes, managers
    lose it as their default, and the deletion event lists everything it affected. A
    customer whose organization sits in another portfolio falls back to that one
    (MB-1), which must then have an active manager (MB-2).
    """
    context.actor.require(Permission.MANAGE_PORTFOLIOS, _ADMIN, "PF-6")
    portfolio = context.portfolio(portfolio_id)
    organizations = context.uow.organizations.in_portfolio(portfolio_id)
    customers = effective_members(context, portfolio_id)
    # One look-up per organization and per fallback portfolio, not per customer (ST-5).
    org_portfolios = organization_portfolios(context, customers)
    available: set[str] = set()
    moves = [_left_behind(context, c, portfolio_id, org_portfolios, available) for c in customers]
    deleted = portfolio.delete(
        (c.id for c in customers), (o.id for o in organizations), context.stamp
    )
    context.emit(*deleted.events)
    apply_organization_moves(
        context,
        [(o, o.with_portfolio(None)) for o in organizations],
        Way.PORTFOLIO_DELETED,
    )
    apply_moves(context, moves, Way.PORTFOLIO_DELETED)
    _clear_defaults(context, portfolio, portfolio.managers)
    context.uow.portfolios.remove(portfolio)


def set_default_portfolio(context: Context, manager_id: str, portfolio_id: str | None) -> Manager:
    """Mark one of a manager's portfolios as his default, or clear it (MG-2).

    A manager sets his own; anyone else needs MANAGE_MANAGERS.
    """
    if context.actor.is_system or context.actor.id != manager_id:
        context.actor.require(Permission.MANAGE_MANAGERS, "set another manager's default", "MG-2")
    manager = context.manager(manager_id)
    context.actor.require_within(manager.permissions, f"administer manager {manager_id!r}")
    if portfolio_id is not None:
        chosen = context.portfolio(portfolio_id)
        membership.check_manages(manager_id, chosen, chosen.id)
    changed = manager.with_default(portfolio_id, context.stamp)
    if not changed.events:
        return manager
    stored = context.uow.managers.update(changed.value)
    context.emit(*changed.events)
    return stored


def effective_members(context: ReadContext, portfolio_id: str) -> list[Customer]:
    """Return every customer whose effective portfolio is ``portfolio_id``, by id (MB-1)."""
    members = {c.id: c for c in context.uow.customers.in_portfolio(portfolio_id)}
    for organization in context.uow.organizations.in_portfolio(portfolio_id):
        for customer in context.uow.customers.of_organization(organization.id):
            if customer.portfolio is None:
                members[customer.id] = customer
    return [members[i] for i in sorted(members)]


def holds_customers(context: ReadContext, portfolio_id: str) -> bool:
    """Tell whether any customer or organization is in the portfolio (MB-2)."""
    return bool(
        context.uow.customers.in_portfolio(portfolio_id)
        or context.uow.organizations.in_portfolio(portfolio_id)
    )


def require_eligible(context: Context, manager_ids: Sequence[str]) -> None:
    """Load each manager (refusing an unknown one) and refuse an ineligible one (MG-1)."""
    for manager_id in manager_ids:
        eligible(context.manager(manager_id), context.eligibility)


def _managers(managers: Sequence[str]) -> list[str]:
    """Check the managers the caller names (ER-2): a list of ids, not one string."""
    if isinstance(managers, str):
        raise InvalidInput("portfolio", [FieldError("$.managers", "must be a list of manager ids")])
    return check_ids("manager", managers, path="$.managers")


def _description(value: object) -> str | None:
    """Check a description the caller gives (ER-2); what is stored is not re-checked."""
    return check_optional_text("portfolio", value, path="$.description", max_length=MAX_DESCRIPTION)


def _journey(value: object) -> Journey | None:
    """Check a journey the caller gives (PF-2, ER-2): an id, and a name every store keeps."""
    if value is None:
        return None
    if not isinstance(value, Journey):
        raise InvalidInput("portfolio", [FieldError("$.journey", "must be a Journey or null")])
    check_id("journey", value.id, path="$.journey.id")
    check_optional_text("journey", value.name, path="$.journey.name")
    return value


def _require_unique_name(context: Context, portfolio: Portfolio) -> None:
    holder = context.uow.portfolios.by_key(portfolio.key)
    if holder is not None and holder.id != portfolio.id:
        raise refusals.portfolio_name_taken(portfolio.name, holder.name, holder.id)


def _drop_removed_managers(context: Context, portfolio: Portfolio, removed: list[str]) -> None:
    if not removed:
        return
    gone = set(removed)
    moves = [
        relink(context, c, tuple(m for m in c.account_managers if m not in gone))
        for c in effective_members(context, portfolio.id)
        if gone.intersection(c.account_managers)
    ]
    apply_moves(context, moves, Way.RECORD)
    _clear_defaults(context, portfolio, removed)


def _clear_defaults(context: Context, portfolio: Portfolio, manager_ids: Sequence[str]) -> None:
    for manager in context.uow.managers.get_many(manager_ids).values():
        if manager.default_portfolio == portfolio.id:
            cleared = manager.with_default(None, context.stamp)
            context.uow.managers.update(cleared.value)
            context.emit(*cleared.events)


def _left_behind(
    context: Context,
    customer: Customer,
    portfolio_id: str,
    org_portfolios: Mapping[str, str | None],
    available: set[str],
) -> Move:
    org = customer.organization
    org_portfolio = None if org is None else org_portfolios[org]
    fallback = None if org_portfolio == portfolio_id else org_portfolio
    if fallback is not None and fallback not in available:
        require_available(context, context.portfolio(fallback), f"customer {customer.id!r}")
        available.add(fallback)
    left = customer.placed(Placement())
    return Move(customer, left, customer.ownership(org_portfolio), left.ownership(fallback))
