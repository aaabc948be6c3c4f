"""A spreadsheet import of a million rows into SQLite, in bounded memory (WA-8, ST-5, ER-2).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_import.py --rows 1000000 \
        --json benchmarks/results/import.json

With ``--held`` the rows are read into memory first, as before streamed reads existed;
run it with ``PYTHONPATH`` set to an older checkout's ``src`` to measure that version.

It writes a CSV of ``--rows`` membership rows (customer, name, organization,
portfolio, managers: a third in one of 1,000 organizations, half in one of 50
portfolios with one or two account managers) into a temporary directory, then, on a
new SQLite file: reads it with :func:`carteira.spreadsheets.read_dataset` (streamed:
``stream=True``, rows read from the file as the import goes), imports it (all or
nothing), imports it a second time (nothing to change), and imports the same file with
ten broken rows (refused, nothing changed). It prints the wall time of each step, the
statements each import issued, the rows per second, and the process's peak resident
memory once the step is over (a peak only grows: the first step's is the import's own).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from carteira import Carteira, ManualClock, Principal, Profile
from carteira.adapters.sql import SqlStore
from carteira.spreadsheets import ImportRefused, read_dataset

TENANT = "bench"
HOST = Principal.system(TENANT)
PORTFOLIOS = 50
MANAGERS = 100
ORGANIZATIONS = 1_000


def write_csv(path: Path, rows: int, *, broken: bool = False) -> None:
    """Write the membership rows; with ``broken``, ten of them are wrong in five ways."""
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["cliente", "nome do cliente", "organização", "carteira", "gerentes"])
        for n in range(rows):
            portfolio = n % PORTFOLIOS
            managers = [f"m{2 * portfolio:03d}", f"m{2 * portfolio + 1:03d}"][: 1 + n % 2]
            row = [
                f"c{n:06d}",
                f"Cliente {n}",
                f"o{n % ORGANIZATIONS:04d}" if n % 3 == 0 else "",
                f"Carteira {portfolio}" if n % 2 else "",
                "|".join(managers) if n % 2 else "",
            ]
            if broken and n % (rows // 10) == 0:
                kind = (n // (rows // 10)) % 5
                if kind == 0:
                    row[4] = "zoe"
                elif kind == 1:
                    row[3] = "Atlântida"
                elif kind == 2:
                    row[0] = "x" * 300
                elif kind == 3:
                    row[4] = "|".join(f"m{m:03d}" for m in range(3))
                else:
                    row[3], row[4] = "Carteira 1", "m010"
            out.writerow(row)


def _world(app: Carteira) -> None:
    app.update_settings(HOST, max_account_managers=2)
    for m in range(MANAGERS):
        app.register_manager(HOST, f"m{m:03d}", f"Manager {m}", profile=Profile.ANALYST)
    for p in range(PORTFOLIOS):
        app.create_portfolio(
            HOST,
            f"Carteira {p}",
            managers=[f"m{2 * p:03d}", f"m{2 * p + 1:03d}"],
            portfolio_id=f"p{p:03d}",
        )


def _timed_import(store: SqlStore, app: Carteira, path: Path, *, held: bool) -> dict[str, Any]:
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    started = time.perf_counter()
    dataset = read_dataset(path) if held else read_dataset(path, stream=True)
    read = time.perf_counter() - started
    event.listen(store.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    refused: int | None = None
    applied = unchanged = 0
    try:
        report = app.import_dataset(HOST, dataset).value
        applied, unchanged = report.applied, report.unchanged
    except ImportRefused as error:
        refused = len(error.problems)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    took = time.perf_counter() - started
    return {
        "read_s": round(read, 2),
        "import_s": round(took, 2),
        "statements": statements[0],
        "applied": applied,
        "unchanged": unchanged,
        "refused_problems": refused,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    """Run the benchmark and print (and optionally save) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--held",
        action="store_true",
        help="read the rows into memory first (what a version without stream=True does)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        good, bad = folder / "clientes.csv", folder / "quebrado.csv"
        write_csv(good, args.rows)
        write_csv(bad, args.rows, broken=True)
        store = SqlStore.sqlite(folder / "carteira.db")
        app = Carteira(store.unit_of_work, clock=ManualClock())
        _world(app)
        results = {
            "first": _timed_import(store, app, good, held=args.held),
            "second": _timed_import(store, app, good, held=args.held),
            "broken": _timed_import(store, app, bad, held=args.held),
            "held": args.held,
            "rows": args.rows,
            "machine": f"{platform.machine()}, {platform.python_version()}",
        }
        store.close()
    for name in ("first", "second", "broken"):
        step = results[name]
        rate = args.rows / step["import_s"] if step["import_s"] else float("inf")
        print(
            f"{name:>7}: read {step['read_s']:.2f} s, import {step['import_s']:.2f} s "
            f"({rate:,.0f} rows/s), {step['statements']} statements, applied "
            f"{step['applied']}, unchanged {step['unchanged']}, "
            f"problems {step['refused_problems']}, peak RSS {step['peak_rss_mb']} MB"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
