"""Placing customers and organizations: MB-2 and MB-3 loaded and checked, and recorded (MB-6).

Every command that changes where a customer or organization stands goes through
`apply_moves` / `apply_organization_moves`, which write the new values in one
call and emit one [`MembershipChanged`][carteira.MembershipChanged] per subject whose
ownership changed, naming the way it used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from carteira.domain.customer import Customer, Organization
from carteira.domain.events import MembershipChanged
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.portfolio import Portfolio
from carteira.policies import membership
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
    """Load the portfolio's managers and refuse ``subject`` if none is active (MB-2, PF-3).

    The rule is `carteira.policies.membership.require_available`.
    """
    membership.require_available(
        portfolio, context.uow.managers.get_many(portfolio.managers), subject
    )


def check_account_managers(
    context: Context,
    customer_id: str,
    managers: Sequence[str],
    effective: Portfolio | None,
) -> None:
    """Load the named managers and the cap, and check them as account managers (MB-3).

    The rule is `carteira.policies.membership.check_account_managers`.
    """
    cap = context.settings.max_account_managers
    if len(managers) > cap:  # refused before reading anyone
        membership.check_account_managers(customer_id, managers, effective, {}, cap)
    known = context.uow.managers.get_many(managers)
    membership.check_account_managers(customer_id, managers, effective, known, cap)


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
    moved = customer.following(before_org_portfolio, after_org_portfolio, managers_of)
    return Move(
        customer,
        moved,
        customer.ownership(before_org_portfolio),
        moved.ownership(after_org_portfolio),
    )


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
    changed = customer.with_account_managers(account_managers)
    return Move(
        customer,
        changed,
        customer.ownership(org_portfolio),
        changed.ownership(org_portfolio),
    )


def apply_moves(context: Context, moves: Iterable[Move], way: Way) -> list[Customer]:
    """Write every changed customer in one call and record each ownership change (MB-6).

    Return each move's customer as it now stands, in order: as stored if it changed.
    """
    moves = list(moves)
    stored = iter(
        context.uow.customers.update_many([m.customer for m in moves if m.customer != m.original])
    )
    standing = [next(stored) if m.customer != m.original else m.customer for m in moves]
    context.emit(
        *(
            membership_changed(context, SubjectKind.CUSTOMER, m.customer.id, way, m.before, m.after)
            for m in moves
            if m.before != m.after
        )
    )
    return standing


def apply_organization_moves(
    context: Context, moves: Iterable[tuple[Organization, Organization]], way: Way
) -> list[Organization]:
    """Write every changed organization in one call and record each change (MB-6).

    Return the changed ones as stored, in order.
    """
    moves = [(old, new) for old, new in moves if old != new]
    stored = context.uow.organizations.update_many([new for _, new in moves])
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
    return list(stored)


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
        **context.stamp.fields(),
        subject=subject,
        subject_id=subject_id,
        way=way,
        before=before,
        after=after,
    )
