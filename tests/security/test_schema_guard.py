"""Schema versions and foreign databases, checked before anything is written (issue 14,
row 7; ST-2, ER-1).

The campaign's reproducers: a recorded schema version 0 or -1 ended in a bare
``KeyError``, a text one in a ``TypeError`` (exit 70); a foreign SQLite file silently
received carteira's tables, and one holding a ``carteira_customers`` view was left half
set up.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from carteira import StorageError
from carteira.adapters.sql import SqlStore


def _tables(path: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        return sorted(
            db.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite%'")
        )


@pytest.mark.parametrize("version", ["0", "-1", "'x'", "2.5"])
def test_st2_row7_a_version_no_carteira_wrote_is_refused(tmp_path: Path, version: str) -> None:
    """ST-2, ER-1: ``schema_unknown``, and the database is left as it was."""
    path = tmp_path / "c.db"
    SqlStore.sqlite(path).close()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(f"UPDATE carteira_schema_version SET version = {version}")
    before = _tables(path)
    with pytest.raises(StorageError) as refused:
        SqlStore.sqlite(path)
    assert refused.value.code == "schema_unknown"
    assert _tables(path) == before


def test_st2_row7_a_foreign_database_is_left_alone_unless_asked(tmp_path: Path) -> None:
    """ST-2: opening another application's SQLite file writes nothing into it."""
    path = tmp_path / "theirs.db"
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    with pytest.raises(StorageError) as refused:
        SqlStore.sqlite(path)
    assert refused.value.code == "foreign_database"
    assert refused.value.details["tables"] == ("invoices",)
    assert _tables(path) == [("table", "invoices")]
    SqlStore(path, create=True).close()  # asked for: carteira's tables beside theirs
    assert ("table", "carteira_customers") in _tables(path)
    SqlStore.sqlite(path).close()  # from then on it is a carteira database


def test_st2_row7_a_database_holding_carteira_names_without_a_version_is_refused(
    tmp_path: Path,
) -> None:
    """ST-2: a ``carteira_customers`` view is not carteira's: nothing is half set up."""
    path = tmp_path / "odd.db"
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE VIEW carteira_customers AS SELECT 1 AS id")
    for create in (None, True):
        with pytest.raises(StorageError) as refused:
            SqlStore(path, create=create)
        assert refused.value.code in {"schema_unknown", "foreign_database"}
        assert _tables(path) == [("view", "carteira_customers")]
    with pytest.raises(StorageError) as refused:
        SqlStore(path, create=True)
    assert refused.value.code == "schema_unknown"
