"""Who may see a customer or an organization: a pure decision with its clause (VS-1, VS-2, VS-5).

The policy takes everything it needs as arguments and returns a :class:`Visibility`
naming the clause that granted or the reason that denied, so services can turn a
denial into an error and hosts can show why.
"""

from __future__ import annotations

import enum

import attrs

from carteira.domain.permissions import Permission

__all__ = ["Clause", "Viewer", "Visibility", "customer_visibility", "organization_visibility"]


class Clause(enum.StrEnum):
    """Why a view was granted or denied (VS-5)."""

    SYSTEM = "system"
    SEGMENTATION_OFF = "segmentation_off"
    MANAGES_PORTFOLIO = "manages_portfolio"
    ACCOUNT_MANAGER = "account_manager"
    OUTSIDE_PORTFOLIO = "outside_portfolio_view_unassigned"
    VIEW_ALL = "view_all"
    INACTIVE = "inactive"
    NOT_OWNER = "not_owner"


@attrs.frozen
class Visibility:
    """A granted or denied view, with the clause that decided it (VS-5)."""

    granted: bool
    clause: Clause

    def __bool__(self) -> bool:
        return self.granted


@attrs.frozen
class Viewer:
    """Who is looking: a manager's id, activity and permissions, or the host itself."""

    id: str
    active: bool
    permissions: frozenset[Permission]
    system: bool = False


def _common(viewer: Viewer, segmentation: bool) -> Visibility | None:
    if viewer.system:
        return Visibility(True, Clause.SYSTEM)
    if not viewer.active:
        return Visibility(False, Clause.INACTIVE)
    if not segmentation:
        return Visibility(True, Clause.SEGMENTATION_OFF)
    return None


def customer_visibility(
    viewer: Viewer,
    *,
    segmentation: bool,
    portfolio_managers: tuple[str, ...] | None,
    account_managers: tuple[str, ...],
) -> Visibility:
    """Decide whether ``viewer`` sees a customer (VS-1, VS-2 a-d, MG-4).

    ``portfolio_managers`` are the managers of the customer's effective portfolio, or
    ``None`` when it has none.
    """
    decided = _common(viewer, segmentation)
    if decided is not None:
        return decided
    if portfolio_managers is not None and viewer.id in portfolio_managers:
        return Visibility(True, Clause.MANAGES_PORTFOLIO)
    if viewer.id in account_managers:
        return Visibility(True, Clause.ACCOUNT_MANAGER)
    outside = portfolio_managers is None and not account_managers
    if outside and Permission.VIEW_UNASSIGNED in viewer.permissions:
        return Visibility(True, Clause.OUTSIDE_PORTFOLIO)
    if Permission.VIEW_ALL in viewer.permissions:
        return Visibility(True, Clause.VIEW_ALL)
    return Visibility(False, Clause.NOT_OWNER)


def organization_visibility(
    viewer: Viewer, *, segmentation: bool, portfolio_managers: tuple[str, ...] | None
) -> Visibility:
    """Decide whether ``viewer`` sees an organization (VS-2 a, c, d)."""
    decided = _common(viewer, segmentation)
    if decided is not None:
        return decided
    if portfolio_managers is not None and viewer.id in portfolio_managers:
        return Visibility(True, Clause.MANAGES_PORTFOLIO)
    if portfolio_managers is None and Permission.VIEW_UNASSIGNED in viewer.permissions:
        return Visibility(True, Clause.OUTSIDE_PORTFOLIO)
    if Permission.VIEW_ALL in viewer.permissions:
        return Visibility(True, Clause.VIEW_ALL)
    return Visibility(False, Clause.NOT_OWNER)
