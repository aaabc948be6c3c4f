"""The SQL store: SQLite (embedded default) and PostgreSQL over SQLAlchemy Core (ST-1, ST-2).

`SqlStore` opens units of work, one transaction and one tenant each (ST-1,
TN-1). On its own engine (built from a URL, a file path or a host's engine) every
unit of work is one database transaction: ``BEGIN IMMEDIATE`` in SQLite, so that
writers queue for the lock up front instead of failing halfway, and in PostgreSQL the
tenant's writer lock (an advisory lock) taken first, then ``READ COMMITTED``: writers
of one tenant queue instead of failing each other. Queries run in read-only units of
work instead (ST-6): a deferred ``BEGIN`` under ``PRAGMA query_only`` in SQLite (WAL:
one snapshot, no write lock) and a ``REPEATABLE READ, READ ONLY`` transaction in
PostgreSQL, both ended by ``COMMIT``. On a
host's `Connection` each unit of work is a ``SAVEPOINT`` inside the host's transaction,
which only the host commits, and a read-only one reads in the host's transaction as it is.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import cached_property
from pathlib import Path
from time import monotonic, sleep
from types import TracebackType
from typing import Any, Self, cast

import cattrs
from sqlalchemy import URL, Connection, Engine, Executable, Transaction, create_engine, event
from sqlalchemy import select as select_rows
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.sql.dml import UpdateBase

from carteira.adapters.sql import schema
from carteira.adapters.sql.derived import converter
from carteira.adapters.sql.errors import translated
from carteira.adapters.sql.logs import SqlEvents, SqlHistory
from carteira.adapters.sql.outbox import SqlOutbox
from carteira.adapters.sql.parties import SqlCustomers, SqlOrganizations
from carteira.adapters.sql.repositories import (
    SqlDepartments,
    SqlManagers,
    SqlPortfolios,
    SqlSettings,
    SqlTicketTypes,
)
from carteira.adapters.sql.routing import SqlRouting
from carteira.adapters.sql.tickets import SqlTickets
from carteira.adapters.sql.visibility import SqlVisibility
from carteira.adapters.sql.writes import Rows
from carteira.domain import refusals
from carteira.domain.errors import CarteiraError, ConcurrencyError, StorageError
from carteira.domain.identifiers import check_id

__all__ = ["SqlReadUnitOfWork", "SqlStore", "SqlUnitOfWork"]

_SQLITE_NEEDED = (3, 35, 0)  # UPDATE ... FROM (3.33) and RETURNING (3.35)
_READY = "carteira_sqlite_ready"
_READ_ONLY = "carteira_read_only"  # connection info: this checkout runs a query (ST-6)
_QUERY_ONLY = "carteira_query_only"  # connection info: PRAGMA query_only as last set


Snapshot = dict[str, dict[str, tuple[dict[str, Any], ...]]]


class _Hints:
    """Planning hints a store remembers for ``ttl`` seconds, at most ``size`` of them.

    A hint chooses how a query runs, never what it returns (ST-4), so threads share
    them and a stale one costs at most a slower plan until it expires.
    """

    def __init__(self, ttl: float = 30.0, size: int = 4096) -> None:
        self._ttl, self._size = ttl, size
        self._lock = threading.Lock()
        self._found: OrderedDict[Hashable, tuple[float, bool]] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], bool]) -> bool:
        now = monotonic()
        with self._lock:
            found = self._found.get(key)
            if found is not None and now - found[0] < self._ttl:
                return found[1]
        value = compute()
        with self._lock:
            self._found[key] = (now, value)
            self._found.move_to_end(key)
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return value


class _Statements:
    """Statements built once and kept by what they depend on, at most ``size`` of them.

    A listing's page statement depends on the viewer's scope and the listing's filters,
    not on the data; kept, it skips SQLAlchemy's construction and cache-key computation,
    which cost about as much as running it (ST-4). Values such as ``after`` are bound at
    each run.
    """

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, Executable] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Executable]) -> Executable:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        made = build()
        with self._lock:
            self._kept[key] = made
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return made


class SqlStore:
    """Every tenant's records in a SQL database; open units of work with `unit_of_work`.

    ``bind`` is a database URL (``sqlite:///carteira.db``,
    ``postgresql+psycopg://user@host/db``), a `Path` to a SQLite file,
    an `Engine`, or a host's `Connection` whose
    transaction carteira's writes then join (one ``SAVEPOINT`` per unit of work, so a
    refused command undoes only its own writes; the host commits, never carteira).
    ``create`` brings the schema to `SCHEMA_VERSION`
    at once (`upgrade`); it defaults to ``True`` for a URL or a path and to
    ``False`` for an engine or a connection, whose schema the host's migrations own.
    ``busy_timeout`` (seconds) is how long a unit of work waits for the write lock
    (SQLite's, or the tenant's on PostgreSQL) before it fails with a retryable
    [`ConcurrencyError`][carteira.ConcurrencyError] (ST-3).

    Threads may share a store built from a URL, a path or an engine: each unit of
    work takes a connection of its own (``sqlite://``, in memory, is one database per
    thread, so prefer a file). A store on a host's connection is the host's to
    serialise, like the connection itself.

    Pass ``store.unit_of_work`` wherever a `UnitOfWorkFactory`
    is wanted. An asyncio ``AsyncEngine`` or ``AsyncConnection`` is refused with a
    [`StorageError`][carteira.StorageError]: [`AsyncCarteira`][carteira.aio.AsyncCarteira]
    runs on those.
    """

    def __init__(
        self,
        bind: str | URL | Path | Engine | Connection,
        *,
        create: bool | None = None,
        busy_timeout: float = 5.0,
    ) -> None:
        self._converter = converter()
        self._hints = _Hints()
        self._statements = _Statements()
        self._host: Connection | None = bind if isinstance(bind, Connection) else None
        self._owned = isinstance(bind, str | URL | Path)
        busy = max(int(busy_timeout * 1000), 0)
        self._busy_ms = busy
        if isinstance(bind, Connection):
            engine = bind.engine
        elif isinstance(bind, Engine):
            engine = _configured(bind, busy, owned=False)
        else:
            engine = _configured(_engine(bind), busy, owned=True)
        self._engine = engine
        self.dialect = engine.dialect.name
        """The database's dialect name: ``sqlite`` or ``postgresql``."""
        if self.dialect == "sqlite" and sqlite3.sqlite_version_info < _SQLITE_NEEDED:
            self.close()
            raise StorageError(
                f"SQLite {sqlite3.sqlite_version} is too old for carteira: it needs 3.35 or later",
                rule="ST-2",
            )
        if self._owned if create is None else create:
            try:
                if create is None:
                    schema.refuse_foreign(self._engine)
                self.upgrade()
            except BaseException:
                self.close()
                raise

    @classmethod
    def sqlite(cls, path: str | Path, *, busy_timeout: float = 5.0) -> SqlStore:
        """Open (creating when needed) the SQLite database file at ``path`` (ST-2)."""
        return cls(Path(path), busy_timeout=busy_timeout)

    @property
    def engine(self) -> Engine:
        """The engine units of work connect through (for event listeners, disposal)."""
        return self._engine

    def unit_of_work(self, tenant: str) -> SqlUnitOfWork:
        """Return a unit of work scoped to ``tenant`` (TN-1, ST-1)."""
        return SqlUnitOfWork(self, tenant)

    def read_unit_of_work(self, tenant: str) -> SqlReadUnitOfWork:
        """Return a read-only unit of work scoped to ``tenant``, for queries (ST-6, TN-1)."""
        return SqlReadUnitOfWork(self, tenant)

    def upgrade(self) -> None:
        """Create or upgrade the schema to this code's version; refuse a newer one (ST-2)."""
        schema.upgrade(self._host if self._host is not None else self._engine)

    def snapshot(self, tenant: str | None = None) -> Snapshot:
        """Return every stored row (of ``tenant``, or of all), for exact comparisons.

        The result maps a tenant to its tables, each a tuple of rows (column to value)
        in primary-key order; tenants and tables without rows are left out. Two
        snapshots are equal exactly when the stored data is (invariant 8).
        """
        found: dict[str, dict[str, list[dict[str, Any]]]] = {}
        with self._connection_for_reading() as connection:
            for table in schema.metadata.sorted_tables:
                if table is schema.schema_versions:
                    continue
                statement = select_rows(table).order_by(*table.primary_key.columns)
                if tenant is not None:
                    statement = statement.where(table.c.tenant == tenant)
                for row in connection.execute(statement).mappings():
                    tables = found.setdefault(row["tenant"], {})
                    tables.setdefault(table.name, []).append(dict(row))
        return {
            name: {table: tuple(rows) for table, rows in sorted(tables.items())}
            for name, tables in sorted(found.items())
        }

    def outbox(self) -> SqlOutbox:
        """Return the outbox publishers claim every tenant's waiting events from (EV-2).

        Each claim is a transaction of its own, so a store on a host's connection, whose
        transaction the host owns, has none.
        """
        if self._host is not None:
            raise refusals.outbox_needs_engine()
        return SqlOutbox(self._writing, self.dialect, self._converter)

    def close(self) -> None:
        """Release the connections of an engine the store built itself."""
        if self._owned:
            self._engine.dispose()

    @contextmanager
    def _connection_for_reading(self) -> Iterator[Connection]:
        with translated():
            if self._host is not None:
                yield self._host
                return
            with self._engine.connect() as connection, connection.begin():
                yield connection

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """Run the block in a transaction of its own on a pooled connection, then commit."""
        connection = self._connect()
        try:
            with translated(), connection.begin():
                yield connection
        finally:
            self._release(connection)

    def _connect(self, *, read_only: bool = False) -> Connection:
        if self._host is not None:
            return self._host
        with translated():
            connection = self._engine.connect()
            if self.dialect == "postgresql":
                if read_only:
                    connection.execution_options(
                        isolation_level="REPEATABLE READ", postgresql_readonly=True
                    )
            else:
                # Read by the BEGIN listener; set at every checkout, so never stale.
                connection.info[_READ_ONLY] = read_only
            return connection

    def _release(self, connection: Connection) -> None:
        if connection is not self._host:
            with suppress(SQLAlchemyError):
                connection.close()


def _engine(bind: str | URL | Path) -> Engine:
    if isinstance(bind, Path):
        url = URL.create("sqlite", database=str(bind))
    elif not isinstance(bind, str | URL):
        raise _unusable(bind)
    else:
        try:
            url = make_url(bind)
        except ArgumentError as error:
            raise StorageError(
                f"{bind!r} is not a database URL; for a SQLite file use SqlStore.sqlite(path)",
                rule="ST-2",
            ) from error
    options: dict[str, Any] = {}
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "postgresql":
        options["isolation_level"] = "READ COMMITTED"  # set once per connection, not per use
    try:
        engine = create_engine(url, **options)
    except (ArgumentError, ImportError) as error:
        raise StorageError(f"cannot open {url!r}: {error}", rule="ST-2") from error
    if engine.dialect.is_async:
        raise _unusable(engine)
    return engine


def _unusable(bind: object) -> StorageError:
    """Refuse what SqlStore cannot open; asyncio's engines and drivers go to AsyncCarteira."""
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine  # noqa: PLC0415

    if isinstance(bind, Engine):
        message = (
            f"SqlStore is synchronous and cannot use the asyncio driver {bind.url.drivername!r}: "
            "open the URL with `await carteira.aio.AsyncCarteira.open(url)` (docs/async.md), "
            "or name a synchronous driver"
        )
    elif isinstance(bind, AsyncEngine | AsyncConnection):
        message = (
            f"SqlStore is synchronous and cannot use an {type(bind).__name__}: use "
            f"carteira.aio.AsyncCarteira on it, the same calls as coroutines (docs/async.md)"
        )
    else:
        message = (
            "SqlStore takes a database URL, a Path, an Engine or a Connection, "
            f"not {type(bind).__name__}"
        )
    return StorageError(message, rule="ST-2")


def _configured(engine: Engine, busy_ms: int, *, owned: bool) -> Engine:
    """Return the engine units of work use: SQLite BEGIN IMMEDIATE, PostgreSQL READ COMMITTED."""
    name = engine.dialect.name
    if name == "postgresql":
        return engine if owned else engine.execution_options(isolation_level="READ COMMITTED")
    if name != "sqlite":
        raise StorageError(f"SqlStore supports SQLite and PostgreSQL, not {name}", rule="ST-2")
    if owned:
        event.listen(engine, "connect", _sqlite_connect(busy_ms))
    # Our own view of a host's engine: listeners on it leave the host's engine alone.
    ours = engine if owned else engine.execution_options()
    event.listen(ours, "begin", _begin_immediate(busy_ms))
    return ours


_LOCK_SPACE = 0x63617274  # "cart": carteira's advisory locks, apart from the host's


def tenant_lock_sql(tenant: str, busy_ms: int) -> str:
    """Return the statements that take ``tenant``'s writer lock, waiting ``busy_ms`` at most.

    A transaction-level advisory lock keyed by carteira's space and a 32-bit digest of
    the tenant (two tenants sharing a digest only queue together). Only integers reach
    the text, so no tenant, however hostile, becomes SQL. Past ``busy_ms`` PostgreSQL
    answers ``lock_not_available``, a retryable [`ConcurrencyError`][carteira.ConcurrencyError].
    """
    digest = hashlib.sha256(tenant.encode("utf-8", "surrogatepass")).digest()
    key = int.from_bytes(digest[:4], "big", signed=True)
    # lock_timeout 0 would wait forever: at least 1 ms, so 0 means "do not wait". The
    # transaction's own lock_timeout (a host's included) is kept aside and put back.
    return (
        "SELECT set_config('carteira.lock_timeout', current_setting('lock_timeout'), true); "
        f"SET LOCAL lock_timeout = {max(int(busy_ms), 1)}; "
        f"SELECT pg_advisory_xact_lock({_LOCK_SPACE}, {key}); "
        "SELECT set_config('lock_timeout', current_setting('carteira.lock_timeout'), true)"
    )


def _sqlite_connect(busy_ms: int) -> Callable[[Any, Any], None]:
    """SQLAlchemy's recipe, part 1: the driver never emits BEGIN itself; WAL, FKs, timeout."""

    def connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            _wal(cursor, busy_ms)
        finally:
            cursor.close()
        record.info[_READY] = True

    return connect


def _wal(cursor: Any, busy_ms: int) -> None:
    """Put the file in WAL mode, waiting up to ``busy_ms`` for the processes opening it too.

    Switching a new file to WAL needs it to itself, and SQLite answers "database is locked"
    at once, busy timeout or not, while another process opens it (ST-8): try again until
    the switch is made, or is made by another.
    """
    deadline = monotonic() + busy_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or monotonic() >= deadline:
                raise
            sleep(0.01)


def _begin_immediate(busy_ms: int) -> Callable[[Connection], None]:
    """SQLAlchemy's recipe, part 2: every writing transaction starts with ``BEGIN IMMEDIATE``.

    The write lock is taken up front, waiting up to the busy timeout, so two writers
    queue instead of deadlocking when both upgrade a read lock (SQLite's SQLITE_BUSY).
    A query's transaction is a deferred ``BEGIN`` under ``PRAGMA query_only``: in WAL it
    reads one snapshot and never takes, nor waits for, the write lock (ST-6).
    """

    def begin(connection: Connection) -> None:
        pooled = connection.connection
        if pooled.dbapi_connection is None or _driver_in_transaction(pooled.driver_connection):
            return
        if not pooled.info.get(_READY):
            # A host's engine: set the connection up once, outside any transaction.
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_ms}")
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            pooled.info[_READY] = True
        read_only = bool(pooled.info.get(_READ_ONLY, False))
        driver = pooled.dbapi_connection
        # PRAGMA query_only and a deferred BEGIN take no lock and cannot wait: straight to
        # the driver, which spares a query half its cost. query_only changes only when a
        # connection goes from queries to commands or back: setting it costs SQLite its
        # prepared statements. A writer's BEGIN IMMEDIATE may time out waiting for the
        # lock: through SQLAlchemy, whose error says so.
        if pooled.info.get(_QUERY_ONLY, False) is not read_only:
            driver.execute(f"PRAGMA query_only = {int(read_only)}")
            pooled.info[_QUERY_ONLY] = read_only
        if read_only:
            driver.execute("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return begin


class _SqlUnit:
    """What both kinds of unit of work share: a connection, a tenant, the repositories."""

    _read_only = False

    def __init__(self, store: SqlStore, tenant: str) -> None:
        check_id("tenant", tenant, path="$.tenant")  # TN-1: a tenant is an id like any other
        self._store = store
        self._tenant = tenant
        self._connection: Connection | None = None
        self._transaction: Transaction | None = None
        self._abandoned: CarteiraError | None = None

    # Repositories are made on first use: a query touches one or two of them.

    @cached_property
    def portfolios(self) -> SqlPortfolios:
        """The tenant's portfolios."""
        return SqlPortfolios(self)

    @cached_property
    def managers(self) -> SqlManagers:
        """The tenant's managers."""
        return SqlManagers(self)

    @cached_property
    def customers(self) -> SqlCustomers:
        """The tenant's customers."""
        return SqlCustomers(self)

    @cached_property
    def organizations(self) -> SqlOrganizations:
        """The tenant's organizations."""
        return SqlOrganizations(self)

    @cached_property
    def tickets(self) -> SqlTickets:
        """The tenant's tickets."""
        return SqlTickets(self)

    @cached_property
    def departments(self) -> SqlDepartments:
        """The tenant's departments."""
        return SqlDepartments(self)

    @cached_property
    def ticket_types(self) -> SqlTicketTypes:
        """The tenant's ticket types."""
        return SqlTicketTypes(self)

    @cached_property
    def history(self) -> SqlHistory:
        """The tenant's ownership history (MB-6)."""
        return SqlHistory(self)

    @cached_property
    def events(self) -> SqlEvents:
        """The tenant's event log: the outbox (EV-1)."""
        return SqlEvents(self)

    @cached_property
    def settings(self) -> SqlSettings:
        """The tenant's settings."""
        return SqlSettings(self)

    @cached_property
    def visibility(self) -> SqlVisibility:
        """Who sees which records: one statement per check or batch (ST-7)."""
        return SqlVisibility(self)

    @cached_property
    def routing(self) -> SqlRouting:
        """A routing decision's inputs: one statement each for owners and candidates (RT-2)."""
        return SqlRouting(self)

    @property
    def tenant(self) -> str:
        """The tenant every repository of this unit of work is scoped to (TN-1)."""
        return self._tenant

    @property
    def dialect(self) -> str:
        """The database's dialect name: ``sqlite`` or ``postgresql``."""
        return self._store.dialect

    @property
    def converter(self) -> cattrs.Converter:
        """The converter of nested value objects to JSON and back."""
        return self._store._converter

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise StorageError("a unit of work cannot be entered twice", rule="ST-1")
        connection = self._store._connect(read_only=self._read_only)
        self._connection = connection
        try:
            self._begin(connection)
        except BaseException:
            self._connection = None
            self._store._release(connection)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        # A query ends with COMMIT: nothing to undo, and PostgreSQL keeps the
        # connection's prepared statements.
        finish = _commit if self._read_only and exc is None else _rollback
        try:
            if exc is None:
                self._end(finish)
            else:
                with suppress(CarteiraError):
                    self._end(finish)
        finally:
            self._abandoned = None
            if connection is not None:
                if self._read_only and self.dialect == "sqlite":
                    _hand_back(connection, writable=not self._store._owned)
                self._store._release(connection)

    def execute(self, statement: Executable, values: Mapping[str, Any] | None = None) -> Rows:
        """Run ``statement`` in this unit of work's transaction, errors translated (ER-1).

        ``values`` bind the statement's named parameters that carry no value.
        """
        if self._read_only and isinstance(statement, UpdateBase):
            raise StorageError.read_only()
        connection = self._usable()
        with translated():
            result: Rows = connection.execute(statement, values)
        return result

    def kept(self, key: Hashable, build: Callable[[], Executable]) -> Executable:
        """Return the statement kept for ``key`` in this tenant, built once (ST-4)."""
        return self._store._statements.get((self._tenant, key), build)

    @property
    def sql_dialect(self) -> Dialect:
        """The engine's dialect, to compile a statement once for it (ST-7)."""
        return self._store._engine.dialect

    def hint(self, key: Hashable, compute: Callable[[], bool]) -> bool:
        """Return a planning hint the store remembers for a while (ST-4): never a result."""
        return self._store._hints.get((self._tenant, key), compute)

    def run_driver_sql(self, sql: str, values: dict[str, Any]) -> Sequence[tuple[Any, ...]]:
        """Run SQL compiled for the driver, ``values`` bound by name; return its rows (ST-7).

        It skips SQLAlchemy's compilation and its cache key: a check compiled once runs
        as the driver's own prepared statement. Only a read may come this way.
        """
        connection = self._usable()
        listeners = connection.dispatch
        if listeners.before_cursor_execute or listeners.after_cursor_execute:
            # Someone listens to statements (tracing, the tests' counters): let them see it.
            with translated():
                rows = connection.exec_driver_sql(sql, values).all()
            return cast(Sequence[tuple[Any, ...]], rows)
        # Nobody listens: the driver's own cursor, without SQLAlchemy's result set-up,
        # which costs about a sixth of a SQLite check.
        dbapi = connection.dialect.loaded_dbapi
        with translated():
            try:
                cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(sql, values)
                    found: Sequence[tuple[Any, ...]] = cursor.fetchall()
                finally:
                    cursor.close()
            except dbapi.Error as error:
                raise DBAPIError.instance(sql, values, error, dbapi.Error) from error
        return found

    def abandon(self, error: CarteiraError) -> CarteiraError:
        """Roll back, refuse any further use until `rollback`, and return ``error``."""
        with suppress(CarteiraError):
            self._end(lambda t: t.rollback())
        self._abandoned = error
        return error

    def _usable(self) -> Connection:
        if self._connection is None:
            raise StorageError("unit of work used outside its 'with' block", rule="ST-1")
        if self._abandoned is not None:
            raise ConcurrencyError(
                "this unit of work was abandoned after a concurrent change; run it again",
                rule="ST-3",
            )
        if self._transaction is None and not (self._read_only and self._store._host is not None):
            self._begin(self._connection)
        return self._connection

    def _begin(self, connection: Connection) -> None:
        with translated():
            if self._store._host is None:
                self._transaction = connection.begin()
                self._take_tenant(connection)
                return
            if self._read_only:
                return  # a query reads in the host's transaction as it stands
            if not connection.in_transaction():
                connection.begin()
            if self.dialect == "sqlite" and not _dbapi_in_transaction(connection):
                # The driver would not BEGIN before a SAVEPOINT, whose RELEASE would then
                # commit on the host's behalf: open the host's transaction first.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            savepoint = self._transaction = connection.begin_nested()
            # Inside the SAVEPOINT: a lock not granted in time undoes only this unit of
            # work, and the host's transaction goes on (and can run it again).
            try:
                self._take_tenant(connection)
            except BaseException:
                self._transaction = None
                with suppress(SQLAlchemyError):
                    savepoint.rollback()
                raise

    def _take_tenant(self, connection: Connection) -> None:
        """PostgreSQL: wait for the tenant's writer lock before reading anything (ST-3).

        Writers of one tenant run one after another, each at READ COMMITTED from the
        moment it holds the lock, so each reads every earlier commit and none of them
        fails another; tenants share no rows. Queries take no lock.
        """
        if self._read_only or self.dialect != "postgresql":
            return
        connection.exec_driver_sql(tenant_lock_sql(self._tenant, self._store._busy_ms))

    def _end(self, finish: Callable[[Transaction], None]) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is None or not transaction.is_active:
            return
        try:
            with translated():
                finish(transaction)
        except CarteiraError:
            with suppress(SQLAlchemyError):
                if transaction.is_active:
                    transaction.rollback()
            raise


class SqlUnitOfWork(_SqlUnit):
    """One transaction over one tenant of a `SqlStore` (ST-1, TN-1).

    Its repositories see only its tenant's rows. Leaving the ``with`` block without
    `commit` rolls everything back; using a repository outside the block raises
    [`StorageError`][carteira.StorageError] (ST-1). After a failure that left the transaction
    unusable it refuses every further call with [`ConcurrencyError`][carteira.ConcurrencyError].
    """

    def commit(self) -> None:
        """Make every change of this unit of work durable, all at once (ST-1).

        A serialization failure at commit is a [`ConcurrencyError`][carteira.ConcurrencyError].
        """
        if self._abandoned is not None:
            raise self._abandoned
        self._end(lambda t: t.commit())

    def rollback(self) -> None:
        """Undo every change of this unit of work since it began or last committed."""
        self._end(lambda t: t.rollback())
        self._abandoned = None


class SqlReadUnitOfWork(_SqlUnit):
    """A read-only transaction over one tenant of a `SqlStore`: what queries run in (ST-6).

    SQLite: a deferred ``BEGIN`` with ``PRAGMA query_only`` on, so in WAL mode it reads
    one snapshot, takes no write lock and waits for no writer. PostgreSQL: ``REPEATABLE
    READ, READ ONLY``, one snapshot for every statement. It ends with ``COMMIT``. A write
    through its repositories is refused with [`StorageError`][carteira.StorageError] (code
    ``read_only``) before it reaches the database, and the database refuses one anyway.
    """

    _read_only = True


def _hand_back(connection: Connection, *, writable: bool) -> None:
    """Forget a query's mark on its connection; on a host's engine, make it writable too.

    On carteira's own engine every BEGIN passes the listener, which turns query_only off
    for the next command; a host's engine has its own writers, which it does not see.
    """
    with suppress(SQLAlchemyError, sqlite3.Error):  # an invalidated one is discarded anyway
        info = connection.info
        info.pop(_READ_ONLY, None)
        driver = connection.connection.dbapi_connection
        if writable and driver is not None and info.get(_QUERY_ONLY, False):
            driver.execute("PRAGMA query_only = 0")
            info[_QUERY_ONLY] = False


def _commit(transaction: Transaction) -> None:
    transaction.commit()


def _rollback(transaction: Transaction) -> None:
    transaction.rollback()


def _dbapi_in_transaction(connection: Connection) -> bool:
    return _driver_in_transaction(connection.connection.driver_connection)


def _driver_in_transaction(driver: Any) -> bool:
    """Tell whether SQLite's driver is in a transaction: sqlite3's or aiosqlite's connection."""
    return bool(getattr(driver, "in_transaction", False))
