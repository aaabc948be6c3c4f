"""``Carteira.can_view`` on the in-memory store against the dict-and-set floor, one run.

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_memory_checks.py --sizes 10000,100000

For each size it builds ``world.py``'s world in memory (two tickets per customer), checks
carteira's answers equal to the floor's on 1,000 pairs per kind, then times both with
``report.py``'s ``rate`` (1 s per run) and ``interleaved`` (3 rounds, medians), as the
performance report does, without the other measures of that report.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report
from world import build

BUDGET = 1.0  # seconds per timed run, as the report's default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="customers, comma-separated")
    args = parser.parse_args()
    for customers in (int(n) for n in args.sizes.split(",")):
        world = build(customers / 100_000, tickets_per_customer=2)
        gc.collect()
        gc.freeze()
        options = argparse.Namespace(samples=5000, agree=1000, budget=BUDGET, rounds=3)
        bench = report.prepare(world, customers, report.Results({}, {}), options)
        mine = report.carteira_subjects("carteira in memory", report.memory_app(world))
        floor = world.floor
        for kind, pairs, ours, theirs in (
            ("customer", bench.customer_pairs, mine.customer, floor.sees_customer),
            ("ticket", bench.ticket_pairs, mine.ticket, floor.sees_ticket),
        ):
            sample = pairs[: options.agree]
            report.agree(kind, [theirs(*p) for p in sample], [ours(*p) for p in sample])
            rate, base = report.interleaved(
                lambda p=pairs, c=ours: report.rate(c, p, BUDGET),
                lambda p=pairs, c=theirs: report.rate(c, p, BUDGET),
                options.rounds,
            )
            print(
                f"{customers:>9,} customers, can_view {kind:8}: carteira {rate:>9,.0f}/s, "
                f"floor {base:>10,.0f}/s, {rate / base:.2f}x",
                flush=True,
            )
        gc.unfreeze()
        del world, bench, mine
        gc.collect()


if __name__ == "__main__":
    main()
