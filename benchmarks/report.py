"""The performance report: carteira against the floor and pycasbin, three sizes, one run.

Run on demand (``make performance`` installs the ``bench`` extra, then runs)::

    .venv/bin/python benchmarks/report.py

For each size (10,000, 100,000 and 1,000,000 customers; two tickets per customer) it
builds the world of ``world.py`` once in memory, once in SQLite and once in PostgreSQL
(the same seeded world: same records, same ids), and measures, with wall-clock time:

- ``can_view`` checks per second, for customers and for tickets (VS-2), on sampled
  (manager, object) pairs about half of them granted;
- listing every ticket a manager sees (VS-3): a plain agent with a median listing and
  an agent holding VIEW_UNASSIGNED; carteira walks ``visible_tickets`` pages of 500;
- routing decisions per second (RT-1..RT-3, RT-7) over the three departments mixed;
- memory per ticket: resident memory a fresh process grows by holding the tickets
  (in memory), bytes on disk of the ticket table and its indexes (SQL).

Against (a) the floor, the same rules over plain dicts and sets (``world.Floor``,
``floor_routing``), and (b) the same visibility rule written with pycasbin in two
models (``casbin_rule``). Every implementation's answers are checked against the
floor's before it is timed; the run stops on the first disagreement. Each timed measure
is the median of ``--rounds`` runs, the implementation's and the floor's interleaved.

It writes ``benchmarks/results/report.json``, the plots ``docs/img/perf-*.png`` and the
tables between the report markers of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import casbin_rule
import matplotlib.pyplot as plt
from bench_sql_storage import POSTGRES_URL, _postgres, _settle, build_world
from bench_visibility_routing import listed_managers, machine, routing_inputs, samples
from floor_routing import Setup, backups, decision
from sqlalchemy import create_engine
from world import NOW, TENANT, World, _departments, build, mid, rss_bytes

from carteira import (
    Carteira,
    ChoiceMode,
    InMemoryPresence,
    InMemoryStore,
    ManualClock,
    Principal,
    RoutingMode,
    Subject,
    Ticket,
    TicketStatus,
)
from carteira.adapters.sql import SqlStore
from carteira.policies import route

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 100_000, 1_000_000)
PAGE = 500
MARK_BEGIN, MARK_END = "<!-- report:begin -->", "<!-- report:end -->"

Check = Callable[[str, str], bool]


@dataclass
class Results:
    """Every figure of the run, by measure, implementation and size (customers)."""

    machine: dict[str, Any]
    args: dict[str, Any]
    sizes: dict[int, dict[str, Any]] = field(default_factory=dict)
    measures: dict[str, dict[str, dict[int, float]]] = field(default_factory=dict)
    notes: dict[str, dict[int, str]] = field(default_factory=dict)

    def put(self, measure: str, who: str, customers: int, value: float) -> None:
        """Record one figure."""
        self.measures.setdefault(measure, {}).setdefault(who, {})[customers] = value

    def note(self, measure: str, customers: int, text: str) -> None:
        """Record what a measure covered at one size (added to what is already noted)."""
        notes = self.notes.setdefault(measure, {})
        notes[customers] = f"{notes[customers]}; {text}" if customers in notes else text


def log(message: str) -> None:
    """Progress on standard error, with the time of day."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


# -- timing -------------------------------------------------------------------------------


def rate(check: Check, pairs: Sequence[tuple[str, str]], budget: float) -> float:
    """Checks per second over ``pairs``, cycling through them for about ``budget`` seconds."""
    done = 0
    start = time.perf_counter()
    while True:
        for manager, subject in pairs[done % len(pairs) : done % len(pairs) + 64]:
            check(manager, subject)
            done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            return done / elapsed


def interleaved(
    ours: Callable[[], float], floor: Callable[[], float], rounds: int
) -> tuple[float, float]:
    """Median of ``rounds`` runs of each, alternating between the two."""
    mine, theirs = [], []
    for _ in range(rounds):
        mine.append(ours())
        theirs.append(floor())
    return statistics.median(mine), statistics.median(theirs)


def seconds(action: Callable[[], object]) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def agree(name: str, expected: Sequence[object], actual: Sequence[object]) -> None:
    """Stop the run at the first answer that differs from the floor's."""
    for n, (want, got) in enumerate(zip(expected, actual, strict=True)):
        if want != got:
            raise SystemExit(f"{name}: answer {n} differs from the floor: {got!r} != {want!r}")


# -- implementations under test --------------------------------------------------------------


@dataclass
class Subjects:
    """One implementation's answers to VS-2 and VS-3."""

    name: str
    customer: Check
    ticket: Check
    listing: Callable[[str, float], tuple[list[str], bool]]
    """Every ticket a manager sees, sorted; stops after about ``budget`` seconds if it
    pages, and says whether it reached the end."""


class _Principals(dict[str, Principal]):
    """Each manager's principal, made on first use."""

    def __missing__(self, manager: str) -> Principal:
        made = self[manager] = Principal.manager(TENANT, manager)
        return made


def carteira_subjects(name: str, app: Carteira) -> Subjects:
    """carteira through its service, ``Carteira.can_view`` and ``visible_tickets``."""
    principals = _Principals()  # a host holds its principal; the floor takes the id

    def listing(manager: str, budget: float) -> tuple[list[str], bool]:
        ids: list[str] = []
        after: str | None = None
        start = time.perf_counter()
        while True:
            page = app.visible_tickets(principals[manager], after=after, limit=PAGE)
            ids.extend(t.id for t in page.items)
            after = page.next_after
            if after is None:
                return ids, True
            if time.perf_counter() - start > budget:
                return ids, False

    can_view = app.can_view
    return Subjects(
        name,
        lambda m, c: can_view(principals[m], Subject.CUSTOMER, c),
        lambda m, t: can_view(principals[m], Subject.TICKET, t),
        listing,
    )


def casbin_subjects(name: str, world: World) -> Subjects:
    """One of the two pycasbin models of ``casbin_rule``."""
    if name == "casbin rbac":
        enforcer, listing = casbin_rule.rbac(world.floor), casbin_rule.rbac_listing
    else:
        enforcer, listing = casbin_rule.graph(world.floor), casbin_rule.graph_listing
    return Subjects(
        name,
        enforcer.enforce,
        enforcer.enforce,
        lambda manager, budget: (listing(enforcer, manager), True),
    )


# -- the measures ---------------------------------------------------------------------------


@dataclass
class Bench:
    """What every measure of one size needs."""

    world: World
    customers: int
    results: Results
    args: argparse.Namespace
    customer_pairs: list[tuple[str, str]]
    ticket_pairs: list[tuple[str, str]]
    listed: dict[str, str]
    floor_lists: dict[str, list[str]]


def prepare(world: World, customers: int, results: Results, args: argparse.Namespace) -> Bench:
    """Pick the sampled pairs and listed managers of one size."""
    customer_pairs, ticket_pairs = samples(world, args.samples, random.Random(7))
    kinds = listed_managers(world)
    listed = {
        "plain agent": kinds["plain agent (median)"],
        "VIEW_UNASSIGNED agent": kinds["VIEW_UNASSIGNED"],
    }
    floor_lists = {kind: world.floor.visible_tickets(m) for kind, m in listed.items()}
    for kind, manager in listed.items():
        results.note(
            f"listing, {kind}",
            customers,
            f"{manager}: {len(floor_lists[kind]):,} tickets",
        )
    return Bench(world, customers, results, args, customer_pairs, ticket_pairs, listed, floor_lists)


def measure_visibility(bench: Bench, subjects: Subjects, checked: int) -> None:
    """``can_view`` rates and listing times of ``subjects``, each against the floor."""
    floor, args, results, n = bench.world.floor, bench.args, bench.results, bench.customers
    for kind, pairs, mine, theirs in (
        ("customer", bench.customer_pairs, subjects.customer, floor.sees_customer),
        ("ticket", bench.ticket_pairs, subjects.ticket, floor.sees_ticket),
    ):
        sample = pairs[:checked]
        agree(
            f"{subjects.name} can_view {kind}",
            [theirs(m, s) for m, s in sample],
            [mine(m, s) for m, s in sample],
        )
        ours, base = interleaved(
            lambda p=pairs, c=mine: rate(c, p, args.budget),
            lambda p=pairs, c=theirs: rate(c, p, args.budget),
            args.rounds,
        )
        results.put(f"can_view {kind}", subjects.name, n, ours)
        results.put(f"can_view {kind}", f"floor (with {subjects.name})", n, base)
    for kind, manager in bench.listed.items():
        measure_listing(bench, subjects, kind, manager)


def measure_listing(bench: Bench, subjects: Subjects, kind: str, manager: str) -> None:
    """One manager's whole listing, timed; a walk past ``--walk-budget`` is extrapolated."""
    floor, args, n = bench.world.floor, bench.args, bench.customers
    expected = bench.floor_lists[kind]
    start = time.perf_counter()
    ids, complete = subjects.listing(manager, args.walk_budget)
    first = time.perf_counter() - start
    agree(f"{subjects.name} listing {kind}", expected[: len(ids)], ids)
    if complete:
        agree(f"{subjects.name} listing {kind} (length)", [len(expected)], [len(ids)])
        ours, base = interleaved(
            lambda: seconds(lambda: subjects.listing(manager, math.inf)),
            lambda: seconds(lambda: floor.visible_tickets(manager)),
            args.rounds,
        )
    else:
        # Pages cost about the same from first to last here, so the whole walk is
        # estimated from the part walked; the note says so.
        ours = first * len(expected) / len(ids)
        base = statistics.median(
            seconds(lambda: floor.visible_tickets(manager)) for _ in range(args.rounds)
        )
        bench.results.note(
            f"listing, {kind}",
            n,
            f"{subjects.name} stopped after {len(ids):,} tickets in {first:.1f} s, "
            "the rest extrapolated",
        )
    bench.results.put(f"listing, {kind}", subjects.name, n, ours)
    bench.results.put(f"listing, {kind}", f"floor (with {subjects.name})", n, base)


def floor_setups(world: World) -> dict[str, Setup]:
    """The world's departments as the routing floor sees them."""
    standing_in = backups(world.floor)
    return {
        name: Setup(
            by_queue=department.routing is RoutingMode.QUEUE,
            customer_chooses=department.choice is ChoiceMode.CUSTOMER_CHOOSES,
            capacity=department.capacity,
            online=world.online,
            loads=world.loads[name],
            busy_since=world.busy_since[name],
            backup_of=standing_in,
        )
        for name, department in world.departments.items()
    }


def routing_cases(bench: Bench) -> list[tuple[str, str]]:
    """(customer, department) pairs, the three departments mixed, seeded."""
    rng = random.Random(11)
    customers = sorted(bench.world.floor.effective)
    departments = sorted(bench.world.departments)
    return [(rng.choice(customers), rng.choice(departments)) for _ in range(bench.args.samples)]


def _as_floor(found: Any) -> tuple[str, str | None, tuple[str, ...]]:
    return (str(found.outcome), found.assignee, tuple(found.candidates))


def measure_pure_routing(bench: Bench) -> None:
    """The pure ``route()`` on prebuilt inputs against the routing floor."""
    world, args, n = bench.world, bench.args, bench.customers
    cases = routing_cases(bench)
    setups = floor_setups(world)
    inputs = [routing_inputs(world, [c], d)[0] for c, d in cases]
    agree(
        "route() against the routing floor",
        [decision(world.floor, c, setups[d]) for c, d in cases],
        [_as_floor(route(i)) for i in inputs],
    )

    def ours() -> float:
        start = time.perf_counter()
        for one in inputs:
            route(one)
        return len(inputs) / (time.perf_counter() - start)

    def floor() -> float:
        start = time.perf_counter()
        for customer, department in cases:
            decision(world.floor, customer, setups[department])
        return len(cases) / (time.perf_counter() - start)

    mine, base = interleaved(ours, floor, args.rounds)
    bench.results.put("routing", "carteira route() (pure)", n, mine)
    bench.results.put("routing", "floor (with carteira route() (pure))", n, base)
    bench.results.note(
        "routing",
        n,
        f"{len(cases):,} cases for route(), the first {args.routes:,} for Carteira.route, "
        "three departments mixed",
    )


def measure_service_routing(bench: Bench, name: str, app: Carteira) -> None:
    """``Carteira.route`` (inputs gathered from storage) against the routing floor."""
    world, args, n = bench.world, bench.args, bench.customers
    cases = routing_cases(bench)[: args.routes]
    setups = floor_setups(world)
    host = Principal.system(TENANT)
    agree(
        f"{name} Carteira.route against the routing floor",
        [decision(world.floor, c, setups[d]) for c, d in cases],
        [_as_floor(app.route(host, c, d)) for c, d in cases],
    )

    def ours() -> float:
        start = time.perf_counter()
        for customer, department in cases:
            app.route(host, customer, department)
        return len(cases) / (time.perf_counter() - start)

    def floor() -> float:
        start = time.perf_counter()
        for customer, department in cases:
            decision(world.floor, customer, setups[department])
        return len(cases) / (time.perf_counter() - start)

    mine, base = interleaved(ours, floor, args.rounds)
    bench.results.put("routing", name, n, mine)
    bench.results.put("routing", f"floor (with {name})", n, base)


# -- storages -------------------------------------------------------------------------------


def presence(world: World) -> InMemoryPresence:
    """Who is online: the world's online managers."""
    found = InMemoryPresence()
    for manager in world.online:
        found.set_online(TENANT, manager)
    return found


def memory_app(world: World) -> Carteira:
    """carteira over the world's in-memory store."""
    return Carteira(world.store.unit_of_work, clock=ManualClock(NOW), presence=presence(world))


@contextmanager
def sql_app(kind: str, world: World, args: argparse.Namespace) -> Iterator[tuple[Carteira, Any]]:
    """carteira over a new SQLite file or PostgreSQL schema holding the same world."""
    directory = tempfile.mkdtemp(prefix="carteira-report-")
    drop: Callable[[], None] | None = None
    if kind == "sqlite":
        store = SqlStore.sqlite(Path(directory) / "report.db")
    else:
        url, drop = _postgres(args.postgres)
        store = SqlStore(url)
    try:
        start = time.perf_counter()
        with store.engine.begin() as connection:
            build_world(connection, world.sizes.customers / 100_000, world.sizes.tickets)
        _settle(store, [TENANT])
        with store.unit_of_work(TENANT) as uow:
            for department in _departments(world.loads).values():
                uow.departments.add(department)
            uow.commit()
        with store.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        if kind == "sqlite":
            # The build wrote everything through the write-ahead log; fold it in first.
            with closing(sqlite3.connect(Path(directory) / "report.db")) as raw:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        log(f"  {kind}: built in {time.perf_counter() - start:.0f} s")
        app = Carteira(store.unit_of_work, clock=ManualClock(NOW), presence=presence(world))
        yield app, store
    finally:
        store.close()
        if drop is not None:
            drop()
        shutil.rmtree(directory, ignore_errors=True)


def disk_bytes_per_ticket(store: Any, tickets: int) -> float:
    """Bytes on disk of the ticket table and its indexes, per ticket."""
    with store.engine.connect() as connection:
        if store.dialect == "sqlite":
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE tbl_name = 'carteira_tickets'"
            ).scalars()
            quoted = ", ".join(f"'{n}'" for n in names)
            query = f"SELECT SUM(pgsize) FROM dbstat WHERE name IN ({quoted})"
        else:
            query = "SELECT pg_total_relation_size('carteira_tickets')"
        size = connection.exec_driver_sql(query).scalar()
    return float(size or 0) / tickets


# -- memory in a fresh process -----------------------------------------------------------------


def _tickets(count: int) -> Iterator[tuple[str, str, str | None]]:
    """(ticket, customer, assignee) like the world's: two per customer, two in three served."""
    customers = max(1, count // 2)
    for n in range(count):
        assignee = mid("m", n % 500) if n % 3 else None
        yield mid("t", n), mid("c", n % customers), assignee


def memory_child(kind: str, count: int) -> int:
    """Hold ``count`` tickets the way ``kind`` does; print the resident memory it took."""
    gc.collect()
    before = rss_bytes()
    keep: object
    if kind == "carteira":
        store = InMemoryStore()
        with store.unit_of_work(TENANT) as uow:
            for ticket, customer, assignee in _tickets(count):
                uow.tickets.add(
                    Ticket(
                        TENANT,
                        ticket,
                        customer,
                        "sales",
                        NOW,
                        status=TicketStatus.OPEN,
                        assignee=assignee,
                        assigned_at=None if assignee is None else NOW,
                    )
                )
            uow.commit()
        keep = store
    elif kind == "floor":
        customer_of: dict[str, str] = {}
        assignee_of: dict[str, str | None] = {}
        tickets_of: dict[str, list[str]] = {}
        assigned_to: dict[str, set[str]] = {}
        for ticket, customer, assignee in _tickets(count):
            customer_of[ticket] = customer
            assignee_of[ticket] = assignee
            tickets_of.setdefault(customer, []).append(ticket)
            if assignee is not None:
                assigned_to.setdefault(assignee, set()).add(ticket)
        keep = (customer_of, assignee_of, tickets_of, assigned_to)
    else:
        lines: list[list[str]] = []
        for ticket, customer, assignee in _tickets(count):
            lines.append([ticket, customer])
            if assignee is not None:
                lines.append([ticket, f"assigned:{assignee}"])
        keep = casbin_rule.enforcer(casbin_rule.GRAPH_MODEL, {"g2": lines, "p": [["*", "*"]]})
        del lines
    gc.collect()
    print(rss_bytes() - before)
    del keep
    return 0


def measure_memory(results: Results, customers: int, tickets: int) -> None:
    """Resident memory per ticket of carteira's store, the floor and casbin (fresh processes)."""
    for kind, who in (
        ("carteira", "carteira in memory"),
        ("floor", "floor"),
        ("casbin", "casbin (either model)"),
    ):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", kind, str(tickets)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.put("memory per ticket", who, customers, int(out.stdout.split()[-1]) / tickets)


# -- one size ---------------------------------------------------------------------------------


def run_size(customers: int, results: Results, args: argparse.Namespace) -> None:
    """Every measure at one size."""
    scale = customers / 100_000
    log(f"{customers:,} customers: building the world in memory")
    started = time.perf_counter()
    world = build(scale, tickets_per_customer=args.tickets_per_customer)
    gc.collect()
    gc.freeze()
    sizes = world.sizes
    results.sizes[customers] = asdict(sizes)
    results.sizes[customers]["build_seconds"] = time.perf_counter() - started
    bench = prepare(world, customers, results, args)
    log("  carteira in memory")
    app = memory_app(world)
    measure_visibility(bench, carteira_subjects("carteira in memory", app), args.agree)
    measure_pure_routing(bench)
    measure_service_routing(bench, "carteira in memory", app)
    for name in ("casbin graph", "casbin rbac"):
        log(f"  {name}: loading")
        start = time.perf_counter()
        subjects = casbin_subjects(name, world)
        results.sizes[customers][f"{name} load_seconds"] = time.perf_counter() - start
        # The rbac model evaluates its matcher once per policy line: fewer checked pairs.
        checked = args.agree if name == "casbin graph" else max(20, args.agree // 10)
        log(f"  {name}: measuring")
        measure_visibility(bench, subjects, checked)
        del subjects
        gc.collect()
    for kind in args.storages:
        log(f"  {kind}: building")
        with sql_app(kind, world, args) as (sql, store):
            name = f"carteira {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}"
            log(f"  {kind}: measuring")
            measure_visibility(bench, carteira_subjects(name, sql), args.agree // 4)
            measure_service_routing(bench, name, sql)
            results.put(
                "memory per ticket", name, customers, disk_bytes_per_ticket(store, sizes.tickets)
            )
    gc.unfreeze()
    del bench, world, app
    gc.collect()
    log("  memory in fresh processes")
    measure_memory(results, customers, sizes.tickets)


# -- tables and plots ---------------------------------------------------------------------------

RATES = ("can_view customer", "can_view ticket", "routing")
UNITS = {
    "can_view customer": "checks/s",
    "can_view ticket": "checks/s",
    "listing, plain agent": "ms",
    "listing, VIEW_UNASSIGNED agent": "ms",
    "routing": "decisions/s",
    "memory per ticket": "bytes",
}


def _floor_of(found: dict[str, dict[int, float]], size: int) -> float | None:
    """The floor's figure at ``size``: the median of its runs beside every implementation."""
    values = [v[size] for who, v in found.items() if who.startswith("floor") and size in v]
    return statistics.median(values) if values else None


def _shown(measure: str, value: float) -> str:
    if measure.startswith("listing"):
        return f"{value * 1000:,.1f}"
    if measure == "memory per ticket":
        return f"{value:,.0f}"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _ratio(value: float) -> str:
    if value >= 10:
        return f"{value:,.0f}x"
    return f"{value:.2g}x"


def table(results: Results, measure: str) -> str:
    """One Markdown table: implementations by size, each with its ratio to the floor."""
    found = results.measures[measure]
    sizes = sorted({s for values in found.values() for s in values})
    unit = UNITS[measure]
    better = "higher" if measure in RATES else "lower"
    lines = [
        f"| {unit} ({better} is better) | " + " | ".join(f"{s:,} customers" for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    floor_row = ["floor (dicts and sets)"]
    for size in sizes:
        base = _floor_of(found, size)
        floor_row.append("" if base is None else _shown(measure, base))
    lines.append("| " + " | ".join(floor_row) + " |")
    for who in sorted(w for w in found if not w.startswith("floor")):
        cells = [who]
        for size in sizes:
            value = found[who].get(size)
            pair = found.get(f"floor (with {who})", {}).get(size)
            if value is None:
                cells.append("")
            elif pair is None:
                base = _floor_of(found, size)
                ratio = "" if base is None else f" ({_ratio(value / base)})"
                cells.append(_shown(measure, value) + ratio)
            else:
                cells.append(f"{_shown(measure, value)} ({_ratio(value / pair)})")
        lines.append("| " + " | ".join(cells) + " |")
    notes = results.notes.get(measure)
    if notes:
        lines.append("")
        lines += [f"- {s:,} customers: {notes[s]}." for s in sorted(notes)]
    return "\n".join(lines)


def plot(results: Results, measure: str, path: Path) -> None:
    """A log-log PNG of how ``measure`` grows with the number of customers."""
    plt.switch_backend("Agg")
    found = results.measures[measure]
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
    lines = {w: v for w, v in found.items() if not w.startswith("floor")}
    sizes = sorted({s for v in found.values() for s in v})
    floor = [(s, _floor_of(found, s)) for s in sizes]
    scale = 1000 if measure.startswith("listing") else 1
    axes.plot(
        [s for s, v in floor if v is not None],
        [v * scale for _, v in floor if v is not None],
        "k--",
        marker="o",
        label="floor (dicts and sets)",
    )
    for who in sorted(lines):
        points = sorted(lines[who].items())
        axes.plot([s for s, _ in points], [v * scale for _, v in points], marker="o", label=who)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("customers (two tickets each)")
    axes.set_ylabel(UNITS[measure])
    axes.set_title(measure)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def slug(measure: str) -> str:
    """A file name for ``measure``."""
    return "".join(c if c.isalnum() else "-" for c in measure.lower()).strip("-").replace("--", "-")


def markdown(results: Results, command: str) -> str:
    """The generated part of docs/performance.md."""
    parts = [
        "Generated by `benchmarks/report.py`; do not edit by hand. Reproduce with:",
        "",
        "```console",
        f"$ {command}",
        "```",
        "",
        f"Wall time of the run: {results.args['wall_minutes']:.0f} minutes.",
        "",
        "| machine | |",
        "|---|---|",
    ]
    for key, value in results.machine.items():
        parts.append(f"| {key} | {value} |")
    parts.append("")
    parts.append(
        "| size | managers | portfolios | organizations | customers | tickets | built in |"
    )
    parts.append("|---|---:|---:|---:|---:|---:|---:|")
    for size, found in sorted(results.sizes.items()):
        parts.append(
            f"| {size:,} | {found['managers']:,} | {found['portfolios']:,} "
            f"| {found['organizations']:,} | {found['customers']:,} | {found['tickets']:,} "
            f"| {found['build_seconds']:.0f} s |"
        )
    for measure in results.measures:
        parts += [
            "",
            f"### {measure[0].upper()}{measure[1:]}",
            "",
            table(results, measure),
            "",
            f"![{measure}](img/perf-{slug(measure)}.png)",
        ]
    return "\n".join(parts) + "\n"


def write_document(path: Path, generated: str) -> None:
    """Replace what lies between the report markers of ``path``."""
    text = path.read_text(encoding="utf-8")
    begin, end = text.index(MARK_BEGIN) + len(MARK_BEGIN), text.index(MARK_END)
    path.write_text(text[:begin] + "\n" + generated + text[end:], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="customers")
    parser.add_argument("--tickets-per-customer", type=float, default=2)
    parser.add_argument("--samples", type=int, default=5_000, help="pairs and routing cases")
    parser.add_argument("--agree", type=int, default=1_000, help="answers checked first")
    parser.add_argument("--routes", type=int, default=1_000, help="Carteira.route cases timed")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per rate measure")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs; the median is kept")
    parser.add_argument(
        "--walk-budget", type=float, default=20.0, help="seconds before a page walk stops"
    )
    parser.add_argument("--storages", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres", default=os.environ.get("CARTEIRA_BENCH_POSTGRES", POSTGRES_URL)
    )
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/report.json")
    parser.add_argument("--document", type=Path, default=ROOT / "docs/performance.md")
    parser.add_argument("--plots", type=Path, default=ROOT / "docs/img")
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: redraw plots and tables from a run"
    )
    args = parser.parse_args(argv)
    if args.memory_child:
        return memory_child(args.memory_child[0], int(args.memory_child[1]))
    if args.from_json:
        publish(load(args.from_json), args.plots, args.document)
        return 0
    args.storages = [s for s in args.storages.split(",") if s]
    started = time.perf_counter()
    found = machine()
    found["casbin"] = metadata.version("casbin")
    found["sqlalchemy"] = metadata.version("sqlalchemy")
    found["sqlite"] = sqlite3.sqlite_version
    if "postgresql" in args.storages:
        found["postgresql"] = _server_version(args.postgres)
    results = Results(found, {k: v for k, v in vars(args).items() if k != "memory_child"})
    for customers in (int(s) for s in args.sizes.split(",")):
        run_size(customers, results, args)
    results.machine["load_average_end"] = os.getloadavg()[0]
    results.args["wall_minutes"] = (time.perf_counter() - started) / 60
    given = list(argv if argv is not None else sys.argv[1:])
    command = " ".join(
        ["make performance"] if not given else [".venv/bin/python", "benchmarks/report.py", *given]
    )
    results.args["command"] = command
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(asdict(results), indent=1, default=str) + "\n", encoding="utf-8"
    )
    print(publish(results, args.plots, args.document))
    return 0


def publish(results: Results, plots: Path, document: Path) -> str:
    """Draw the plots and write the tables into ``document``; return the tables."""
    plots.mkdir(parents=True, exist_ok=True)
    for measure in results.measures:
        plot(results, measure, plots / f"perf-{slug(measure)}.png")
    generated = markdown(results, results.args["command"])
    write_document(document, generated)
    return generated


def load(path: Path) -> Results:
    """The results of an earlier run, as ``--json`` wrote them."""
    raw = json.loads(path.read_text(encoding="utf-8"))

    def by_size(values: dict[str, Any]) -> dict[int, Any]:
        return {int(size): value for size, value in values.items()}

    return Results(
        raw["machine"],
        raw["args"],
        by_size(raw["sizes"]),
        {m: {who: by_size(v) for who, v in found.items()} for m, found in raw["measures"].items()},
        {m: by_size(found) for m, found in raw["notes"].items()},
    )


def _server_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("SHOW server_version").scalar())
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
