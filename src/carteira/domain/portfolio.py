"""The Portfolio aggregate and the Journey it may follow (PF-1..PF-4)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from carteira.domain.names import clean_name, name_key

__all__ = ["Journey", "Portfolio"]


@attrs.frozen
class Journey:
    """A customer-success journey a portfolio follows (PF-2); owned by the host."""

    id: str
    name: str


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

    @property
    def key(self) -> str:
        """The name's comparison key (PF-1)."""
        return name_key(self.name)

    def manages(self, manager_id: str) -> bool:
        """Tell whether ``manager_id`` is one of its managers."""
        return manager_id in self.managers

    def edit(
        self,
        *,
        name: str,
        description: str | None,
        journey: Journey | None,
        managers: Sequence[str],
    ) -> Portfolio:
        """Return it with these fields, its id and version kept (PF-2, PF-4).

        ``name`` is cleaned as on creation (PF-1); the caller re-checks its uniqueness
        when its key changes, and the managers it adds (MG-1).
        """
        return attrs.evolve(
            self, name=name, description=description, journey=journey, managers=tuple(managers)
        )

    def without_manager(self, manager_id: str) -> Portfolio:
        """Return it without ``manager_id`` among its managers (MG-3 keep)."""
        return attrs.evolve(self, managers=tuple(m for m in self.managers if m != manager_id))

    def with_manager_replaced(self, leaving: str, successor: str) -> Portfolio:
        """Return it with ``successor`` in the place of ``leaving`` (MG-3 transfer)."""
        return attrs.evolve(
            self, managers=tuple(successor if m == leaving else m for m in self.managers)
        )
