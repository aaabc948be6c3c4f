"""The databases SQL tests run on: a SQLite file and a PostgreSQL schema of their own.

PostgreSQL is at ``CARTEIRA_TEST_POSTGRES_URL`` (default: the local server, database
``test``). Without it the PostgreSQL tests skip, unless ``CI=true``: then they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from carteira import InMemoryStore
from carteira.adapters.sql import SqlStore, metadata
from carteira.adapters.sql.schema import schema_versions

POSTGRES_URL = os.environ.get(
    "CARTEIRA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def require_postgres() -> str:
    """Return the PostgreSQL URL once it answers; skip without it, or fail when CI=true."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach it, whatever the driver raises
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(f"{reason} (set CI=true to make this a failure)")
    finally:
        engine.dispose()
    return POSTGRES_URL


def new_schema(server: str) -> tuple[str, Callable[[], None]]:
    """Create an empty PostgreSQL schema; return a URL whose tables live there, and a drop."""
    name = f"carteira_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    return f"{server}?options=-csearch_path%3D{name}", drop


@contextmanager
def sql_store(kind: str, directory: Path) -> Iterator[SqlStore]:
    """Yield a new ``SqlStore``: a SQLite file in ``directory``, or a PostgreSQL schema."""
    if kind == "sqlite":
        store = SqlStore.sqlite(directory / "carteira.db")
        try:
            yield store
        finally:
            store.close()
        return
    url, drop = new_schema(require_postgres())
    store = SqlStore(url)
    try:
        yield store
    finally:
        store.close()
        drop()


@contextmanager
def any_store(kind: str, directory: Path) -> Iterator[Any]:
    """Yield a new store of ``kind``: ``memory``, or a SQL one as `sql_store` makes it."""
    if kind == "memory":
        yield InMemoryStore()
        return
    with sql_store(kind, directory) as found:
        yield found


def new_sqlite_file(prefix: str) -> SqlStore:
    """Return a ``SqlStore`` on a new SQLite file in a directory of its own."""
    return SqlStore.sqlite(Path(tempfile.mkdtemp(prefix=prefix)) / "c.db")


def remove_sqlite_file(store: SqlStore) -> None:
    """Close a store from :func:`new_sqlite_file` and remove its directory."""
    store.close()
    shutil.rmtree(Path(str(store.engine.url.database)).parent, ignore_errors=True)


class SharedPostgresSchema:
    """One PostgreSQL schema for a test module, emptied each time a store is asked for.

    A fresh schema per test costs about 0.4 s; emptying the tables costs little.
    """

    def __init__(self) -> None:
        self._held: list[tuple[SqlStore, Callable[[], None]]] = []

    def emptied(self) -> SqlStore:
        """Return the module's store with every table but the schema version empty."""
        if not self._held:
            url, drop = new_schema(require_postgres())
            self._held.append((SqlStore(url), drop))
        store = self._held[0][0]
        with store.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                if table is not schema_versions:
                    connection.execute(table.delete())
        return store

    def drop(self) -> None:
        """Close the store and drop the schema, if one was made."""
        for store, drop in self._held:
            store.close()
            drop()
        self._held.clear()


@contextmanager
def statements_of(store: SqlStore) -> Iterator[list[tuple[str, Any]]]:
    """Collect every statement (and its parameters) the store sends while the block runs."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: object, cursor: object, statement: str, values: Any, *_: object) -> None:
        seen.append((statement, values))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)


def plan_of(store: SqlStore, statement: str, values: Any) -> str:
    """Return the database's plan for ``statement``, its lines joined: to read, not run."""
    explain = "EXPLAIN QUERY PLAN " if store.dialect == "sqlite" else "EXPLAIN "
    with store.engine.begin() as connection:
        rows = connection.exec_driver_sql(explain + statement, values)
        return " ".join(str(row[-1]) for row in rows)
