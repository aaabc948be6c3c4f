"""Placing customers and organizations: the checks of MB-2 and MB-3, and their records (MB-6).

Every command that changes where a customer or organization stands goes through
`apply_moves` / `apply_organization_moves`, which write the new values in one
call and emit one [`MembershipChanged`][carteira.MembershipChanged] per subject whose
ownership changed, naming the way it used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import NotFound, RuleViolation
from carteira.domain.events import MembershipChanged
from carteira.domain.manager import Manager
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.portfolio import Portfolio
from carteira.services.context import Context, ReadContext

__all__ = [
    "Move",
    "apply_moves",
    "apply_organization_moves",
    "check_account_managers",
    "membership_changed",
    "organization_portfolio",
    "organization_portfolios",
    "relink",
    "require_available",
    "resettle",
]


def require_available(context: Context, portfolio: Portfolio, subject: str) -> None:
    """Refuse to place ``subject`` in a portfolio with no active manager (MB-2, PF-3)."""
    if not context.active_managers(portfolio):
        raise RuleViolation(
            f"{subject} cannot enter portfolio {portfolio.name!r}: it has no active manager",
            code="portfolio_unavailable",
            rule="MB-2",
            details={"portfolio": portfolio.id},
        )


def check_account_managers(
    context: Context,
    customer_id: str,
    managers: Sequence[str],
    effective: Portfolio | None,
    *,
    known: Mapping[str, Manager] | None = None,
    cap: int | None = None,
) -> None:
    """Refuse account managers that are unknown, inactive, outside the portfolio or too many.

    MB-3: each is active and, where the customer has an effective portfolio, manages
    it; the tenant's ``max_account_managers`` caps how many there are. A bulk change
    passes the managers it read (``known``) and the cap, to read them once (ST-5).
    """
    if cap is None:
        cap = context.settings.max_account_managers
    if len(managers) > cap:
        raise RuleViolation(
            f"customer {customer_id!r} may have at most {cap} account manager(s), "
            f"not {len(managers)}",
            code="too_many_account_managers",
            rule="MB-3",
            details={"customer": customer_id, "cap": cap},
        )
    found = known if known is not None else context.uow.managers.get_many(managers)
    for manager_id in managers:
        manager = found.get(manager_id)
        if manager is None:
            raise NotFound("manager", manager_id)
        if not manager.active:
            raise RuleViolation(
                f"manager {manager_id!r} is inactive and cannot be account manager "
                f"of customer {customer_id!r}",
                code="manager_inactive",
                rule="MB-3",
                details={"customer": customer_id, "manager": manager_id},
            )
        if effective is not None and not effective.manages(manager_id):
            raise RuleViolation(
                f"manager {manager_id!r} does not manage portfolio {effective.name!r} "
                f"of customer {customer_id!r}",
                code="manager_outside_portfolio",
                rule="MB-3",
                details={"customer": customer_id, "manager": manager_id, "portfolio": effective.id},
            )


@attrs.frozen
class Move:
    """One customer's change: the value as read, the value to store, ownership before/after."""

    original: Customer
    customer: Customer
    before: Ownership
    after: Ownership


def resettle(
    customer: Customer,
    *,
    before_org_portfolio: str | None,
    after_org_portfolio: str | None,
    managers_of: Callable[[str], tuple[str, ...]],
) -> Move:
    """Move a customer whose organization changed portfolio (MB-1, MB-3).

    Its effective portfolio follows the organization unless it has its own; account
    managers who do not manage the new effective portfolio go with the old one.
    """
    before = customer.ownership(before_org_portfolio)
    effective = customer.ownership(after_org_portfolio).portfolio
    kept = customer.account_managers
    if effective is not None and effective != before.portfolio:
        allowed = managers_of(effective)
        kept = tuple(m for m in kept if m in allowed)
    moved = attrs.evolve(customer, account_managers=kept)
    return Move(customer, moved, before, moved.ownership(after_org_portfolio))


def organization_portfolio(context: ReadContext, customer: Customer) -> str | None:
    """Return the portfolio of the customer's organization, if any (MB-1)."""
    org = customer.organization
    return None if org is None else context.organization(org).portfolio


def organization_portfolios(
    context: Context, customers: Iterable[Customer]
) -> dict[str, str | None]:
    """Return the portfolio of each of these customers' organizations, one look-up each (ST-5)."""
    found = sorted({c.organization for c in customers if c.organization is not None})
    return {o: context.organization(o).portfolio for o in found}


def relink(
    context: Context,
    customer: Customer,
    account_managers: tuple[str, ...],
    org_portfolios: Mapping[str, str | None] | None = None,
) -> Move:
    """Return the move giving ``customer`` new account managers, its portfolio unchanged.

    ``org_portfolios``, from `organization_portfolios`, spares a look-up per customer.
    """
    org = customer.organization
    if org_portfolios is not None and org is not None:
        org_portfolio = org_portfolios[org]
    else:
        org_portfolio = organization_portfolio(context, customer)
    changed = attrs.evolve(customer, account_managers=account_managers)
    return Move(
        customer,
        changed,
        customer.ownership(org_portfolio),
        changed.ownership(org_portfolio),
    )


def apply_moves(context: Context, moves: Iterable[Move], way: Way) -> None:
    """Write every changed customer in one call and record each ownership change (MB-6)."""
    moves = list(moves)
    context.uow.customers.update_many(m.customer for m in moves if m.customer != m.original)
    context.emit(
        *(
            membership_changed(context, SubjectKind.CUSTOMER, m.customer.id, way, m.before, m.after)
            for m in moves
            if m.before != m.after
        )
    )


def apply_organization_moves(
    context: Context, moves: Iterable[tuple[Organization, Organization]], way: Way
) -> None:
    """Write every changed organization in one call and record each change (MB-6)."""
    moves = [(old, new) for old, new in moves if old != new]
    context.uow.organizations.update_many(new for _, new in moves)
    context.emit(
        *(
            membership_changed(
                context,
                SubjectKind.ORGANIZATION,
                new.id,
                way,
                Ownership(old.portfolio),
                Ownership(new.portfolio),
            )
            for old, new in moves
        )
    )


def membership_changed(
    context: Context,
    subject: SubjectKind,
    subject_id: str,
    way: Way,
    before: Ownership,
    after: Ownership,
) -> MembershipChanged:
    """Return the record of one subject's ownership change through ``way`` (MB-6)."""
    return MembershipChanged(
        **context.stamp_fields,
        subject=subject,
        subject_id=subject_id,
        way=way,
        before=before,
        after=after,
    )
