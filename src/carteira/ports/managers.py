"""The manager repository port (MG)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from carteira.domain.manager import Manager

__all__ = ["ManagerReader", "ManagerRepository"]


class ManagerReader(Protocol):
    """Managers of the unit of work's tenant, for reading (ST-6)."""

    def get(self, manager_id: str) -> Manager | None:
        """Return the manager, or ``None``."""
        ...

    def get_many(self, manager_ids: Iterable[str]) -> Mapping[str, Manager]:
        """Return the managers that exist among ``manager_ids``, by id."""
        ...

    def list(self) -> Sequence[Manager]:
        """Return every manager, ordered by id."""
        ...

    def backed_up_by(self, manager_id: str) -> Sequence[Manager]:
        """Return the managers having an absence that names ``manager_id`` backup (MG-5)."""
        ...

    def page(
        self, *, after: str | None, limit: int, active: bool | None = None
    ) -> Sequence[Manager]:
        """Return the first ``limit`` managers whose id sorts after ``after`` (ST-4).

        Ordered by id (by code point), from the start for ``None``; with ``active``, only
        the active (``True``) or inactive (``False``) ones. A page costs what it returns.
        """
        ...


class ManagerRepository(ManagerReader, Protocol):
    """Managers of the unit of work's tenant; writes are version-checked (ST-3)."""

    def add(self, manager: Manager) -> Manager:
        """Store a new manager; a taken id is a conflict.

        Return it as stored, at version 1 ([`stored_new`][carteira.domain.versions.stored_new]).
        """
        ...

    def update(self, manager: Manager) -> Manager:
        """Store a changed manager (version-checked).

        Return it as stored, one version on ([`stored_over`][carteira.domain.versions.stored_over]).
        """
        ...

    def remove(self, manager: Manager) -> None:
        """Delete a manager (version-checked)."""
        ...
