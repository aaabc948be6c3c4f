"""Listings that grow with the tenant: one page costs one page (ST-4, issue 14 row 8).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_listings.py --portfolios 20000 --customers 100000 \
        --json benchmarks/results/listings.json

One tenant holds ``--portfolios`` portfolios, all managed by manager ``m`` (his default is
one in the middle), and one more portfolio, ``big``, holding ``--customers`` customers, of
which agent ``a`` serves 1 in 100. Timed, each the median of ``--rounds`` runs, on a SQLite
file and a PostgreSQL schema: the first page of 50 of ``list_portfolios``,
``portfolios_of_manager`` and ``customers_of_portfolio`` (for the system principal, who
sees the whole portfolio, and for agent ``a``, who sees only those he serves), then
``deactivate_manager(m, keep=True)`` once, which takes ``m`` off every portfolio.

The code before issue 14 had no pages for the first two (it returned every portfolio);
the script calls them that way when ``after``/``limit`` are not accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

from bench_sql_storage import database_arguments, median_ms, on_each_database

from carteira import Carteira, Customer, Portfolio, Principal, Profile
from carteira.adapters.sql import SqlStore

TENANT = "acme"
SYSTEM = Principal.system(TENANT)


def _build(store: SqlStore, portfolios: int, customers: int) -> None:
    app = Carteira(store.unit_of_work)
    app.register_manager(SYSTEM, "m", "M", profile=Profile.ANALYST)
    app.register_manager(SYSTEM, "a", "A", profile=Profile.ANALYST)
    with store.unit_of_work(TENANT) as uow:
        for n in range(portfolios):
            uow.portfolios.add(Portfolio(TENANT, f"p{n:06d}", f"Carteira {n:06d}", managers=("m",)))
        uow.portfolios.add(Portfolio(TENANT, "big", "Grande", managers=("m",)))
        uow.customers.add_many(
            Customer(
                TENANT,
                f"c{n:07d}",
                f"Cliente {n}",
                portfolio="big",
                account_managers=("a",) if n % 100 == 0 else (),
            )
            for n in range(customers)
        )
        uow.commit()
    app.set_default_portfolio(SYSTEM, "m", f"p{portfolios // 2:06d}")


def _paged(call: Callable[..., Any], *args: Any) -> Any:
    try:
        return call(*args, limit=50)
    except TypeError:  # the code before issue 14: no pages
        return call(*args)


def _measure(store: SqlStore, rounds: int) -> dict[str, float]:
    app = Carteira(store.unit_of_work)
    agent = Principal.manager(TENANT, "a")
    found = {
        "list_portfolios, first page (ms)": median_ms(
            lambda: _paged(app.list_portfolios, SYSTEM), rounds
        ),
        "portfolios_of_manager, first page (ms)": median_ms(
            lambda: _paged(app.portfolios_of_manager, SYSTEM, "m"), rounds
        ),
        "customers_of_portfolio, first page, sees all (ms)": median_ms(
            lambda: app.customers_of_portfolio(SYSTEM, "big", limit=50), rounds
        ),
        "customers_of_portfolio, first page, serves 1 in 100 (ms)": median_ms(
            lambda: app.customers_of_portfolio(agent, "big", limit=50), rounds
        ),
    }
    start = perf_counter()
    app.deactivate_manager(SYSTEM, "m", keep=True)
    found["deactivate_manager keep=True (ms)"] = 1000 * (perf_counter() - start)
    return found


def main() -> None:
    args = database_arguments(__doc__, rounds=3, portfolios=20_000, customers=100_000)
    on_each_database(
        args,
        "carteira-listings-",
        lambda _, store: _build(store, args.portfolios, args.customers),
        lambda store: _measure(store, args.rounds),
    )


if __name__ == "__main__":
    main()
