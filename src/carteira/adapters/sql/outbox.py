"""The outbox in SQL: publishers claim each tenant's waiting events under a lease (EV-2).

A claim is one short transaction: it enlists the tenants with waiting events in
``carteira_outbox_leases``, takes the free one whose last lease ended earliest (on PostgreSQL with
``FOR UPDATE SKIP LOCKED``, so two publishers never wait for each other; on SQLite the
store's ``BEGIN IMMEDIATE`` makes claims take turns), leases it and reads its first waiting
events through the partial index ``carteira_events_waiting``. Completing a batch locks the
tenant's lease row, checks the claim still holds it and marks the events, in one transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

import cattrs
from sqlalchemy import (
    BigInteger,
    Connection,
    exists,
    false,
    func,
    literal,
    select,
    true,
    update,
)

from carteira.adapters.sql.derived import instant_us
from carteira.adapters.sql.schema import events, outbox_leases
from carteira.adapters.sql.sets import insert_select_ignoring_conflicts, values_of
from carteira.domain.events import Event
from carteira.domain.outbox import NEVER, Claim, check_claim, check_claim_terms, lease_lost

__all__ = ["SqlOutbox"]

_WAITING = events.c.published == false()
_LEASE_FREE = outbox_leases.c.token.is_(None)


class SqlOutbox:
    """Every tenant's waiting events in a `SqlStore`, claimed under leases (EV-2).

    Get one from `SqlStore.outbox`; any number of publishers, in any number of processes,
    may use the same database at once.
    """

    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[Connection]],
        dialect: str,
        converter: cattrs.Converter,
    ) -> None:
        self._transaction = transaction
        self._dialect = dialect
        self._converter = converter

    def claim(
        self, holder: str, *, now: datetime, lease: timedelta, limit: int = 100
    ) -> Claim | None:
        """Lease the first ``limit`` waiting events of a tenant no other publisher holds."""
        check_claim_terms(holder, now, lease, limit)
        token = uuid.uuid4().hex
        until = now + lease
        with self._transaction() as connection:
            connection.execute(self._enlist())
            tenant = connection.execute(self._free_tenant(instant_us(now))).scalar()
            if tenant is None:
                return None
            connection.execute(
                update(outbox_leases)
                .where(outbox_leases.c.tenant == tenant)
                .values(holder=holder, token=token, expires_at_us=instant_us(until))
            )
            rows = connection.execute(
                select(events.c.position, events.c.event)
                .where(events.c.tenant == tenant, _WAITING)
                .order_by(events.c.position)
                .limit(limit)
            ).all()
        structure = self._converter.structure
        found = tuple((int(p), structure(json.loads(text), Event)) for p, text in rows)
        return Claim(tenant, holder, token, until, found)

    def extend(self, claim: Claim, *, now: datetime, lease: timedelta) -> Claim:
        """Run the claim's lease until ``now + lease``; ``lease_lost`` once another holds it."""
        check_claim(claim)
        check_claim_terms(claim.holder, now, lease, 1)
        until = now + lease
        with self._transaction() as connection:
            extended = connection.execute(
                update(outbox_leases)
                .where(outbox_leases.c.tenant == claim.tenant, outbox_leases.c.token == claim.token)
                .values(expires_at_us=instant_us(until))
                .returning(outbox_leases.c.tenant)
            ).first()
        if extended is None:
            raise lease_lost(claim)
        return Claim(claim.tenant, claim.holder, claim.token, until, claim.events)

    def complete(self, claim: Claim, positions: Iterable[int], *, release: bool = False) -> int:
        """Mark the claimed events at ``positions`` published; return how many were not."""
        wanted = sorted(set(check_claim(claim, positions)) & set(claim.positions))
        with self._transaction() as connection:
            holding = select(outbox_leases.c.token).where(outbox_leases.c.tenant == claim.tenant)
            if self._dialect == "postgresql":
                holding = holding.with_for_update()  # a claimer skips the row meanwhile
            if connection.execute(holding).scalar() != claim.token:
                raise lease_lost(claim)
            marked = self._mark(connection, claim.tenant, wanted) if wanted else 0
            if release:
                connection.execute(self._released(claim))
        return marked

    def _mark(self, connection: Connection, tenant: str, positions: list[int]) -> int:
        """Mark the tenant's waiting events at ``positions`` published; count them."""
        statement = (
            update(events)
            .where(
                events.c.tenant == tenant,
                _WAITING,
                events.c.position.in_(values_of(self._dialect, positions, BigInteger())),
            )
            .values(published=true())
            .returning(events.c.position)
        )
        return len(connection.execute(statement).all())

    def release(self, claim: Claim) -> None:
        """Give the tenant back at once, if the claim still holds it."""
        check_claim(claim)
        with self._transaction() as connection:
            connection.execute(self._released(claim))

    def _released(self, claim: Claim) -> Any:
        """Free the tenant's lease row if ``claim`` still holds it."""
        return (
            update(outbox_leases)
            .where(outbox_leases.c.tenant == claim.tenant, outbox_leases.c.token == claim.token)
            .values(holder=None, token=None)
        )

    def _enlist(self) -> Any:
        """Give every tenant with waiting events a lease row, free, if it has none yet.

        The tenants are found by a walk over ``carteira_events_waiting`` that jumps from
        one tenant to the next (a recursive query, one index probe per tenant), so the
        cost grows with the number of tenants, not with how many events wait.
        """
        later = events.alias("later")
        walk = select(func.min(events.c.tenant).label("tenant")).where(_WAITING)
        tenants = walk.cte("waiting_tenants", recursive=True)
        following = (
            select(func.min(later.c.tenant))
            .where(later.c.published == false(), later.c.tenant > tenants.c.tenant)
            .scalar_subquery()
        )
        tenants = tenants.union_all(select(following).where(tenants.c.tenant.is_not(None)))
        known = exists().where(outbox_leases.c.tenant == tenants.c.tenant)
        never = literal(instant_us(NEVER), BigInteger)
        # In tenant order, so two publishers enlisting the same tenants cannot deadlock.
        rows = (
            select(tenants.c.tenant, never)
            .where(tenants.c.tenant.is_not(None), ~known)
            .order_by(tenants.c.tenant)
        )
        return insert_select_ignoring_conflicts(
            self._dialect, outbox_leases, ["tenant", "expires_at_us"], rows
        )

    def _free_tenant(self, now_us: int) -> Any:
        """Select the free tenant with waiting events whose lease ended earliest (locked on PG)."""
        has_waiting = exists().where(events.c.tenant == outbox_leases.c.tenant, _WAITING)
        statement = (
            select(outbox_leases.c.tenant)
            .where(_LEASE_FREE | (outbox_leases.c.expires_at_us <= now_us), has_waiting)
            .order_by(outbox_leases.c.expires_at_us, outbox_leases.c.tenant)
            .limit(1)
        )
        if self._dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return statement
