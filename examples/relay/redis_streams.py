"""A relay that publishes carteira's outbox to Redis streams, one stream per tenant (EV-2).

Run as many of these as you like against one database: each claims a tenant's waiting
events under a lease, appends them in order to the stream ``<prefix>:<tenant>`` with
``XADD`` and marks them published. Every entry carries the event's position, so a
consumer that sees an event again (a relay died after ``XADD`` and before marking) drops
it by position::

    python examples/relay/redis_streams.py sqlite:///carteira.db redis://127.0.0.1:6379/0

Needs carteira with its ``sql`` extra and the ``redis`` package. ``--until-empty``
stops once nothing is left to claim (for scripts and tests); otherwise it runs until
interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from datetime import timedelta

import redis

from carteira import Relay, make_converter
from carteira.adapters.sql import SqlStore
from carteira.events import Event
from carteira.relay import Publish


def publisher(client: redis.Redis, prefix: str) -> Publish:
    """Return the relay's ``publish``: XADD each event to its tenant's stream."""
    converter = make_converter()

    def publish(tenant: str, position: int, event: Event) -> None:
        body = json.dumps(converter.unstructure(event, Event), sort_keys=True)
        entry = {"position": position, "type": type(event).__name__, "event": body}
        client.xadd(f"{prefix}:{tenant}", entry)  # type: ignore[arg-type]  # redis's stubs: invariant dict

    return publish


def main(argv: list[str] | None = None) -> int:
    """Relay the outbox of the database at ``url`` to the Redis server at ``redis_url``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the carteira database, e.g. sqlite:///carteira.db")
    parser.add_argument("redis_url", help="e.g. redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default="carteira", help="stream names: PREFIX:TENANT")
    parser.add_argument("--lease", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--until-empty", action="store_true")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    store = SqlStore(options.url, create=False)
    client = redis.Redis.from_url(options.redis_url)
    relay = Relay(
        store.outbox(),
        publisher(client, options.prefix),
        lease=timedelta(seconds=options.lease),
        batch=options.batch,
    )
    try:
        if options.until_empty:
            sent = 0
            while batch := relay.run_once():
                sent += batch
            print(f"published {sent} events")
        else:
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
            relay.run(stop)
    finally:
        client.close()
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
