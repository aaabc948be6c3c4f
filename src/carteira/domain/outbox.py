"""A publisher's claim on one tenant's outbox, and the refusals of claiming (EV-2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import attrs

from carteira.domain import refusals
from carteira.domain.errors import Conflict, FieldError, InvalidInput
from carteira.domain.events import Event
from carteira.domain.identifiers import NOT_STORABLE, storable

__all__ = [
    "MAX_BATCH",
    "MAX_HOLDER",
    "NEVER",
    "Claim",
    "check_claim",
    "check_claim_terms",
    "lease_lost",
]

MAX_HOLDER = 200
"""The longest publisher name a claim takes."""

MAX_BATCH = 10_000
"""The most events one claim takes."""


NEVER = datetime.min.replace(tzinfo=UTC)
"""When the lease of a tenant never claimed ended: before any other (EV-2)."""


@attrs.frozen
class Claim:
    """A batch of one tenant's waiting events that one publisher holds until ``expires_at``.

    ``events`` are the tenant's first events not yet published, oldest first, with their
    positions. While the lease runs no other publisher may claim that tenant's events,
    so a tenant's events go out one batch at a time, in position order (EV-2).
    ``token`` tells this claim from a later one on the same tenant.
    """

    tenant: str
    holder: str
    token: str
    expires_at: datetime
    events: tuple[tuple[int, Event], ...]

    @property
    def positions(self) -> tuple[int, ...]:
        """The positions of the claimed events, in order."""
        return tuple(position for position, _ in self.events)

    def left(self, now: datetime) -> timedelta:
        """Return how long the lease still runs at ``now`` (negative once it has run out)."""
        return self.expires_at - now


def lease_lost(claim: Claim) -> Conflict:
    """Return the refusal for a claim whose lease ran out and another publisher took (EV-2)."""
    return refusals.lease_lost(claim.tenant, claim.holder)


def _too_far(now: datetime, lease: timedelta) -> bool:
    try:
        now + lease
    except OverflowError:
        return True
    return False


def check_claim_terms(holder: object, now: object, lease: object, limit: object) -> None:
    """Refuse a claim's terms unless all are usable, naming every bad one (EV-2, ER-2)."""
    errors = []
    if not isinstance(holder, str) or not holder.strip():
        errors.append(FieldError("holder", "must be a non-empty name"))
    elif not storable(holder) or len(holder) > MAX_HOLDER:
        errors.append(FieldError("holder", f"{NOT_STORABLE}, at most {MAX_HOLDER} characters"))
    if not isinstance(now, datetime) or now.utcoffset() is None:
        errors.append(FieldError("now", "must be a timezone-aware datetime"))
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        errors.append(FieldError("lease", "must be a positive timedelta"))
    elif isinstance(now, datetime) and now.utcoffset() is not None and _too_far(now, lease):
        errors.append(FieldError("lease", "must end before the year 10000"))
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_BATCH:
        errors.append(FieldError("limit", f"must be a whole number from 1 to {MAX_BATCH}"))
    if errors:
        raise InvalidInput("outbox claim", errors, rule="EV-2")


def check_claim(claim: object, positions: object = ()) -> list[int]:
    """Refuse anything but a `Claim` and whole positions; return the positions (EV-2, ER-2).

    Positions are whole numbers, given as any iterable; they come back as a list, in the
    order given. One the claim does not hold (0, past the log) is left to the outbox to
    ignore, as ``mark_published`` ignores it.
    """
    errors = []
    if not isinstance(claim, Claim) or not all(
        isinstance(text, str) for text in (claim.tenant, claim.holder, claim.token)
    ):
        errors.append(FieldError("claim", "must be a Claim an outbox returned"))
    found = _positions(positions)
    if found is None:
        errors.append(FieldError("positions", "must be whole numbers"))
    if errors or found is None:
        raise InvalidInput("outbox claim", errors, rule="EV-2")
    return found


def _positions(positions: object) -> list[int] | None:
    """Return ``positions`` as a list if each is a whole number, else ``None``."""
    if not isinstance(positions, Iterable) or isinstance(positions, str | bytes):
        return None
    found: list[int] = []
    for position in positions:
        if not isinstance(position, int) or isinstance(position, bool):
            return None
        found.append(position)
    return found
