"""One relay process for tests/e2e/test_relay.py: drains the outbox, logging every delivery.

Usage: python tests/relay_worker.py URL LOG [--die-after N] [--batch B] [--lease SECONDS]

Each delivery writes a ``start`` line before it is handed on and an ``end`` line after,
as JSON with the tenant, the position, the instant and the process id. With
``--die-after N`` the process kills itself with SIGKILL right after the start of its
N-th delivery: a relay dying mid-batch, its lease held. It exits once the file
``--stop-file`` exists (the test has written every event) and it has found nothing to
claim for ``--idle`` seconds since (longer than a lease, so a dead relay's batch is
claimed again first).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
from datetime import timedelta
from pathlib import Path
from typing import IO

from carteira import Relay
from carteira.adapters.sql import SqlStore
from carteira.events import Event


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("log")
    parser.add_argument("--die-after", type=int, default=0)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--lease", type=float, default=1.0)
    parser.add_argument("--idle", type=float, default=2.5)
    parser.add_argument("--stop-file", type=Path, required=True)
    options = parser.parse_args()
    store = SqlStore(options.url, create=False)
    delivered = 0
    with open(options.log, "a", encoding="utf-8") as log:

        def publish(tenant: str, position: int, event: Event) -> None:
            nonlocal delivered
            delivered += 1
            _line(log, "start", tenant, position)
            if delivered == options.die_after:
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(0.002)  # a broker's round trip: batches overlap in time
            _line(log, "end", tenant, position)

        relay = Relay(
            store.outbox(),
            publish,
            lease=timedelta(seconds=options.lease),
            batch=options.batch,
        )
        quiet_since = time.monotonic()
        while not options.stop_file.exists() or time.monotonic() - quiet_since < options.idle:
            if relay.run_once() or not options.stop_file.exists():
                quiet_since = time.monotonic()
            else:
                time.sleep(0.05)
    store.close()


def _line(log: IO[str], kind: str, tenant: str, position: int) -> None:
    record = {"kind": kind, "tenant": tenant, "position": position, "pid": os.getpid()}
    log.write(json.dumps({**record, "at": time.time()}) + "\n")
    log.flush()


if __name__ == "__main__":
    main()
