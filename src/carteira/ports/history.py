"""The ownership history and event log ports (MB-6, EV-1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from carteira.domain.events import Event, MembershipChanged
from carteira.domain.ownership import SubjectKind

__all__ = ["EventLog", "EventLogReader", "OwnershipHistory", "OwnershipHistoryReader"]


class OwnershipHistoryReader(Protocol):
    """The tenant's membership changes, for reading (MB-6, ST-6)."""

    def of(self, subject: SubjectKind, subject_id: str) -> Sequence[MembershipChanged]:
        """Return the changes about one customer or organization, oldest first."""
        ...


class OwnershipHistory(OwnershipHistoryReader, Protocol):
    """Every membership change of the tenant, kept forever (MB-6)."""

    def append(self, changes: Iterable[MembershipChanged]) -> None:
        """Record ``changes`` in the order given."""
        ...


class EventLogReader(Protocol):
    """The tenant's event log, for reading (EV-1, ST-6)."""

    def read(self, after: int = 0, limit: int = 100) -> Sequence[tuple[int, Event]]:
        """Return up to ``limit`` events with their position, the first after ``after``."""
        ...

    def unpublished(self, limit: int = 100) -> Sequence[tuple[int, Event]]:
        """Return the first ``limit`` events not yet marked published, in order (EV-1)."""
        ...


class EventLog(EventLogReader, Protocol):
    """The tenant's events, stored in the same transaction as the change (EV-1).

    It is also the host's outbox: a publisher reads what is not yet published, sends it
    on, and marks it published; positions never change.
    """

    def append(self, events: Iterable[Event]) -> None:
        """Record ``events`` in the order given."""
        ...

    def mark_published(self, positions: Iterable[int]) -> int:
        """Mark the events at ``positions`` published; return how many were not already."""
        ...
