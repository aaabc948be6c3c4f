"""Who is away at an instant, in SQL: the one definition both visibility and routing use (MG-5).

A manager is away at ``now`` when one of his absences covers it (``starts_us <= now <
ends_us``); when several do, the first in his list names the backup, as
``Manager.backup_at`` says.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists

from carteira.adapters.sql import schema

__all__ = ["ABSENCES", "in_force"]

ABSENCES = schema.manager_absences
"""The table `in_force` speaks of: select from it and filter with the condition."""

_EARLIER = schema.manager_absences.alias("earlier")


def in_force(now: ColumnElement[int] | int) -> ColumnElement[bool]:
    """Return "this row of `ABSENCES` is its manager's absence in force at ``now``" (MG-5)."""
    a, earlier = ABSENCES, _EARLIER
    covers: ColumnElement[Any] = (a.c.starts_us <= now) & (a.c.ends_us > now)
    first = ~exists().where(
        earlier.c.tenant == a.c.tenant,
        earlier.c.manager_id == a.c.manager_id,
        earlier.c.position < a.c.position,
        earlier.c.starts_us <= now,
        earlier.c.ends_us > now,
    )
    return covers & first
