"""Relays draining the outbox: events per second against a hand-written floor (EV-2).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_relay.py --tenants 50 --events 400 \
        --json benchmarks/results/relay.json

``--tenants`` tenants hold ``--events`` waiting events each. Timed on a SQLite file and a
PostgreSQL schema, each drain of the whole outbox from the same starting state, with a
``publish`` that does nothing (the broker left out):

- one `Relay`, batches of 100, and four relays in four threads;
- the floor: the statement a careful engineer writes by hand, one per batch of 100,
  ``UPDATE carteira_events SET published = true WHERE (tenant, position) IN (SELECT ...
  WHERE NOT published ORDER BY tenant, position LIMIT 100 [FOR UPDATE SKIP LOCKED])
  RETURNING event``, one thread. It keeps no lease and no order across batches within a
  tenant, and a publisher that dies after it commits loses its batch: what carteira's
  leases pay for.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any

from bench_sql_storage import database_arguments, on_each_database
from sqlalchemy import text

from carteira import Relay
from carteira.adapters.sql import SqlStore
from carteira.adapters.sql.schema import events as events_table
from carteira.events import Event, PortfolioCreated

START_EVENT = dict(actor="system", description=None, journey=None, managers=())


def _fill(store: SqlStore, tenants: int, per_tenant: int) -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    for t in range(tenants):
        tenant = f"bench-relay-{t:03d}"
        batch: list[Event] = [
            PortfolioCreated(
                tenant=tenant, at=at, portfolio_id=f"p{n}", name=f"P{n}", **START_EVENT
            )
            for n in range(per_tenant)
        ]
        with store.unit_of_work(tenant) as uow:
            uow.events.append(batch)
            uow.commit()


def _reset(store: SqlStore) -> None:
    with store.engine.begin() as connection:
        connection.execute(events_table.update().values(published=False))
        connection.execute(text("DELETE FROM carteira_outbox_leases"))


def _drain(store: SqlStore, relays: int) -> float:
    def work() -> None:
        relay = Relay(store.outbox(), lambda t, p, e: None, batch=100, lease=timedelta(seconds=60))
        while relay.run_once():
            pass

    started = perf_counter()
    threads = [threading.Thread(target=work) for _ in range(relays)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return perf_counter() - started


def _floor(store: SqlStore) -> float:
    lock = " FOR UPDATE SKIP LOCKED" if store.dialect == "postgresql" else ""
    statement = text(
        "UPDATE carteira_events SET published = true WHERE (tenant, position) IN ("
        "SELECT tenant, position FROM carteira_events WHERE NOT published "
        f"ORDER BY tenant, position LIMIT 100{lock}) RETURNING event"
    )
    started = perf_counter()
    while True:
        with store.engine.begin() as connection:
            if not connection.execute(statement).all():
                break
    return perf_counter() - started


def main() -> None:
    """Run the benchmark on each database and print (and optionally save) its figures."""
    args = database_arguments(__doc__ or "", rounds=3, tenants=50, events=400)
    total = args.tenants * args.events

    def build(database: str, store: SqlStore) -> None:
        _fill(store, args.tenants, args.events)
        if database == "postgresql":
            with store.engine.begin() as connection:
                connection.execute(text("ANALYZE carteira_events"))

    def measure(store: SqlStore) -> dict[str, Any]:
        found: dict[str, Any] = {}
        cases = {
            "floor: one UPDATE ... RETURNING per batch": lambda: _floor(store),
            "one relay": lambda: _drain(store, 1),
            "four relays, four threads": lambda: _drain(store, 4),
        }
        for name, run in cases.items():
            times = []
            for _ in range(args.rounds):
                _reset(store)
                times.append(run())
            best = sorted(times)[len(times) // 2]
            found[name] = {"seconds": round(best, 3), "events_per_s": round(total / best)}
        floor = found["floor: one UPDATE ... RETURNING per batch"]["seconds"]
        for entry in found.values():
            entry["x_floor"] = round(entry["seconds"] / floor, 2)
        return found

    on_each_database(args, "bench-relay", build, measure)


if __name__ == "__main__":
    main()
