"""The ticket and department repository ports (RT, VS-2, VS-3, WA)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from carteira.domain.scope import Scope
from carteira.domain.ticket import Department, Ticket

__all__ = ["DepartmentRepository", "TicketRepository"]


class TicketRepository(Protocol):
    """Tickets of the unit of work's tenant; writes are version-checked (ST-3)."""

    def get(self, ticket_id: str) -> Ticket | None:
        """Return the ticket, or ``None``."""
        ...

    def open_assigned_to(self, manager_id: str) -> Sequence[Ticket]:
        """Return the open tickets ``manager_id`` serves, by id (WA-4)."""
        ...

    def open_load(self, department_id: str, manager_ids: Iterable[str]) -> Mapping[str, int]:
        """Return how many open tickets each manager serves in the department (RT-2)."""
        ...

    def busy_since(self, department_id: str, manager_ids: Iterable[str]) -> Mapping[str, datetime]:
        """Return when each manager last took an open ticket of the department (RT-1)."""
        ...

    def in_scope(
        self, scope: Scope, *, after: str | None, limit: int, open_only: bool
    ) -> Sequence[Ticket]:
        """Return the first ``limit`` tickets in ``scope`` with ids after ``after`` (VS-3).

        Answered through indexes: the cost grows with what the scope holds, not with
        everything stored (ST-4).
        """
        ...

    def add(self, ticket: Ticket) -> None:
        """Store a new ticket; a taken id is a conflict."""
        ...

    def update_many(self, tickets: Iterable[Ticket]) -> None:
        """Store changed tickets, each version-checked, all or none (ST-5)."""
        ...


class DepartmentRepository(Protocol):
    """Departments of the unit of work's tenant; writes are version-checked (ST-3)."""

    def get(self, department_id: str) -> Department | None:
        """Return the department, or ``None``."""
        ...

    def list(self) -> Sequence[Department]:
        """Return every department, by id."""
        ...

    def add(self, department: Department) -> None:
        """Store a new department; a taken id is a conflict."""
        ...

    def update(self, department: Department) -> None:
        """Store a changed department (version-checked)."""
        ...
