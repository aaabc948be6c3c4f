"""Membership rules spanning aggregates, as pure decisions (MB-2, MB-3, MG-2, MG-3).

Each rule is stated once here and used by the single commands and the import alike.
The caller loads what a rule needs (a portfolio, the managers it names, the cap) and
passes it in; a refusal is raised as the domain error the SPEC rule names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from carteira.domain import refusals
from carteira.domain.errors import NotFound
from carteira.domain.manager import Manager
from carteira.domain.portfolio import Portfolio
from carteira.policies.eligibility import EligibilityPolicy, require_eligible

__all__ = [
    "active_managers",
    "check_account_managers",
    "check_manages",
    "check_no_orphans",
    "check_not_orphaned",
    "check_organization_managers",
    "check_successor",
    "require_available",
]


def active_managers(portfolio: Portfolio, managers: Mapping[str, Manager]) -> list[str]:
    """Return the portfolio's managers that are active, in order (MB-2, PF-3).

    ``managers`` holds the managers read (at least the portfolio's); one missing is
    not active.
    """
    return [m for m in portfolio.managers if m in managers and managers[m].active]


def require_available(portfolio: Portfolio, managers: Mapping[str, Manager], subject: str) -> None:
    """Refuse to place ``subject`` in a portfolio with no active manager (MB-2, PF-3)."""
    if not active_managers(portfolio, managers):
        raise refusals.portfolio_unavailable(subject, portfolio.name, portfolio.id)


def check_account_managers(
    customer_id: str,
    account_managers: Sequence[str],
    effective: Portfolio | None,
    known: Mapping[str, Manager],
    cap: int,
) -> None:
    """Refuse account managers that are too many, unknown, inactive or outside the portfolio.

    MB-3: the tenant's ``cap`` (``max_account_managers``) bounds how many there are; each
    is a known (in ``known``), active manager and, where the customer has an
    ``effective`` portfolio, manages it.
    """
    if len(account_managers) > cap:
        raise refusals.too_many_account_managers(customer_id, cap, len(account_managers))
    for manager_id in account_managers:
        manager = known.get(manager_id)
        if manager is None:
            raise NotFound("manager", manager_id)
        if not manager.active:
            raise refusals.account_manager_inactive(customer_id, manager_id)
        if effective is not None and not effective.manages(manager_id):
            raise refusals.account_manager_outside_portfolio(
                customer_id, manager_id, effective.name, effective.id
            )


def check_organization_managers(organization_id: str, account_managers: Sequence[str]) -> None:
    """Refuse account managers for an organization: only customers have them (MB-3)."""
    if account_managers:
        raise refusals.managers_on_organization(organization_id)


def check_manages(manager_id: str, portfolio: Portfolio, shown: str) -> None:
    """Refuse ``portfolio`` for ``manager_id`` unless he manages it (MG-2, MG-6).

    Assigning him a customer there, or making it his default portfolio; ``shown`` is how
    the refusal names the portfolio (its name, or its id).
    """
    if not portfolio.manages(manager_id):
        raise refusals.manager_outside_portfolio(manager_id, shown, portfolio.id)


def check_not_orphaned(
    current: Portfolio,
    edited: Portfolio,
    managers: Mapping[str, Manager],
    holds_customers: Callable[[], bool],
) -> None:
    """Refuse an edit taking off the last active manager of a portfolio holding customers (MB-2).

    Only an explicit MG-3 *keep* may orphan a portfolio. ``managers`` holds the managers
    of both versions; ``holds_customers`` is asked only when the edit would orphan it.
    """
    had = active_managers(current, managers)
    if had and not active_managers(edited, managers) and holds_customers():
        raise refusals.portfolio_would_be_orphaned(current.name, current.id)


def check_no_orphans(
    leaving: Manager,
    portfolios: Sequence[Portfolio],
    managers: Mapping[str, Manager],
    holds_customers: Callable[[str], bool],
) -> None:
    """Refuse a manager leaving with no choice when he is the last active one somewhere (MG-3).

    ``portfolios`` are those he manages, ``managers`` their managers as read, and
    ``holds_customers`` tells, for a portfolio id, whether customers are in it. With
    neither transfer nor keep, no portfolio holding customers may be left with no
    active manager: the refusal names every such portfolio.
    """
    orphaned = [
        p
        for p in portfolios
        if active_managers(p, managers) == [leaving.id] and holds_customers(p.id)
    ]
    if orphaned:
        raise refusals.portfolios_would_be_orphaned(leaving.id, {p.id: p.name for p in orphaned})


def check_successor(
    leaving: Manager, successor: Manager, eligibility: EligibilityPolicy | None
) -> None:
    """Refuse a successor who is the leaving manager himself, or inactive (MG-3, WA-5).

    With ``eligibility`` (when the leaving manager has portfolios to hand over) the
    successor must also be eligible to manage them (MG-1).
    """
    if successor.id == leaving.id:
        raise refusals.successor_is_leaving(leaving.id)
    if not successor.active:
        raise refusals.successor_inactive(successor.id)
    if eligibility is not None:
        require_eligible(successor, eligibility)
