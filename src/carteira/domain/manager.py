"""The Manager aggregate: a staff member who serves customers (MG-1, MG-2, MG-6)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import attrs

from carteira.domain import refusals
from carteira.domain.absence import Absence
from carteira.domain.errors import NotFound
from carteira.domain.permissions import Permission, Profile, Role

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

    def with_default(self, portfolio_id: str | None) -> Manager:
        """Return him with ``portfolio_id`` as his default portfolio (MG-2)."""
        return attrs.evolve(self, default_portfolio=portfolio_id)

    def edit(
        self,
        *,
        name: str | None = None,
        profile: Profile | None = None,
        roles: frozenset[Role] | None = None,
    ) -> Manager:
        """Return him with a new name, profile or roles; ``None`` keeps one (MG-1)."""
        return attrs.evolve(
            self,
            name=self.name if name is None else name,
            profile=self.profile if profile is None else profile,
            roles=self.roles if roles is None else roles,
        )

    def deactivate(self) -> Manager:
        """Return him inactive, with no default portfolio (MG-3, MG-4).

        The caller has settled his customers and portfolios as the leave says (MG-3).
        """
        return attrs.evolve(self, active=False, default_portfolio=None)

    def reactivate(self) -> Manager:
        """Return him active again; he gets back nothing he left (MG-1, MG-3)."""
        return attrs.evolve(self, active=True)

    def schedule_absence(self, absence: Absence, backup: Manager) -> Manager:
        """Return him with ``absence`` scheduled, ``backup`` standing in (MG-5).

        The backup is another active manager, and his absences do not overlap (nor
        share an id).
        """
        if backup.id == self.id or not backup.active:
            raise refusals.invalid_backup(absence.backup, self.id)
        for other in self.absences:
            if other.id == absence.id or (other.start < absence.end and absence.start < other.end):
                raise refusals.absence_overlaps(absence.id, self.id, other.id)
        return attrs.evolve(self, absences=(*self.absences, absence))

    def cancel_absence(self, absence_id: str) -> Manager:
        """Return him without the absence ``absence_id``; an unknown one is not found (MG-5)."""
        kept = tuple(a for a in self.absences if a.id != absence_id)
        if len(kept) == len(self.absences):
            raise NotFound("absence", absence_id)
        return attrs.evolve(self, absences=kept)

    def default_among(self, managed: Collection[str]) -> str | None:
        """Return the portfolio his work goes to by default (MG-2, MG-6).

        The one he marked; else, when ``managed`` (the ids of the portfolios he manages,
        two of them are enough to tell) holds exactly one, that one; else none.
        """
        if self.default_portfolio is not None:
            return self.default_portfolio
        return next(iter(managed)) if len(managed) == 1 else None
