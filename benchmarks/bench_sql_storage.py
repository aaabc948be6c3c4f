"""The SQL adapter on a large tenant: first-page listings, a big deletion, query plans.

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_sql_storage.py --scale 1 \
        --json benchmarks/results/sql-storage.json

It needs the PostgreSQL server of the tests (``CARTEIRA_TEST_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); it works in a schema of its own,
dropped at the end, and puts the SQLite file in a temporary directory.

The world is the one of ``world.py`` (same seeded mix of portfolios, organizations,
customers, account managers and tickets) with twice its tickets: at scale 1, 500
managers, 200 portfolios, 5,000 organizations, 100,000 customers and 1,000,000 tickets,
in tenant ``bench``. A second tenant, ``bench-delete``, holds one portfolio of 100,000
customers (half with an account manager, a third in one of its 100 organizations), and
``bench-plan`` a copy of it. Rows are written straight into the tables in one
transaction (executemany on SQLite, ``COPY`` on PostgreSQL), encoded by the adapter's
own codecs; ticket rows are patched from codec-encoded templates, and one ticket in a
thousand is checked against the codec. Then ``ANALYZE``.

Measured, per database:

(a) ``uow.tickets.in_scope(scope, after=None, limit=51, open_only=False)``, each call
    in its own unit of work, for managers' scopes (portfolios, account manager,
    assignee), VIEW_ALL (``Scope(everything=True)``) and VIEW_UNASSIGNED scopes (a
    manager's scope plus the customers outside portfolio): p50 and p99 wall time;
(b) ``Carteira.delete_portfolio`` of the 100,000-customer portfolio: wall time and the
    SQL statements it issued (with the slowest ones);
(c) the plans of every query of each listing (``EXPLAIN QUERY PLAN``; ``EXPLAIN
    (ANALYZE, BUFFERS)``) and of every statement of the deletion, the latter taken on
    ``bench-plan`` just before each statement runs (on PostgreSQL inside a savepoint
    rolled back, so the statement then runs on the same rows).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import perf_counter
from typing import Any

import attrs
import sqlalchemy
from bench_visibility_routing import machine, write_results
from sqlalchemy import Connection, create_engine, event, insert, text
from world import TENANT, Floor, Sizes, _managers, _Writer, mid

from carteira import (
    Carteira,
    Customer,
    Manager,
    Organization,
    Portfolio,
    Principal,
    Profile,
    Ticket,
)
from carteira.adapters.sql import SqlStore
from carteira.adapters.sql.codec import (
    CUSTOMERS,
    MANAGERS,
    ORGANIZATIONS,
    PORTFOLIOS,
    TICKETS,
    Codec,
    microseconds,
)
from carteira.policies import Scope
from carteira.serialization import make_converter

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DELETE_TENANT, PLAN_TENANT = "bench-delete", "bench-plan"
CHUNK = 20_000
CONVERTER = make_converter()


@dataclass
class Plan:
    """What the listings need to know about the world built."""

    sizes: Sizes
    floor: Floor
    plain: list[str] = field(default_factory=list)
    unassigned: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


# -- writing the world ------------------------------------------------------------------


def _write(connection: Connection, codec: Codec[Any], entities: Iterator[Any], tenant: str) -> int:
    rows: list[dict[str, object]] = []
    children: list[dict[str, object]] = []
    count = 0
    for entity in entities:
        rows.append(codec.row(CONVERTER, tenant, entity, 1))
        children += codec.child_rows(tenant, entity)
        if len(rows) >= CHUNK:
            count += _flush(connection, codec, rows, children)
    return count + _flush(connection, codec, rows, children)


def _flush(connection: Connection, codec: Codec[Any], rows: list[Any], children: list[Any]) -> int:
    count = len(rows)
    _insert(connection, codec.table, rows)
    if codec.child is not None:
        _insert(connection, codec.child.table, children)
    rows.clear()
    children.clear()
    return count


def _insert(connection: Connection, table: sqlalchemy.Table, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    columns = ", ".join(f'"{n}"' for n in names)
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])


class _TicketRows:
    """Ticket rows patched from codec-encoded templates; one in 1,000 checked."""

    def __init__(self) -> None:
        self.templates: dict[bool, dict[str, object]] = {}

    def row(self, ticket: Ticket, number: int) -> dict[str, object]:
        assigned = ticket.assignee is not None
        template = self.templates.get(assigned)
        if template is None:
            template = self.templates[assigned] = TICKETS.row(CONVERTER, TENANT, ticket, 1)
        row = dict(template)
        row["id"] = ticket.id
        row["customer"] = ticket.customer
        row["department"] = ticket.department
        row["opened_at"] = ticket.opened_at.isoformat()
        row["status"] = ticket.status.value
        row["assignee"] = ticket.assignee
        row["assigned_at"] = None if ticket.assigned_at is None else ticket.assigned_at.isoformat()
        row["assigned_at_us"] = microseconds(ticket.assigned_at)
        if number % 1000 == 0 and row != TICKETS.row(CONVERTER, TENANT, ticket, 1):
            raise AssertionError(f"patched row of {ticket.id} differs from the codec's")
        return row


def build_world(connection: Connection, scale: float, tickets: int | None = None) -> Plan:
    """Write tenant ``bench`` (and return what the listings need).

    ``tickets`` defaults to ten per customer; given the same count, the world is the
    one ``world.build`` makes (same seed, same draws in the same order).
    """
    base = Sizes.at(scale)
    count = max(1_000, round(1_000_000 * scale)) if tickets is None else tickets
    sizes = replace(base, tickets=count)
    floor = Floor()
    plan = Plan(sizes, floor)
    rng = random.Random(20260302)
    writer = _Writer(sizes, floor, rng)
    start = perf_counter()
    records, by_portfolio = _managers(sizes, floor)
    _write(connection, MANAGERS, iter(records.values()), TENANT)
    portfolios = []
    for n, managers in enumerate(by_portfolio):
        portfolio = mid("p", n)
        portfolios.append(Portfolio(TENANT, portfolio, f"Portfolio {n}", managers=managers))
        floor.portfolio_order[portfolio] = tuple(managers)
        floor.portfolio_managers[portfolio] = frozenset(managers)
        for manager in managers:
            floor.managed[manager].add(portfolio)
    _write(connection, PORTFOLIOS, iter(portfolios), TENANT)
    _write(
        connection,
        ORGANIZATIONS,
        (writer.organization(n) for n in range(sizes.organizations)),
        TENANT,
    )
    _write(connection, CUSTOMERS, (writer.customer(n) for n in range(sizes.customers)), TENANT)
    plan.timings["managers, portfolios, organizations, customers"] = perf_counter() - start
    start = perf_counter()
    customers, manager_ids = list(floor.effective), list(records)
    encoder = _TicketRows()
    chunk: list[dict[str, object]] = []
    for n in range(sizes.tickets):
        chunk.append(encoder.row(writer.ticket(n, customers, manager_ids), n))
        if len(chunk) >= CHUNK:
            _insert(connection, TICKETS.table, chunk)
            chunk.clear()
    _insert(connection, TICKETS.table, chunk)
    plan.timings["tickets"] = perf_counter() - start
    for manager in manager_ids:
        if floor.view_all[manager]:
            continue
        (plan.unassigned if floor.view_unassigned[manager] else plan.plain).append(manager)
    return plan


def build_deletion(connection: Connection, tenant: str, customers: int) -> None:
    """Write ``tenant``: one portfolio of ``customers`` customers, two managers."""
    rng = random.Random(7)
    managers = [f"{tenant}-m{n}" for n in range(3)]
    _write(
        connection,
        MANAGERS,
        (Manager(tenant, m, m, Profile.ANALYST) for m in managers),
        tenant,
    )
    big = Portfolio(tenant, "p-big", "Big", managers=managers[:2])
    _write(connection, PORTFOLIOS, iter([big]), tenant)
    organizations = [mid("o", n) for n in range(100)]
    _write(
        connection,
        ORGANIZATIONS,
        (Organization(tenant, o, f"Org {o}", "p-big") for o in organizations),
        tenant,
    )

    def customer(n: int) -> Customer:
        organization = rng.choice(organizations) if rng.random() < 1 / 3 else None
        owners = (rng.choice(managers[:2]),) if rng.random() < 0.5 else ()
        return Customer(tenant, mid("c", n), f"Customer {n}", organization, "p-big", owners)

    _write(connection, CUSTOMERS, (customer(n) for n in range(customers)), tenant)


def _settle(store: SqlStore, tenants: list[str]) -> None:
    """Save each tenant's settings through the adapter (cap of 2 account managers)."""
    for tenant in tenants:
        with store.unit_of_work(tenant) as uow:
            uow.settings.put(attrs.evolve(uow.settings.get(), max_account_managers=2))
            uow.commit()


# -- capturing and explaining statements ------------------------------------------------


class Recorder:
    """Every statement the engine sends while :attr:`on`; optionally explained first."""

    def __init__(self, engine: sqlalchemy.Engine) -> None:
        self.on = False
        self.explain = False
        self.explained: set[str] = set()
        self.statements: list[dict[str, Any]] = []
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not self.on:
            return
        entry: dict[str, Any] = {"sql": statement, "parameters": parameters}
        shape = " ".join(statement.split())[:120]
        skipped = statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))
        if self.explain and not skipped and shape not in self.explained:
            # Only the first statement of each shape: the deletion repeats look-ups.
            self.explained.add(shape)
            entry["plan"] = _explain(conn.dialect.name, cursor, statement, parameters)
        self.statements.append(entry)
        self._started = perf_counter()

    def _after(self, *_: Any) -> None:
        if self.on:
            self.statements[-1]["seconds"] = perf_counter() - self._started


def _explain(dialect: str, cursor: Any, statement: str, parameters: Any) -> list[str]:
    if dialect == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return [f"{row[0]}|{row[1]}| {row[3]}" for row in cursor.fetchall()]
    cursor.execute("SAVEPOINT bench_explain")
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
    plan = [row[0] for row in cursor.fetchall()]
    cursor.execute("ROLLBACK TO SAVEPOINT bench_explain")
    return plan


# -- measures ---------------------------------------------------------------------------


def _scope(plan: Plan, manager: str, *, outside: bool = False) -> Scope:
    floor = plan.floor
    identities = frozenset(floor.identities[manager])
    portfolios = frozenset(p for m in identities for p in floor.managed[m])
    return Scope(
        portfolios=portfolios,
        account_managers=identities,
        assignees=identities,
        outside=outside,
    )


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "samples": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": p99 * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def listings(store: SqlStore, plan: Plan, samples: int) -> dict[str, Any]:
    """Time first pages of 51 for manager, VIEW_ALL and VIEW_UNASSIGNED scopes."""
    rng = random.Random(11)
    kinds: dict[str, list[Scope]] = {
        "manager": [_scope(plan, m) for m in rng.choices(plan.plain, k=samples)],
        "view_all": [Scope(everything=True)] * max(5, samples // 10),
        "view_unassigned (outside portfolio)": [
            _scope(plan, m, outside=True)
            for m in rng.choices(plan.unassigned, k=max(5, samples // 5))
        ],
    }
    results: dict[str, Any] = {}
    for kind, scopes in kinds.items():
        for scope in scopes[:3]:  # warm the caches and the connection pool
            _first_page(store, scope)
        times, lengths = [], []
        for scope in scopes:
            start = perf_counter()
            page = _first_page(store, scope)
            times.append(perf_counter() - start)
            lengths.append(len(page))
        results[kind] = _percentiles(times) | {"mean_page": statistics.mean(lengths)}
    return results


def _first_page(store: SqlStore, scope: Scope) -> list[Ticket]:
    with store.unit_of_work(TENANT) as uow:
        return list(uow.tickets.in_scope(scope, after=None, limit=51, open_only=False))


def listing_plans(store: SqlStore, recorder: Recorder, plan: Plan) -> dict[str, Any]:
    """Capture each kind's listing SELECT and explain it with the same parameters."""
    scopes = {
        "manager": _scope(plan, plan.plain[0]),
        "view_all": Scope(everything=True),
        "view_unassigned (outside portfolio)": _scope(plan, plan.unassigned[0], outside=True),
    }
    found: dict[str, Any] = {}
    for kind, scope in scopes.items():
        recorder.statements.clear()
        recorder.on = True
        _first_page(store, scope)
        recorder.on = False
        # Every query of the listing: how crowded the scope is, the walk, the indexes.
        listed = [s for s in recorder.statements if s["sql"].lstrip().upper().startswith("SELECT")]
        explained = []
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for listing in listed:
                lines = _explain(store.dialect, cursor, listing["sql"], listing["parameters"])
                explained.append({"sql": listing["sql"], "plan": lines})
            raw.rollback()
        finally:
            raw.close()
        found[kind] = {"statements": explained}
    return found


def deletion(store: SqlStore, recorder: Recorder, tenant: str, *, explain: bool) -> dict[str, Any]:
    """Delete ``p-big`` of ``tenant`` through the services; count (and explain) statements."""
    app = Carteira(store.unit_of_work)
    recorder.statements.clear()
    recorder.explain = explain
    recorder.on = True
    start = perf_counter()
    app.delete_portfolio(Principal.system(tenant), "p-big")
    seconds = perf_counter() - start
    recorder.on = False
    recorder.explain = False
    statements = _by_shape(recorder.statements)
    total = len(recorder.statements)
    return {"seconds": seconds, "statements": total, "detail": statements}


def _by_shape(recorded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group statements by their first 120 characters: count, seconds, first plan."""
    shapes: dict[str, dict[str, Any]] = {}
    for entry in recorded:
        sql = " ".join(entry["sql"].split())
        shape = shapes.setdefault(sql[:120], {"sql": sql[:400], "count": 0, "seconds": 0.0})
        shape["count"] += 1
        shape["seconds"] += entry.get("seconds", 0.0)
        if "plan" in entry and "plan" not in shape:
            shape["plan"] = entry["plan"]
    return sorted(shapes.values(), key=lambda s: -s["seconds"])


# -- databases --------------------------------------------------------------------------


def run_database(name: str, store: SqlStore, scale: float, samples: int) -> dict[str, Any]:
    """Build the world in ``store``, measure everything, return the results."""
    print(f"[{name}] building...", flush=True)
    start = perf_counter()
    delete_customers = max(100, round(100_000 * scale))
    with store.engine.begin() as connection:
        plan = build_world(connection, scale)
        build_deletion(connection, DELETE_TENANT, delete_customers)
        build_deletion(connection, PLAN_TENANT, delete_customers)
    _settle(store, [TENANT, DELETE_TENANT, PLAN_TENANT])
    with store.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    built = perf_counter() - start
    print(f"[{name}] built in {built:.1f} s; listing...", flush=True)
    recorder = Recorder(store.engine)
    result: dict[str, Any] = {
        "build_seconds": built,
        "build_timings": plan.timings,
        "listings": listings(store, plan, samples),
        "listing_plans": listing_plans(store, recorder, plan),
    }
    print(f"[{name}] deleting...", flush=True)
    result["deletion"] = deletion(store, recorder, DELETE_TENANT, explain=False)
    result["deletion"]["customers"] = delete_customers
    result["deletion_plans"] = deletion(store, recorder, PLAN_TENANT, explain=True)["detail"]
    return result


@contextmanager
def each_database(database: str, prefix: str) -> Iterator[SqlStore]:
    """Yield a new SQL store of ``database`` (a SQLite file or a PostgreSQL schema), then
    remove it: what the benchmarks that build a tenant per database share."""
    directory = tempfile.mkdtemp(prefix=prefix)
    drop = None
    if database == "sqlite":
        store = SqlStore.sqlite(Path(directory) / "bench.db")
    else:
        url, drop = _postgres(os.environ.get("CARTEIRA_TEST_POSTGRES_URL", POSTGRES_URL))
        store = SqlStore(url)
    try:
        yield store
    finally:
        store.close()
        if drop is not None:
            drop()
        shutil.rmtree(directory, ignore_errors=True)


def median_ms(action: Callable[[], object], rounds: int) -> float:
    """Return the median wall time of ``rounds`` runs of ``action``, in milliseconds."""
    times = []
    for _ in range(rounds):
        start = perf_counter()
        action()
        times.append(perf_counter() - start)
    return 1000 * statistics.median(times)


def database_arguments(doc: str, *, rounds: int, **sizes: int) -> argparse.Namespace:
    """Parse a per-database benchmark's command line: its ``sizes`` (``--tickets N``...),
    ``--rounds``, ``--database`` (repeatable; both by default) and ``--json``."""
    parser = argparse.ArgumentParser(description=doc.split("\n", maxsplit=1)[0])
    for name, default in sizes.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


def on_each_database(
    args: argparse.Namespace,
    prefix: str,
    build: Callable[[str, SqlStore], None],
    measure: Callable[[SqlStore], dict[str, Any]],
) -> None:
    """Build a tenant with ``build`` and ``measure`` it on each of ``args.database`` (both by
    default), printing as it goes; write the figures to ``args.json`` when given."""
    results: dict[str, Any] = {"machine": machine(), "args": vars(args) | {"json": str(args.json)}}
    for database in args.database or ["sqlite", "postgresql"]:
        with each_database(database, prefix) as store:
            start = perf_counter()
            build(database, store)
            print(f"{database}: built in {perf_counter() - start:.0f} s", flush=True)
            results[database] = measure(store)
            print(database, json.dumps(results[database], indent=1), flush=True)
    write_results(args.json, results)


def _postgres(server: str) -> tuple[str, Callable[[], None]]:
    name = f"carteira_sqlbench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    return f"{server}?options=-csearch_path%3D{name}", drop


def _table(results: dict[str, Any]) -> str:
    lines = [
        "| database | measure | samples | p50 ms | p99 ms | max ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for database, found in results["databases"].items():
        for kind, measure in found["listings"].items():
            lines.append(
                f"| {database} | first page of 51, {kind} | {measure['samples']} "
                f"| {measure['p50_ms']:.2f} | {measure['p99_ms']:.2f} | {measure['max_ms']:.2f} |"
            )
        gone = found["deletion"]
        lines.append(
            f"| {database} | delete_portfolio of {gone['customers']:,} customers "
            f"| 1 | {gone['seconds'] * 1000:.0f} | | | ({gone['statements']} statements)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--samples", type=int, default=300, help="manager scopes per database")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    parser.add_argument("--postgres", default=POSTGRES_URL)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    started = perf_counter()
    results: dict[str, Any] = {
        "scale": args.scale,
        "machine": {
            "python": platform.python_version(),
            "sqlalchemy": sqlalchemy.__version__,
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "databases": {},
    }
    if args.only != "postgresql":
        directory = tempfile.mkdtemp(prefix="sqlbench-")
        store = SqlStore.sqlite(Path(directory) / "bench.db")
        try:
            results["databases"]["sqlite"] = run_database("sqlite", store, args.scale, args.samples)
            results["machine"]["sqlite"] = store.engine.dialect.dbapi.sqlite_version  # type: ignore[union-attr]
        finally:
            store.close()
            shutil.rmtree(directory, ignore_errors=True)
    if args.only != "sqlite":
        url, drop = _postgres(args.postgres)
        store = SqlStore(url)
        try:
            results["databases"]["postgresql"] = run_database(
                "postgresql", store, args.scale, args.samples
            )
            with store.engine.connect() as connection:
                version = connection.exec_driver_sql("SHOW server_version").scalar()
            results["machine"]["postgresql"] = version
        finally:
            store.close()
            drop()
    results["wall_seconds"] = perf_counter() - started
    print(_table(results))
    print(f"wall time {results['wall_seconds']:.1f} s at scale {args.scale}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
