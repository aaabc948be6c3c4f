"""What importing carteira costs a host's process, beside its dependencies (issue 16).

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_startup.py --runs 21 --json benchmarks/results/startup.json

Each case runs in a new interpreter ``--runs`` times and times its import statement from
inside (interpreter start-up left out); the figure is the median, in milliseconds:

- ``import carteira``: the package alone; its names load on first use (PEP 562);
- ``from carteira import Carteira, InMemoryStore, Principal``: what a host's first call
  needs, every module behind the facade;
- the same with ``SqlStore``: a host on SQL;
- the floor, ``import attrs, cattrs``: carteira's two runtime dependencies;
- ``import sqlalchemy``, for scale: a library the same hosts import anyway.

``import carteira`` is also measured as ``python -X importtime`` reports it (the
cumulative microseconds of the ``carteira`` line), as the issue asked.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from pathlib import Path

CASES = {
    "import carteira": "import carteira",
    "from carteira import Carteira, InMemoryStore, Principal": (
        "from carteira import Carteira, InMemoryStore, Principal"
    ),
    "... and SqlStore": (
        "from carteira import Carteira, InMemoryStore, Principal\n"
        "from carteira.adapters.sql import SqlStore"
    ),
    "floor: import attrs, cattrs": "import attrs, cattrs",
    "import sqlalchemy": "import sqlalchemy",
}

_TIMED = (
    "import time\n"
    "started = time.perf_counter()\n"
    "{statement}\n"
    "print((time.perf_counter() - started) * 1000)\n"
)


def _timed(statement: str, runs: int) -> float:
    """Return the median milliseconds of ``statement`` in ``runs`` new interpreters."""
    script = _TIMED.format(statement=statement)
    found = [
        float(
            subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(found)


def _importtime(runs: int) -> float:
    """Return the median cumulative milliseconds ``-X importtime`` gives ``carteira``."""
    found = []
    for _ in range(runs):
        report = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import carteira"],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        line = next(x for x in report.splitlines() if x.rstrip().endswith("| carteira"))
        found.append(int(line.split("|")[1]) / 1000)
    return statistics.median(found)


def main() -> None:
    """Run every case and print (and optionally save) the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, object] = {name: _timed(code, args.runs) for name, code in CASES.items()}
    results["python -X importtime: carteira"] = _importtime(args.runs)
    floor = float(results["floor: import attrs, cattrs"])  # type: ignore[arg-type]
    for name, value in results.items():
        print(f"{name:<58} {value:8.1f} ms  {value / floor:5.1f}x the floor")  # type: ignore[operator]
    results["runs"] = args.runs
    results["machine"] = f"{platform.machine()}, Python {platform.python_version()}"
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
