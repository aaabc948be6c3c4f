"""Page walk of a crowded SQL scope: one walk per page against ``WALKS`` walks (ST-4).

Run on demand::

    .venv/bin/python benchmarks/bench_page_walk.py --scale 1

Builds the world of ``bench_sql_storage`` (two tickets per customer) in a SQLite file,
then walks the first pages of 500 of a VIEW_UNASSIGNED agent's scope with
``carteira.adapters.sql.tickets.WALKS`` set to 1 (before) and to its default, twice each,
alternating, and prints the time per page.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench_sql_storage import _settle, build_world
from world import TENANT

import carteira.adapters.sql.tickets as sql_tickets
from carteira.adapters.sql import SqlStore
from carteira.policies import Scope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 customers")
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    store = SqlStore.sqlite(Path(tempfile.mkdtemp()) / "walk.db")
    with store.engine.begin() as connection:
        plan = build_world(connection, args.scale, round(args.scale * 200_000))
    _settle(store, [TENANT])
    with store.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    manager = plan.unassigned[0]
    identities = frozenset(plan.floor.identities[manager])
    portfolios = frozenset(p for i in identities for p in plan.floor.managed[i])
    scope = Scope(
        portfolios=portfolios, account_managers=identities, assignees=identities, outside=True
    )
    default = sql_tickets.WALKS
    for walks in (1, default, 1, default):
        sql_tickets.WALKS = walks
        after, found, start = None, 0, time.perf_counter()
        for _ in range(args.pages):
            with store.unit_of_work(TENANT) as uow:
                page = uow.tickets.in_scope(scope, after=after, limit=500, open_only=False)
            found += len(page)
            if len(page) < 500:
                break
            after = page[-1].id
        elapsed = time.perf_counter() - start
        print(f"WALKS={walks}: {found:,} tickets, {elapsed * 1000 / (found / 500):.1f} ms a page")
    store.close()


if __name__ == "__main__":
    main()
