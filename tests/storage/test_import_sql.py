"""WA-8 and ST-5 on a real database: the import's examples, its statements and its faults.

Every example of ``test_import.py`` runs again here on SQLite and PostgreSQL. Then a
failure is injected at each writing statement of an import, and the full dump must be
as before (ST-1); and the number of statements must not grow with the rows (ST-5).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from carteira import Carteira, ManualClock, Principal, Profile
from carteira.adapters.sql import SqlStore
from carteira.services import import_memberships
from databases import sql_store
from test_import import *  # noqa: F403  (every example, run on this module's store)
from test_import import memberships

# It builds its own in-memory stores: it runs in test_import.py only.
globals().pop("test_wa8_export_then_import_into_an_empty_store_round_trips")

HOST = Principal.system("acme")
WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    with sql_store(request.param, tmp_path) as found:
        yield found


class Boom(Exception):
    """The injected failure."""


def _counting(store: SqlStore, fail_at: int | None = None) -> tuple[list[int], Any]:
    seen = [0, 0]  # writes, statements

    def before(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen[1] += 1
        if statement.lstrip().upper().startswith(WRITES):
            seen[0] += 1
            if seen[0] == fail_at:
                raise Boom(f"injected at write {fail_at}")

    event.listen(store.engine, "before_cursor_execute", before)
    return seen, lambda: event.remove(store.engine, "before_cursor_execute", before)


def _cast(app: Carteira, host: Principal) -> None:
    """Managers ana, bia (Sul) and caio (Norte), a cap of two, organizations org and org2."""
    app.update_settings(host, max_account_managers=2)
    for manager in ("ana", "bia", "caio"):
        app.register_manager(host, manager, manager.title(), profile=Profile.ANALYST)
    app.create_portfolio(host, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.create_portfolio(host, "Norte", managers=["caio"], portfolio_id="norte")
    app.register_organization(host, "org", "Org")
    app.register_organization(host, "org2", "Org 2")


def _world(app: Carteira) -> None:
    _cast(app, HOST)
    app.set_organization_portfolio(HOST, "org2", "norte")
    for number in range(4):
        app.register_customer(HOST, f"old{number}", f"Old {number}", organization="org2")


def _rows(count: int) -> Any:
    header = "customer,customer_name,organization,portfolio,managers"
    rows = [",,org,Sul,", ",,org2,Sul,", "old0,Renamed,,Norte,caio"]
    rows += [
        f"c{n:05d},Customer {n},{'org' if n % 3 else ''},{'Sul' if n % 2 else ''},"
        f"{'ana|bia' if n % 2 else ''}"
        for n in range(count)
    ]
    return memberships(*rows, header=header)


def test_wa8_st1_a_failure_at_any_write_of_an_import_leaves_the_database_as_it_was(
    store: SqlStore,
) -> None:
    app = Carteira(store.unit_of_work, clock=ManualClock(), attempts=1)
    _world(app)
    before = store.snapshot()
    write = 1
    while True:
        seen, stop = _counting(store, fail_at=write)
        try:
            app.import_dataset(HOST, _rows(12))
            failure = None
        except Exception as error:  # the injected failure, however the adapter wraps it
            failure = error
        finally:
            stop()
        if failure is None:
            assert seen[0] == write - 1, "the import got through without reaching every write"
            break
        assert "injected" in f"{failure!r} {failure.__cause__!r}", failure
        assert store.snapshot() == before, f"write {write} of the import left changes"
        write += 1
    assert write > 5, "the import wrote too little to be a bulk change"
    assert store.snapshot() != before


def _statements(store: SqlStore, rows: int) -> int:
    """The statements one import of ``rows`` customer rows issues, in a tenant of its own."""
    app = Carteira(store.unit_of_work, clock=ManualClock())
    host = Principal.system(f"t{rows}")
    _cast(app, host)
    seen, stop = _counting(store)
    try:
        app.import_dataset(host, _rows(rows))
    finally:
        stop()
    return seen[1]


def test_wa8_st5_an_import_issues_as_many_statements_for_100_rows_as_for_10(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ST-5: within one chunk the statements do not grow with the rows."""
    monkeypatch.setattr(import_memberships, "_CHUNK", 2_000)
    counts = [_statements(store, rows) for rows in (10, 100)]
    assert counts[0] == counts[1], counts


def test_st5_er2_an_import_issues_the_same_statements_for_each_chunk(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ST-5, ER-2: rows go a chunk at a time, each chunk costing the same few statements."""
    monkeypatch.setattr(import_memberships, "_CHUNK", 10)
    one, two, ten = (_statements(store, rows) for rows in (9, 19, 99))  # +1 customer row
    per_chunk = two - one
    assert 0 < per_chunk <= 10
    assert ten == one + 9 * per_chunk, (one, two, ten)
