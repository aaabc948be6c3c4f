"""EV-2: three relays drain three tenants' outboxes at random, against a pure model.

A Hypothesis state machine appends events (EV-1: committed, or left in a unit of work
that never commits), claims by one of three relays at the model's instant, completes,
extends and releases claims, marks events published as a host would, and moves the
clock, sometimes past the leases. A small model predicts every answer exactly:

- which tenant a claim gets: among the tenants with waiting events whose lease is free
  (never taken, released, or run out at ``now``: ``expires_at <= now``), the one whose
  lease row sorts first by ``(expires_at, tenant)``, a tenant never claimed before any
  other; ``None`` when there is none;
- the claim's events: that tenant's first ``limit`` waiting events, in position order;
- ``Conflict`` ``lease_lost`` from ``extend`` and ``complete`` once the claim's token is
  not the tenant's current one (released, or claimed again after it ran out), and how
  many events ``complete`` and ``mark_published`` newly marked.

After every step it checks EV-2's invariants on what the store returned (no two live
claims hold one tenant; each claim held its tenant's first waiting events in order) and
that each tenant's log and waiting events equal the model's, every one of that tenant
(EV-1, TN-1). It runs on the in-memory store, a SQLite file and a PostgreSQL schema;
every rule takes ints, strings and booleans, so a failing run prints a program that
replays it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from carteira import Conflict, InMemoryStore
from carteira.adapters.sql import SqlStore
from carteira.domain.outbox import Claim
from carteira.events import Event
from carteira.ports.outbox import Outbox
from carteira.testing.contract.logs import _event
from databases import SharedPostgresSchema, new_sqlite_file, remove_sqlite_file

# "Globex" sorts before "acme" by code point: lease ties are broken by tenant (the SQL
# key's collation is code point order: SQLite's BINARY, PostgreSQL's "C").
TENANTS = ("acme", "Globex", "initech")
RELAYS = ("r0", "r1", "r2")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROBE = 1000  # more than any run stores, so a read sees a tenant's whole log

tenants = st.sampled_from(TENANTS)
relays = st.sampled_from(RELAYS)
# Lease lengths and clock steps in seconds: steps of exactly a lease hit the boundary
# (a lease that ends at ``now`` is free), and equal leases taken at one instant tie.
leases = st.sampled_from((10, 30))
steps = st.sampled_from((1, 5, 10, 29, 30, 31, 45))
limits = st.integers(min_value=1, max_value=4)
# Which claim a rule acts on: 0 is the latest, 1 the one before, and so on (wrapping).
picks = st.integers(min_value=0, max_value=5)
# Positions a host or relay names: some outside every log (0, past the end), some held
# by no claim; both must be ignored.
positions = st.lists(st.integers(min_value=0, max_value=14), max_size=4)


@attrs.define
class _Lease:
    """The model of one tenant's lease row: the claim holding it (or none) and its end."""

    holder: int | None
    expires_at: datetime


@attrs.define
class _Taken:
    """A claim as the store returned it (updated by ``extend``), and whether it was released."""

    claim: Claim
    released: bool = False

    def live(self, now: datetime) -> bool:
        """Tell whether the claim may still hold its tenant at ``now`` (EV-2)."""
        return not self.released and self.claim.expires_at > now


@attrs.define
class OutboxModel:
    """What every tenant's outbox holds and who leases it: the machine's pure oracle."""

    now: datetime = START
    logs: dict[str, list[Event]] = attrs.Factory(lambda: {t: [] for t in TENANTS})
    published: dict[str, set[int]] = attrs.Factory(lambda: {t: set() for t in TENANTS})
    leases: dict[str, _Lease] = attrs.Factory(dict)

    def waiting(self, tenant: str) -> list[tuple[int, Event]]:
        """Return the tenant's events not yet published, with positions, oldest first."""
        done = self.published[tenant]
        return [
            (position, event)
            for position, event in enumerate(self.logs[tenant], start=1)
            if position not in done
        ]

    def free(self, tenant: str) -> bool:
        """Tell whether no claim holds the tenant's lease at ``now`` (``expires_at <= now``)."""
        lease = self.leases.get(tenant)
        return lease is None or lease.holder is None or lease.expires_at <= self.now

    def next_tenant(self) -> str | None:
        """Return the free tenant with waiting events served longest ago, or ``None``.

        Lease rows sort by ``(expires_at, tenant)``; a tenant never claimed has none yet
        and comes before every one that has.
        """
        free = [t for t in TENANTS if self.free(t) and self.waiting(t)]

        def served(tenant: str) -> tuple[bool, datetime, str]:
            lease = self.leases.get(tenant)
            return (lease is not None, lease.expires_at if lease else START, tenant)

        return min(free, key=served, default=None)

    def holds(self, tenant: str, index: int) -> bool:
        """Tell whether claim ``index`` is still the tenant's current one (its token)."""
        lease = self.leases.get(tenant)
        return lease is not None and lease.holder == index

    def fresh(self, tenant: str, wanted: Iterable[int]) -> set[int]:
        """Return the stored positions among ``wanted`` not yet published."""
        stored = len(self.logs[tenant])
        return {p for p in wanted if 1 <= p <= stored} - self.published[tenant]

    def mark(self, tenant: str, wanted: Iterable[int]) -> int:
        """Mark stored positions among ``wanted`` published; return how many were not."""
        fresh = self.fresh(tenant, wanted)
        self.published[tenant] |= fresh
        return len(fresh)


class OutboxMachine(RuleBasedStateMachine):
    """Relays claim, extend, complete and release; hosts append and mark (EV-2, EV-1, TN-1).

    Subclasses say which store runs it with ``make_store`` (and ``close_store``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.store = self.make_store()
        # One outbox per relay, as separate publishers would each have their own.
        self.outboxes: dict[str, Outbox] = {relay: self.store.outbox() for relay in RELAYS}
        self.model = OutboxModel()
        self.taken: list[_Taken] = []
        self.numbers = itertools.count(1)

    def make_store(self) -> Any:
        raise NotImplementedError

    def close_store(self, store: Any) -> None:
        """Release what ``make_store`` opened; by default nothing."""

    def teardown(self) -> None:
        self.close_store(self.store)

    # -- hosts --------------------------------------------------------------------------

    @initialize(
        counts=st.lists(st.integers(min_value=1, max_value=3), min_size=3, max_size=3),
        relay=relays,
        lease=leases,
        limit=limits,
    )
    def seed(self, counts: list[int], relay: str, lease: int, limit: int) -> None:
        """Start with a few committed events in each tenant and one claim on them."""
        for tenant, count in zip(TENANTS, counts, strict=True):
            self.append(tenant, count, commit=True)
        self.claim(relay, lease, limit)
        assert self.taken, "the first claim on a full outbox found nothing"

    @rule(tenant=tenants, count=st.integers(min_value=1, max_value=3), commit=st.booleans())
    def append(self, tenant: str, count: int, commit: bool) -> None:
        """EV-1: events a unit of work commits wait in the outbox; uncommitted ones never do."""
        appended = [_event(next(self.numbers), tenant) for _ in range(count)]
        with self.store.unit_of_work(tenant) as uow:
            uow.events.append(appended)
            if commit:
                uow.commit()
        if commit:
            self.model.logs[tenant] += appended

    @rule(tenant=tenants, wanted=positions, commit=st.booleans())
    def mark_published(self, tenant: str, wanted: list[int], commit: bool) -> None:
        """EV-1: a host marks events published itself, beside the relays' claims."""
        with self.store.unit_of_work(tenant) as uow:
            marked = uow.events.mark_published(wanted)
            if commit:
                uow.commit()
        # Counted inside the unit of work, committed or not; kept only if committed.
        assert marked == len(self.model.fresh(tenant, wanted))
        if commit:
            self.model.mark(tenant, wanted)

    @rule(seconds=steps)
    def advance(self, seconds: int) -> None:
        """Move every relay's clock on, sometimes to or past the end of the leases."""
        self.model.now += timedelta(seconds=seconds)

    # -- relays -------------------------------------------------------------------------

    @rule(relay=relays, lease=leases, limit=limits)
    def claim(self, relay: str, lease: int, limit: int) -> None:
        """EV-2: a claim takes the free tenant served longest ago, its first waiting events."""
        model = self.model
        expected = model.next_tenant()
        got = self.outboxes[relay].claim(
            relay, now=model.now, lease=timedelta(seconds=lease), limit=limit
        )
        if got is not None:
            # Safety before the exact choice: a tenant some live claim holds is a double
            # claim, not only an unfair turn; the events are its first waiting ones.
            holders = [
                (t.claim.holder, t.claim.expires_at.isoformat())
                for t in self.taken
                if t.claim.tenant == got.tenant and t.live(model.now)
            ]
            assert not holders, f"{relay} claimed {got.tenant!r}, still held by {holders}"
            assert got.tenant in TENANTS
            assert list(got.events) == model.waiting(got.tenant)[:limit]
            assert list(got.positions) == sorted(got.positions)
            assert all(found.tenant == got.tenant for _, found in got.events)  # TN-1
        if expected is None:
            assert got is None, f"nothing is free to claim, yet {relay} got {got}"
            held = any(model.waiting(t) for t in TENANTS)
            event(f"claim: None, {'every waiting tenant held' if held else 'nothing waiting'}")
            return
        assert got is not None, f"{relay} got nothing, but {expected!r} is free and waiting"
        event(f"claim: {self._why(expected)}")
        event(f"claim: {sum(model.free(t) and bool(model.waiting(t)) for t in TENANTS)} free")
        assert got.tenant == expected, (
            f"{relay} claimed {got.tenant!r}; the tenant served longest ago is {expected!r}"
            f" (leases: {model.leases})"
        )
        assert (got.holder, got.expires_at) == (relay, model.now + timedelta(seconds=lease))
        assert got.token not in {t.claim.token for t in self.taken}
        model.leases[got.tenant] = _Lease(len(self.taken), got.expires_at)
        self.taken.append(_Taken(got))

    @rule(pick=picks, lease=leases)
    def extend(self, pick: int, lease: int) -> None:
        """EV-2: the current claim runs on from now; any other loses its lease."""
        index, taken = self._pick(pick)
        claim, model = taken.claim, self.model
        outbox, span = self.outboxes[claim.holder], timedelta(seconds=lease)
        if not model.holds(claim.tenant, index):
            self._refused("extend", lambda: outbox.extend(claim, now=model.now, lease=span))
            return
        event(f"extend: {self._state(claim)}")
        extended = outbox.extend(claim, now=model.now, lease=span)
        until = model.now + span
        assert extended == attrs.evolve(claim, expires_at=until)
        model.leases[claim.tenant].expires_at = until
        taken.claim = extended

    @rule(pick=picks)
    def complete_all(self, pick: int) -> None:
        """EV-2: the relay handed on its whole batch and marks it."""
        index, taken = self._pick(pick)
        self._complete(index, taken, taken.claim.positions)

    @rule(pick=picks, wanted=positions)
    def complete_some(self, pick: int, wanted: list[int]) -> None:
        """EV-2: positions the claim does not hold are ignored, whoever else holds them."""
        index, taken = self._pick(pick)
        self._complete(index, taken, wanted)

    @rule(pick=picks)
    def release(self, pick: int) -> None:
        """EV-2: the current claim gives the tenant back at once; any other changes nothing."""
        index, taken = self._pick(pick)
        claim = taken.claim
        self.outboxes[claim.holder].release(claim)
        if self.model.holds(claim.tenant, index):
            self.model.leases[claim.tenant].holder = None
            event(f"release: {self._state(claim)}")
        else:
            event("release: a claim that lost its lease")
        taken.released = True

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def live_claims_hold_distinct_tenants(self) -> None:
        """EV-2: no two claims neither released nor run out hold one tenant."""
        live = [t.claim.tenant for t in self.taken if t.live(self.model.now)]
        assert len(live) == len(set(live)), f"two live claims share a tenant: {live}"

    @invariant()
    def each_tenants_log_and_outbox_equal_the_model(self) -> None:
        """EV-1, TN-1: each tenant reads its own log and waiting events, as the model has them."""
        for tenant in TENANTS:
            with self.store.read_unit_of_work(tenant) as uow:
                log = list(uow.events.read(0, PROBE))
                waiting = list(uow.events.unpublished(PROBE))
            assert log == list(enumerate(self.model.logs[tenant], start=1)), tenant
            assert waiting == self.model.waiting(tenant), tenant
            assert all(found.tenant == tenant for _, found in log), tenant

    # -- helpers ------------------------------------------------------------------------

    def _pick(self, pick: int) -> tuple[int, _Taken]:
        index = len(self.taken) - 1 - pick % len(self.taken)
        return index, self.taken[index]

    def _complete(self, index: int, taken: _Taken, wanted: Iterable[int]) -> None:
        claim, wanted = taken.claim, list(wanted)
        outbox = self.outboxes[claim.holder]
        if not self.model.holds(claim.tenant, index):
            self._refused("complete", lambda: outbox.complete(claim, wanted))
            return
        mine = set(wanted) & set(claim.positions)
        marked = outbox.complete(claim, wanted)
        assert marked == self.model.mark(claim.tenant, mine)
        event(f"complete: {self._state(claim)}")
        if marked < len(mine):
            event("complete: some already marked (by the host or an earlier complete)")

    def _state(self, claim: Claim) -> str:
        return "held" if claim.expires_at > self.model.now else "run out, not yet taken"

    def _why(self, tenant: str) -> str:
        """Say why the model picks ``tenant``, so the statistics show each case is reached."""
        model = self.model
        lease = model.leases.get(tenant)
        if lease is None:
            return "a tenant never claimed"
        if lease.holder is not None:
            return "a tenant whose lease ran out unreleased"
        tied = [
            t
            for t in TENANTS
            if t != tenant
            and model.free(t)
            and model.waiting(t)
            and t in model.leases
            and model.leases[t].expires_at == lease.expires_at
        ]
        return "a released tenant, tied on expires_at" if tied else "a released tenant"

    @staticmethod
    def _refused(what: str, attempt: Any) -> None:
        with pytest.raises(Conflict) as lost:
            attempt()
        assert (lost.value.code, lost.value.rule) == ("lease_lost", "EV-2")
        event(f"{what}: lease_lost")


class MemoryOutboxMachine(OutboxMachine):
    def make_store(self) -> InMemoryStore:
        return InMemoryStore()


class SqliteOutboxMachine(OutboxMachine):
    def make_store(self) -> SqlStore:
        return new_sqlite_file("carteira-outbox-machine-")

    def close_store(self, store: SqlStore) -> None:
        remove_sqlite_file(store)


_postgres = SharedPostgresSchema()


@pytest.fixture(scope="module", autouse=True)
def _drop_the_postgres_schema() -> Iterator[None]:
    yield
    _postgres.drop()


class PostgresOutboxMachine(OutboxMachine):
    def make_store(self) -> SqlStore:
        return _postgres.emptied()


def _at_most(examples: int) -> settings:
    """The profile's settings with at most ``examples`` runs: each SQL step is real transactions."""
    profile = settings()  # the loaded profile's
    return settings(profile, max_examples=min(profile.max_examples, examples))


TestEv2OutboxOnMemory = MemoryOutboxMachine.TestCase
TestEv2OutboxOnSqlite = SqliteOutboxMachine.TestCase
TestEv2OutboxOnSqlite.settings = _at_most(100)
TestEv2OutboxOnPostgres = PostgresOutboxMachine.TestCase
TestEv2OutboxOnPostgres.settings = _at_most(50)
