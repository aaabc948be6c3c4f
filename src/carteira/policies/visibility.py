"""Who may see a customer, an organization or a ticket: pure decisions with their clause.

VS-1, VS-2, VS-5 and MG-4, MG-5. Every function takes what it needs as arguments and
returns a :class:`Visibility` naming the clause that granted or the reason that
denied, so services turn a denial into an error and hosts can show why (VS-5).
:func:`scope_of` states the same rule as a set description that storage adapters
answer through their indexes, so listings and single checks agree (VS-3).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from carteira.domain.permissions import Permission
from carteira.domain.scope import Scope

__all__ = [
    "Clause",
    "Scope",
    "Viewer",
    "Visibility",
    "customer_visibility",
    "organization_visibility",
    "scope_of",
    "ticket_visibility",
]


class Clause(enum.StrEnum):
    """Why a view was granted or denied (VS-5)."""

    SYSTEM = "system"
    SEGMENTATION_OFF = "segmentation_off"
    MANAGES_PORTFOLIO = "manages_portfolio"
    ACCOUNT_MANAGER = "account_manager"
    OUTSIDE_PORTFOLIO = "outside_portfolio_view_unassigned"
    VIEW_ALL = "view_all"
    ASSIGNEE = "ticket_assignee"
    INACTIVE = "inactive"
    OUTSIDE_WITHOUT_PERMISSION = "outside_portfolio_without_view_unassigned"
    NOT_OWNER = "not_owner"


@attrs.frozen
class Visibility:
    """A granted or denied view, the clause that decided it, and whom it came through.

    ``via`` names the absent manager a backup stands in for when the view came through
    him (MG-5); it is ``None`` when the viewer holds the clause himself.
    """

    granted: bool
    clause: Clause
    via: str | None = None

    def __bool__(self) -> bool:
        return self.granted


@attrs.frozen
class Viewer:
    """Who is looking: a manager's id, activity, permissions and whom he stands in for.

    ``stands_in_for`` are the managers absent right now who named him their backup
    (MG-5); ``system`` marks the host application itself.
    """

    id: str
    active: bool
    permissions: frozenset[Permission]
    stands_in_for: frozenset[str] = frozenset()
    system: bool = False

    @property
    def identities(self) -> tuple[str, ...]:
        """His own id first, then those he stands in for, in a stable order."""
        return (self.id, *sorted(self.stands_in_for - {self.id}))


def _common(viewer: Viewer, segmentation: bool) -> Visibility | None:
    if viewer.system:
        return Visibility(True, Clause.SYSTEM)
    if not viewer.active:
        return Visibility(False, Clause.INACTIVE)
    if not segmentation:
        return Visibility(True, Clause.SEGMENTATION_OFF)
    return None


def _through(viewer: Viewer, holders: Iterable[str]) -> str | None:
    held = set(holders)
    return next((identity for identity in viewer.identities if identity in held), None)


def _granted(clause: Clause, viewer: Viewer, identity: str) -> Visibility:
    return Visibility(True, clause, None if identity == viewer.id else identity)


def customer_visibility(
    viewer: Viewer,
    *,
    segmentation: bool,
    portfolio_managers: tuple[str, ...] | None,
    account_managers: tuple[str, ...],
) -> Visibility:
    """Decide whether ``viewer`` sees a customer (VS-1, VS-2 a-d, MG-4, MG-5).

    ``portfolio_managers`` are the managers of the customer's effective portfolio, or
    ``None`` when it has none.
    """
    decided = _common(viewer, segmentation)
    if decided is not None:
        return decided
    if portfolio_managers is not None:
        identity = _through(viewer, portfolio_managers)
        if identity is not None:
            return _granted(Clause.MANAGES_PORTFOLIO, viewer, identity)
    identity = _through(viewer, account_managers)
    if identity is not None:
        return _granted(Clause.ACCOUNT_MANAGER, viewer, identity)
    outside = portfolio_managers is None and not account_managers
    if outside and Permission.VIEW_UNASSIGNED in viewer.permissions:
        return Visibility(True, Clause.OUTSIDE_PORTFOLIO)
    if Permission.VIEW_ALL in viewer.permissions:
        return Visibility(True, Clause.VIEW_ALL)
    return Visibility(False, Clause.OUTSIDE_WITHOUT_PERMISSION if outside else Clause.NOT_OWNER)


def organization_visibility(
    viewer: Viewer, *, segmentation: bool, portfolio_managers: tuple[str, ...] | None
) -> Visibility:
    """Decide whether ``viewer`` sees an organization (VS-2 a, c, d; MG-4, MG-5)."""
    decided = _common(viewer, segmentation)
    if decided is not None:
        return decided
    if portfolio_managers is not None:
        identity = _through(viewer, portfolio_managers)
        if identity is not None:
            return _granted(Clause.MANAGES_PORTFOLIO, viewer, identity)
    outside = portfolio_managers is None
    if outside and Permission.VIEW_UNASSIGNED in viewer.permissions:
        return Visibility(True, Clause.OUTSIDE_PORTFOLIO)
    if Permission.VIEW_ALL in viewer.permissions:
        return Visibility(True, Clause.VIEW_ALL)
    return Visibility(False, Clause.OUTSIDE_WITHOUT_PERMISSION if outside else Clause.NOT_OWNER)


def ticket_visibility(viewer: Viewer, customer: Visibility, assignee: str | None) -> Visibility:
    """Decide whether ``viewer`` sees a ticket: he sees its customer or serves it (VS-2)."""
    if customer.granted or not viewer.active:
        return customer
    if assignee is not None and assignee == viewer.id:
        return Visibility(True, Clause.ASSIGNEE)
    return customer


def scope_of(viewer: Viewer, *, segmentation: bool, managed_portfolios: Iterable[str]) -> Scope:
    """Return the viewer's scope: the listing form of the decisions above (VS-2, VS-3).

    ``managed_portfolios`` are the portfolios managed by any of his identities.
    """
    decided = _common(viewer, segmentation)
    if decided is not None:
        return Scope(everything=True) if decided.granted else Scope()
    if Permission.VIEW_ALL in viewer.permissions:
        return Scope(everything=True)
    return Scope(
        portfolios=frozenset(managed_portfolios),
        account_managers=frozenset(viewer.identities),
        outside=Permission.VIEW_UNASSIGNED in viewer.permissions,
        assignees=frozenset({viewer.id}),
    )
