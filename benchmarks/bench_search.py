"""Search as people type over 100,000 customers: words through an index (VS-8, ST-4).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_search.py --customers 100000 \
        --json benchmarks/results/search.json

One tenant holds ``--customers`` customers named from a vocabulary of Portuguese words
(``Padaria São Jorge 123``), one of them "Tomás Neto". Timed, each the median of
``--rounds`` runs, on a SQLite file and a PostgreSQL schema, for the host (who sees
everything): the first page of 50 of ``visible_customers`` searching a name that one
customer holds (``tomas neto``), and a word a tenth of them hold (``padaria``); beside
each, the statement a host would write by hand instead, ``name LIKE '%Tomás Neto%'``
(which folds no accent, and walks every row when few match).

Run against an older checkout (``PYTHONPATH=<checkout>/src``) to compare with the search
before VS-8 (a folded name searched by substring, one row after another).
"""

from __future__ import annotations

from typing import Any

from bench_sql_storage import database_arguments, median_ms, on_each_database
from sqlalchemy import text

from carteira import Carteira, Customer, Principal
from carteira.adapters.sql import SqlStore

TENANT = "acme"
SYSTEM = Principal.system(TENANT)
WORDS = [
    "Padaria",
    "Mercado",
    "Oficina",
    "Farmácia",
    "Livraria",
    "Açougue",
    "Papelaria",
    "Ótica",
    "Floricultura",
    "Confeitaria",
]
PLACES = ["São Jorge", "Conceição", "Aparecida", "Boa Vista", "Jardim", "Estrela", "Paraíso"]


def _name(n: int) -> str:
    return f"{WORDS[n % len(WORDS)]} {PLACES[(n // 10) % len(PLACES)]} {n}"


def _build(store: SqlStore, customers: int, *, analyze: bool) -> None:
    with store.unit_of_work(TENANT) as uow:
        batch: list[Customer] = []
        for n in range(customers):
            name = "Tomás Neto" if n == customers // 2 else _name(n)
            batch.append(Customer(TENANT, f"c{n:07d}", name))
            if len(batch) == 10_000:
                uow.customers.add_many(batch)
                batch = []
        uow.customers.add_many(batch)
        uow.commit()
    if analyze:  # a tenant just filled in bulk: let the planner see it
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def _by_hand(store: SqlStore, like: str) -> list[str]:
    statement = text(
        "SELECT id FROM carteira_customers WHERE tenant = :tenant AND name LIKE :like "
        "ORDER BY id LIMIT 50"
    )
    with store.engine.connect() as connection:
        return [row[0] for row in connection.execute(statement, {"tenant": TENANT, "like": like})]


def _measure(store: SqlStore, rounds: int) -> dict[str, Any]:
    app = Carteira(store.unit_of_work)

    def search(term: str) -> list[str]:
        return [c.id for c in app.visible_customers(SYSTEM, search=term, limit=50)]

    rare, common = search("tomas neto"), search("padaria")
    return {
        "found: tomas neto / padaria": [len(rare), len(common)],
        "search 'tomas neto', 1 match (ms)": median_ms(lambda: search("tomas neto"), rounds),
        "by hand: LIKE '%Tomás Neto%' (ms)": median_ms(
            lambda: _by_hand(store, "%Tomás Neto%"), rounds
        ),
        "search 'padaria', a tenth match, first page (ms)": median_ms(
            lambda: search("padaria"), rounds
        ),
        "by hand: LIKE '%Padaria%' (ms)": median_ms(lambda: _by_hand(store, "%Padaria%"), rounds),
    }


def main() -> None:
    """Run the benchmark on each database and print (and optionally save) its figures."""
    args = database_arguments(__doc__, rounds=7, customers=100_000)
    on_each_database(
        args,
        "carteira-search-",
        lambda database, store: _build(store, args.customers, analyze=database == "postgresql"),
        lambda store: _measure(store, args.rounds),
    )


if __name__ == "__main__":
    main()
