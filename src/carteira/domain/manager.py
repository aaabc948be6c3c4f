"""The Manager aggregate: a staff member who serves customers (MG-1, MG-2, MG-6)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import attrs

from carteira.domain.absence import Absence
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

    def default_among(self, managed: Collection[str]) -> str | None:
        """Return the portfolio his work goes to by default (MG-2, MG-6).

        The one he marked; else, when ``managed`` (the ids of the portfolios he manages,
        two of them are enough to tell) holds exactly one, that one; else none.
        """
        if self.default_portfolio is not None:
            return self.default_portfolio
        return next(iter(managed)) if len(managed) == 1 else None
