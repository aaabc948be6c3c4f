"""The outbox port: publishers claim each tenant's waiting events under a lease (EV-2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from carteira.domain.outbox import Claim

__all__ = ["Outbox"]


class Outbox(Protocol):
    """Every tenant's waiting events, drained by any number of publishers at once (EV-2).

    A publisher ``claim``s a batch, hands its events on in order, ``complete``s the ones
    it handed on and ``release``s the claim. A tenant's batch is held by one publisher at a
    time; a claim that is neither extended nor released runs out at its ``expires_at``
    and another publisher may then claim the same events again (at least once). Instants
    are the publishers' clock: two publishers never hold one tenant at once while their
    clocks differ by less than half a lease minus their longest publish (docs/outbox.md).
    """

    def claim(
        self, holder: str, *, now: datetime, lease: timedelta, limit: int = 100
    ) -> Claim | None:
        """Lease the first ``limit`` waiting events of a tenant no other publisher holds.

        Return ``None`` when every tenant with waiting events is held by a running lease.
        Tenants take turns: the one whose last lease ended earliest (by running out, or at
        the instant it would have run out when it was released) comes first, a tenant never
        claimed before any other.
        """
        ...

    def extend(self, claim: Claim, *, now: datetime, lease: timedelta) -> Claim:
        """Run the claim's lease until ``now + lease``; ``Conflict`` ``lease_lost`` if gone."""
        ...

    def complete(self, claim: Claim, positions: Iterable[int], *, release: bool = False) -> int:
        """Mark the claimed events at ``positions`` published; return how many were not.

        With ``release``, the tenant is given back in the same step, as `release` does.

        Positions the claim does not hold are ignored. Refused with ``Conflict``
        ``lease_lost``, marking nothing, once the claim was released or another publisher
        has claimed the tenant.
        """
        ...

    def release(self, claim: Claim) -> None:
        """Give the tenant back at once, if the claim still holds it; harmless otherwise."""
        ...
