"""ST-2: the SQL adapter passes the contract suite on SQLite and PostgreSQL.

Every contract class is subclassed twice, exactly as a plugin author would: once for a
SQLite file per test, once for one PostgreSQL schema emptied before each test (a fresh
schema per test costs about 0.4 s).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carteira.adapters.sql import SqlStore
from carteira.testing.contract import CONTRACTS
from databases import SharedPostgresSchema, new_sqlite_file, remove_sqlite_file

_postgres = SharedPostgresSchema()


@pytest.fixture(scope="module", autouse=True)
def _drop_the_postgres_schema() -> Iterator[None]:
    yield
    _postgres.drop()


class SqliteFile:
    """A new SQLite file per test."""

    supports_concurrent_units_of_work = True
    event_positions_are_dense = True
    supports_nul_in_text = False

    def make_store(self) -> SqlStore:
        return new_sqlite_file("carteira-contract-")

    def close_store(self, store: SqlStore) -> None:
        remove_sqlite_file(store)


class PostgresSchema(SqliteFile):
    """One PostgreSQL schema for the module, emptied before each test."""

    def make_store(self) -> SqlStore:
        return _postgres.emptied()

    def close_store(self, store: SqlStore) -> None:
        pass


for _contract in CONTRACTS:
    for _flavour in (SqliteFile, PostgresSchema):
        _name = f"Test{_flavour.__name__}{_contract.__name__.removesuffix('Contract')}"
        globals()[_name] = type(_name, (_flavour, _contract), {"__module__": __name__})
