"""The Portfolio aggregate and the Journey it may follow (PF-1..PF-4).

Its deciding methods return a [`Changed`][carteira.domain.changed.Changed]: the new
portfolio and the events it produced (EV-1), leaving storing both to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from carteira.domain.changed import Changed
from carteira.domain.events import PortfolioCreated, PortfolioDeleted, PortfolioEdited
from carteira.domain.journey import Journey
from carteira.domain.names import clean_name, name_key
from carteira.domain.stamp import Stamp

__all__ = ["Journey", "Portfolio"]


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


@attrs.frozen
class Portfolio:
    """A named group of customers and organizations served by its managers (PF-2).

    ``managers`` keeps the order they were added in, without repeats. ``name`` is stored trimmed and
    NFC-normalised; [`key`][carteira.Portfolio.key] is what uniqueness compares (PF-1).
    """

    tenant: str
    id: str
    name: str = attrs.field(converter=clean_name)
    description: str | None = None
    journey: Journey | None = None
    managers: tuple[str, ...] = attrs.field(default=(), converter=_unique)
    version: int = 0

    @classmethod
    def create(
        cls,
        portfolio_id: str,
        name: str,
        description: str | None,
        journey: Journey | None,
        managers: Sequence[str],
        stamp: Stamp,
    ) -> Changed[Portfolio]:
        """Return a new portfolio of ``stamp``'s tenant, and its `PortfolioCreated` (PF-1..PF-3).

        ``name`` is cleaned (PF-1); the caller checks that the id and the name are free,
        and that the managers are eligible (MG-1).
        """
        portfolio = cls(stamp.tenant, portfolio_id, name, description, journey, tuple(managers))
        return Changed(portfolio, (PortfolioCreated(**stamp.fields(), **portfolio._fields()),))

    @property
    def key(self) -> str:
        """The name's comparison key (PF-1)."""
        return name_key(self.name)

    def manages(self, manager_id: str) -> bool:
        """Tell whether ``manager_id`` is one of its managers."""
        return manager_id in self.managers

    def _fields(self) -> dict[str, Any]:
        """Return the fields `PortfolioCreated` and `PortfolioEdited` carry: it as it stands."""
        return {
            "portfolio_id": self.id,
            "name": self.name,
            "description": self.description,
            "journey": self.journey,
            "managers": self.managers,
        }

    def edit(
        self,
        *,
        name: str,
        description: str | None,
        journey: Journey | None,
        managers: Sequence[str],
        stamp: Stamp,
    ) -> Changed[Portfolio]:
        """Return it with these fields, its id and version kept, and its `PortfolioEdited`.

        PF-2, PF-4: ``name`` is cleaned as on creation (PF-1); the caller re-checks its
        uniqueness when its key changes, and the managers it adds (MG-1). An edit that
        changes nothing has no event.
        """
        edited = attrs.evolve(
            self, name=name, description=description, journey=journey, managers=tuple(managers)
        )
        return self._edited(edited, stamp)

    def without_manager(self, manager_id: str, stamp: Stamp) -> Changed[Portfolio]:
        """Return it without ``manager_id`` among its managers, and its `PortfolioEdited`.

        MG-3 keep; nothing changes, and nothing is produced, if he is not one of them.
        """
        kept = tuple(m for m in self.managers if m != manager_id)
        return self._edited(attrs.evolve(self, managers=kept), stamp)

    def with_manager_replaced(
        self, leaving: str, successor: str, stamp: Stamp
    ) -> Changed[Portfolio]:
        """Return it with ``successor`` in the place of ``leaving``, and its `PortfolioEdited`.

        MG-3 transfer; nothing changes, and nothing is produced, if ``leaving`` is not one
        of its managers.
        """
        replaced = tuple(successor if m == leaving else m for m in self.managers)
        return self._edited(attrs.evolve(self, managers=replaced), stamp)

    def delete(
        self, customers: Iterable[str], organizations: Iterable[str], stamp: Stamp
    ) -> Changed[Portfolio]:
        """Return it as deleted, and its `PortfolioDeleted` listing what it left outside (PF-5).

        ``customers`` and ``organizations`` are the ids of every customer and organization
        it held; the caller moves them outside portfolio and removes it.
        """
        event = PortfolioDeleted(
            **stamp.fields(),
            portfolio_id=self.id,
            name=self.name,
            customers=tuple(customers),
            organizations=tuple(organizations),
        )
        return Changed(self, (event,))

    def _edited(self, edited: Portfolio, stamp: Stamp) -> Changed[Portfolio]:
        if edited == self:
            return Changed(self)
        return Changed(edited, (PortfolioEdited(**stamp.fields(), **edited._fields()),))
