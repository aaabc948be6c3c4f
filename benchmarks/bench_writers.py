"""Writer processes side by side on one database: no failed command, no lost update (ST-3).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_writers.py --seconds 60 \
        --json benchmarks/results/writers.json

Issue 14, row 1 measured 10-25 % of commands failing with two PostgreSQL writers in one
tenant. Here ``--processes`` writer processes run for ``--seconds`` through ``Carteira``
on one database (a PostgreSQL schema of its own; ``--database sqlite`` for a SQLite
file), first all in one tenant, then each in a tenant of its own. A writer loops over
three commands on a shared pool of customers: it registers a customer of its own, renames
a pool customer, or moves a pool customer between three portfolios. It records each
command that changed something (its result carries events) and each failure.

Then it checks, for every customer, that its version minus one equals the changes the
writers committed to it (no lost update), that the event log holds exactly one event per
committed change in position order with no gap, and that each customer's ownership
history holds one entry per committed move.

Last, ``--deletion`` customers sit in one portfolio that a process deletes while
``--small`` writers keep writing in the same tenant: the deletion must complete.
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
from collections import Counter
from pathlib import Path
from time import perf_counter
from typing import Any

from bench_sql_storage import POSTGRES_URL, _postgres
from bench_visibility_routing import machine, write_results

from carteira import (
    Carteira,
    Customer,
    Portfolio,
    Principal,
    Profile,
)
from carteira.adapters.sql import SqlStore
from carteira.events import CustomerUpdated, MembershipChanged

POOL = 50  # customers every writer of a tenant renames and moves
PORTFOLIOS = ("p0", "p1", "p2")


def _store(url: str, busy: float) -> SqlStore:
    return (
        SqlStore(url, busy_timeout=busy)
        if "://" in url
        else SqlStore.sqlite(url, busy_timeout=busy)
    )


def _setup(url: str, tenant: str) -> None:
    store = _store(url, 60)
    app = Carteira(store.unit_of_work)
    system = Principal.system(tenant)
    app.register_manager(system, "m", "M", profile=Profile.ANALYST)
    for portfolio in PORTFOLIOS:
        app.create_portfolio(system, portfolio.upper(), managers=["m"], portfolio_id=portfolio)
    for n in range(POOL):
        app.register_customer(system, f"pool{n}", f"Pool {n}")
    store.close()


def _writer(
    url: str, tenant: str, me: int, seconds: float, busy: float, start: Any
) -> dict[str, Any]:
    """Write for ``seconds``; return committed changes per customer, failures and latencies."""
    store = _store(url, busy)
    app = Carteira(store.unit_of_work)
    system = Principal.system(tenant)
    rng = random.Random(me)
    renamed: Counter[str] = Counter()
    moved: Counter[str] = Counter()
    registered: list[str] = []
    failures: list[str] = []
    times: list[float] = []
    start.wait()
    began = perf_counter()
    n = 0
    while perf_counter() - began < seconds:
        n += 1
        kind = rng.choice(("register", "rename", "move"))
        customer = f"pool{rng.randrange(POOL)}"
        t = perf_counter()
        try:
            if kind == "register":
                customer = f"w{me}-{n}"
                app.register_customer(system, customer, f"Writer {me} #{n}")
                registered.append(customer)
            elif kind == "rename":
                if app.update_customer(system, customer, name=f"{me}-{n}").events:
                    renamed[customer] += 1
            else:
                portfolio = rng.choice(PORTFOLIOS)
                if app.set_customer_membership(system, customer, portfolio=portfolio).events:
                    moved[customer] += 1
        except Exception as error:  # every failure is what this benchmark counts
            failures.append(f"{type(error).__name__}: {error}")
        times.append(perf_counter() - t)
    store.close()
    return {
        "tenant": tenant,
        "renamed": dict(renamed),
        "moved": dict(moved),
        "registered": registered,
        "failures": failures,
        "times": times,
    }


def _verify(url: str, tenant: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Check versions, events and history against what the writers say they committed."""
    store = _store(url, 60)
    app = Carteira(store.unit_of_work)
    system = Principal.system(tenant)
    renamed: Counter[str] = Counter()
    moved: Counter[str] = Counter()
    registered: list[str] = []
    for result in results:
        renamed.update(result["renamed"])
        moved.update(result["moved"])
        registered += result["registered"]
    lost = []
    for n in range(POOL):
        customer = f"pool{n}"
        with store.read_unit_of_work(tenant) as uow:
            found = uow.customers.get(customer)
        assert found is not None
        if found.version - 1 != renamed[customer] + moved[customer]:
            lost.append((customer, found.version - 1, renamed[customer] + moved[customer]))
        history = app.owner_history(system, customer)
        if len(history) != moved[customer]:
            lost.append((customer, "history", len(history), moved[customer]))
    with store.read_unit_of_work(tenant) as uow:
        missing = [c for c in registered if uow.customers.get(c) is None]
    positions, updates, moves = [], Counter[str](), Counter[str]()
    after = 0
    while True:
        page = app.read_events(system, after=after, limit=500)
        if not page:
            break
        for position, event in page:
            positions.append(position)
            if isinstance(event, CustomerUpdated):
                updates[event.customer_id] += 1
            elif isinstance(event, MembershipChanged) and event.subject_id.startswith("pool"):
                moves[event.subject_id] += 1
        after = page[-1][0]
    store.close()
    return {
        "lost_updates": lost,
        "registered_missing": missing,
        "events_dense": positions == list(range(1, len(positions) + 1)),
        "events_agree": updates == renamed and moves == moved,
    }


def _run_writers(url: str, tenants: list[str], seconds: float, busy: float) -> dict[str, Any]:
    for tenant in dict.fromkeys(tenants):
        _setup(url, tenant)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(len(tenants))
        with context.Pool(len(tenants)) as pool:
            jobs = [
                pool.apply_async(_writer, (url, tenant, me, seconds, busy, start))
                for me, tenant in enumerate(tenants)
            ]
            results = [job.get() for job in jobs]
    checks = {
        tenant: _verify(url, tenant, [r for r in results if r["tenant"] == tenant])
        for tenant in dict.fromkeys(tenants)
    }
    times = sorted(t for r in results for t in r["times"])
    failures = [f for r in results for f in r["failures"]]
    return {
        "commands": len(times),
        "commands_per_second": len(times) / seconds,
        "failed": len(failures),
        "failure_kinds": dict(Counter(f.split(":")[0] for f in failures)),
        "p50_ms": 1000 * statistics.median(times) if times else 0,
        "p99_ms": 1000 * times[min(len(times) - 1, int(0.99 * len(times)))] if times else 0,
        "max_ms": 1000 * times[-1] if times else 0,
        "checks": checks,
    }


def _deleter(url: str, tenant: str, busy: float, start: Any) -> dict[str, Any]:
    store = _store(url, busy)
    app = Carteira(store.unit_of_work)
    start.wait()
    t = perf_counter()
    try:
        app.delete_portfolio(Principal.system(tenant), "big")
        error = None
    except Exception as failure:  # what this benchmark is about
        error = f"{type(failure).__name__}: {failure}"
    store.close()
    return {"seconds": perf_counter() - t, "error": error}


def _run_deletion(
    url: str, customers: int, small: int, seconds: float, busy: float
) -> dict[str, Any]:
    tenant = "bulk"
    _setup(url, tenant)
    store = _store(url, 60)
    with store.unit_of_work(tenant) as uow:
        uow.portfolios.add(Portfolio(tenant, "big", "Big", managers=("m",)))
        uow.customers.add_many(
            Customer(tenant, f"big{n}", f"Big {n}", portfolio="big") for n in range(customers)
        )
        uow.commit()
    store.close()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(small + 1)
        with context.Pool(small + 1) as pool:
            deletion = pool.apply_async(_deleter, (url, tenant, busy, start))
            writers = [
                pool.apply_async(_writer, (url, tenant, 100 + me, seconds, busy, start))
                for me in range(small)
            ]
            deleted = deletion.get()
            results = [job.get() for job in writers]
    check = _verify(url, tenant, results)
    return {
        "customers": customers,
        "deletion_seconds": deleted["seconds"],
        "deletion_error": deleted["error"],
        "small_commands": sum(len(r["times"]) for r in results),
        "small_failed": sum(len(r["failures"]) for r in results),
        "small_max_ms": 1000 * max((t for r in results for t in r["times"]), default=0),
        "checks": check,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="postgresql", choices=["postgresql", "sqlite"])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--busy-timeout", type=float, default=5.0, help="SqlStore(busy_timeout=)")
    parser.add_argument("--deletion", type=int, default=100_000, help="customers; 0 skips it")
    parser.add_argument("--small", type=int, default=2, help="writers beside the deletion")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="carteira-writers-")
    drop = None
    if args.database == "postgresql":
        url, drop = _postgres(os.environ.get("CARTEIRA_TEST_POSTGRES_URL", POSTGRES_URL))
    else:
        url = str(Path(directory) / "writers.db")
    found: dict[str, Any] = {"machine": machine(), "args": vars(args) | {"json": str(args.json)}}
    try:
        one = ["acme"] * args.processes
        found["one_tenant"] = _run_writers(url, one, args.seconds, args.busy_timeout)
        print("one tenant:", json.dumps(found["one_tenant"], default=str), flush=True)
        each = [f"t{n}" for n in range(args.processes)]
        found["own_tenants"] = _run_writers(url, each, args.seconds, args.busy_timeout)
        print("own tenants:", json.dumps(found["own_tenants"], default=str), flush=True)
        if args.deletion:
            found["deletion"] = _run_deletion(
                url, args.deletion, args.small, args.seconds, args.busy_timeout
            )
            print("deletion:", json.dumps(found["deletion"], default=str), flush=True)
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(directory, ignore_errors=True)
    write_results(args.json, found)


if __name__ == "__main__":
    main()
