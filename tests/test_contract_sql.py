"""ST-2: the SQL adapter passes the contract suite on SQLite and PostgreSQL.

Every contract class is subclassed twice, exactly as a plugin author would: once for a
SQLite file per test, once for one PostgreSQL schema emptied before each test (a fresh
schema per test costs about 0.4 s).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from carteira.adapters.sql import SqlStore, metadata
from carteira.adapters.sql.schema import schema_versions
from carteira.testing.contract import CONTRACTS
from databases import new_schema, require_postgres

_postgres: list[tuple[SqlStore, Callable[[], None]]] = []


@pytest.fixture(scope="module", autouse=True)
def _drop_the_postgres_schema() -> Iterator[None]:
    yield
    for store, drop in _postgres:
        store.close()
        drop()


class SqliteFile:
    """A new SQLite file per test."""

    supports_concurrent_units_of_work = True
    event_positions_are_dense = True
    supports_nul_in_text = False

    def make_store(self) -> SqlStore:
        return SqlStore.sqlite(Path(tempfile.mkdtemp(prefix="carteira-contract-")) / "c.db")

    def close_store(self, store: SqlStore) -> None:
        store.close()
        shutil.rmtree(Path(str(store.engine.url.database)).parent, ignore_errors=True)


class PostgresSchema(SqliteFile):
    """One PostgreSQL schema for the module, emptied before each test."""

    def make_store(self) -> SqlStore:
        if not _postgres:
            url, drop = new_schema(require_postgres())
            _postgres.append((SqlStore(url), drop))
        store = _postgres[0][0]
        with store.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                if table is not schema_versions:
                    connection.execute(table.delete())
        return store

    def close_store(self, store: SqlStore) -> None:
        pass


for _contract in CONTRACTS:
    for _flavour in (SqliteFile, PostgresSchema):
        _name = f"Test{_flavour.__name__}{_contract.__name__.removesuffix('Contract')}"
        globals()[_name] = type(_name, (_flavour, _contract), {"__module__": __name__})
