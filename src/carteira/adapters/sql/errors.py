"""Database errors translated into carteira's own (ER-1, ST-1, ST-3).

No SQLAlchemy or driver exception leaves the adapter: a busy SQLite database, a
PostgreSQL serialization failure, deadlock or lock wait past the busy timeout (SQLSTATE
40001, 40P01, 55P03), or a PostgreSQL
lock table full ("out of shared memory", SQLSTATE 53200) becomes a retryable
[`ConcurrencyError`][carteira.ConcurrencyError]; a unique key taken by a concurrent
writer becomes the [`Conflict`][carteira.Conflict] the in-memory store raises (or, for the
event and history numbering, a ``ConcurrencyError``); anything else is a
[`StorageError`][carteira.StorageError]. The original error stays chained as ``__cause__``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from carteira.domain import refusals
from carteira.domain.errors import CarteiraError, ConcurrencyError, StorageError

__all__ = ["LARGEST", "translate", "translated"]

LARGEST = 2**63 - 1
"""The largest whole number both databases store (a BIGINT); larger ones are clamped."""

# serialization_failure, deadlock_detected, lock_not_available (a tenant's writer lock
# not granted within the busy timeout)
_RETRY_STATES = frozenset({"40001", "40P01", "55P03"})
_OUT_OF_MEMORY = "53200"  # out_of_memory; "out of shared memory" when a lock table is full
_SQLITE_BUSY = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (primary result codes)
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([a-z_]+)\.")

# The aggregate tables' kinds; see schema.py for the constraint names ("<table>_pk").
_KINDS = {
    "carteira_portfolios": "portfolio",
    "carteira_managers": "manager",
    "carteira_customers": "customer",
    "carteira_organizations": "organization",
    "carteira_tickets": "ticket",
    "carteira_departments": "department",
    "carteira_ticket_types": "ticket_type",
}
_NUMBERED = frozenset({"carteira_events", "carteira_history"})
_NAME_KEY = "carteira_portfolios_name_key"


def translate(error: SQLAlchemyError) -> CarteiraError:
    """Return the carteira error that stands for a database ``error`` (ER-1)."""
    original = getattr(error, "orig", None)
    if _lock_table_full(original):
        return ConcurrencyError(
            "the database server's lock table is full (out of shared memory, SQLSTATE "
            "53200): concurrent transactions hold more locks than it has room for, "
            "serializable predicate locks most often; run it again, and see "
            "max_pred_locks_per_transaction if it happens under bulk changes "
            f"({_first_line(original)})",
            rule="ST-3",
            details=_lock_details(original),
        )
    if _retryable(original):
        return ConcurrencyError(
            "the database refused this unit of work because of a concurrent one; "
            f"run it again ({_first_line(original)})",
            rule="ST-3",
        )
    if isinstance(error, IntegrityError):
        found = _taken(_constraint(original))
        if found is not None:
            return found
    cause = original if original is not None else error
    return StorageError(
        f"the database failed: {type(cause).__name__}: {_first_line(cause)}",
        rule="ST-1",
        details={"error": type(cause).__name__},
    )


@contextmanager
def translated() -> Iterator[None]:
    """Raise carteira's error for any SQLAlchemy error raised inside (ER-1).

    A value the driver cannot bind (a lone surrogate, a number beyond 64 bits) is a
    [`StorageError`][carteira.StorageError] too.
    """
    try:
        yield
    except SQLAlchemyError as error:
        raise translate(error) from error
    except (UnicodeEncodeError, OverflowError) as error:
        raise StorageError(
            f"a value cannot be stored in the database: {error}",
            rule="ST-2",
            details={"error": type(error).__name__},
        ) from error


def _lock_table_full(original: object) -> bool:
    """Tell whether PostgreSQL ran out of room in a shared lock table (ST-3).

    Its predicate lock table fills when serializable transactions that read many rows
    run at once (``max_pred_locks_per_transaction`` times connections); the regular one,
    ``max_locks_per_transaction``, likewise. Both free up as those transactions end, so
    running the unit of work again is the remedy. A plain "out of memory" is not this.
    """
    if getattr(original, "sqlstate", None) != _OUT_OF_MEMORY:
        return False
    return "out of shared memory" in str(original)


def _lock_details(original: object) -> dict[str, object]:
    details: dict[str, object] = {"sqlstate": _OUT_OF_MEMORY, "cause": "lock_table_full"}
    hint = getattr(getattr(original, "diag", None), "message_hint", None)
    if isinstance(hint, str):
        details["hint"] = hint
    return details


def _retryable(original: object) -> bool:
    if getattr(original, "sqlstate", None) in _RETRY_STATES:
        return True
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_BUSY:
        return True
    text = str(original)
    return "database is locked" in text or "database table is locked" in text


def _constraint(original: object) -> str | None:
    """Return the name of the unique key ``original`` reports as taken, if any."""
    diagnostics = getattr(original, "diag", None)
    name = getattr(diagnostics, "constraint_name", None)
    if isinstance(name, str):
        return name
    # SQLite names the columns ("UNIQUE constraint failed: t.tenant, t.name_key").
    text = str(original)
    match = _SQLITE_UNIQUE.search(text)
    if match is None:
        return None
    table = match.group(1)
    return _NAME_KEY if f"{table}.name_key" in text else f"{table}_pk"


def _taken(constraint: str | None) -> CarteiraError | None:
    if constraint == _NAME_KEY:
        return refusals.name_taken_concurrently()
    table = (constraint or "").removesuffix("_pk")
    if table in _NUMBERED:
        return ConcurrencyError("a concurrent unit of work appended at the same time", rule="ST-3")
    kind = _KINDS.get(table)
    if kind is not None:
        return refusals.stored_concurrently(kind)
    return None


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
