"""ST-8: any number of processes may open a fresh database at once (issue 16).

Each process opens the store as a web worker does at start-up (creating or upgrading the
schema), then writes one customer in a tenant of its own. Before creation and upgrade
took a database lock, most of four PostgreSQL workers failed with ``UniqueViolation``
on ``pg_type_typname_nsp_index``, each creating the same tables at once.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from carteira import Carteira, Principal
from carteira.adapters.sql import SCHEMA_VERSION, SqlStore
from carteira.adapters.sql.schema import schema_version
from databases import new_schema, require_postgres

pytestmark = pytest.mark.slow  # .ci/pythons leaves it to the 3.11 run

WORKERS = 8
ROUNDS = {"sqlite": 5, "postgresql": 10}
"""Fresh databases per kind, each opened by `WORKERS` processes at once (issue 16: 10 in a row)."""


def _worker(url: str, number: int, start: Any, results: Any) -> None:
    """Open the store when every worker is ready, then register one customer."""
    start.wait()
    try:
        store = SqlStore(url)
        try:
            app = Carteira(store.unit_of_work)
            app.register_customer(Principal.system(f"w{number}"), "c1", f"Cliente {number}")
        finally:
            store.close()
        results.put((number, "ok"))
    except Exception as error:  # reported to the test, which names it
        results.put((number, f"{type(error).__name__}: {error}"))


def _start_together(url: str) -> dict[int, str]:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, n, start, results)) for n in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    found = dict(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    return found


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_st8_eight_processes_open_a_fresh_database_at_once(kind: str, tmp_path: Path) -> None:
    """ST-8: every round, all eight start, none fails, the schema is whole and each wrote."""
    for round_number in range(ROUNDS[kind]):
        if kind == "sqlite":
            url, drop = f"sqlite:///{tmp_path / f'fresh-{round_number}.db'}", None
        else:
            url, drop = new_schema(require_postgres())
        try:
            outcomes = _start_together(url)
            assert outcomes == {n: "ok" for n in range(WORKERS)}, (round_number, outcomes)
            _check_whole(url)
        finally:
            if drop is not None:
                drop()


def _check_whole(url: str) -> None:
    store = SqlStore(url)
    try:
        assert schema_version(store.engine) == SCHEMA_VERSION
        for n in range(WORKERS):
            with store.unit_of_work(f"w{n}") as uow:
                assert uow.customers.get("c1") is not None
    finally:
        store.close()
