"""ST-2: the agreement machine drives the SQL adapter and the in-memory one alike.

Random commands run through `Carteira` over a SQLite file and over a PostgreSQL schema,
and over the in-memory reference; after every step both agree on every answer and the
SPEC invariants hold. A short run in CI (each step is a few real transactions); longer
ones on demand with ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from carteira.adapters.sql import SqlStore
from carteira.testing.agreement import AgreementMachine
from databases import SharedPostgresSchema, new_sqlite_file, remove_sqlite_file

SHORT = settings(settings.default, max_examples=4, stateful_step_count=20, deadline=None)
_postgres = SharedPostgresSchema()


@pytest.fixture(scope="module", autouse=True)
def _drop_the_postgres_schema() -> Iterator[None]:
    yield
    _postgres.drop()


class SqliteAgreement(AgreementMachine):
    def make_store(self) -> SqlStore:
        return new_sqlite_file("carteira-agreement-")

    def close_store(self, store: SqlStore) -> None:  # type: ignore[override]
        remove_sqlite_file(store)


class PostgresAgreement(AgreementMachine):
    def make_store(self) -> SqlStore:
        return _postgres.emptied()


TestSqliteAgreement = SqliteAgreement.TestCase
TestSqliteAgreement.settings = SHORT
TestPostgresAgreement = PostgresAgreement.TestCase
TestPostgresAgreement.settings = SHORT
