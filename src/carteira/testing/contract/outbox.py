"""The contract of the outbox port: claims, leases and completion across tenants (EV-2)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from carteira.domain.errors import Conflict, InvalidInput
from carteira.domain.events import Event
from carteira.domain.outbox import Claim
from carteira.ports.outbox import Outbox
from carteira.testing.contract.base import OTHER_TENANT, TENANT, StorageContract
from carteira.testing.contract.logs import START, _event

__all__ = ["OutboxContract"]

LEASE = timedelta(seconds=30)


class OutboxContract(StorageContract):
    """What an adapter's outbox does, for stores that offer one as ``store.outbox()`` (EV-2).

    A claim leases one tenant's first waiting events, in position order, to one publisher:
    no other claim gets that tenant until the lease is released or runs out. A claim whose
    lease another publisher has taken can neither extend nor complete. Tenants take turns.
    A store without an ``outbox`` method skips these tests: the outbox is optional.
    """

    def _outbox(self) -> Outbox:
        make = getattr(self.store, "outbox", None)
        if make is None:
            pytest.skip("the store offers no outbox (EV-2 is optional)")
        outbox: Outbox = make()
        return outbox

    def _append(self, tenant: str, *numbers: int) -> list[Event]:
        appended = [_event(n, tenant) for n in numbers]
        self.write(tenant, lambda uow: uow.events.append(appended))
        return appended

    def _waiting(self, tenant: str) -> list[int]:
        return self.read(tenant, lambda uow: [p for p, _ in uow.events.unpublished(1000)])

    def _claim(self, outbox: Outbox, holder: str, at: datetime = START, limit: int = 100) -> Any:
        return outbox.claim(holder, now=at, lease=LEASE, limit=limit)

    def test_ev2_a_claim_holds_one_tenants_first_waiting_events_in_order(self) -> None:
        """EV-2: a claim is one tenant's first waiting events, oldest first, with positions."""
        outbox = self._outbox()
        mine = self._append(TENANT, 1, 2, 3, 4, 5)
        self._append(OTHER_TENANT, 6, 7)
        claim = self._claim(outbox, "relay-1", limit=3)
        assert isinstance(claim, Claim)
        assert claim.tenant in (TENANT, OTHER_TENANT)
        assert (claim.holder, claim.expires_at) == ("relay-1", START + LEASE)
        expected = self.read(claim.tenant, lambda uow: list(uow.events.unpublished(3)))
        assert list(claim.events) == expected
        if claim.tenant == TENANT:
            assert [e for _, e in claim.events] == mine[:3]
        assert all(event.tenant == claim.tenant for _, event in claim.events)

    def test_ev2_an_empty_outbox_has_nothing_to_claim(self) -> None:
        """EV-2: with no waiting event anywhere, a claim is ``None``."""
        outbox = self._outbox()
        assert self._claim(outbox, "relay-1") is None
        self._append(TENANT, 1)
        claim = self._claim(outbox, "relay-1")
        outbox.complete(claim, claim.positions)
        outbox.release(claim)
        assert self._claim(outbox, "relay-1") is None

    def test_ev2_a_held_tenant_is_claimed_by_no_one_else_until_its_lease_runs_out(self) -> None:
        """EV-2: while a lease runs its tenant is nobody else's; after it, the same batch is."""
        outbox = self._outbox()
        self._append(TENANT, 1, 2)
        self._append(OTHER_TENANT, 3)
        first = self._claim(outbox, "relay-1")
        second = self._claim(outbox, "relay-2", START + timedelta(seconds=1))
        assert {first.tenant, second.tenant} == {TENANT, OTHER_TENANT}
        assert self._claim(outbox, "relay-3", START + LEASE - timedelta(microseconds=1)) is None
        again = self._claim(outbox, "relay-3", START + LEASE)
        assert (again.tenant, again.events) == (first.tenant, first.events)
        assert again.token != first.token

    def test_ev2_completing_marks_the_claimed_events_published_once(self) -> None:
        """EV-2: ``complete`` marks what was handed on; the next claim starts after it."""
        outbox = self._outbox()
        self._append(TENANT, 1, 2, 3, 4)
        claim = self._claim(outbox, "relay-1", limit=3)
        positions = list(claim.positions)
        assert outbox.complete(claim, [positions[0], positions[1], 10_000]) == 2
        assert outbox.complete(claim, [positions[0]]) == 0
        assert self._waiting(TENANT)[:1] == [positions[2]]
        outbox.release(claim)
        later = self._claim(outbox, "relay-2")
        assert later.positions[0] == positions[2]
        assert len(later.positions) == 2

    def test_ev2_a_lost_lease_can_neither_extend_nor_complete(self) -> None:
        """EV-2: once another publisher claimed the tenant, the old claim marks nothing."""
        outbox = self._outbox()
        self._append(TENANT, 1, 2)
        old = self._claim(outbox, "relay-1")
        new = self._claim(outbox, "relay-2", START + LEASE + timedelta(seconds=1))
        assert new.tenant == TENANT
        with pytest.raises(Conflict) as lost:
            outbox.complete(old, old.positions)
        assert (lost.value.code, lost.value.rule) == ("lease_lost", "EV-2")
        with pytest.raises(Conflict, match="lease"):
            outbox.extend(old, now=START + LEASE + timedelta(seconds=2), lease=LEASE)
        outbox.release(old)  # harmless: the tenant stays the new holder's
        assert self._waiting(TENANT) == list(old.positions)
        assert self._claim(outbox, "relay-3", START + LEASE + timedelta(seconds=3)) is None
        assert outbox.complete(new, new.positions) == 2
        assert self._waiting(TENANT) == []

    def test_ev2_completing_with_release_gives_the_tenant_back_in_the_same_step(self) -> None:
        """EV-2: ``complete(..., release=True)`` marks and frees the tenant; the claim is spent."""
        outbox = self._outbox()
        self._append(TENANT, 1, 2, 3)
        claim = self._claim(outbox, "relay-1", limit=2)
        assert outbox.complete(claim, claim.positions[:1], release=True) == 1
        with pytest.raises(Conflict, match="lease"):
            outbox.complete(claim, claim.positions)
        later = self._claim(outbox, "relay-2", START + timedelta(seconds=1))
        assert later is not None
        assert later.positions == (*claim.positions[1:], claim.positions[-1] + 1)

    def test_ev2_a_lease_run_out_but_not_taken_still_completes(self) -> None:
        """EV-2: a slow publisher that nobody replaced still marks what it handed on."""
        outbox = self._outbox()
        self._append(TENANT, 1)
        claim = self._claim(outbox, "relay-1")
        assert outbox.complete(claim, claim.positions) == 1
        assert self._waiting(TENANT) == []

    def test_ev2_extending_keeps_the_tenant_past_the_first_lease(self) -> None:
        """EV-2: ``extend`` runs the lease from a new instant; the tenant stays held."""
        outbox = self._outbox()
        self._append(TENANT, 1)
        claim = self._claim(outbox, "relay-1")
        later = START + timedelta(seconds=20)
        extended = outbox.extend(claim, now=later, lease=LEASE)
        assert extended.expires_at == later + LEASE
        assert (extended.token, extended.events) == (claim.token, claim.events)
        assert self._claim(outbox, "relay-2", START + LEASE + timedelta(seconds=1)) is None
        assert self._claim(outbox, "relay-2", later + LEASE) is not None

    def test_ev2_released_tenants_take_turns(self) -> None:
        """EV-2: after a release, a tenant that waited is served before the one just served."""
        outbox = self._outbox()
        self._append(TENANT, *range(10))
        self._append(OTHER_TENANT, *range(10))
        served = []
        for step in range(4):
            claim = self._claim(outbox, "relay-1", START + timedelta(seconds=step), limit=2)
            served.append(claim.tenant)
            outbox.complete(claim, claim.positions)
            outbox.release(claim)
        assert served[0] != served[1]
        assert served[2:] == served[:2]

    def test_ev2_a_tenant_never_claimed_comes_before_any_other(self) -> None:
        """EV-2: a never-claimed tenant goes first, before one whose lease ended in 1960."""
        outbox = self._outbox()
        self._append(TENANT, 1)
        long_ago = datetime(1960, 1, 1, tzinfo=START.tzinfo)
        outbox.release(self._claim(outbox, "relay-1", long_ago))
        self._append(OTHER_TENANT, 2)
        claim = outbox.claim("relay-1", now=long_ago + 2 * LEASE, lease=LEASE)
        assert claim is not None
        assert claim.tenant == OTHER_TENANT

    def test_ev2_events_stored_after_a_claim_wait_for_a_later_one(self) -> None:
        """EV-2: a claim holds what was waiting when it was made, in order, and no more."""
        outbox = self._outbox()
        self._append(TENANT, 1, 2)
        claim = self._claim(outbox, "relay-1")
        self._append(TENANT, 3)
        assert len(claim.positions) == 2
        assert outbox.complete(claim, claim.positions) == 2
        outbox.release(claim)
        later = self._claim(outbox, "relay-1")
        assert [e for _, e in later.events] == [_event(3, TENANT)]
        assert later.positions[0] > claim.positions[-1]

    @pytest.mark.parametrize(
        ("holder", "now", "lease", "limit", "field"),
        [
            ("", START, LEASE, 10, "holder"),
            ("a\x00b", START, LEASE, 10, "holder"),
            (None, START, LEASE, 10, "holder"),
            ("r", datetime(2026, 3, 2), LEASE, 10, "now"),  # noqa: DTZ001 - naive on purpose
            ("r", START, timedelta(0), 10, "lease"),
            ("r", START, 30, 10, "lease"),
            ("r", START, timedelta.max, 10, "lease"),
            ("r", START, LEASE, 0, "limit"),
            ("r", START, LEASE, 2**63, "limit"),
            ("r", START, LEASE, True, "limit"),
        ],
    )
    def test_ev2_er2_bad_claim_terms_are_refused_and_claim_nothing(
        self, holder: Any, now: Any, lease: Any, limit: Any, field: str
    ) -> None:
        """EV-2, ER-2: bad terms are ``InvalidInput`` naming the field; nothing is leased."""
        outbox = self._outbox()
        self._append(TENANT, 1)
        with pytest.raises(InvalidInput) as refused:
            outbox.claim(holder, now=now, lease=lease, limit=limit)
        assert field in [error.path for error in refused.value.errors]
        assert self._claim(outbox, "relay-1") is not None

    def test_ev2_er2_a_claim_or_positions_of_the_wrong_kind_are_refused(self) -> None:
        """EV-2, ER-2: a non-claim or non-integer positions: refused, nothing changed."""
        outbox = self._outbox()
        self._append(TENANT, 1, 2)
        claim = self._claim(outbox, "relay-1")
        forged = attrs.evolve(claim, tenant=7)
        nothing: Any = None
        mixed: Any = [1, "2"]
        refusals: list[tuple[Any, str]] = [
            (lambda: outbox.extend(nothing, now=START, lease=LEASE), "claim"),
            (lambda: outbox.extend(forged, now=START, lease=LEASE), "claim"),
            (lambda: outbox.complete(claim, nothing), "positions"),
            (lambda: outbox.complete(claim, mixed), "positions"),
            (lambda: outbox.complete(forged, claim.positions), "claim"),
            (lambda: outbox.release(nothing), "claim"),
            (lambda: outbox.release(forged), "claim"),
        ]
        for call, field in refusals:
            with pytest.raises(InvalidInput) as refused:
                call()
            assert field in [error.path for error in refused.value.errors]
        assert self._waiting(TENANT) == list(claim.positions)
        assert self._claim(outbox, "relay-2", START + timedelta(seconds=1)) is None
        assert outbox.complete(claim, [0, -1, 2**70]) == 0  # not held: ignored
        assert outbox.complete(claim, claim.positions) == 2

    def test_ev2_concurrent_claims_never_share_a_tenant(self) -> None:
        """EV-2: claims made at once from many threads each get a different tenant or none."""
        if not self.supports_concurrent_units_of_work:
            pytest.skip("the adapter does not claim supports_concurrent_units_of_work")
        outbox = self._outbox()
        tenants = [self.new_tenant() for _ in range(3)]
        for tenant in tenants:
            self._append(tenant, 1, 2)
        claims: list[Claim | None] = []
        start = threading.Barrier(6)

        def claim(number: int) -> None:
            start.wait()
            claims.append(self._claim(outbox, f"relay-{number}"))

        threads = [threading.Thread(target=claim, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        held = [c.tenant for c in claims if c is not None]
        assert sorted(held) == sorted(tenants)
