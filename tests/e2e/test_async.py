"""AsyncCarteira: Carteira's calls as coroutines on SQLAlchemy's asyncio engine (issue 16).

On SQLite (aiosqlite) and PostgreSQL (psycopg's async connections): the same methods and
signatures as the synchronous facade, the same results and refusals (ER-1), one unit of
work per call (ST-1) or a SAVEPOINT in the host's transaction, queries that read without
a write lock (ST-6), concurrent writers that lose no update (ST-3), and a loop that goes
on while a call waits for the database. ``SqlStore`` refuses asyncio's engines (ST-2).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import typing
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from datetime import timedelta
from functools import partial
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from carteira import (
    Carteira,
    CarteiraError,
    ChoiceMode,
    ConcurrencyError,
    CustomerPortal,
    InMemoryAttachmentStore,
    ManualClock,
    NotFound,
    PortalFilter,
    Principal,
    Profile,
    Responsible,
    Role,
    Stage,
    StorageError,
    Subject,
)
from carteira.adapters.sql import SqlStore
from carteira.adapters.sql.store import tenant_lock_sql
from carteira.aio import AsyncCarteira, AsyncCustomerPortal
from databases import new_schema, require_postgres

DATABASES = ["sqlite", "postgresql"]
TENANT = "acme"
HOST = Principal.system(TENANT)
ADMIN = Principal.manager(TENANT, "admin")
ANA = Principal.manager(TENANT, "ana")
BRUNO = Principal.manager(TENANT, "bruno")
C1 = Principal.customer(TENANT, "c1")
EXTRAS = {"open", "within", "upgrade", "close", "engine"}  # AsyncCarteira's own
RULE = re.compile(r"\b[A-Z]{2}-\d+\b")


T = typing.TypeVar("T")


def run(body: Coroutine[Any, Any, T]) -> T:
    """Run one test's coroutine on a loop of its own."""
    return asyncio.run(body)


@pytest.fixture
def folder() -> Iterator[Path]:
    found = Path(tempfile.mkdtemp(prefix="carteira-async-"))
    yield found
    shutil.rmtree(found, ignore_errors=True)


@pytest.fixture
def urls(request: pytest.FixtureRequest, folder: Path) -> Iterator[Callable[[], str]]:
    """A maker of new, empty databases of the test's kind: SQLite files or PostgreSQL schemas."""
    kind = request.param
    drops: list[Callable[[], None]] = []
    made = count()

    def new() -> str:
        if kind == "sqlite":
            return f"sqlite:///{folder / f'c{next(made)}.db'}"
        url, drop = new_schema(require_postgres())
        drops.append(drop)
        return url

    yield new
    for drop in drops:
        drop()


def by_database() -> pytest.MarkDecorator:
    return pytest.mark.parametrize("urls", DATABASES, indirect=True)


# -- the same methods, the same signatures ------------------------------------------------


def _public(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and callable(member)
    }


@pytest.mark.parametrize(
    ("sync", "async_"), [(Carteira, AsyncCarteira), (CustomerPortal, AsyncCustomerPortal)]
)
def test_every_method_of_the_sync_facade_is_a_coroutine_with_its_signature(
    sync: type, async_: type
) -> None:
    """ST-1: nothing of Carteira is missing from AsyncCarteira, nor drifts from it."""
    sync_methods = _public(sync)
    async_methods = {n: m for n, m in _public(async_).items() if n not in EXTRAS}
    assert sorted(sync_methods) == sorted(async_methods)
    for name, method in sync_methods.items():
        mirror = async_methods[name]
        assert inspect.iscoroutinefunction(mirror), name
        expected, actual = inspect.signature(method), inspect.signature(mirror)
        assert [(p.name, p.kind, p.default) for p in expected.parameters.values()] == [
            (p.name, p.kind, p.default) for p in actual.parameters.values()
        ], name
        assert typing.get_type_hints(method) == typing.get_type_hints(mirror), name
        assert set(RULE.findall(method.__doc__ or "")) == set(RULE.findall(mirror.__doc__ or "")), (
            name
        )


def test_every_public_name_of_the_module_is_documented() -> None:
    """STYLE 9: docstrings on public names, each naming what it serves."""
    names = [AsyncCarteira, AsyncCustomerPortal]
    members = [m for cls in names for m in vars(cls).values() if callable(m)]
    undocumented = [m.__qualname__ for m in [*names, *members] if not (m.__doc__ or "").strip()]
    assert [n for n in undocumented if not n.split(".")[-1].startswith("__")] == []


# -- the same results and refusals ----------------------------------------------------------

REFUND = {
    "group": "Financeiro",
    "name": "Reembolso",
    "stages": [
        Stage("triage", "Triagem", Responsible.SERVICE),
        Stage("done", "Concluído", Responsible.SERVICE, final=True),
    ],
    "transitions": [("triage", "done")],
}
PORTAL_TICKET = {"group": "Financeiro", "ticket_type": "refund", "subject": "Boleto"}

# (method, arguments, keyword arguments): commands, queries and refusals, in order.
SCRIPT: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    (
        "register_manager",
        (HOST, "admin", "Admin"),
        {"profile": Profile.ADMINISTRATOR, "roles": [Role.administrator()]},
    ),
    ("register_manager", (HOST, "ana", "Ana"), {"profile": Profile.ANALYST}),
    ("register_manager", (HOST, "bruno", "Bruno"), {"profile": Profile.ANALYST}),
    ("create_portfolio", (ADMIN, "São Paulo"), {"managers": ["ana"], "portfolio_id": "sp"}),
    ("create_portfolio", (ADMIN, "SÃO PAULO"), {}),  # Conflict, PF-1
    ("create_portfolio", (ANA, "Rio"), {}),  # PermissionDenied, PF-6
    ("create_portfolio", (ADMIN, "   "), {}),  # InvalidInput
    ("edit_portfolio", (ADMIN, "sp"), {"description": "Capital"}),
    ("create_portfolio", (ADMIN, "Sul"), {"managers": ["bruno"]}),
    ("register_organization", (HOST, "org1", "Org 1"), {}),
    ("register_customer", (HOST, "c1", "Cliente 1"), {"organization": "org1"}),
    ("register_customer", (HOST, "c2", "Cliente 2"), {}),
    ("assign_customer", (ADMIN, "c1", "ana"), {}),
    ("set_organization_portfolio", (ADMIN, "org1", "sp"), {}),
    ("can_view", (ANA, Subject.CUSTOMER, "c1"), {}),
    ("can_view", (BRUNO, Subject.CUSTOMER, "c1"), {}),
    ("can_view", (BRUNO, Subject.CUSTOMER, ""), {}),  # InvalidInput
    ("visible_customers", (ANA,), {}),
    ("visible_organizations", (ANA,), {"search": "org"}),
    ("visible_among", (ANA, Subject.CUSTOMER, ["c1", "c2", "zz"]), {}),
    ("explain", (ADMIN, Subject.CUSTOMER, "c1"), {"viewer_id": "ana"}),
    ("customer", (ADMIN, "c1"), {}),
    ("customer", (BRUNO, "c1"), {}),  # NotFound: bruno does not see it (VS-3)
    ("organization", (ANA, "org1"), {}),
    ("update_settings", (ADMIN,), {"max_account_managers": 3}),
    ("settings", (ADMIN,), {}),
    ("save_department", (ADMIN, "chat", "Chat"), {"choice": ChoiceMode.AUTOMATIC}),
    ("route", (ADMIN, "c1", "chat"), {}),
    ("open_ticket", (HOST, "t1", "c1", "chat"), {}),
    ("open_ticket", (HOST, "t2", "c2", "chat"), {}),
    ("visible_tickets", (ANA,), {}),
    ("department_queue", (ADMIN, "chat"), {}),
    ("take_ticket", (BRUNO, "t2"), {}),
    ("take_ticket", (ANA, "t2"), {}),  # Conflict, RT-8
    ("reply", (ANA, "t1"), {}),
    ("offers_association", (ANA, "t1"), {}),
    ("close_ticket", (ANA, "t1"), {}),
    ("list_portfolios", (ADMIN,), {}),
    ("portfolio", (ADMIN, "sp"), {}),
    ("list_managers", (ADMIN,), {"eligible": True}),
    ("portfolios_of_manager", (ADMIN, "ana"), {}),
    ("customers_of_portfolio", (ADMIN, "sp"), {}),
    ("owner_history", (ADMIN, "c1"), {}),
    ("save_ticket_type", (ADMIN, "refund"), REFUND),
    ("ticket_types", (ADMIN,), {}),
    ("update_settings", (ADMIN,), {"portal_attendant": "bruno"}),
    ("portal.ticket_types", (C1,), {}),
    ("portal.open_ticket", (C1,), {**PORTAL_TICKET, "request": "Pago 2x", "ticket_id": "p1"}),
    ("portal.open_ticket", (ANA,), {**PORTAL_TICKET, "request": "x"}),  # customer_only
    ("portal.tickets", (C1, PortalFilter.AWAITING), {}),
    ("portal.post_message", (C1, "p1", "Olá"), {"message_id": "m1"}),
    (
        "portal.attach",
        (C1, "p1"),
        {"name": "a.txt", "content_type": "text/plain", "content": b"hi", "attachment_id": "a1"},
    ),
    ("attachment", (BRUNO, "p1", "a1"), {}),
    ("portal.ticket", (C1, "p1"), {}),
    ("move_ticket", (BRUNO, "p1", "done"), {"note": "pago"}),
    ("customer", (C1, "c1"), {}),  # PermissionDenied portal_only, VS-4
    ("deactivate_manager", (ADMIN, "ana"), {}),  # RuleViolation, MG-3
    ("deactivate_manager", (ADMIN, "ana"), {"transfer_to": "bruno"}),
    ("unpublished_events", (HOST,), {"limit": 500}),
    ("mark_published", (HOST, [1, 2, 3]), {}),
    ("read_events", (HOST,), {"after": 2, "limit": 5}),
    ("export_dataset", (HOST,), {}),
    ("orphaned_portfolios", (ADMIN,), {}),
    ("delete_portfolio", (ADMIN, "sp"), {}),
    ("owners_at", (ADMIN, "c1", ManualClock().now() + timedelta(days=1)), {}),
]


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("value", call())
    except CarteiraError as error:
        return ("refused", type(error), error.code, error.rule, str(error))


async def _async_outcome(call: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return ("value", await call())
    except CarteiraError as error:
        return ("refused", type(error), error.code, error.rule, str(error))


def _method(facade: object, path: str) -> Callable[..., Any]:
    found: Any = facade
    for part in path.split("."):
        found = getattr(found, part)
    return typing.cast(Callable[..., Any], found)


def _ids() -> Callable[[], str]:
    numbers = count(1)
    return lambda: f"id{next(numbers)}"


@by_database()
def test_the_same_calls_give_the_same_results_refusals_and_rows(urls: Callable[[], str]) -> None:
    """ER-1, ST-1: every outcome, value or refusal, and every stored row equal the sync facade's."""
    sync_url, async_url = urls(), urls()
    store = SqlStore(sync_url)
    sync = Carteira(store.unit_of_work, clock=ManualClock(), new_id=_ids())
    expected = [_outcome(partial(_method(sync, m), *a, **k)) for m, a, k in SCRIPT]

    async def body() -> list[Any]:
        async with await AsyncCarteira.open(async_url, clock=ManualClock(), new_id=_ids()) as app:
            return [await _async_outcome(partial(_method(app, m), *a, **k)) for m, a, k in SCRIPT]

    actual = run(body())
    for (method, _, _), want, got in zip(SCRIPT, expected, actual, strict=True):
        assert want == got, method
    assert sum(1 for o in expected if o[0] == "refused") >= 10
    mirror = SqlStore(async_url, create=False)
    try:
        assert store.snapshot() == mirror.snapshot()
    finally:
        mirror.close()
        store.close()


@by_database()
def test_a_refused_command_changes_nothing(urls: Callable[[], str]) -> None:
    """PM-2, ST-1: a refusal through the async facade leaves every row as it was."""
    url = urls()

    async def body() -> None:
        async with await AsyncCarteira.open(url) as app:
            await app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
            await app.create_portfolio(HOST, "Sul", managers=["ana"], portfolio_id="sul")
            before = await app._bridge.run(app._bridge.store.snapshot)
            with pytest.raises(NotFound):
                await app.assign_customer(HOST, "nobody", "ana")
            with pytest.raises(CarteiraError) as refused:
                await app.deactivate_manager(HOST, "ghost")
            assert refused.value.code == "not_found"
            assert await app._bridge.run(app._bridge.store.snapshot) == before

    run(body())


# -- the host's connection and transaction ---------------------------------------------------


async def _host_table(connection: AsyncConnection) -> None:
    await connection.execute(text("CREATE TABLE host_notes (note VARCHAR(40) PRIMARY KEY)"))
    await connection.commit()


async def _notes(connection: AsyncConnection) -> list[str]:
    rows = await connection.execute(text("SELECT note FROM host_notes ORDER BY note"))
    return [row[0] for row in rows]


@by_database()
def test_on_the_hosts_connection_carteira_commits_and_rolls_back_with_the_host(
    urls: Callable[[], str],
) -> None:
    """ST-1: carteira's writes join the host's AsyncConnection transaction, all or nothing."""
    url = urls()

    async def body() -> None:
        async with await AsyncCarteira.open(url) as app:
            await app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
            async with app.engine.connect() as connection:
                await _host_table(connection)
                # The host writes first, then carteira, then the host changes its mind.
                await connection.execute(text("INSERT INTO host_notes VALUES ('dropped')"))
                shared = app.within(connection)
                await shared.register_customer(HOST, "c1", "Dropped")
                assert await shared.can_view(HOST, Subject.CUSTOMER, "c1")
                assert [c.id for c in (await shared.visible_customers(HOST)).items] == ["c1"]
                await connection.rollback()
                # Carteira first this time; a refused command undoes only its own writes.
                shared = AsyncCarteira(connection)
                await shared.register_customer(HOST, "c2", "Kept")
                with pytest.raises(NotFound):
                    await shared.assign_customer(HOST, "c2", "nobody")
                await connection.execute(text("INSERT INTO host_notes VALUES ('kept')"))
                await shared.assign_customer(HOST, "c2", "ana")
                await connection.commit()
                assert await _notes(connection) == ["kept"]
            customers = (await app.visible_customers(HOST)).items
            assert [(c.id, c.account_managers) for c in customers] == [("c2", ("ana",))]
            async with app.engine.begin() as connection:  # commits at the end of the block
                await app.within(connection).register_customer(HOST, "c3", "Committed")
                await connection.execute(text("INSERT INTO host_notes VALUES ('with c3')"))
            assert [c.id for c in (await app.visible_customers(HOST)).items] == ["c2", "c3"]

    run(body())


@by_database()
def test_many_calls_on_one_hosts_connection_take_turns(urls: Callable[[], str]) -> None:
    """ST-1: concurrent tasks sharing a host's connection run one at a time, each whole."""
    url = urls()

    async def body() -> None:
        async with await AsyncCarteira.open(url) as app:
            async with app.engine.begin() as connection:
                shared = app.within(connection)
                await asyncio.gather(
                    *(shared.register_customer(HOST, f"c{n:02d}", f"C{n}") for n in range(20)),
                    *(shared.can_view(HOST, Subject.CUSTOMER, f"c{n:02d}") for n in range(20)),
                )
                assert len((await shared.visible_customers(HOST, limit=100)).items) == 20
            assert len((await app.visible_customers(HOST, limit=100)).items) == 20

    run(body())


def test_a_connection_not_started_is_refused() -> None:
    """ST-1: an AsyncConnection that holds no connection yet cannot be shared."""

    async def body() -> None:
        engine = create_async_engine("sqlite+aiosqlite://")
        with pytest.raises(StorageError, match="has not started"):
            AsyncCarteira(AsyncConnection(engine))
        await engine.dispose()

    run(body())


# -- concurrency ------------------------------------------------------------------------------


@by_database()
def test_concurrent_writers_on_one_customer_lose_no_update(urls: Callable[[], str]) -> None:
    """ST-3: 30 tasks assign 30 managers to one customer at once; all 30 are kept."""
    url = urls()
    managers = [f"m{n:02d}" for n in range(30)]

    async def body() -> None:
        async with await AsyncCarteira.open(url, concurrency=8) as app:
            await app.update_settings(HOST, max_account_managers=len(managers))
            await app.register_customer(HOST, "c1", "Shared")
            for manager in managers:
                await app.register_manager(HOST, manager, manager, profile=Profile.ANALYST)
            await app.create_portfolio(HOST, "Sul", managers=managers, portfolio_id="sul")
            checks = [
                app.can_view(Principal.manager(TENANT, m), Subject.CUSTOMER, "c1") for m in managers
            ]
            results = await asyncio.gather(
                *(app.assign_customer(HOST, "c1", m, portfolio="sul") for m in managers),
                *checks,
            )
            assert all(r for r in results[len(managers) :])  # VS-2: they manage its portfolio
            view = await app.customer(HOST, "c1")
            assert sorted(view.customer.account_managers) == managers
            history = await app.owner_history(HOST, "c1")
            assert len(history) == len(managers)

    run(body())


def test_at_most_concurrency_calls_run_at_once_and_ports_run_off_the_loop(
    folder: Path,
) -> None:
    """RT-2, TK-4: a host's presence port and attachment store run in worker threads."""
    inside, peak, threads = [0], [0], set()
    lock = threading.Lock()

    class SlowPresence:
        def online(self, tenant: str, manager_ids: Iterable[str]) -> frozenset[str]:
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
                threads.add(threading.get_ident())
            time.sleep(0.05)  # a server far away
            with lock:
                inside[0] -= 1
            return frozenset(manager_ids)

    class Recording(InMemoryAttachmentStore):
        def put(self, tenant: str, key: str, content: bytes) -> None:
            threads.add(threading.get_ident())
            super().put(tenant, key, content)

    async def body() -> None:
        loop_thread = threading.get_ident()
        async with await AsyncCarteira.open(
            folder / "c.db", concurrency=2, presence=SlowPresence(), attachments=Recording()
        ) as app:
            await app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
            await app.create_portfolio(HOST, "Sul", managers=["ana"])
            await app.save_department(HOST, "chat", "Chat")
            for n in range(6):
                await app.register_customer(HOST, f"c{n}", f"C{n}")
                await app.assign_customer(HOST, f"c{n}", "ana")
            decisions = await asyncio.gather(*(app.route(HOST, f"c{n}", "chat") for n in range(6)))
            assert {d.assignee for d in decisions} == {"ana"}
            assert peak[0] == 2
            # Instances on hosts' connections count towards the limit of the one they came from.
            peak[0] = 0
            async with contextlib.AsyncExitStack() as stack:
                connections = [
                    await stack.enter_async_context(app.engine.connect()) for _ in range(4)
                ]
                await asyncio.gather(
                    *(app.within(c).route(HOST, f"c{n}", "chat") for n, c in enumerate(connections))
                )
            assert peak[0] == 2
            await app.save_ticket_type(HOST, "refund", **REFUND)
            await app.register_customer(HOST, "c1x", "Portal")
            ticket = await app.open_portal_ticket(
                HOST, "c1x", **PORTAL_TICKET, request="r", ticket_id="p1"
            )
            await app.attach(
                HOST, ticket.value.id, name="a", content_type="text/plain", content=b"x"
            )
            assert loop_thread not in threads

    run(body())


# -- the loop goes on while a call waits ----------------------------------------------------


async def _ticks_while(call: Awaitable[Any], hold: float) -> tuple[int, Any]:
    """Count 10 ms ticks of another task while ``call`` runs; return them and its outcome."""
    ticks = [0]

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.01)
            ticks[0] += 1

    beat = asyncio.create_task(ticker())
    try:
        outcome = await _async_outcome(lambda: call)
    finally:
        beat.cancel()
    return ticks[0], outcome


def _hold_write_lock(url: str, seconds: float) -> threading.Timer:
    """Take the tenant's write lock from another connection; a timer thread lets it go."""
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
        holder.isolation_level = None
        holder.execute("BEGIN IMMEDIATE")

        def release() -> None:
            holder.execute("ROLLBACK")
            holder.close()

    else:
        engine = create_engine(url)
        connection = engine.connect()
        connection.begin()
        connection.exec_driver_sql(tenant_lock_sql(TENANT, 10_000))

        def release() -> None:
            connection.rollback()
            connection.close()
            engine.dispose()

    timer = threading.Timer(seconds, release)
    timer.start()
    return timer


@by_database()
def test_the_loop_goes_on_while_a_command_waits_for_the_write_lock(
    urls: Callable[[], str],
) -> None:
    """ST-3: a writer queued behind another waits off the loop; called naively it would not."""
    url = urls()

    async def body() -> None:
        async with await AsyncCarteira.open(url) as app:
            await app.register_manager(HOST, "ana", "Ana")
            _hold_write_lock(url, 0.4)
            ticks, outcome = await _ticks_while(app.register_customer(HOST, "c1", "C1"), 0.4)
            assert outcome[0] == "value"
            assert ticks >= 10  # about 40 when nothing else runs on the machine
            # The control: the synchronous facade inside `async def` holds the loop.
            store = SqlStore(url, create=False)
            naive = Carteira(store.unit_of_work)

            async def blocking() -> Any:
                return naive.register_customer(HOST, "c2", "C2")

            _hold_write_lock(url, 0.4)
            ticks, outcome = await _ticks_while(blocking(), 0.4)
            store.close()
            assert outcome[0] == "value"
            assert ticks <= 2

    run(body())


@by_database()
def test_pauses_between_attempts_are_awaited(urls: Callable[[], str]) -> None:
    """ST-3: a call retried after a busy database pauses on the loop, not in time.sleep."""
    url = urls()

    async def body() -> None:
        async with await AsyncCarteira.open(
            url, busy_timeout=0, attempts=4, backoff=lambda n: 0.1
        ) as app:
            await app.register_manager(HOST, "ana", "Ana")
            timer = _hold_write_lock(url, 2.0)
            started = time.monotonic()
            ticks, outcome = await _ticks_while(app.register_customer(HOST, "c1", "C1"), 0)
            elapsed = time.monotonic() - started
            timer.cancel()
            timer.function()
            assert outcome[1] is ConcurrencyError
            assert elapsed >= 0.3  # three pauses of 0.1 s
            assert ticks >= elapsed / 0.01 / 4  # a blocked loop ticks about 3 times

    run(body())


@by_database()
def test_a_cancelled_call_keeps_nothing_and_frees_its_turn(urls: Callable[[], str]) -> None:
    """ST-1: a request cancelled while its command waits for the lock applies nothing."""
    url = urls()

    async def body() -> None:
        async with await AsyncCarteira.open(url, concurrency=1) as app:
            await app.register_manager(HOST, "ana", "Ana")
            _hold_write_lock(url, 0.3)
            waiting = asyncio.create_task(app.register_customer(HOST, "c1", "C1"))
            await asyncio.sleep(0.1)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            await app.register_customer(HOST, "c2", "C2")  # the turn was given back
            assert [c.id for c in (await app.visible_customers(HOST)).items] == ["c2"]

    run(body())


# -- opening, and what SqlStore refuses ---------------------------------------------------------


def test_open_refuses_what_is_not_a_database_it_supports(folder: Path) -> None:
    """ST-2: a bad URL, another database or a bind of the wrong kind is a StorageError."""

    async def body() -> None:
        with pytest.raises(StorageError, match="not a database URL"):
            await AsyncCarteira.open("no url at all")
        with pytest.raises(StorageError, match="SQLite and PostgreSQL, not mysql"):
            await AsyncCarteira.open("mysql+aiomysql://somewhere/db")
        with pytest.raises(StorageError, match="AsyncEngine or an AsyncConnection"):
            AsyncCarteira(create_engine(f"sqlite:///{folder / 'x.db'}"))  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="concurrency"):
            AsyncCarteira(create_async_engine("sqlite+aiosqlite://"), concurrency=0)

    run(body())


def test_in_memory_sqlite_works_one_call_at_a_time() -> None:
    """ST-2: ``sqlite://`` is one connection: the schema is made on it, calls take turns."""

    async def body() -> None:
        async with await AsyncCarteira.open("sqlite://") as app:
            await asyncio.gather(
                *(app.register_customer(HOST, f"c{n}", f"C{n}") for n in range(10))
            )
            assert len((await app.visible_customers(HOST)).items) == 10

    run(body())


def test_on_a_hosts_engine_the_schema_is_the_hosts(folder: Path) -> None:
    """ST-2, ST-8: a host's AsyncEngine gets no tables until the host asks for them."""

    async def body() -> None:
        engine = create_async_engine(f"sqlite+aiosqlite:///{folder / 'host.db'}")
        app = AsyncCarteira(engine)
        with pytest.raises(StorageError):
            await app.register_customer(HOST, "c1", "C1")
        await app.upgrade()
        await app.upgrade()  # nothing to do
        await app.register_customer(HOST, "c1", "C1")
        await app.close()  # not carteira's engine: still usable
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT id FROM carteira_customers"))
            assert [row[0] for row in found] == ["c1"]
        await engine.dispose()

    run(body())


def test_sqlstore_refuses_asyncio_engines_connections_and_drivers(folder: Path) -> None:
    """ST-2: SqlStore is synchronous; it points an asyncio host to AsyncCarteira."""

    async def body() -> None:
        engine = create_async_engine(f"sqlite+aiosqlite:///{folder / 'c.db'}")
        with pytest.raises(
            StorageError, match=r"cannot use an AsyncEngine: use carteira\.aio\.AsyncCarteira"
        ):
            SqlStore(engine)  # type: ignore[arg-type]
        async with engine.connect() as connection:
            with pytest.raises(StorageError, match="cannot use an AsyncConnection"):
                SqlStore(connection)  # type: ignore[arg-type]
        await engine.dispose()

    run(body())
    with pytest.raises(
        StorageError, match=r"asyncio driver 'sqlite\+aiosqlite'.*AsyncCarteira\.open"
    ):
        SqlStore(f"sqlite+aiosqlite:///{folder / 'c.db'}")
    with pytest.raises(StorageError, match="not int"):
        SqlStore(42)  # type: ignore[arg-type]


def test_the_coroutines_are_what_the_tool_writes_from_the_sync_facades() -> None:
    """``AsyncCarteira``'s and ``AsyncCustomerPortal``'s methods are generated from
    ``Carteira``'s and ``CustomerPortal``'s (tools/async_facade.py): one signature each."""
    tool = Path(__file__).resolve().parents[2] / "tools" / "async_facade.py"
    found = subprocess.run(
        [sys.executable, str(tool), "--check"], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stdout
