"""ST-1 on a real database: a failure at any write of a bulk command leaves it exactly as it was.

A failure is injected at the n-th writing statement (INSERT, UPDATE, DELETE) of a
portfolio deletion and of a manager's departure with transfer, for every n until the
command gets through; after each failure the full dump of the database equals the one
taken before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from carteira import Carteira, ConcurrencyError, ManualClock, Principal, Profile, StorageError
from carteira.adapters.sql import SqlStore
from carteira.adapters.sql.errors import translate, translated
from databases import sql_store

TENANT = "acme"
HOST = Principal.system(TENANT)
WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")


class Boom(Exception):
    """The injected failure."""


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    with sql_store(request.param, tmp_path) as found:
        yield found


@contextmanager
def failing_at(store: SqlStore, write: int) -> Iterator[list[int]]:
    """Make the ``write``-th writing statement on ``store`` raise; count the writes."""
    seen = [0]

    def before(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            seen[0] += 1
            if seen[0] == write:
                raise Boom(f"injected at write {write}")

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", before)


def _world(app: Carteira, customers: int) -> None:
    for manager in ("ana", "bia", "caio"):
        app.register_manager(HOST, manager, manager.title(), profile=Profile.ANALYST)
    app.create_portfolio(HOST, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.create_portfolio(HOST, "Norte", managers=["ana", "caio"], portfolio_id="norte")
    app.update_settings(HOST, max_account_managers=2)
    app.register_organization(HOST, "org", "Org")
    app.set_organization_portfolio(HOST, "org", "sul")
    for number in range(customers):
        customer = f"c{number:03d}"
        app.register_customer(HOST, customer, customer.upper(), organization="org")
        app.assign_customer(HOST, customer, "ana", portfolio="sul" if number % 2 else "norte")


COMMANDS: dict[str, Callable[[Carteira], object]] = {
    "delete_portfolio": lambda app: app.delete_portfolio(HOST, "sul"),
    "deactivate_with_transfer": lambda app: app.deactivate_manager(HOST, "ana", transfer_to="bia"),
}


def _attempt(command: Callable[[Carteira], object], app: Carteira) -> Exception | None:
    try:
        command(app)
    except Exception as error:  # the injected failure, however the adapter wraps it
        return error
    return None


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_st1_st5_a_failure_at_any_write_leaves_the_database_as_it_was(
    store: SqlStore, name: str
) -> None:
    app = Carteira(store.unit_of_work, clock=ManualClock(), attempts=1)
    _world(app, customers=12)
    command = COMMANDS[name]
    before = store.snapshot()
    write = 1
    while True:
        with failing_at(store, write) as seen:
            failure = _attempt(command, app)
        if failure is None:
            assert seen[0] == write - 1, "the command got through without reaching every write"
            break
        assert "injected" in f"{failure!r} {failure.__cause__!r}", failure
        assert store.snapshot() == before, f"write {write} of {name} left changes"
        write += 1
    assert write > 2, "the command wrote too little to be a bulk change"
    assert store.snapshot() != before


def _statements(store: SqlStore, action: Callable[[], object]) -> int:
    seen = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return seen[0]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_st5_a_bulk_change_takes_as_many_statements_for_60_customers_as_for_6(
    store: SqlStore, name: str
) -> None:
    """ST-5: set-based: the statement count does not grow with the customers moved."""
    counts = []
    for customers in (6, 60):
        tenant = f"acme{customers}"
        host = Principal.system(tenant)
        app = Carteira(store.unit_of_work, clock=ManualClock())
        _world_in(app, host, customers)
        counts.append(_statements(store, partial(BULK[name], app, host)))
    assert counts[0] == counts[1], counts


BULK: dict[str, Callable[[Carteira, Principal], object]] = {
    "delete_portfolio": lambda app, host: app.delete_portfolio(host, "sul"),
    "deactivate_with_transfer": lambda app, host: app.deactivate_manager(
        host, "ana", transfer_to="bia"
    ),
}


def _world_in(app: Carteira, host: Principal, customers: int) -> None:
    for manager in ("ana", "bia", "caio"):
        app.register_manager(host, manager, manager.title(), profile=Profile.ANALYST)
    app.create_portfolio(host, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.create_portfolio(host, "Norte", managers=["ana", "caio"], portfolio_id="norte")
    app.update_settings(host, max_account_managers=2)
    app.register_organization(host, "org", "Org")
    app.set_organization_portfolio(host, "org", "sul")
    for number in range(customers):
        customer = f"c{number:03d}"
        app.register_customer(host, customer, customer.upper(), organization="org")
        app.assign_customer(host, customer, "ana", portfolio="sul" if number % 2 else "norte")


# -- a full lock table on PostgreSQL (SQLSTATE 53200) --------------------------------------


def _driver_error(sqlstate: str, message: str) -> OperationalError:
    original = psycopg.errors.lookup(sqlstate)(message)
    return OperationalError("UPDATE carteira_customers ...", {}, original)


def test_st3_out_of_shared_memory_is_a_retryable_concurrency_error() -> None:
    """ST-3: PostgreSQL's lock table filled by concurrent transactions (53200) is retried."""
    error = _driver_error("53200", "out of shared memory")
    found = translate(error)
    assert isinstance(found, ConcurrencyError)
    assert (found.code, found.rule) == ("stale_version", "ST-3")
    assert found.details["sqlstate"] == "53200"
    assert found.details["cause"] == "lock_table_full"
    assert "lock table is full" in found.message
    assert "max_pred_locks_per_transaction" in found.message
    with pytest.raises(ConcurrencyError) as caught, translated():
        raise error
    assert caught.value.__cause__ is error


def test_er1_a_plain_out_of_memory_stays_a_storage_error() -> None:
    """ER-1: 53200 without "shared memory" is the server short of memory, not of locks."""
    found = translate(_driver_error("53200", "out of memory"))
    assert isinstance(found, StorageError)
    assert found.details["error"] == "OutOfMemory"


def test_st3_the_services_run_a_unit_again_after_a_full_lock_table(tmp_path: Path) -> None:
    """ST-3: the Runner retries a command whose unit hit 53200 once; it then applies once."""
    with sql_store("postgresql", tmp_path) as store:
        app = Carteira(store.unit_of_work, clock=ManualClock(), attempts=3)
        failures = [1]

        def full_once(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if failures[0] and statement.lstrip().upper().startswith("INSERT"):
                failures[0] -= 1
                raise psycopg.errors.lookup("53200")("out of shared memory")

        event.listen(store.engine, "before_cursor_execute", full_once)
        try:
            app.register_customer(HOST, "c1", "C1")
        finally:
            event.remove(store.engine, "before_cursor_execute", full_once)
        assert failures == [0]
        with store.unit_of_work(TENANT) as uow:
            assert uow.customers.count() == 1


def test_er1_a_driver_error_on_the_checks_fast_path_is_a_storage_error(store: SqlStore) -> None:
    """ER-1: a check runs on the driver's own cursor when nobody listens to statements;
    a database failure there is still carteira's ``StorageError``, never the driver's."""
    app = Carteira(store.unit_of_work, clock=ManualClock())
    app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
    app.register_customer(HOST, "c1", "Padaria")
    manager = Principal.manager(TENANT, "ana")
    assert app.can_view(manager, "customer", "c1") is False
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE carteira_customer_managers")
    with pytest.raises(StorageError) as raised:
        app.can_view(manager, "customer", "c1")
    assert raised.value.code == "storage_failed"
    assert str(raised.value).startswith("the database failed")
