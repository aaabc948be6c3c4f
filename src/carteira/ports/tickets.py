"""The ticket, department and ticket-type repository ports (RT, VS, WA, TK)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from carteira.domain.portal import PortalFilter
from carteira.domain.scope import Scope
from carteira.domain.ticket import Department, Ticket
from carteira.domain.workflow import TicketType

__all__ = [
    "DepartmentReader",
    "DepartmentRepository",
    "TicketReader",
    "TicketRepository",
    "TicketTypeReader",
    "TicketTypeRepository",
]


class TicketReader(Protocol):
    """Tickets of the unit of work's tenant, for reading (ST-6)."""

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

    def of_customer(
        self, customer_id: str, view: PortalFilter, *, after: str | None, limit: int
    ) -> Sequence[Ticket]:
        """Return the first ``limit`` portal tickets of a customer in ``view`` after ``after``.

        Only tickets with a type are portal tickets; answered through an index of
        (customer, view), by id (TK-7, VS-4, ST-4).
        """
        ...

    def queue(self, department_id: str, *, after: str | None, limit: int) -> Sequence[Ticket]:
        """Return the first ``limit`` tickets waiting in a department's queue, oldest first.

        Waiting is [`Ticket.queued`][carteira.Ticket.queued]; oldest first is by
        ``opened_at``, then id. ``after`` is the last ticket of the previous page: the page
        holds the tickets that come after it in that order (none when no ticket of the
        tenant has that id). Answered through an index, a page costs what it shows
        (VS-7, ST-4).
        """
        ...

    def count_open_at(self, ticket_type: str, stages: Iterable[str]) -> int:
        """Return how many open tickets of ``ticket_type`` stand at one of ``stages`` (TK-2)."""
        ...


class TicketRepository(TicketReader, Protocol):
    """Tickets of the unit of work's tenant; writes are version-checked (ST-3)."""

    def add(self, ticket: Ticket) -> Ticket:
        """Store a new ticket; a taken id is a conflict.

        Return it as stored, at version 1 ([`stored_new`][carteira.domain.versions.stored_new]).
        """
        ...

    def update_many(self, tickets: Iterable[Ticket]) -> Sequence[Ticket]:
        """Store changed tickets, each version-checked, all or none (ST-5).

        Return them as stored, in the order given, each one version on (ST-3).
        """
        ...

    def remove(self, ticket: Ticket) -> None:
        """Delete a ticket as read (version-checked); only TK-8 deletes tickets."""
        ...


class TicketTypeReader(Protocol):
    """Ticket types of the unit of work's tenant, for reading (ST-6)."""

    def get(self, type_id: str) -> TicketType | None:
        """Return the ticket type, or ``None``."""
        ...

    def list(self) -> Sequence[TicketType]:
        """Return every ticket type, by group, then name, then id (TK-1)."""
        ...


class TicketTypeRepository(TicketTypeReader, Protocol):
    """Ticket types of the unit of work's tenant; writes are version-checked (ST-3)."""

    def add(self, ticket_type: TicketType) -> TicketType:
        """Store a new ticket type; a taken id is a conflict.

        Return it as stored, at version 1 ([`stored_new`][carteira.domain.versions.stored_new]).
        """
        ...

    def update(self, ticket_type: TicketType) -> TicketType:
        """Store a changed ticket type (version-checked).

        Return it as stored, one version on ([`stored_over`][carteira.domain.versions.stored_over]).
        """
        ...


class DepartmentReader(Protocol):
    """Departments of the unit of work's tenant, for reading (ST-6)."""

    def get(self, department_id: str) -> Department | None:
        """Return the department, or ``None``."""
        ...

    def list(self) -> Sequence[Department]:
        """Return every department, by id."""
        ...


class DepartmentRepository(DepartmentReader, Protocol):
    """Departments of the unit of work's tenant; writes are version-checked (ST-3)."""

    def add(self, department: Department) -> Department:
        """Store a new department; a taken id is a conflict.

        Return it as stored, at version 1 ([`stored_new`][carteira.domain.versions.stored_new]).
        """
        ...

    def update(self, department: Department) -> Department:
        """Store a changed department (version-checked).

        Return it as stored, one version on ([`stored_over`][carteira.domain.versions.stored_over]).
        """
        ...
