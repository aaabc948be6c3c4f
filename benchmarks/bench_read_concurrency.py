"""Four reader processes on one database, with and without a writer (ST-6, issue 13).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_read_concurrency.py --scale 1 --seconds 20 \
        --json benchmarks/results/read-concurrency.json

The world of ``world.py`` (``--scale 1``: 100,000 customers, two tickets each) is written
once into a SQLite file and once into a PostgreSQL schema of its own. Then, for each
database and each reader kind, ``--readers`` processes read for ``--seconds``: first
alone, then beside one writer process. A reader checks sampled (manager, customer) and
(manager, ticket) pairs one call at a time, either through ``Carteira.can_view`` (each
call a read-only unit of work) or through the hand-written one-statement floor of
``bench_query_side.py`` in its own read-only transaction. The writer registers customers
and sets their portfolio, one command at a time, through ``Carteira``.

Reported per run: reads per second (all readers), read latency p50, p99 and max, read
errors; the writer's commands per second, latency p50, p99 and max, and errors. Readers
and writer start together on a barrier.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any

from bench_query_side import SqlFloor
from bench_sql_storage import POSTGRES_URL, _postgres, _settle, build_world
from bench_visibility_routing import machine
from sqlalchemy import text
from world import NOW, TENANT

from carteira import Carteira, ManualClock, Principal
from carteira.adapters.sql import SqlStore


def _percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _timed(seconds: float, start: Any, action: Callable[[int], object]) -> dict[str, Any]:
    """Run ``action(n)`` for n = 0, 1, ... for ``seconds`` after the barrier; time each."""
    times: list[float] = []
    errors = 0
    start.wait()
    began = perf_counter()
    n = 0
    while perf_counter() - began < seconds:
        t = perf_counter()
        try:
            action(n)
        except Exception:  # any failure counts; the benchmark reports them
            errors += 1
        times.append(perf_counter() - t)
        n += 1
    return {"times": times, "errors": errors, "seconds": perf_counter() - began}


def _reader(
    url: str, kind: str, pairs: list[tuple[str, str, str]], seconds: float, start: Any, out: Any
) -> None:
    store = SqlStore(url, create=False)
    app = Carteira(store.unit_of_work, clock=ManualClock(NOW), attempts=1)
    floor = SqlFloor(store.engine.url)

    def read(n: int) -> object:
        subject, manager, item = pairs[n % len(pairs)]
        if kind == "carteira":
            return app.can_view(Principal.manager(TENANT, manager), subject, item)
        if subject == "customer":
            return floor.sees_customer(manager, item)
        return floor.sees_ticket(manager, item)

    found = _timed(seconds, start, read)
    store.close()
    floor.close()
    out.put(found)


def _writer(url: str, portfolios: list[str], seconds: float, start: Any, out: Any) -> None:
    store = SqlStore(url, create=False)
    app = Carteira(store.unit_of_work, clock=ManualClock(NOW))
    host = Principal.system(TENANT)

    def write(n: int) -> None:
        customer = f"w{os.getpid()}-{n}"
        app.register_customer(host, customer, f"Written {n}")
        app.set_customer_membership(host, customer, portfolio=portfolios[n % len(portfolios)])

    found = _timed(seconds, start, write)
    store.close()
    out.put(found)


def _run(
    url: str,
    kind: str,
    pairs: list[Any],
    portfolios: list[str],
    args: argparse.Namespace,
    *,
    writing: bool,
    readers: int,
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(readers + (1 if writing else 0))
    reads, writes = context.Queue(), context.Queue()
    processes = [
        context.Process(
            target=_reader, args=(url, kind, pairs[i::readers], args.seconds, start, reads)
        )
        for i in range(readers)
    ]
    if writing:
        processes.append(
            context.Process(target=_writer, args=(url, portfolios, args.seconds, start, writes))
        )
    for process in processes:
        process.start()
    done = [reads.get() for _ in range(readers)]
    writer = writes.get() if writing else None
    for process in processes:
        process.join()
    found: dict[str, Any] = {}
    if done:
        times = [t for r in done for t in r["times"]]
        found |= {
            "reads per s": len(times) / statistics.mean(r["seconds"] for r in done),
            "read p50 ms": _percentile(times, 0.5) * 1000,
            "read p99 ms": _percentile(times, 0.99) * 1000,
            "read max ms": max(times) * 1000,
            "read errors": sum(r["errors"] for r in done),
        }
    if writer is not None:
        found |= {
            "writes per s": len(writer["times"]) / writer["seconds"],
            "write p50 ms": _percentile(writer["times"], 0.5) * 1000,
            "write p99 ms": _percentile(writer["times"], 0.99) * 1000,
            "write max ms": max(writer["times"]) * 1000,
            "write errors": writer["errors"],
        }
    return found


def _pairs(plan: Any, count: int) -> list[tuple[str, str, str]]:
    rng = random.Random(11)
    floor = plan.floor
    managers = plan.plain + plan.unassigned
    customers = list(floor.effective)
    tickets = list(floor.ticket_customer)
    found = []
    for n in range(count):
        manager = rng.choice(managers)
        if n % 2:
            found.append(("ticket", manager, rng.choice(tickets)))
        else:
            own = floor.sees_samples(manager)
            pick = rng.choice(own) if own and rng.random() < 0.5 else rng.choice(customers)
            found.append(("customer", manager, pick))
    return found


def run_database(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    store = SqlStore(url)
    with store.engine.begin() as connection:
        plan = build_world(connection, args.scale, tickets=round(200_000 * args.scale))
    _settle(store, [TENANT])
    with store.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    store.close()
    pairs = _pairs(plan, 20_000)
    portfolios = sorted(plan.floor.portfolio_managers)
    results: dict[str, Any] = {}
    runs = [("writer alone", "carteira", True, 0)]
    for kind in ("floor", "carteira"):
        runs += [
            (f"{kind} readers alone", kind, False, args.readers),
            (f"{kind} readers with a writer", kind, True, args.readers),
        ]
    for label, kind, writing, readers in runs:
        results[label] = _run(url, kind, pairs, portfolios, args, writing=writing, readers=readers)
        print(name, label, json.dumps(results[label]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": machine(), "args": vars(args) | {"json": None}}
    for database in args.database or ["sqlite", "postgresql"]:
        if database == "sqlite":
            directory = Path(tempfile.mkdtemp(prefix="carteira-read-concurrency-"))
            try:
                report[database] = run_database(database, f"sqlite:///{directory}/c.db", args)
            finally:
                shutil.rmtree(directory, ignore_errors=True)
        else:
            url, drop = _postgres(os.environ.get("CARTEIRA_TEST_POSTGRES_URL", POSTGRES_URL))
            try:
                report[database] = run_database(database, url, args)
            finally:
                drop()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
