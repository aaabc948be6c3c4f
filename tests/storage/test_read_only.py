"""Queries run in read-only units of work: one snapshot, no write lock, no write (ST-6).

Invariant 10: no query writes, and no query waits for a writer. Each test runs on the
in-memory store, a SQLite file and a PostgreSQL schema where the store is involved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from carteira import Carteira, Customer, Principal, StorageError
from carteira.adapters.memory import InMemoryReadUnitOfWork
from carteira.adapters.sql import SqlReadUnitOfWork, SqlStore
from databases import any_store, sql_store

TENANT = "acme"
SYSTEM = Principal.system(TENANT)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A new, empty store of each kind."""
    with any_store(request.param, tmp_path) as found:
        yield found


@pytest.fixture(params=["sqlite", "postgresql"])
def sql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    with sql_store(request.param, tmp_path) as found:
        yield found


def _snapshot(store: Any) -> Any:
    return store.snapshot()


def test_st6_a_read_only_unit_of_work_refuses_every_write(store: Any) -> None:
    """ST-6: a write through a query's unit of work is refused and changes nothing."""
    app = Carteira(store.unit_of_work)
    app.register_customer(SYSTEM, "c1", "Padaria")
    before = _snapshot(store)
    writes = [
        lambda uow: uow.customers.add(Customer(TENANT, "c2", "Mercado")),
        lambda uow: uow.customers.update_many([uow.customers.get("c1")]),
        lambda uow: uow.events.mark_published([1]),
        lambda uow: uow.settings.put(uow.settings.get()),
        lambda uow: uow.events.append([e for _, e in uow.events.read()]),
    ]
    for write in writes:
        with store.read_unit_of_work(TENANT) as uow, pytest.raises(StorageError) as refused:
            write(uow)
        assert refused.value.code == "read_only"
        assert refused.value.rule == "ST-6"
    assert _snapshot(store) == before


@pytest.mark.parametrize("unit", [InMemoryReadUnitOfWork, SqlReadUnitOfWork])
def test_st6_a_read_only_unit_of_work_has_no_commit(unit: type) -> None:
    """ST-6: the read-only kind exposes no way to make a change durable."""
    assert not hasattr(unit, "commit")
    assert not hasattr(unit, "rollback")


def test_st6_the_database_itself_refuses_a_query_s_write(sql: SqlStore) -> None:
    """ST-6: past carteira's own guard, the database refuses (query_only / READ ONLY)."""
    Carteira(sql.unit_of_work).register_customer(SYSTEM, "c1", "Padaria")
    before = sql.snapshot()
    statement = text("UPDATE carteira_customers SET name = 'x' WHERE tenant = 'acme'")
    with sql.read_unit_of_work(TENANT) as uow, pytest.raises(StorageError):
        uow.execute(statement)
    assert sql.snapshot() == before


def test_st6_a_query_reads_one_snapshot_while_a_writer_commits(sql: SqlStore) -> None:
    """ST-6: a writer commits while a query's snapshot is open; the query sees the old state.

    The writer's store waits at most 0.5 s for SQLite's write lock: were the query holding
    it, the writer would fail instead of committing.
    """
    app = Carteira(sql.unit_of_work)
    app.register_customer(SYSTEM, "c1", "Padaria")
    writer_store = _second_store(sql)
    writer = Carteira(writer_store.unit_of_work, attempts=1)
    try:
        with sql.read_unit_of_work(TENANT) as uow:
            assert uow.customers.get("c1") is not None  # the snapshot starts here
            done = _in_thread(lambda: writer.update_customer(SYSTEM, "c1", name="Mercado"))
            assert done.wait(10), "the writer waited for the query"
            assert writer.customer(SYSTEM, "c1").customer.name == "Mercado"
            assert uow.customers.get("c1").name == "Padaria"
            assert uow.customers.get_many(["c1"])["c1"].name == "Padaria"
        assert app.customer(SYSTEM, "c1").customer.name == "Mercado"
    finally:
        writer_store.close()


def test_st6_queries_answer_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    """ST-6: on a SQLite file, queries run while another connection holds the write lock."""
    path = tmp_path / "c.db"
    setup = SqlStore.sqlite(path)
    Carteira(setup.unit_of_work).register_customer(SYSTEM, "c1", "Padaria")
    setup.close()
    reader = SqlStore.sqlite(path, busy_timeout=0.2)
    app = Carteira(reader.unit_of_work, attempts=1)
    locker = SqlStore.sqlite(path)
    try:
        with locker.unit_of_work(TENANT) as held:
            held.customers.get("c1")  # BEGIN IMMEDIATE: the write lock is taken
            assert app.can_view(SYSTEM, "customer", "c1")
            assert [c.id for c in app.visible_customers(SYSTEM).items] == ["c1"]
            assert app.customer(SYSTEM, "c1").customer.name == "Padaria"
    finally:
        reader.close()
        locker.close()


def _second_store(store: SqlStore) -> SqlStore:
    """Return another store on the same database, as a second process would open."""
    url = store.engine.url
    if store.dialect == "sqlite":
        return SqlStore.sqlite(str(url.database), busy_timeout=0.5)
    return SqlStore(url.render_as_string(hide_password=False), create=False)


def _in_thread(work: Any) -> threading.Event:
    done = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported through the assertion below
            failures.append(error)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    done.wait(10)
    assert not failures, failures
    return done


@pytest.mark.parametrize("shared", [False, True])
def test_st6_a_query_hands_its_sqlite_connection_back_writable(
    tmp_path: Path, shared: bool
) -> None:
    """ST-6: after a query, the pooled connection writes again, for carteira and the host.

    ``shared``: the store runs on the host's own engine, whose writes carteira's listeners
    never see; a connection left under ``PRAGMA query_only`` would refuse them.
    """
    path = tmp_path / "c.db"
    SqlStore.sqlite(path).close()
    engine = create_engine(f"sqlite:///{path}", pool_size=1, max_overflow=0)
    store = SqlStore(engine) if shared else SqlStore.sqlite(path)
    try:
        app = Carteira(store.unit_of_work)
        app.register_customer(SYSTEM, "c1", "Padaria")
        assert app.can_view(SYSTEM, "customer", "c1")
        with (engine if shared else store.engine).begin() as connection:
            connection.execute(text("UPDATE carteira_customers SET name = 'Mercado'"))
        app.update_customer(SYSTEM, "c1", name="Oficina")
        assert app.customer(SYSTEM, "c1").customer.name == "Oficina"
    finally:
        store.close()
        engine.dispose()
