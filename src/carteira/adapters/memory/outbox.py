"""The in-memory outbox: publishers claim each tenant's waiting events under a lease (EV-2)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from carteira.domain.events import Event
from carteira.domain.outbox import NEVER, Claim, check_claim, check_claim_terms, lease_lost

__all__ = ["MemoryOutbox"]


class _Log(Protocol):
    """What the outbox reads of a tenant's records: its events and what went out."""

    events: list[Event]
    published: set[int]

    def waiting(self, limit: int) -> list[tuple[int, Event]]:
        """Return the first ``limit`` events not yet published, with their positions."""
        ...


@attrs.define
class _Lease:
    token: str
    expires_at: datetime


class MemoryOutbox:
    """Every tenant's waiting events in an `InMemoryStore`, claimed under leases (EV-2).

    Claims, extensions and completions happen under the store's lock, so they never run
    beside a unit of work. Get one from `InMemoryStore.outbox`.
    """

    def __init__(self, lock: threading.RLock, tenants: Mapping[str, _Log]) -> None:
        self._lock = lock
        self._tenants = tenants
        self._leases: dict[str, _Lease] = {}

    def claim(
        self, holder: str, *, now: datetime, lease: timedelta, limit: int = 100
    ) -> Claim | None:
        """Lease the first ``limit`` waiting events of a tenant no other publisher holds."""
        check_claim_terms(holder, now, lease, limit)
        with self._lock:
            # A copy: a unit of work opened meanwhile may add a tenant to the store.
            tenants = list(self._tenants.items())
            free = [name for name, log in tenants if self._free(name, now) and log.waiting(1)]
            if not free:
                return None
            # The tenant whose last lease ended earliest first; one never claimed before all.
            tenant = min(free, key=lambda t: (self._last(t), t))
            events = tuple(self._tenants[tenant].waiting(limit))
            token = uuid.uuid4().hex
            self._leases[tenant] = _Lease(token, now + lease)
            return Claim(tenant, holder, token, now + lease, events)

    def extend(self, claim: Claim, *, now: datetime, lease: timedelta) -> Claim:
        """Run the claim's lease until ``now + lease``; ``lease_lost`` once another holds it."""
        check_claim(claim)
        check_claim_terms(claim.holder, now, lease, 1)
        with self._lock:
            held = self._held(claim)
            held.expires_at = now + lease
            return attrs.evolve(claim, expires_at=held.expires_at)

    def complete(self, claim: Claim, positions: Iterable[int], *, release: bool = False) -> int:
        """Mark the claimed events at ``positions`` published; return how many were not."""
        wanted = set(check_claim(claim, positions)) & set(claim.positions)
        with self._lock:
            held = self._held(claim)
            log = self._tenants[claim.tenant]
            fresh = wanted - log.published
            log.published |= fresh
            if release:
                held.token = ""
            return len(fresh)

    def release(self, claim: Claim) -> None:
        """Give the tenant back at once, if the claim still holds it."""
        check_claim(claim)
        with self._lock:
            held = self._leases.get(claim.tenant)
            if held is not None and held.token == claim.token:
                held.token = ""

    def _free(self, tenant: str, now: datetime) -> bool:
        held = self._leases.get(tenant)
        return held is None or not held.token or held.expires_at <= now

    def _last(self, tenant: str) -> datetime:
        held = self._leases.get(tenant)
        return NEVER if held is None else held.expires_at

    def _held(self, claim: Claim) -> _Lease:
        held = self._leases.get(claim.tenant)
        if held is None or held.token != claim.token:
            raise lease_lost(claim)
        return held
