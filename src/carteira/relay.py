"""The relay: drains the outbox into a host's publisher, one claimed batch at a time (EV-2)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

import attrs

from carteira.adapters.clock import SystemClock
from carteira.domain.errors import Conflict
from carteira.domain.events import Event
from carteira.domain.outbox import Claim
from carteira.ports.clock import Clock
from carteira.ports.outbox import Outbox
from carteira.services.runner import full_jitter

__all__ = ["Publish", "Relay", "relay_backoff"]

Publish = Callable[[str, int, Event], object]
"""The host's publisher: called with the tenant, the event's position and the event."""

_log = logging.getLogger("carteira.relay")


def _name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def relay_backoff(failures: int) -> float:
    """Return the pause after ``failures`` failed rounds in a row: full jitter, 0.1 s to 30 s."""
    return full_jitter(failures, base=0.1, cap=30.0)


@attrs.define
class Relay:
    """Hands every tenant's events to ``publish``, in position order per tenant (EV-2).

    Each round claims one tenant's first waiting events from ``outbox`` under a lease of
    ``lease``, calls ``publish(tenant, position, event)`` for each in order, marks those
    it handed on published and gives the tenant back. Run as many relays as you like, in
    threads or processes: a tenant's batch is held by one relay at a time. The lease is
    extended whenever less than half of it is left, so ``publish`` must return within half
    a lease; a relay that dies leaves its batch to be claimed again once the lease runs
    out, so a host's consumer may see an event twice (at least once), never from two
    relays at once and never before an earlier event of its tenant.

    >>> from carteira import InMemoryStore
    >>> sent = []
    >>> relay = Relay(InMemoryStore().outbox(), lambda t, p, e: sent.append(p))
    >>> relay.run_once()
    0
    """

    outbox: Outbox
    publish: Publish
    clock: Clock = attrs.field(factory=SystemClock)
    name: str = attrs.field(factory=_name)
    lease: timedelta = timedelta(seconds=30)
    batch: int = 100
    backoff: Callable[[int], float] = relay_backoff

    def run_once(self) -> int:
        """Claim one batch, publish it and mark it published; return how many went out.

        Returns 0 when no tenant has waiting events free to claim. An error from
        ``publish`` reaches the caller after the events handed on before it are marked
        and the tenant is given back. A lease found lost when extending it ends the batch
        with [`Conflict`][carteira.Conflict] ``lease_lost``; one found lost only when
        marking is logged as a warning, and the count returned is of events handed on,
        which the new holder sends again.
        """
        claim = self.outbox.claim(
            self.name, now=self.clock.now(), lease=self.lease, limit=self.batch
        )
        if claim is None:
            return 0
        sent: list[int] = []
        try:
            for position, event in claim.events:
                claim = self._kept(claim)
                self.publish(claim.tenant, position, event)
                sent.append(position)
        finally:
            self._settle(claim, sent)
        return len(sent)

    def run(self, stop: threading.Event, *, idle: float = 0.5) -> None:
        """Run rounds until ``stop`` is set, waiting ``idle`` seconds when there is nothing.

        A failed round is logged on the ``carteira.relay`` logger and followed by a pause
        from ``backoff``, longer with each failure in a row.
        """
        failures = 0
        while not stop.is_set():
            try:
                sent = self.run_once()
            except Exception:
                failures += 1
                _log.exception("relay %s: a round failed (%d in a row)", self.name, failures)
                stop.wait(self.backoff(failures))
                continue
            failures = 0
            if not sent:
                stop.wait(idle)

    def _kept(self, claim: Claim) -> Claim:
        """Return the claim with at least half a lease left, extended when needed."""
        now = self.clock.now()
        if claim.left(now) >= self.lease / 2:
            return claim
        return self.outbox.extend(claim, now=now, lease=self.lease)

    def _settle(self, claim: Claim, sent: list[int]) -> None:
        """Mark ``sent`` published and give the tenant back; a lost lease only logs."""
        try:
            self.outbox.complete(claim, sent, release=True)
        except Conflict as error:
            if error.code != "lease_lost":
                raise
            _log.warning(
                "relay %s: lease on tenant %r lost; %d events may go out again",
                self.name,
                claim.tenant,
                len(sent),
            )
