"""EV-2: several publishers drain the outbox at once, across tenants, under leases.

The port's contract runs in the contract suites (``OutboxContract``); here: the relay,
the SQL schema's upgrade and query plans, and relays in separate processes, one of
them killed mid-batch, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text, update

from carteira import (
    Carteira,
    Conflict,
    InMemoryStore,
    ManualClock,
    Principal,
    Relay,
    StorageError,
)
from carteira.adapters.sql import SqlStore
from carteira.adapters.sql.schema import SCHEMA_VERSION, schema_version, schema_versions, upgrade
from carteira.events import Event
from carteira.relay import relay_backoff
from carteira.testing.contract.logs import _event
from databases import any_store, plan_of, sql_store, statements_of

ROOT = Path(__file__).resolve().parents[1]
# A walk over every event: SQLite's SCAN without the partial index, PostgreSQL's Seq Scan.
_WHOLE_TABLE = re.compile(
    r"SCAN carteira_events(?! USING (COVERING )?INDEX carteira_events_waiting)"
    r"|Seq Scan on carteira_events\b"
)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _portfolios(store: Any, tenant: str, count: int, first: int = 0) -> None:
    """Store ``count`` events of ``tenant``, each a portfolio created by the host."""
    app = Carteira(store.unit_of_work, clock=ManualClock(START))
    for number in range(first, first + count):
        app.create_portfolio(Principal.system(tenant), f"P{number}")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    with any_store(request.param, tmp_path) as found:
        yield found


# -- the relay -------------------------------------------------------------------------


def test_ev2_a_relay_hands_every_event_on_in_order_per_tenant_and_marks_it(store: Any) -> None:
    """EV-2: rounds of one relay publish each tenant's events once, in position order."""
    for tenant in ("acme", "globex", "initech"):
        _portfolios(store, tenant, 7)
    sent: list[tuple[str, int, Event]] = []
    relay = Relay(store.outbox(), lambda t, p, e: sent.append((t, p, e)), batch=3)
    rounds = 0
    while relay.run_once():
        rounds += 1
    assert rounds == 9  # 7 events a tenant, 3 a batch
    assert len(sent) == 21
    for tenant in ("acme", "globex", "initech"):
        mine = [(p, e) for t, p, e in sent if t == tenant]
        with store.unit_of_work(tenant) as uow:
            assert mine == list(uow.events.read(0, 100))
            assert list(uow.events.unpublished()) == []
    assert relay.run_once() == 0


def test_ev2_a_failing_publisher_keeps_what_went_out_and_leaves_the_rest(store: Any) -> None:
    """EV-2: when ``publish`` fails, the events before it are marked, the rest wait, and
    the tenant is given back at once for the next round."""
    _portfolios(store, "acme", 5)
    sent: list[int] = []
    failures = [ConnectionError("the broker went away")]

    def publish(tenant: str, position: int, event: Event) -> None:
        if position == 3 and failures:
            raise failures.pop()
        sent.append(position)

    relay = Relay(store.outbox(), publish)
    with pytest.raises(ConnectionError):
        relay.run_once()
    with store.unit_of_work("acme") as uow:
        assert [p for p, _ in uow.events.unpublished()] == [3, 4, 5]
    assert relay.run_once() == 3
    assert sent == [1, 2, 3, 4, 5]


def test_ev2_a_relay_extends_its_lease_while_it_publishes_a_long_batch() -> None:
    """EV-2: with less than half a lease left the relay extends it, so no other relay
    claims the tenant while the batch goes out."""
    store = InMemoryStore()
    _portfolios(store, "acme", 4)
    clock = ManualClock(START)
    outbox = store.outbox()
    rival = []

    def publish(tenant: str, position: int, event: Event) -> None:
        clock.advance(timedelta(seconds=20))  # each publish takes two thirds of a lease
        rival.append(outbox.claim("rival", now=clock.now(), lease=timedelta(seconds=30)))

    relay = Relay(outbox, publish, clock=clock, lease=timedelta(seconds=30))
    assert relay.run_once() == 4
    assert rival == [None] * 4


def test_ev2_a_relay_that_lost_its_lease_stops_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """EV-2: a relay whose lease ran out and was taken stops before its next event and
    logs that the events it handed on may go out again; it marks nothing."""
    store = InMemoryStore()
    _portfolios(store, "acme", 3)
    clock = ManualClock(START)
    outbox = store.outbox()

    def publish(tenant: str, position: int, event: Event) -> None:
        clock.advance(timedelta(seconds=31))  # a publish slower than a whole lease
        outbox.claim("rival", now=clock.now(), lease=timedelta(seconds=30))

    relay = Relay(outbox, publish, clock=clock, lease=timedelta(seconds=30), name="slow")
    with caplog.at_level(logging.WARNING, logger="carteira.relay"), pytest.raises(Conflict) as lost:
        relay.run_once()
    assert lost.value.code == "lease_lost"
    assert "relay slow: lease on tenant 'acme' lost; 1 events may go out again" in caplog.text
    with store.unit_of_work("acme") as uow:
        assert len(uow.events.unpublished()) == 3


def test_ev2_run_drains_until_stopped_and_backs_off_after_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """EV-2: ``run`` keeps going after a failed round, logging it, with a growing pause."""
    store = InMemoryStore()
    _portfolios(store, "acme", 2)
    stop = threading.Event()
    pauses: list[int] = []
    attempts: list[int] = []

    def publish(tenant: str, position: int, event: Event) -> None:
        attempts.append(position)
        if len(attempts) < 3:
            raise ConnectionError("not yet")
        if position == 2:
            stop.set()

    def backoff(failures: int) -> float:
        pauses.append(failures)
        return 0.0

    relay = Relay(store.outbox(), publish, backoff=backoff)
    with caplog.at_level(logging.ERROR, logger="carteira.relay"):
        relay.run(stop, idle=0.01)
    assert pauses == [1, 2]
    assert attempts == [1, 1, 1, 2]
    assert caplog.text.count("a round failed") == 2


def test_ev2_an_event_claimed_inside_a_unit_of_work_that_rolls_back_is_not_lost() -> None:
    """EV-2: in memory, a claim made on the thread of an open unit of work sees its events;
    when that unit rolls back, the marks go too, and the event stored next is delivered."""
    store = InMemoryStore()
    outbox = store.outbox()
    with store.unit_of_work("acme") as uow:
        uow.events.append([_event(1, "acme")])
        claim = outbox.claim("r", now=START, lease=timedelta(seconds=5))
        assert claim is not None
        outbox.complete(claim, claim.positions, release=True)
    _portfolios(store, "acme", 1)
    later = outbox.claim("r", now=START, lease=timedelta(seconds=5))
    assert later is not None
    assert later.positions == (1,)
    assert type(later.events[0][1]).__name__ == "PortfolioCreated"


def test_ev2_relay_backoff_is_jittered_and_capped() -> None:
    """EV-2: the pause after failed rounds is a random draw that doubles, up to 30 s."""
    first = [relay_backoff(1) for _ in range(200)]
    assert all(0 <= p <= 0.2 for p in first)
    assert len(set(first)) > 100
    assert all(0 <= relay_backoff(50) <= 30 for _ in range(200))
    assert max(relay_backoff(50) for _ in range(200)) > 10


def test_ev2_a_store_on_a_hosts_connection_has_no_outbox(tmp_path: Path) -> None:
    """EV-2: a claim commits on its own, so a store inside a host's transaction refuses."""
    with sql_store("sqlite", tmp_path) as store, store.engine.connect() as connection:
        with pytest.raises(StorageError) as refused:
            SqlStore(connection).outbox()
        assert (refused.value.code, refused.value.rule) == ("outbox_needs_engine", "EV-2")


# -- storage -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_st2_ev2_upgrade_adds_the_leases_to_a_version_6_database(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Version 7 adds ``carteira_outbox_leases`` and indexes only waiting events (EV-2):
    ``upgrade`` takes a version 6 database there, keeping its events and what went out,
    and logs each step at info level under ``carteira``."""
    with sql_store(kind, tmp_path) as store:
        _portfolios(store, "acme", 3)
        with store.unit_of_work("acme") as uow:
            uow.events.mark_published([1])
            uow.commit()
        before = store.snapshot()
        with store.engine.begin() as connection:
            connection.execute(text("DROP TABLE carteira_outbox_leases"))
            connection.execute(text("DROP INDEX carteira_events_waiting"))
            connection.execute(
                text(
                    "CREATE INDEX carteira_events_unpublished "
                    "ON carteira_events (tenant, published, position)"
                )
            )
            connection.execute(update(schema_versions).values(version=6))
        with caplog.at_level(logging.INFO, logger="carteira"):
            upgrade(store.engine)
        assert [(r.name, r.levelno, r.message) for r in caplog.records] == [
            (
                "carteira.adapters.sql.schema",
                logging.INFO,
                "upgrading carteira's schema from version 6 to 7",
            )
        ]
        assert schema_version(store.engine) == SCHEMA_VERSION
        indexes = {ix["name"] for ix in inspect(store.engine).get_indexes("carteira_events")}
        assert "carteira_events_waiting" in indexes
        assert "carteira_events_unpublished" not in indexes
        assert store.snapshot() == before
        claim = store.outbox().claim("r", now=START, lease=timedelta(seconds=5))
        assert claim is not None
        assert claim.positions == (2, 3)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_st4_ev2_a_claim_reads_waiting_events_only_through_the_partial_index(
    kind: str, tmp_path: Path
) -> None:
    """EV-2, ST-4: every statement of a claim that reads events walks
    ``carteira_events_waiting``, never the events that went out long ago."""
    with sql_store(kind, tmp_path) as store:
        for tenant in ("acme", "globex"):
            with store.unit_of_work(tenant) as uow:
                uow.events.append(_event(n, tenant) for n in range(5_000))
                uow.events.mark_published(range(1, 4_996))
                uow.commit()
        if kind == "postgresql":
            with store.engine.begin() as connection:
                connection.execute(text("ANALYZE carteira_events"))
        with statements_of(store) as sent:
            claim = store.outbox().claim("r", now=START, lease=timedelta(seconds=5))
        seen = [
            (statement, values)
            for statement, values in sent
            if "carteira_events" in statement
            and statement.lstrip().upper().startswith(("SELECT", "INSERT", "WITH"))
        ]
        assert claim is not None
        assert len(claim.positions) == 5
        assert len(seen) == 3  # enlist, the free tenant, its first waiting events
        for statement, values in seen:
            plan = plan_of(store, statement, values)
            assert "carteira_events_waiting" in plan, plan
            assert not _WHOLE_TABLE.search(plan), plan


# -- relays in processes -------------------------------------------------------------------


def _deliveries(logs: list[Path]) -> list[dict[str, Any]]:
    """Pair each delivery's start with its end; a delivery cut short ends where it began."""
    found: list[dict[str, Any]] = []
    for log in logs:
        open_ones: dict[tuple[str, int], dict[str, Any]] = {}
        for line in log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            key = (record["tenant"], record["position"])
            if record["kind"] == "start":
                open_ones[key] = {**record, "end": record["at"]}
                found.append(open_ones[key])
            else:
                open_ones.pop(key)["end"] = record["at"]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_ev2_four_relay_processes_and_one_killed_deliver_everything_in_order(
    kind: str, tmp_path: Path
) -> None:
    """EV-2: five relay processes drain eight tenants while a writer adds events; one is
    killed mid-batch. Every event is delivered, none twice at the same time, and no event
    before every earlier event of its tenant was delivered."""
    tenants = [f"outbox-{n}" for n in range(8)]
    with sql_store(kind, tmp_path) as store:
        for tenant in tenants:
            _portfolios(store, tenant, 30)
        url = store.engine.url.render_as_string(hide_password=False)
        logs = [tmp_path / f"relay-{n}.jsonl" for n in range(5)]
        stop = tmp_path / "stop"
        command = [sys.executable, str(ROOT / "relay_worker.py"), url, "--stop-file", str(stop)]
        relays = [
            subprocess.Popen([*command, str(log), *(["--die-after", "7"] if n == 0 else [])])
            for n, log in enumerate(logs)
        ]
        for tenant in tenants:  # more events while the relays run
            _portfolios(store, tenant, 10, first=30)
        stop.touch()
        codes = [relay.wait(timeout=120) for relay in relays]
        assert codes == [-9, 0, 0, 0, 0]
        stored: dict[str, list[int]] = {}
        for tenant in tenants:
            with store.unit_of_work(tenant) as uow:
                stored[tenant] = [p for p, _ in uow.events.read(0, 1000)]
                assert list(uow.events.unpublished()) == []
    deliveries = _deliveries(logs)
    by_event: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for delivery in deliveries:
        by_event[delivery["tenant"], delivery["position"]].append(delivery)
    assert set(by_event) == {(t, p) for t in tenants for p in stored[t]}
    assert len(stored[tenants[0]]) == 40
    assert any(len(found) > 1 for found in by_event.values())  # the killed relay's batch
    for found in by_event.values():
        spans = sorted((d["at"], d["end"]) for d in found)
        assert all(end <= next_start for (_, end), (next_start, _) in pairwise(spans))
    first_done = {key: min(d["end"] for d in found) for key, found in by_event.items()}
    for delivery in deliveries:
        tenant, position = delivery["tenant"], delivery["position"]
        earlier = [first_done[tenant, p] for p in stored[tenant] if p < position]
        assert all(done <= delivery["at"] for done in earlier), (tenant, position)
