"""ST-2: the agreement machine drives the SQL adapter and the in-memory one alike.

Random commands run through `Carteira` over a SQLite file and over a PostgreSQL schema,
and over the in-memory reference; after every step both agree on every answer and the
SPEC invariants hold. A short run in CI (each step is a few real transactions); longer
ones on demand with ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from carteira.adapters.sql import SqlStore, metadata
from carteira.adapters.sql.schema import schema_versions
from carteira.testing.agreement import AgreementMachine
from databases import new_schema, require_postgres

SHORT = settings(settings.default, max_examples=4, stateful_step_count=20, deadline=None)
_postgres: list[tuple[SqlStore, Callable[[], None]]] = []


@pytest.fixture(scope="module", autouse=True)
def _drop_the_postgres_schema() -> Iterator[None]:
    yield
    for store, drop in _postgres:
        store.close()
        drop()


class SqliteAgreement(AgreementMachine):
    def make_store(self) -> SqlStore:
        return SqlStore.sqlite(Path(tempfile.mkdtemp(prefix="carteira-agreement-")) / "c.db")

    def close_store(self, store: SqlStore) -> None:  # type: ignore[override]
        store.close()
        shutil.rmtree(Path(str(store.engine.url.database)).parent, ignore_errors=True)


class PostgresAgreement(AgreementMachine):
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


TestSqliteAgreement = SqliteAgreement.TestCase
TestSqliteAgreement.settings = SHORT
TestPostgresAgreement = PostgresAgreement.TestCase
TestPostgresAgreement.settings = SHORT
