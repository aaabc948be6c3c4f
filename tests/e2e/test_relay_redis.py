"""EV-2: the relay example publishes the outbox to Redis streams (examples/relay/).

Runs the example as a user would, in processes of its own, against the local Redis; the
test fails when Redis is unreachable and CI=true, and is skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from carteira import Carteira, ManualClock, Principal
from carteira.adapters.sql import SqlStore

redis = pytest.importorskip("redis")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "relay" / "redis_streams.py"
REDIS_URL = os.environ.get("CARTEIRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    found = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        found.ping()
    except redis.RedisError as error:
        reason = f"Redis at {REDIS_URL} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the relay example must run)")
        pytest.skip(f"{reason} (set CI=true to make this a failure)")
    yield found
    found.close()


def test_ev2_two_relays_publish_every_tenants_events_to_its_stream_in_order(
    client: redis.Redis, tmp_path: Path
) -> None:
    """EV-2: two relay processes of the example leave each tenant's events in its stream,
    in position order, and the outbox empty; a later run publishes nothing more."""
    database = tmp_path / "carteira.db"
    store = SqlStore.sqlite(database)
    app = Carteira(store.unit_of_work, clock=ManualClock())
    tenants = ["acme", "globex", "initech"]
    for tenant in tenants:
        for number in range(25):
            app.create_portfolio(Principal.system(tenant), f"P{number}")
    prefix = f"carteira-test-{uuid.uuid4().hex[:8]}"
    command = [
        sys.executable,
        str(EXAMPLE),
        f"sqlite:///{database}",
        REDIS_URL,
        "--prefix",
        prefix,
        "--batch",
        "7",
        "--until-empty",
    ]
    try:
        relays = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [relay.communicate(timeout=60)[0] for relay in relays]
        assert [relay.returncode for relay in relays] == [0, 0]
        counts = sorted(int(out.split()[1]) for out in outputs)
        assert sum(counts) == 75
        for tenant in tenants:
            entries = client.xrange(f"{prefix}:{tenant}")
            positions = [int(fields[b"position"]) for _, fields in entries]
            assert positions == list(range(1, 26))
            first = json.loads(entries[0][1][b"event"])
            assert (first["tenant"], first["name"]) == (tenant, "P0")
            assert entries[0][1][b"type"] == b"PortfolioCreated"
            with store.unit_of_work(tenant) as uow:
                assert list(uow.events.unpublished()) == []
        again = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
        assert again.stdout.strip() == "published 0 events"
    finally:
        for tenant in tenants:
            client.delete(f"{prefix}:{tenant}")
        store.close()
