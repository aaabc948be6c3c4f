"""ST-3 under real concurrency: no update is ever lost, no raw lock error ever surfaces.

Many threads run conflicting commands on the same customers through `Carteira` over the
SQL adapter. Every command either applies, is refused by a rule, or (after the service's
bounded retries) fails with `ConcurrencyError`; nothing else may happen. Afterwards every
customer's version counts exactly the membership changes that were committed for it, the
history and the event log agree, and no customer is owned by an inactive manager.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from carteira import (
    Carteira,
    CarteiraError,
    ConcurrencyError,
    Customer,
    Principal,
    Profile,
    SubjectKind,
)
from carteira.adapters.sql import SqlStore
from carteira.events import MembershipChanged
from databases import new_schema, require_postgres

pytestmark = pytest.mark.slow  # .ci/pythons leaves it to the 3.11 run

TENANT = "acme"
HOST = Principal.system(TENANT)
MANAGERS = ("m0", "m1", "m2", "m3")
PORTFOLIOS = {"p0": ("m0", "m1"), "p1": ("m2", "m3")}
CUSTOMERS = tuple(f"c{n}" for n in range(8))


@pytest.fixture(params=["postgresql", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A store with room for 32 threads at once."""
    if request.param == "sqlite":
        found = SqlStore.sqlite(tmp_path / "carteira.db", busy_timeout=30)
        yield found
        found.close()
        return
    url, drop = new_schema(require_postgres())
    engine = create_engine(url, pool_size=40, max_overflow=0)
    found = SqlStore(engine, create=True)
    try:
        yield found
    finally:
        found.close()
        engine.dispose()
        drop()


def _world(app: Carteira) -> None:
    for manager in MANAGERS:
        app.register_manager(HOST, manager, manager.upper(), profile=Profile.ANALYST)
    for portfolio, managers in PORTFOLIOS.items():
        app.create_portfolio(
            HOST, portfolio.upper(), managers=list(managers), portfolio_id=portfolio
        )
    app.update_settings(HOST, max_account_managers=2)
    for number, customer in enumerate(CUSTOMERS):
        app.register_customer(HOST, customer, customer.upper())
        app.set_customer_membership(HOST, customer, portfolio=f"p{number % 2}")


def _command(app: Carteira, rng: random.Random) -> Callable[[], Any]:
    """One conflicting command: assign, re-place, unassign, or a transfer by deactivation."""
    customer = rng.choice(CUSTOMERS)
    portfolio = rng.choice(list(PORTFOLIOS))
    manager = rng.choice(PORTFOLIOS[portfolio])
    other = next(m for m in PORTFOLIOS[portfolio] if m != manager)
    kind = rng.randrange(5)
    if kind == 0:
        return lambda: app.assign_customer(HOST, customer, manager, portfolio=portfolio)
    if kind == 1:
        return lambda: app.set_customer_membership(
            HOST, customer, portfolio=portfolio, account_managers=[manager]
        )
    if kind == 2:
        return lambda: app.unassign_customer(HOST, customer, manager)
    if kind == 3:
        return lambda: app.deactivate_manager(HOST, manager, transfer_to=other)
    return lambda: app.reactivate_manager(HOST, manager)


def _race(
    app: Carteira, threads: int, commands: int, seed: int
) -> tuple[Counter[str], Counter[str]]:
    """Run the threads; return the committed membership changes per customer and outcomes."""
    changes: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        start.wait()
        for _ in range(commands):
            try:
                result = _command(app, rng)()
            except ConcurrencyError:
                outcome = "lost the race"
            except CarteiraError:
                outcome = "refused"
            except BaseException as error:  # anything else is a failure of the test
                failures.append(error)
                return
            else:
                outcome = "applied"
                events = getattr(result, "events", ())
                with lock:
                    changes.update(e.subject_id for e in events if isinstance(e, MembershipChanged))
            with lock:
                outcomes[outcome] += 1

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert failures == [], f"unexpected errors: {failures[:3]!r}"
    return changes, outcomes


def _customers(store: SqlStore) -> dict[str, Customer]:
    with store.unit_of_work(TENANT) as uow:
        return {c: found for c in CUSTOMERS if (found := uow.customers.get(c)) is not None}


def _history(store: SqlStore) -> dict[str, int]:
    with store.unit_of_work(TENANT) as uow:
        return {c: len(uow.history.of(SubjectKind.CUSTOMER, c)) for c in CUSTOMERS}


def _logged(store: SqlStore) -> Counter[str]:
    logged: Counter[str] = Counter()
    after = 0
    with store.unit_of_work(TENANT) as uow:
        while page := uow.events.read(after, 500):
            logged.update(e.subject_id for _, e in page if isinstance(e, MembershipChanged))
            after = page[-1][0]
    return logged


def test_st3_conflicting_commands_from_32_threads_lose_no_update(store: SqlStore) -> None:
    """32 threads x 50 conflicting commands, round after round, with every check per round.

    CI runs 2 rounds on PostgreSQL and 1 on SQLite (whose writes queue one at a time);
    ``CARTEIRA_STRESS_ROUNDS=20`` runs the issue's full 20 (about 13 minutes here).
    """
    app = Carteira(store.unit_of_work, attempts=5)
    _world(app)
    setup = _logged(store)
    rounds = int(os.environ.get("CARTEIRA_STRESS_ROUNDS", "0")) or (
        2 if store.dialect == "postgresql" else 1
    )
    committed: Counter[str] = Counter(setup)
    totals: Counter[str] = Counter()
    for round_number in range(rounds):
        changes, outcomes = _race(app, threads=32, commands=50, seed=round_number)
        committed.update(changes)
        totals.update(outcomes)
        customers = _customers(store)
        # Registration stored version 1; each committed membership change one more.
        assert {c: customers[c].version - 1 for c in CUSTOMERS} == {
            c: committed[c] for c in CUSTOMERS
        }
        assert _logged(store) == committed
        assert _history(store) == {c: committed[c] for c in CUSTOMERS}
        _no_customer_of_an_inactive_manager(store)
    assert totals["applied"] > 0
    assert sum(totals.values()) == rounds * 32 * 50


def _no_customer_of_an_inactive_manager(store: SqlStore) -> None:
    with store.unit_of_work(TENANT) as uow:
        inactive = {m.id for m in uow.managers.list() if not m.active}
        owned = {(c.id, m) for m in inactive for c in uow.customers.managed_by(m)}
    assert owned == set()


def test_st3_mg3_deactivating_a_manager_of_10000_customers_while_others_assign_to_him(
    store: SqlStore,
) -> None:
    """MG-3, MB-3: whatever the interleaving, no customer ends with an inactive manager."""
    app = Carteira(store.unit_of_work, attempts=10)
    app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
    app.register_manager(HOST, "bia", "Bia", profile=Profile.ANALYST)
    app.create_portfolio(HOST, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.update_settings(HOST, max_account_managers=2)
    with store.unit_of_work(TENANT) as uow:
        for number in range(10_000):
            uow.customers.add(
                Customer(
                    TENANT,
                    f"k{number:05d}",
                    f"K{number}",
                    portfolio="sul",
                    account_managers=("ana",),
                )
            )
        for number in range(200):
            uow.customers.add(Customer(TENANT, f"n{number:03d}", f"N{number}", portfolio="sul"))
        uow.commit()
    start = threading.Barrier(5)
    failures: list[BaseException] = []

    def assign(first: int) -> None:
        start.wait()
        for number in range(first, 200, 4):
            try:
                app.assign_customer(HOST, f"n{number:03d}", "ana")
            except CarteiraError:
                pass  # refused once she is inactive, or lost the race: both fine
            except BaseException as error:
                failures.append(error)

    def deactivate() -> None:
        start.wait()
        # Ten thousand rows against short assignments: the long unit may lose the race
        # again and again (ST-3) until they are done; the caller runs it again.
        for _ in range(100):
            try:
                app.deactivate_manager(HOST, "ana", keep=True)
            except ConcurrencyError:
                continue
            except BaseException as error:
                failures.append(error)
            return
        failures.append(AssertionError("the deactivation never got through"))

    pool = [threading.Thread(target=assign, args=(n,)) for n in range(4)]
    pool.append(threading.Thread(target=deactivate))
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert failures == []
    with store.unit_of_work(TENANT) as uow:
        ana = uow.managers.get("ana")
        assert ana is not None
        assert not ana.active
        assert list(uow.customers.managed_by("ana")) == []
