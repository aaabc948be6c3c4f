"""The ownership history and the event outbox in SQL (MB-6, EV-1, ST-5).

Both are append-only and numbered per tenant: an append is one multi-row
``INSERT ... SELECT`` that numbers the new rows after the tenant's last one, in the
same transaction as the change they record (EV-1). Event positions are dense (1, 2,
3...) like the in-memory store's; a concurrent append that took the same positions
fails with [`ConcurrencyError`][carteira.ConcurrencyError] and is retried by the services.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Table, false, func, literal, select, true, update

from carteira.adapters.sql import schema
from carteira.adapters.sql.codec import dumps
from carteira.adapters.sql.errors import LARGEST
from carteira.adapters.sql.schema import KEY
from carteira.adapters.sql.sets import rows_of, values_of
from carteira.adapters.sql.writes import Access
from carteira.domain.events import Event, MembershipChanged
from carteira.domain.ownership import SubjectKind

__all__ = ["SqlEvents", "SqlHistory"]


def _append(access: Access, table: Table, rows: list[dict[str, object]]) -> None:
    """Insert ``rows`` numbered after the tenant's last position, in one statement."""
    if not rows:
        return
    numbered = [{"n": n, **row} for n, row in enumerate(rows, 1)]
    incoming = rows_of(access.dialect, table, numbered).subquery("incoming")
    last = (
        select(func.coalesce(func.max(table.c.position), 0))
        .where(table.c.tenant == access.tenant)
        .scalar_subquery()
    )
    names = list(rows[0])
    columns = [literal(access.tenant, KEY), last + incoming.c.n]
    columns += [incoming.c[name] for name in names]
    access.execute(table.insert().from_select(["tenant", "position", *names], select(*columns)))


class SqlHistory:
    """Every membership change of the tenant, oldest first per subject (MB-6)."""

    def __init__(self, access: Access) -> None:
        self._access = access

    def append(self, changes: Iterable[MembershipChanged]) -> None:
        """Record ``changes`` in the order given, in one INSERT (MB-6, ST-5)."""
        converter = self._access.converter
        rows: list[dict[str, object]] = [
            {
                "subject": change.subject.value,
                "subject_id": change.subject_id,
                "change": dumps(converter.unstructure(change, MembershipChanged)),
            }
            for change in changes
        ]
        _append(self._access, schema.history, rows)

    def of(self, subject: SubjectKind, subject_id: str) -> Sequence[MembershipChanged]:
        """Return the changes about one customer or organization, oldest first (MB-6)."""
        table = schema.history
        statement = (
            select(table.c.change)
            .where(
                table.c.tenant == self._access.tenant,
                table.c.subject == subject.value,
                table.c.subject_id == subject_id,
            )
            .order_by(table.c.position)
        )
        converter = self._access.converter
        return tuple(
            converter.structure(json.loads(text), MembershipChanged)
            for text in self._access.execute(statement).scalars()
        )


class SqlEvents:
    """The tenant's events: the outbox a host's publisher reads (EV-1).

    ``read`` walks every event by position; ``unpublished`` gives the first events not
    yet marked and ``mark_published`` marks them once sent on.
    """

    def __init__(self, access: Access) -> None:
        self._access = access

    def append(self, events: Iterable[Event]) -> None:
        """Record ``events`` in the order given, in the unit of work's transaction (EV-1)."""
        converter = self._access.converter
        rows: list[dict[str, object]] = [
            {
                "type": type(event).__name__,
                "event": dumps(converter.unstructure(event, Event)),
                "published": False,
            }
            for event in events
        ]
        _append(self._access, schema.events, rows)

    def _listing(self, statement: Any, limit: int) -> list[tuple[int, Event]]:
        if limit <= 0:
            return []
        table = schema.events
        statement = statement.where(table.c.tenant == self._access.tenant)
        ordered = statement.order_by(table.c.position).limit(min(limit, LARGEST))
        found = self._access.execute(ordered)
        converter = self._access.converter
        return [(int(row[0]), converter.structure(json.loads(row[1]), Event)) for row in found]

    def read(self, after: int = 0, limit: int = 100) -> Sequence[tuple[int, Event]]:
        """Return up to ``limit`` events with their positions, the first after ``after``."""
        table = schema.events
        if after >= LARGEST:
            return []
        statement = select(table.c.position, table.c.event).where(table.c.position > after)
        return self._listing(statement, limit)

    def unpublished(self, limit: int = 100) -> Sequence[tuple[int, Event]]:
        """Return the first ``limit`` events not yet marked published, in order (EV-1)."""
        table = schema.events
        statement = select(table.c.position, table.c.event).where(table.c.published == false())
        return self._listing(statement, limit)

    def mark_published(self, positions: Iterable[int]) -> int:
        """Mark the events at ``positions`` published; return how many were not already.

        Idempotent: a position already marked, or past the log's end, counts for nothing.
        """
        wanted = sorted({p for p in positions if 1 <= p <= LARGEST})
        if not wanted:
            return 0
        table = schema.events
        statement = (
            update(table)
            .where(
                table.c.tenant == self._access.tenant,
                table.c.published == false(),
                table.c.position.in_(values_of(self._access.dialect, wanted, BigInteger())),
            )
            .values(published=true())
            .returning(table.c.position)
        )
        return len(self._access.execute(statement).all())
