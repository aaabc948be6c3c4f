"""The query side on SQL against a hand-written SQL floor, in one run (issue 13, ST-6, ST-7).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_query_side.py --scale 1 --scale 10 \
        --json benchmarks/results/query-side.json

``--scale 1`` is 100,000 customers, ``--scale 10`` 1,000,000 (two tickets each). The world
is ``world.py``'s, written straight into the tables by ``bench_sql_storage.build_world``
in a SQLite file and in a PostgreSQL schema of its own (the tests' server,
``CARTEIRA_TEST_POSTGRES_URL``), then ``ANALYZE``.

Measured per database, ``--rounds`` rounds, carteira's and the floor's runs interleaved,
each figure the median of the rounds:

- ``can_view`` checks per second for customers and for tickets (VS-2), on ``--pairs``
  sampled (manager, object) pairs, about half granted;
- a plain agent's first page of 50 tickets and his walk in pages of 500 (VS-3, ST-4),
  milliseconds per agent, ``--agents`` agents, decoded into ``Ticket`` s on both sides;
- ``route`` decisions per second by the host, three departments mixed (a queue, an
  automatic one with a capacity, one where the customer chooses), ``--pairs``/2 cases,
  decisions checked equal first;
- ``SqlStore(connection)`` on an existing engine, milliseconds per store.

The floor is what a careful engineer writes by hand for the same question over carteira's
tables and indexes (``text()`` through SQLAlchemy Core, the same driver): one statement
per check and per page, two per routing decision (the department with the owners, then
the candidates, decided by a few lines of Python), each call in its own read-only
transaction, as carteira runs each call. Before anything is timed, the checks and pages
of both are checked equal to the dict-and-set floor of ``world.py``; the run stops at the
first difference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any

from bench_sql_storage import POSTGRES_URL, Plan, _postgres, _settle, build_world
from bench_visibility_routing import machine
from sqlalchemy import URL, Engine, create_engine, text
from world import NOW, TENANT, _departments

from carteira import (
    Carteira,
    ChoiceMode,
    InMemoryPresence,
    ManualClock,
    Principal,
    RoutingMode,
    Ticket,
)
from carteira.adapters.sql import SqlStore
from carteira.adapters.sql.codec import TICKETS
from carteira.adapters.sql.derived import bit_of, microseconds
from carteira.domain.permissions import Permission
from carteira.serialization import make_converter

ROOT = Path(__file__).resolve().parent.parent
CONVERTER = make_converter()
Decision = tuple[str, str | None, tuple[str, ...]]

# The floor: VS-1, VS-2 (a)-(d), MG-4, MG-5 for the customer ``c``, written by hand.
IDENTITIES = """(SELECT :manager UNION ALL SELECT a.manager_id FROM carteira_manager_absences a
  WHERE a.tenant = :tenant AND a.backup_id = :manager AND a.starts_us <= :now
  AND a.ends_us > :now)"""
SEES_CUSTOMER = f"""(
    s.segmentation = false
    OR (m.permission_bits & :view_all) <> 0
    OR (c.unplaced AND o.portfolio IS NULL AND (m.permission_bits & :view_unassigned) <> 0)
    OR EXISTS (SELECT 1 FROM carteira_portfolio_managers pm
      WHERE pm.tenant = :tenant AND pm.portfolio_id = COALESCE(c.portfolio, o.portfolio)
      AND pm.manager_id IN {IDENTITIES})
    OR EXISTS (SELECT 1 FROM carteira_customer_managers cm
      WHERE cm.tenant = :tenant AND cm.customer_id = c.id AND cm.manager_id IN {IDENTITIES}))"""
AROUND_CUSTOMER = """LEFT JOIN carteira_organizations o
    ON o.tenant = c.tenant AND o.id = c.organization
  JOIN carteira_managers m ON m.tenant = :tenant AND m.id = :manager AND m.active
  LEFT JOIN carteira_settings s ON s.tenant = :tenant"""
CUSTOMER_SQL = f"""SELECT EXISTS (SELECT 1 FROM carteira_customers c {AROUND_CUSTOMER}
  WHERE c.tenant = :tenant AND c.id = :customer AND {SEES_CUSTOMER})"""
# A ticket: he sees its customer, or he (active) is its assignee.
TICKET_SQL = f"""SELECT EXISTS (SELECT 1 FROM carteira_tickets t
  JOIN carteira_customers c ON c.tenant = t.tenant AND c.id = t.customer {AROUND_CUSTOMER}
  WHERE t.tenant = :tenant AND t.id = :ticket AND (t.assignee = :manager OR {SEES_CUSTOMER}))"""


# The floor of a ticket page: the tickets a plain agent sees, in id order, decoded.
MANAGED = f"""(SELECT pm.portfolio_id FROM carteira_portfolio_managers pm
  WHERE pm.tenant = :tenant AND pm.manager_id IN {IDENTITIES})"""
PAGE_SQL = f"""SELECT {{columns}} FROM carteira_tickets t
WHERE t.tenant = :tenant AND t.id > :after AND (
  t.assignee = :manager OR t.customer IN (
    SELECT c.id FROM carteira_customers c
      WHERE c.tenant = :tenant AND c.portfolio IN {MANAGED}
    UNION ALL SELECT c.id FROM carteira_customers c JOIN carteira_organizations o
      ON o.tenant = c.tenant AND o.id = c.organization
      WHERE c.tenant = :tenant AND c.portfolio IS NULL AND o.portfolio IN {MANAGED}
    UNION ALL SELECT cm.customer_id FROM carteira_customer_managers cm
      WHERE cm.tenant = :tenant AND cm.manager_id IN {IDENTITIES}))
ORDER BY t.id LIMIT :limit"""


# The floor of a routing decision (RT-1, RT-2, RT-7, MG-5): two statements, then a few
# lines of Python. First the department and the customer's owners (MB-1, MB-3)...
ROUTE_OWNERS_SQL = """SELECT 'department', d.routing, d.choice, d.capacity
  FROM carteira_departments d WHERE d.tenant = :tenant AND d.id = :department
UNION ALL SELECT 'owners', c.account_managers, p.managers, NULL FROM carteira_customers c
  LEFT JOIN carteira_organizations o ON o.tenant = c.tenant AND o.id = c.organization
  LEFT JOIN carteira_portfolios p
    ON p.tenant = c.tenant AND p.id = COALESCE(c.portfolio, o.portfolio)
  WHERE c.tenant = :tenant AND c.id = :customer"""
# ... then every owner and every backup standing in for one now, with his open load and
# last assignment in the department.
ROUTE_CANDIDATES_SQL = """SELECT m.id, m.active,
  (SELECT a.backup_id FROM carteira_manager_absences a WHERE a.tenant = m.tenant
    AND a.manager_id = m.id AND a.starts_us <= :now AND a.ends_us > :now
    ORDER BY a.position LIMIT 1),
  (SELECT count(*) FROM carteira_tickets t WHERE t.tenant = m.tenant
    AND t.department = :department AND t.assignee = m.id AND t.status = 'open'),
  (SELECT max(t.assigned_at_us) FROM carteira_tickets t WHERE t.tenant = m.tenant
    AND t.department = :department AND t.assignee = m.id AND t.status = 'open')
FROM carteira_managers m WHERE m.tenant = :tenant AND m.id IN (
  SELECT value FROM {ids}
  UNION SELECT a.backup_id FROM carteira_manager_absences a WHERE a.tenant = :tenant
    AND a.manager_id IN (SELECT value FROM {ids}) AND a.starts_us <= :now AND a.ends_us > :now)"""
JSON_IDS = {
    "sqlite": "json_each(:ids)",
    "postgresql": "json_array_elements_text(CAST(:ids AS json)) AS ids(value)",
}


class SqlFloor:
    """The hand-written checks, each one statement in its own read-only transaction.

    On an engine of its own, made from the database's URL the plain way: SQLite's driver
    then begins no transaction for a ``SELECT`` (the statement is its own snapshot and
    takes no write lock); PostgreSQL's connections run ``REPEATABLE READ, READ ONLY``.
    """

    def __init__(self, url: URL) -> None:
        self._engine = create_engine(url)
        self._postgres = self._engine.dialect.name == "postgresql"
        self._fixed = {
            "tenant": TENANT,
            "now": microseconds(NOW),
            "view_all": bit_of(Permission.VIEW_ALL),
            "view_unassigned": bit_of(Permission.VIEW_UNASSIGNED),
        }
        self._customer = text(CUSTOMER_SQL)
        self._ticket = text(TICKET_SQL)
        columns = ", ".join(f"t.{c.name}" for c in TICKETS.columns)
        self._page = text(PAGE_SQL.format(columns=columns))
        self._owners = text(ROUTE_OWNERS_SQL)
        ids = JSON_IDS[self._engine.dialect.name]
        self._candidates = text(ROUTE_CANDIDATES_SQL.format(ids=ids))

    def close(self) -> None:
        """Release the floor's connections."""
        self._engine.dispose()

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        with self._engine.connect() as connection:
            if self._postgres:
                connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            with connection.begin():
                yield connection

    def sees_customer(self, manager: str, customer: str) -> bool:
        with self._reading() as connection:
            values = {**self._fixed, "manager": manager, "customer": customer}
            return bool(connection.execute(self._customer, values).scalar())

    def sees_ticket(self, manager: str, ticket: str) -> bool:
        with self._reading() as connection:
            values = {**self._fixed, "manager": manager, "ticket": ticket}
            return bool(connection.execute(self._ticket, values).scalar())

    def page(self, manager: str, after: str, limit: int) -> list[Ticket]:
        """Return a plain agent's next page of visible tickets, decoded as carteira does."""
        with self._reading() as connection:
            values = {**self._fixed, "manager": manager, "after": after, "limit": limit}
            rows = connection.execute(self._page, values).mappings().all()
        return [TICKETS.entity(CONVERTER, TENANT, row) for row in rows]

    def route(self, customer: str, department: str, online: frozenset[str]) -> Decision:
        """Where a new conversation goes: the owner chain, then the queue (RT-1, RT-2, RT-7)."""
        values = {**self._fixed, "customer": customer, "department": department}
        with self._reading() as connection:
            rows = {row[0]: row[1:] for row in connection.execute(self._owners, values)}
            routing, choice, capacity = rows["department"]
            if routing == RoutingMode.QUEUE.value:
                return ("queue", None, ())
            owners, managers, _ = rows["owners"]
            accounts: list[str] = json.loads(owners)
            portfolio: list[str] = [] if managers is None else json.loads(managers)
            values["ids"] = json.dumps([*accounts, *portfolio])
            found = {row[0]: row[1:] for row in connection.execute(self._candidates, values)}
        chooses = choice == ChoiceMode.CUSTOMER_CHOOSES.value
        backup_of = {m: facts[1] for m, facts in found.items() if facts[1] is not None}
        steps = [accounts] if chooses else [accounts[:1], accounts[1:]]
        steps.append([backup_of[m] for m in accounts if m in backup_of])
        steps.append([*portfolio, *(backup_of[m] for m in portfolio if m in backup_of)])
        seen: set[str] = set()
        for step in steps:
            available = []
            for manager in step:
                if manager in seen:
                    continue
                seen.add(manager)
                facts = found.get(manager)
                if (
                    facts is not None
                    and facts[0]
                    and manager not in backup_of
                    and manager in online
                    and (capacity is None or facts[2] < capacity)
                ):
                    available.append(manager)
            if len(available) == 1:
                return ("assign", available[0], (available[0],))
            if available and chooses:
                return ("offer", None, tuple(available))
            if available:
                best = min(
                    available,
                    key=lambda m: (found[m][2], found[m][3] is not None, found[m][3] or 0, m),
                )
                return ("assign", best, tuple(available))
        return ("queue", None, ())


def _pairs(plan: Plan, count: int, rng: random.Random, tickets: bool) -> list[tuple[str, str]]:
    """About half granted: a manager's own customers mixed with random ones."""
    floor = plan.floor
    managers = plan.plain + plan.unassigned
    customers = list(floor.effective)
    pairs = []
    while len(pairs) < count:
        manager = rng.choice(managers)
        own = floor.sees_samples(manager)
        customer = rng.choice(own) if own and rng.random() < 0.5 else rng.choice(customers)
        if tickets:
            owned = floor.tickets_of.get(customer)
            if not owned:
                continue
            pairs.append((manager, rng.choice(owned)))
        else:
            pairs.append((manager, customer))
    return pairs


def _rate(check: Callable[[str, str], bool], pairs: list[tuple[str, str]]) -> float:
    start = perf_counter()
    for manager, item in pairs:
        check(manager, item)
    return len(pairs) / (perf_counter() - start)


def _agree(name: str, expected: list[bool], actual: list[bool]) -> None:
    if expected != actual:
        wrong = [i for i, (e, a) in enumerate(zip(expected, actual, strict=True)) if e != a]
        sys.exit(f"{name}: {len(wrong)} answers differ from the dict-and-set floor")


def run_database(
    name: str, store: SqlStore, plan: Plan, args: argparse.Namespace
) -> dict[str, Any]:
    rng = random.Random(7)
    online = frozenset(m for n, m in enumerate(sorted(plan.floor.active)) if n % 5)
    presence = InMemoryPresence()
    for manager in online:
        presence.set_online(TENANT, manager)
    app = Carteira(store.unit_of_work, clock=ManualClock(NOW), presence=presence)
    floor = SqlFloor(store.engine.url)
    results: dict[str, Any] = {}
    for kind, ticketed in (("customer", False), ("ticket", True)):
        pairs = _pairs(plan, args.pairs, rng, ticketed)
        oracle = plan.floor.sees_ticket if ticketed else plan.floor.sees_customer
        expected = [oracle(m, i) for m, i in pairs]

        def carteira(manager: str, item: str, kind: str = kind) -> bool:
            return app.can_view(Principal.manager(TENANT, manager), kind, item)

        by_hand = floor.sees_ticket if ticketed else floor.sees_customer
        _agree(f"{name} carteira {kind}", expected, [carteira(m, i) for m, i in pairs])
        _agree(f"{name} floor {kind}", expected, [by_hand(m, i) for m, i in pairs])
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(_rate(carteira, pairs))
            theirs.append(_rate(by_hand, pairs))
        results[f"can_view {kind}"] = {
            "carteira per s": statistics.median(ours),
            "floor per s": statistics.median(theirs),
            "ratio": statistics.median(o / t for o, t in zip(ours, theirs, strict=True)),
            "granted": sum(expected) / len(expected),
        }
    results.update(_pages(app, floor, plan, args))
    results["route"] = _routes(app, floor, plan, online, args)
    results["SqlStore(connection) ms"] = _construction(store.engine)
    floor.close()
    return results


def _walk(fetch: Callable[[str, int], list[Ticket]], size: int) -> list[str]:
    found: list[str] = []
    after = ""
    while True:
        page = fetch(after, size)
        found += [t.id for t in page]
        if len(page) < size:
            return found
        after = page[-1].id


def _pages(app: Carteira, floor: SqlFloor, plan: Plan, args: argparse.Namespace) -> dict[str, Any]:
    """A plain agent's first page of 50 and his walk in pages of 500, against the floor."""
    rng = random.Random(5)
    managers = rng.sample(plan.plain, min(len(plan.plain), args.agents))

    def ours(manager: str) -> Callable[[str, int], list[Ticket]]:
        principal = Principal.manager(TENANT, manager)

        def fetch(after: str, size: int) -> list[Ticket]:
            page = app.visible_tickets(principal, after=after or None, limit=size)
            return list(page.items)

        return fetch

    for manager in managers:
        expected = plan.floor.visible_tickets(manager)
        if (
            _walk(ours(manager), 500) != expected
            or _walk(partial(floor.page, manager), 500) != expected
        ):
            sys.exit(f"the page walks of {manager} differ from the dict-and-set floor")
    found: dict[str, Any] = {}
    for name, size, walk in (("first page of 50", 50, False), ("walk of pages of 500", 500, True)):
        ours_times, floor_times = [], []
        for _ in range(args.rounds):
            for who, times in ((ours, ours_times), (lambda m: partial(floor.page, m), floor_times)):
                start = perf_counter()
                for manager in managers:
                    fetch = who(manager)
                    _walk(fetch, size) if walk else fetch("", size)
                times.append((perf_counter() - start) / len(managers))
        found[name] = {
            "carteira ms": statistics.median(ours_times) * 1000,
            "floor ms": statistics.median(floor_times) * 1000,
            "ratio": statistics.median(o / f for o, f in zip(ours_times, floor_times, strict=True)),
            "agents": len(managers),
        }
    return found


def _routes(
    app: Carteira, floor: SqlFloor, plan: Plan, online: frozenset[str], args: argparse.Namespace
) -> dict[str, Any]:
    """``Carteira.route`` by the host against the floor's two statements, decisions checked."""
    rng = random.Random(11)
    customers = sorted(plan.floor.effective)
    cases = [(rng.choice(customers), rng.choice(DEPARTMENTS)) for _ in range(args.pairs // 2)]
    host = Principal.system(TENANT)

    def ours(customer: str, department: str) -> Decision:
        found = app.route(host, customer, department)
        return (str(found.outcome), found.assignee, tuple(found.candidates))

    def theirs(customer: str, department: str) -> Decision:
        return floor.route(customer, department, online)

    mine, floors = [ours(*c) for c in cases], [theirs(*c) for c in cases]
    if mine != floors:
        wrong = next(n for n, (a, b) in enumerate(zip(mine, floors, strict=True)) if a != b)
        sys.exit(f"route #{wrong} {cases[wrong]}: carteira {mine[wrong]} != floor {floors[wrong]}")
    rates: tuple[list[float], list[float]] = ([], [])
    for _ in range(args.rounds):
        for who, found in ((ours, rates[0]), (theirs, rates[1])):
            start = perf_counter()
            for case in cases:
                who(*case)
            found.append(len(cases) / (perf_counter() - start))
    outcomes = sorted({d[0] for d in mine})
    return {
        "carteira per s": statistics.median(rates[0]),
        "floor per s": statistics.median(rates[1]),
        "ratio": statistics.median(o / t for o, t in zip(*rates, strict=True)),
        "cases": len(cases),
        "outcomes": outcomes,
    }


DEPARTMENTS = ("sales", "support", "billing")


def _add_departments(store: SqlStore) -> None:
    """The world's three departments, the sales capacity at its median open load."""
    loads: dict[str, dict[str, int]] = {d: {} for d in DEPARTMENTS}
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT department, assignee, count(*) FROM carteira_tickets WHERE tenant = "
            f"'{TENANT}' AND status = 'open' AND assignee IS NOT NULL GROUP BY 1, 2"
        )
        for department, assignee, count in rows:
            loads[department][assignee] = count
    with store.unit_of_work(TENANT) as uow:
        for department in _departments(loads).values():
            uow.departments.add(department)
        uow.commit()


def _construction(engine: Engine) -> float:
    with engine.connect() as connection:
        SqlStore(connection)
        start = perf_counter()
        for _ in range(1000):
            SqlStore(connection)
        return (perf_counter() - start) / 1000 * 1000


def _sqlite(scale: float, args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="carteira-query-side-"))
    try:
        store = SqlStore.sqlite(directory / "bench.db")
        return _measure("sqlite", store, scale, args)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _postgresql(scale: float, args: argparse.Namespace) -> dict[str, Any]:
    url, drop = _postgres(os.environ.get("CARTEIRA_TEST_POSTGRES_URL", POSTGRES_URL))
    try:
        return _measure("postgresql", SqlStore(url), scale, args)
    finally:
        drop()


def _measure(name: str, store: SqlStore, scale: float, args: argparse.Namespace) -> dict[str, Any]:
    try:
        start = perf_counter()
        with store.engine.begin() as connection:
            plan = build_world(connection, scale, tickets=round(200_000 * scale))
        _settle(store, [TENANT])
        _add_departments(store)
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        built = perf_counter() - start
        print(f"{name} at scale {scale}: built in {built:.0f} s", flush=True)
        found = run_database(name, store, plan, args)
        found["built in s"] = built
        print(json.dumps(found, indent=2), flush=True)
        return found
    finally:
        store.close()


def markdown(report: dict[str, Any]) -> str:
    """Return the report's figures as the Markdown table of docs/performance.md."""
    lines = [
        "| store, size | measure | carteira | floor | carteira ÷ floor |",
        "|---|---|---:|---:|---:|",
    ]
    for run, found in report.items():
        if not isinstance(found, dict) or "can_view customer" not in found:
            continue
        for measure, figures in found.items():
            if not isinstance(figures, dict):
                continue
            if "carteira per s" in figures:
                ours, theirs = figures["carteira per s"], figures["floor per s"]
                cells = f"{ours:,.0f}/s | {theirs:,.0f}/s"
            else:
                cells = f"{figures['carteira ms']:.1f} ms | {figures['floor ms']:.1f} ms"
            ratio = figures["ratio"]
            lines.append(f"| {run} | {measure} | {cells} | {ratio:.2f}\u00d7 |")
        lines.append(
            f"| {run} | `SqlStore(connection)` | {found['SqlStore(connection) ms']:.4f} ms | | |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, action="append", help="1 = 100,000 customers")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--agents", type=int, default=20, help="plain agents whose pages are walked"
    )
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path, help="print the tables of this JSON report")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text(encoding="utf-8"))))
        return
    report: dict[str, Any] = {"machine": machine(), "pairs": args.pairs, "rounds": args.rounds}
    for scale in args.scale or [1.0]:
        for database in args.database or ["sqlite", "postgresql"]:
            measure = _sqlite if database == "sqlite" else _postgresql
            report[f"{database} {round(100_000 * scale):,} customers"] = measure(scale, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
