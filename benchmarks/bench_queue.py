"""A department's queue at help-desk scale: a page and a take against the floor (VS-7, RT-8).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_queue.py --tickets 200000 \
        --json benchmarks/results/queue.json

One tenant holds ``--tickets`` tickets over 10 departments, opened a second apart in an
order unrelated to their ids; one in five waits in its queue (open, no assignee), the rest
are served or closed. Timed, each the median of ``--rounds`` runs, on a SQLite file and a
PostgreSQL schema, for a member of department ``d0``:

- ``department_queue``'s first page of 50 and a page from the middle of the queue;
- beside them the statement an engineer writes by hand over the same table and index
  (``SELECT * ... WHERE department AND assignee IS NULL AND status = 'open' ORDER BY
  opened_at_us, id LIMIT 50``, rows as the driver gives them, where carteira builds
  ``Ticket`` values), the floor (the same, ordered by ``assignee, opened_at_us, id`` as
  carteira orders it, so that PostgreSQL walks the index instead of sorting), and what a
  host without carteira's queue would do instead: read the department's waiting tickets
  and sort them itself;
- ``take_ticket`` (a command: the checks, the version-checked write, the event), beside a
  hand-written compare-and-set ``UPDATE ... WHERE assignee IS NULL``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from bench_sql_storage import database_arguments, median_ms, on_each_database
from sqlalchemy import text

from carteira import Carteira, Customer, Permission, Principal, Role, Ticket, TicketStatus
from carteira.adapters.sql import SqlStore, writes
from carteira.adapters.sql.codec import TICKETS

TENANT = "bench-queue"  # its own tenant: the writer lock is per tenant, database-wide
SYSTEM = Principal.system(TENANT)
MEMBER = Principal.manager(TENANT, "joao")
DEPARTMENTS = [f"d{n}" for n in range(10)]
START = datetime(2026, 1, 5, 8, tzinfo=UTC)

_FLOOR = text(
    "SELECT * FROM carteira_tickets WHERE tenant = :tenant AND department = :department "
    "AND assignee IS NULL AND status = 'open' ORDER BY opened_at_us, id LIMIT 50"
)
# The same with ``assignee`` first in the order, as carteira writes it: PostgreSQL takes
# ``assignee IS NULL`` for no equality, and sorts the queue unless told the order it walks.
_FLOOR_WALKED = text(
    "SELECT * FROM carteira_tickets WHERE tenant = :tenant AND department = :department "
    "AND assignee IS NULL AND status = 'open' ORDER BY assignee, opened_at_us, id LIMIT 50"
)
_EVERY_WAITING = text(
    "SELECT * FROM carteira_tickets WHERE tenant = :tenant "
    "AND department = :department AND assignee IS NULL AND status = 'open'"
)
_CAS = text(
    "UPDATE carteira_tickets SET assignee = :who, version = version + 1 "
    "WHERE tenant = :tenant AND id = :id AND assignee IS NULL AND status = 'open'"
)


def _ticket(n: int) -> Ticket:
    department = DEPARTMENTS[(n // 5) % len(DEPARTMENTS)]
    opened = START + timedelta(seconds=(n * 7_919) % 10_000_019)
    kind = n % 5
    if kind == 0:  # waiting in the queue
        return Ticket(TENANT, f"t{n:07d}", f"c{n % 1000:04d}", department, opened)
    status = TicketStatus.CLOSED if kind == 1 else TicketStatus.OPEN
    return Ticket(
        TENANT,
        f"t{n:07d}",
        f"c{n % 1000:04d}",
        department,
        opened,
        status,
        assignee=f"m{n % 7}",
        assigned_at=opened,
    )


def _build(store: SqlStore, tickets: int, *, analyze: bool) -> None:
    app = Carteira(store.unit_of_work)
    agent = Role("agent", {Permission.ASSIGN_SELF})
    app.register_manager(SYSTEM, "joao", "João", roles=[agent])
    for department in DEPARTMENTS:
        app.save_department(SYSTEM, department, department.upper(), members=["joao"])
    with store.unit_of_work(TENANT) as uow:
        uow.customers.add_many(Customer(TENANT, f"c{n:04d}", f"Cliente {n}") for n in range(1000))
        batch: list[Ticket] = []
        for n in range(tickets):
            batch.append(_ticket(n))
            if len(batch) == 5_000:
                # One INSERT per batch, as the adapter's own bulk writes do (ST-5); the
                # ticket port has no add_many, since only one command opens tickets.
                writes.add_rows(uow.tickets._access, TICKETS, batch)  # type: ignore[attr-defined]
                batch = []
        writes.add_rows(uow.tickets._access, TICKETS, batch)  # type: ignore[attr-defined]
        uow.commit()
    if analyze:
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def _rows(store: SqlStore, statement: Any, **values: Any) -> list[Any]:
    with store.engine.connect() as connection:
        return list(connection.execute(statement, {"tenant": TENANT, **values}))


def _measure(store: SqlStore, rounds: int) -> dict[str, Any]:
    app = Carteira(store.unit_of_work)

    def page(after: str | None = None) -> list[str]:
        return [t.id for t in app.department_queue(MEMBER, "d0", after=after, limit=50)]

    def by_hand() -> list[str]:
        return [row.id for row in _rows(store, _FLOOR, department="d0")]

    def walked_by_hand() -> list[str]:
        return [row.id for row in _rows(store, _FLOOR_WALKED, department="d0")]

    def sorted_by_host() -> list[str]:
        waiting = _rows(store, _EVERY_WAITING, department="d0")
        return [row.id for row in sorted(waiting, key=lambda r: (r.opened_at_us, r.id))[:50]]

    first = page()
    assert first == by_hand() == walked_by_hand() == sorted_by_host(), "readings disagree"
    waiting = len(_rows(store, _EVERY_WAITING, department="d0"))
    middle = _rows(store, text(f"{_FLOOR.text} OFFSET {waiting // 2}"), department="d0")
    mark = middle[0].id
    queued = iter([row.id for row in _rows(store, _EVERY_WAITING, department="d1")])
    numbers = count()

    def take() -> None:
        app.take_ticket(MEMBER, next(queued))

    def take_by_hand() -> None:
        with store.engine.begin() as connection:
            done = connection.execute(
                _CAS, {"tenant": TENANT, "id": next(queued), "who": f"h{next(numbers)}"}
            )
            assert done.rowcount == 1

    return {
        "waiting in d0": waiting,
        "department_queue, first page of 50 (ms)": median_ms(page, rounds),
        "department_queue, a page mid-queue (ms)": median_ms(lambda: page(mark), rounds),
        "by hand, as most would write it (ms)": median_ms(by_hand, rounds),
        "floor: by hand, ordered as carteira orders (ms)": median_ms(walked_by_hand, rounds),
        "instead: read the waiting tickets, sort them (ms)": median_ms(sorted_by_host, rounds),
        "take_ticket (ms)": median_ms(take, rounds),
        "floor: compare-and-set UPDATE by hand (ms)": median_ms(take_by_hand, rounds),
    }


def main() -> None:
    """Run the benchmark on each database and print (and optionally save) its figures."""
    args = database_arguments(__doc__, rounds=9, tickets=200_000)
    on_each_database(
        args,
        "carteira-queue-",
        lambda database, store: _build(store, args.tickets, analyze=database == "postgresql"),
        lambda store: _measure(store, args.rounds),
    )


if __name__ == "__main__":
    main()
