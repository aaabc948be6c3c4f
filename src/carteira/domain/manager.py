"""The Manager aggregate: a staff member who serves customers (MG-1, MG-2, MG-3, MG-5, MG-6).

Its deciding methods return a [`Changed`][carteira.domain.changed.Changed]: the new
manager and the events it produced (EV-1), leaving storing both to the caller.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

import attrs

from carteira.domain import refusals
from carteira.domain.absence import Absence
from carteira.domain.changed import Changed
from carteira.domain.errors import NotFound
from carteira.domain.events import (
    AbsenceCancelled,
    AbsenceScheduled,
    DefaultPortfolioChanged,
    LeaveMode,
    LeaveReason,
    ManagerLeft,
    ManagerRegistered,
    ManagerRemoved,
    ManagerUpdated,
)
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.stamp import Stamp

__all__ = ["Manager"]


@attrs.frozen
class Manager:
    """A manager (atendente, vendedor, gerente de sucesso) known by the host's id.

    ``default_portfolio`` is the portfolio he marked as his default (MG-2);
    ``absences`` are his scheduled periods away (MG-5); ``version`` is the stored
    version this value was read at (ST-3), 0 for one never stored.
    """

    tenant: str
    id: str
    name: str
    profile: Profile = Profile.AGENT
    roles: frozenset[Role] = frozenset()
    active: bool = True
    default_portfolio: str | None = None
    version: int = 0
    absences: tuple[Absence, ...] = ()

    @classmethod
    def register(
        cls,
        manager_id: str,
        name: str,
        profile: Profile,
        roles: frozenset[Role],
        active: bool,
        stamp: Stamp,
    ) -> Changed[Manager]:
        """Return a manager of ``stamp``'s tenant, and his `ManagerRegistered` (MG-1).

        The caller checks that the id is free and that the actor may grant his roles.
        """
        manager = cls(stamp.tenant, manager_id, name, profile, roles, active)
        return Changed(manager, (ManagerRegistered(**stamp.fields(), **manager._fields()),))

    @property
    def permissions(self) -> frozenset[Permission]:
        """Every permission any of his roles grants (PM-1)."""
        return frozenset(p for role in self.roles for p in role.permissions)

    def may(self, permission: Permission) -> bool:
        """Tell whether he is active and one of his roles grants ``permission``."""
        return self.active and permission in self.permissions

    def absence_at(self, instant: datetime) -> Absence | None:
        """Return the absence covering ``instant``, if he is away then (MG-5)."""
        return next((a for a in self.absences if a.covers(instant)), None)

    def backup_at(self, instant: datetime) -> str | None:
        """Return who stands in for him at ``instant``, if he is away then (MG-5)."""
        absence = self.absence_at(instant)
        return None if absence is None else absence.backup

    def with_default(self, portfolio_id: str | None, stamp: Stamp) -> Changed[Manager]:
        """Return him with ``portfolio_id`` as his default portfolio, and its event (MG-2).

        `DefaultPortfolioChanged`; none when it already is his default. The caller has
        checked that he manages it.
        """
        if portfolio_id == self.default_portfolio:
            return Changed(self)
        event = DefaultPortfolioChanged(
            **stamp.fields(), manager_id=self.id, portfolio_id=portfolio_id
        )
        return Changed(attrs.evolve(self, default_portfolio=portfolio_id), (event,))

    def edit(
        self,
        *,
        name: str | None = None,
        profile: Profile | None = None,
        roles: frozenset[Role] | None = None,
        stamp: Stamp,
    ) -> Changed[Manager]:
        """Return him with a new name, profile or roles, and his `ManagerUpdated` (MG-1).

        ``None`` keeps one; an edit that changes nothing has no event.
        """
        edited = attrs.evolve(
            self,
            name=self.name if name is None else name,
            profile=self.profile if profile is None else profile,
            roles=self.roles if roles is None else roles,
        )
        return self._updated(edited, stamp)

    def leave(
        self,
        reason: LeaveReason,
        mode: LeaveMode,
        successor: str | None,
        customers: Iterable[str],
        portfolios: Iterable[str],
        stamp: Stamp,
    ) -> Changed[Manager]:
        """Return him with no default portfolio, and his `ManagerLeft` (MG-3).

        ``customers`` and ``portfolios`` are the ids of those he leaves, to ``successor``
        (transfer) or to no one (keep, release); the caller has checked the choice and
        moves them.
        """
        event = ManagerLeft(
            **stamp.fields(),
            manager_id=self.id,
            reason=reason,
            mode=mode,
            successor=successor,
            customers=tuple(customers),
            portfolios=tuple(portfolios),
        )
        return Changed(attrs.evolve(self, default_portfolio=None), (event,))

    def deactivate(self, stamp: Stamp) -> Changed[Manager]:
        """Return him inactive, with no default portfolio, and his `ManagerUpdated` (MG-3, MG-4).

        The caller has settled his customers and portfolios as the leave says (MG-3). An
        inactive manager stays as he is, with no event.
        """
        return self._updated(attrs.evolve(self, active=False, default_portfolio=None), stamp)

    def reactivate(self, stamp: Stamp) -> Changed[Manager]:
        """Return him active again, and his `ManagerUpdated` (MG-1, MG-3).

        He gets back nothing he left. An active manager stays as he is, with no event.
        """
        return self._updated(attrs.evolve(self, active=True), stamp)

    def remove(self, stamp: Stamp) -> Changed[Manager]:
        """Return him as removed, and his `ManagerRemoved` (MG-3).

        The caller has settled his customers and portfolios as the leave says, and
        deletes his record.
        """
        return Changed(self, (ManagerRemoved(**stamp.fields(), manager_id=self.id),))

    def schedule_absence(self, absence: Absence, backup: Manager, stamp: Stamp) -> Changed[Manager]:
        """Return him with ``absence`` scheduled, ``backup`` standing in, and its event (MG-5).

        The backup is another active manager, and his absences do not overlap (nor
        share an id). `AbsenceScheduled`.
        """
        if backup.id == self.id or not backup.active:
            raise refusals.invalid_backup(absence.backup, self.id)
        for other in self.absences:
            if other.id == absence.id or (other.start < absence.end and absence.start < other.end):
                raise refusals.absence_overlaps(absence.id, self.id, other.id)
        event = AbsenceScheduled(
            **stamp.fields(),
            manager_id=self.id,
            absence_id=absence.id,
            start=absence.start,
            end=absence.end,
            backup=absence.backup,
        )
        return Changed(attrs.evolve(self, absences=(*self.absences, absence)), (event,))

    def cancel_absence(self, absence_id: str, stamp: Stamp) -> Changed[Manager]:
        """Return him without the absence ``absence_id``, and its `AbsenceCancelled` (MG-5).

        An unknown absence is not found.
        """
        kept = tuple(a for a in self.absences if a.id != absence_id)
        if len(kept) == len(self.absences):
            raise NotFound("absence", absence_id)
        event = AbsenceCancelled(**stamp.fields(), manager_id=self.id, absence_id=absence_id)
        return Changed(attrs.evolve(self, absences=kept), (event,))

    def default_among(self, managed: Collection[str]) -> str | None:
        """Return the portfolio his work goes to by default (MG-2, MG-6).

        The one he marked; else, when ``managed`` (the ids of the portfolios he manages,
        two of them are enough to tell) holds exactly one, that one; else none.
        """
        if self.default_portfolio is not None:
            return self.default_portfolio
        return next(iter(managed)) if len(managed) == 1 else None

    def _fields(self) -> dict[str, Any]:
        """Return the fields `ManagerRegistered` and `ManagerUpdated` carry: him as he stands."""
        return {
            "manager_id": self.id,
            "name": self.name,
            "profile": self.profile,
            "roles": self.roles,
            "active": self.active,
        }

    def _updated(self, updated: Manager, stamp: Stamp) -> Changed[Manager]:
        if updated == self:
            return Changed(self)
        return Changed(updated, (ManagerUpdated(**stamp.fields(), **updated._fields()),))
