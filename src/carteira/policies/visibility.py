"""Who may see a customer, an organization or a ticket: pure decisions with their clause.

VS-1, VS-2, VS-5 and MG-4, MG-5. Every function takes what it needs as arguments and
returns a [`Visibility`][carteira.Visibility] naming the clause that granted or the reason that
denied, so services turn a denial into an error and hosts can show why (VS-5).
[`scope_of`][carteira.scope_of] states the same rule as a set description that storage adapters
answer through their indexes, so listings and single checks agree (VS-3).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable

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
    _others: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    _view_all: bool = attrs.field(init=False, eq=False, repr=False)
    _view_unassigned: bool = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Decisions run millions of times: work these out once per viewer.
        others = tuple(sorted(self.stands_in_for - {self.id}))
        object.__setattr__(self, "_others", others)
        object.__setattr__(self, "_view_all", Permission.VIEW_ALL in self.permissions)
        unassigned = Permission.VIEW_UNASSIGNED in self.permissions
        object.__setattr__(self, "_view_unassigned", unassigned)

    @property
    def identities(self) -> tuple[str, ...]:
        """His own id first, then those he stands in for, in a stable order."""
        return (self.id, *self._others)


# Answers are values: share one instance per clause instead of building one per check.
_GRANTED = {clause: Visibility(True, clause) for clause in Clause}
_DENIED = {clause: Visibility(False, clause) for clause in Clause}


def _common(viewer: Viewer, segmentation: bool) -> Visibility | None:
    if viewer.system:
        return _GRANTED[Clause.SYSTEM]
    if not viewer.active:
        return _DENIED[Clause.INACTIVE]
    if not segmentation:
        return _GRANTED[Clause.SEGMENTATION_OFF]
    return None


def _held(clause: Clause, viewer: Viewer, holders: Collection[str]) -> Visibility | None:
    """Grant ``clause`` if the viewer, or someone he stands in for, is among ``holders``."""
    if viewer.id in holders:
        return _GRANTED[clause]
    for absent in viewer._others:
        if absent in holders:
            return Visibility(True, clause, absent)
    return None


def _by_permission(viewer: Viewer, outside: bool) -> Visibility:
    if outside and viewer._view_unassigned:
        return _GRANTED[Clause.OUTSIDE_PORTFOLIO]
    if viewer._view_all:
        return _GRANTED[Clause.VIEW_ALL]
    return _DENIED[Clause.OUTSIDE_WITHOUT_PERMISSION if outside else Clause.NOT_OWNER]


def customer_visibility(
    viewer: Viewer,
    *,
    segmentation: bool,
    portfolio_managers: Collection[str] | None,
    account_managers: Collection[str],
) -> Visibility:
    """Decide whether ``viewer`` sees a customer (VS-1, VS-2 a-d, MG-4, MG-5).

    ``portfolio_managers`` are the managers of the customer's effective portfolio, or
    ``None`` when it has none.
    """
    decided = _common(viewer, segmentation)
    if decided is not None:
        return decided
    if portfolio_managers is not None:
        held = _held(Clause.MANAGES_PORTFOLIO, viewer, portfolio_managers)
        if held is not None:
            return held
    held = _held(Clause.ACCOUNT_MANAGER, viewer, account_managers)
    if held is not None:
        return held
    return _by_permission(viewer, portfolio_managers is None and not account_managers)


def organization_visibility(
    viewer: Viewer, *, segmentation: bool, portfolio_managers: Collection[str] | None
) -> Visibility:
    """Decide whether ``viewer`` sees an organization (VS-2 a, c, d; MG-4, MG-5)."""
    decided = _common(viewer, segmentation)
    if decided is not None:
        return decided
    if portfolio_managers is not None:
        held = _held(Clause.MANAGES_PORTFOLIO, viewer, portfolio_managers)
        if held is not None:
            return held
    return _by_permission(viewer, portfolio_managers is None)


def ticket_visibility(viewer: Viewer, customer: Visibility, assignee: str | None) -> Visibility:
    """Decide whether ``viewer`` sees a ticket: he sees its customer or serves it (VS-2)."""
    if customer.granted or not viewer.active:
        return customer
    if assignee is not None and assignee == viewer.id:
        return _GRANTED[Clause.ASSIGNEE]
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
