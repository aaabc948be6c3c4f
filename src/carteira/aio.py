"""carteira for hosts on asyncio: `AsyncCarteira`, every call of `Carteira` awaited (ST-1, ST-6).

Every method of [`Carteira`][carteira.Carteira], with the same parameters, types and
results, as a coroutine, over SQLAlchemy's asyncio engine: aiosqlite for SQLite, psycopg's
async connections for PostgreSQL. A call runs the synchronous facade inside a greenlet on
the event loop, which is how SQLAlchemy's ``AsyncConnection.run_sync`` works: each
database round trip is awaited, so while the database works the loop serves others, and
carteira's own Python work runs on the loop between round trips, in slices of a fraction
of a millisecond. At most ``concurrency`` calls are in flight at once; the others wait
for a turn without holding the loop, so whatever else the loop serves waits behind a few
slices, not behind every request in flight. Pauses between retries (ST-3) are awaited,
and a presence port or attachment store the host passes, which may do I/O, runs in a
worker thread.

Why not worker threads: `benchmarks/bench_event_loop.py` measures the loop's latency
under 40 concurrent requests, with the numbers in `docs/async.md`. Threads take the
database waits off the loop too, but carteira's Python work then contends with the loop
for the interpreter lock, and the loop waits up to a switch interval (5 ms) for it each
time it wakes; on SQLite, bounded threads did worse than bounded greenlets, and FastAPI's
pool of 40 threads worse than both. A host's ``AsyncConnection`` cannot leave the loop's
thread anyway, and threads would need a synchronous engine beside the host's.

The coroutines are written by ``tools/async_facade.py`` from the methods they await, their
signatures and docstrings copied: one definition of each, and a test fails when this file
is not what the tool writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import attrs
from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.util import greenlet_spawn

from carteira.adapters.attachments import InMemoryAttachmentStore
from carteira.adapters.presence import EveryoneOnline, InMemoryPresence
from carteira.adapters.sql.store import SqlStore
from carteira.app import Carteira
from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import StorageError
from carteira.domain.events import Event, MembershipChanged
from carteira.domain.manager import Manager
from carteira.domain.ownership import Ownership
from carteira.domain.permissions import Profile, Role
from carteira.domain.portal import Attachment, Message, PortalFilter
from carteira.domain.portfolio import Journey, Portfolio
from carteira.domain.principal import Principal
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import ChoiceMode, Department, RoutingMode, Ticket
from carteira.domain.workflow import ExtraField, FieldValue, Stage, TicketType
from carteira.policies.eligibility import EligibilityPolicy
from carteira.policies.routing import RoutingDecision, TieBreak, fewest_open_then_longest_idle
from carteira.policies.visibility import Visibility
from carteira.ports.attachments import AttachmentStore
from carteira.ports.clock import Clock
from carteira.ports.presence import Presence
from carteira.services.imports import ImportReport
from carteira.services.portal import PortalTicket
from carteira.services.queries import CustomerView, PortfolioSummary
from carteira.services.results import UNCHANGED, Page, Result, Unchanged
from carteira.services.runner import full_jitter
from carteira.services.visibility import Subject
from carteira.spreadsheets.dataset import DataSet

try:
    from sqlalchemy.util import await_ as _await
except ImportError:  # SQLAlchemy 2.0 calls it await_only
    from sqlalchemy.util import await_only as _await

__all__ = ["AsyncCarteira", "AsyncCustomerPortal"]

T = TypeVar("T")


def _new_id() -> str:
    return uuid.uuid4().hex


# carteira's own in-memory ports never block; anything else, subclasses too, may.
_IN_MEMORY = (InMemoryAttachmentStore, InMemoryPresence, EveryoneOnline)


@attrs.frozen
class _Ports:
    """What a host gives `AsyncCarteira` besides the database, kept for `within`."""

    clock: Clock | None
    eligibility: EligibilityPolicy | None
    presence: Presence | None
    tie_break: TieBreak
    new_id: Callable[[], str]
    attachments: AttachmentStore
    attempts: int
    backoff: Callable[[int], float]


class _OffLoopPresence:
    """A host's presence port, asked in a worker thread: it may ask a server (RT-2)."""

    def __init__(self, inner: Presence) -> None:
        self._inner = inner

    def online(self, tenant: str, manager_ids: Iterable[str]) -> frozenset[str]:
        """Return those of ``manager_ids`` online now, as the host's port says."""
        return _await(asyncio.to_thread(self._inner.online, tenant, tuple(manager_ids)))


class _OffLoopAttachments:
    """A host's attachment store, used in a worker thread: it writes files (TK-4)."""

    def __init__(self, inner: AttachmentStore) -> None:
        self._inner = inner

    def put(self, tenant: str, key: str, content: bytes) -> None:
        """Store ``content`` under ``key``, as the host's store does."""
        _await(asyncio.to_thread(self._inner.put, tenant, key, content))

    def get(self, tenant: str, key: str) -> bytes:
        """Return the content under ``key``, as the host's store does."""
        return _await(asyncio.to_thread(self._inner.get, tenant, key))

    def delete(self, tenant: str, key: str) -> None:
        """Remove the content under ``key``, as the host's store does."""
        _await(asyncio.to_thread(self._inner.delete, tenant, key))

    def keys(self, tenant: str) -> list[str]:
        """Return the keys holding content in ``tenant``, as the host's store does."""
        return _await(asyncio.to_thread(self._inner.keys, tenant))


def _awaited(backoff: Callable[[int], float]) -> Callable[[int], float]:
    """Return a backoff that waits on the loop itself and leaves nothing to ``time.sleep``.

    The services pause between attempts with ``time.sleep(backoff(n))`` (ST-3); inside
    a call's greenlet this pause is an ``asyncio.sleep`` instead, so the loop goes on.
    """

    def pause(failures: int) -> float:
        _await(asyncio.sleep(backoff(failures)))
        return 0.0

    return pause


class _Bridge:
    """Runs calls of one synchronous `Carteira` in greenlets on the loop, a few at a time."""

    def __init__(
        self, store: SqlStore, ports: _Ports, limit: asyncio.Semaphore, turn: asyncio.Lock | None
    ) -> None:
        presence = ports.presence
        if presence is not None and type(presence) not in _IN_MEMORY:
            presence = _OffLoopPresence(presence)
        attachments = ports.attachments
        if type(attachments) not in _IN_MEMORY:
            attachments = _OffLoopAttachments(attachments)
        self.store = store
        self.limit = limit  # shared with the instances `within` makes
        self.turn = turn  # one connection: one call at a time
        self.app = Carteira(
            store.unit_of_work,
            clock=ports.clock,
            eligibility=ports.eligibility,
            presence=presence,
            tie_break=ports.tie_break,
            attachments=attachments,
            attempts=ports.attempts,
            new_id=ports.new_id,
            backoff=_awaited(ports.backoff),
        )

    async def call(self, call: Callable[[Carteira], T]) -> T:
        """Run ``call(app)`` once a turn is free; its database waits are awaited (ST-1)."""
        return await self.run(functools.partial(call, self.app))

    async def run(self, call: Callable[[], T]) -> T:
        """Run ``call()``, which may use the store, in a greenlet once a turn is free."""
        async with self.turn or contextlib.nullcontext(), self.limit:
            return await greenlet_spawn(call)


class AsyncCarteira:
    """Every command and query of [`Carteira`][carteira.Carteira] as a coroutine (ST-1).

    Built on a host's ``AsyncEngine``: each call runs in units of work of its own, as
    `Carteira` on a `SqlStore` over an ``Engine`` does: commands in one transaction each
    (SQLite ``BEGIN IMMEDIATE``; PostgreSQL the tenant's writer lock, ST-3), queries in
    read-only ones (ST-6). Built on a host's ``AsyncConnection``: each command is a
    ``SAVEPOINT`` inside the host's transaction, which only the host commits or rolls back,
    and calls run one at a time, as the connection allows. [`open`][carteira.aio.AsyncCarteira.open]
    builds one on a URL or a SQLite file, with its own engine, and creates the schema.

    The methods take and return what `Carteira`'s do and refuse with the same
    [`CarteiraError`][carteira.CarteiraError]s (ER-1); ``portal`` is the customer's side
    ([`AsyncCustomerPortal`][carteira.aio.AsyncCustomerPortal]). The ports and ``attempts``
    and ``backoff`` mean what they mean to `Carteira`. ``concurrency`` is how many calls of
    this instance run at once on the loop (those on one connection run one at a time); the
    others wait their turn without holding it. With two, 40 concurrent visibility checks
    kept the loop's p99 latency within twice an idle loop's (`docs/async.md`); raise it
    when the database is far away and its round trips, not carteira's work, bound the
    throughput.
    ``busy_timeout`` (seconds) is how long a unit of work waits for the write lock (ST-3).
    The schema on a host's engine is the host's migrations' to make: see
    [`upgrade`][carteira.aio.AsyncCarteira.upgrade].

    An instance belongs to the event loop it first runs on, like its engine.
    """

    def __init__(
        self,
        bind: AsyncEngine | AsyncConnection,
        *,
        concurrency: int = 2,
        busy_timeout: float = 5.0,
        clock: Clock | None = None,
        eligibility: EligibilityPolicy | None = None,
        presence: Presence | None = None,
        tie_break: TieBreak = fewest_open_then_longest_idle,
        new_id: Callable[[], str] | None = None,
        attachments: AttachmentStore | None = None,
        attempts: int = 3,
        backoff: Callable[[int], float] = full_jitter,
    ) -> None:
        ports = _Ports(
            clock,
            eligibility,
            presence,
            tie_break,
            new_id or _new_id,
            attachments if attachments is not None else InMemoryAttachmentStore(),
            attempts,
            backoff,
        )
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._ports, self._busy_timeout = ports, busy_timeout
        self._owned = False
        turn = None
        if isinstance(bind, AsyncConnection):
            connection = bind.sync_connection
            if connection is None:
                raise StorageError(
                    "the AsyncConnection has not started: pass the one `async with "
                    "engine.connect()` (or `engine.begin()`) gives",
                    rule="ST-1",
                )
            self._engine = bind.engine
            store = SqlStore(connection, busy_timeout=busy_timeout)
            turn = asyncio.Lock()
        elif isinstance(bind, AsyncEngine):
            self._engine = bind
            store = SqlStore(bind.sync_engine, create=False, busy_timeout=busy_timeout)
            if isinstance(bind.sync_engine.pool, StaticPool):
                turn = asyncio.Lock()  # one connection for every call: SQLite in memory
        else:
            raise StorageError(
                f"AsyncCarteira takes an AsyncEngine or an AsyncConnection, not "
                f"{type(bind).__name__}; for a URL or a file use `await AsyncCarteira.open(url)`",
                rule="ST-2",
            )
        self._bridge = _Bridge(store, ports, asyncio.Semaphore(concurrency), turn)
        #: The customer's side: open, follow, discuss, approve, cancel (TK, VS-4).
        self.portal = AsyncCustomerPortal(self._bridge)

    @classmethod
    async def open(
        cls,
        url: str | URL | Path,
        *,
        create: bool = True,
        concurrency: int = 2,
        busy_timeout: float = 5.0,
        clock: Clock | None = None,
        eligibility: EligibilityPolicy | None = None,
        presence: Presence | None = None,
        tie_break: TieBreak = fewest_open_then_longest_idle,
        new_id: Callable[[], str] | None = None,
        attachments: AttachmentStore | None = None,
        attempts: int = 3,
        backoff: Callable[[int], float] = full_jitter,
    ) -> AsyncCarteira:
        """Open the database at ``url`` (or SQLite file) on an async engine of its own (ST-2).

        ``sqlite:///file.db`` or a `Path` runs on aiosqlite, ``postgresql://...`` on
        psycopg's async connections. With ``create`` (the default) the schema is created
        or upgraded first, and a SQLite file is put in WAL mode, exactly as
        `SqlStore` does for a URL (ST-6, ST-8): in a
        worker thread, on the synchronous driver, so the loop goes on meanwhile.
        [`close`][carteira.aio.AsyncCarteira.close] disposes of the engine.
        """
        sync_url, async_url = _urls(url)
        memory = sync_url.get_backend_name() == "sqlite" and sync_url.database in (
            None,
            "",
            ":memory:",
        )
        if create and not memory:
            await asyncio.to_thread(_prepare, sync_url, busy_timeout)
        engine = create_async_engine(async_url)
        try:
            carteira = cls(
                engine,
                concurrency=concurrency,
                busy_timeout=busy_timeout,
                clock=clock,
                eligibility=eligibility,
                presence=presence,
                tie_break=tie_break,
                new_id=new_id,
                attachments=attachments,
                attempts=attempts,
                backoff=backoff,
            )
            carteira._owned = True
            if create and memory:
                await carteira.upgrade()
        except BaseException:
            await engine.dispose()
            raise
        return carteira

    def within(self, connection: AsyncConnection) -> AsyncCarteira:
        """Return this `AsyncCarteira`, ports and all, on a host's ``AsyncConnection`` (ST-1).

        Its commands join the transaction open on ``connection`` (one ``SAVEPOINT`` each:
        a refused command undoes only its own writes) and its queries read in it; the
        host commits or rolls back carteira's writes with its own. Its calls take turns
        on the connection, and count towards this instance's ``concurrency``. For one
        request or job.
        """
        ports = self._ports
        joined = AsyncCarteira(
            connection,
            busy_timeout=self._busy_timeout,
            clock=ports.clock,
            eligibility=ports.eligibility,
            presence=ports.presence,
            tie_break=ports.tie_break,
            new_id=ports.new_id,
            attachments=ports.attachments,
            attempts=ports.attempts,
            backoff=ports.backoff,
        )
        joined._bridge.limit = self._bridge.limit  # this instance's calls, counted as one
        return joined

    @property
    def engine(self) -> AsyncEngine:
        """The async engine calls connect through (the host's connection's, if given one)."""
        return self._engine

    async def upgrade(self) -> None:
        """Create or upgrade the schema to this code's version; refuse a newer one (ST-2, ST-8)."""
        await self._bridge.run(self._bridge.store.upgrade)

    async def close(self) -> None:
        """Dispose of the engine [`open`][carteira.aio.AsyncCarteira.open] made; else nothing."""
        if self._owned:
            await self._engine.dispose()

    async def __aenter__(self) -> AsyncCarteira:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- portfolios (PF) ---------------------------------------------------------------

    # -- generated by tools/async_facade.py from Carteira: do not edit below --
    async def create_portfolio(
        self,
        principal: Principal,
        name: str,
        *,
        description: str | None = None,
        journey: Journey | None = None,
        managers: Sequence[str] = (),
        portfolio_id: str | None = None,
    ) -> Result[Portfolio]:
        """Create a portfolio; managers and journey are optional (PF-1..PF-3, PF-6)."""
        return await self._bridge.call(
            lambda app: app.create_portfolio(
                principal,
                name,
                description=description,
                journey=journey,
                managers=managers,
                portfolio_id=portfolio_id,
            )
        )

    async def edit_portfolio(
        self,
        principal: Principal,
        portfolio_id: str,
        *,
        name: str | Unchanged = UNCHANGED,
        description: str | Unchanged | None = UNCHANGED,
        journey: Journey | Unchanged | None = UNCHANGED,
        managers: Sequence[str] | Unchanged = UNCHANGED,
    ) -> Result[Portfolio]:
        """Edit a portfolio's name, description, journey or managers (PF-4, MB-2)."""
        return await self._bridge.call(
            lambda app: app.edit_portfolio(
                principal,
                portfolio_id,
                name=name,
                description=description,
                journey=journey,
                managers=managers,
            )
        )

    async def delete_portfolio(self, principal: Principal, portfolio_id: str) -> Result[None]:
        """Delete a portfolio for good; its customers and organizations go outside (PF-5)."""
        return await self._bridge.call(lambda app: app.delete_portfolio(principal, portfolio_id))

    async def set_default_portfolio(
        self, principal: Principal, manager_id: str, portfolio_id: str | None
    ) -> Result[Manager]:
        """Mark one of a manager's portfolios as his default, or clear it (MG-2)."""
        return await self._bridge.call(
            lambda app: app.set_default_portfolio(principal, manager_id, portfolio_id)
        )

    async def register_manager(
        self,
        principal: Principal,
        manager_id: str,
        name: str,
        *,
        profile: Profile = Profile.AGENT,
        roles: Iterable[Role] = (),
        active: bool = True,
    ) -> Result[Manager]:
        """Make one of the host's staff known as a manager (MG-1)."""
        return await self._bridge.call(
            lambda app: app.register_manager(
                principal, manager_id, name, profile=profile, roles=roles, active=active
            )
        )

    async def update_manager(
        self,
        principal: Principal,
        manager_id: str,
        *,
        name: str | Unchanged = UNCHANGED,
        profile: Profile | Unchanged = UNCHANGED,
        roles: Iterable[Role] | Unchanged = UNCHANGED,
        transfer_to: str | None = None,
        keep: bool = False,
    ) -> Result[Manager]:
        """Change a manager's name, profile or roles; if he becomes ineligible he leaves (MG-3)."""
        return await self._bridge.call(
            lambda app: app.update_manager(
                principal,
                manager_id,
                name=name,
                profile=profile,
                roles=roles,
                transfer_to=transfer_to,
                keep=keep,
            )
        )

    async def deactivate_manager(
        self,
        principal: Principal,
        manager_id: str,
        *,
        transfer_to: str | None = None,
        keep: bool = False,
    ) -> Result[Manager]:
        """Deactivate a manager: transfer to a successor, keep, or refuse to orphan (MG-3)."""
        return await self._bridge.call(
            lambda app: app.deactivate_manager(
                principal, manager_id, transfer_to=transfer_to, keep=keep
            )
        )

    async def reactivate_manager(self, principal: Principal, manager_id: str) -> Result[Manager]:
        """Reactivate a manager; what he left stays where it went."""
        return await self._bridge.call(lambda app: app.reactivate_manager(principal, manager_id))

    async def remove_manager(
        self,
        principal: Principal,
        manager_id: str,
        *,
        transfer_to: str | None = None,
        keep: bool = False,
    ) -> Result[None]:
        """Delete a manager's record after he leaves as chosen (MG-3)."""
        return await self._bridge.call(
            lambda app: app.remove_manager(
                principal, manager_id, transfer_to=transfer_to, keep=keep
            )
        )

    async def register_customer(
        self,
        principal: Principal,
        customer_id: str,
        name: str,
        *,
        organization: str | None = None,
    ) -> Result[Customer]:
        """Make one of the host's customers known; it starts outside portfolio (MB-4)."""
        return await self._bridge.call(
            lambda app: app.register_customer(
                principal, customer_id, name, organization=organization
            )
        )

    async def update_customer(
        self,
        principal: Principal,
        customer_id: str,
        *,
        name: str | Unchanged = UNCHANGED,
        organization: str | Unchanged | None = UNCHANGED,
    ) -> Result[Customer]:
        """Rename a customer or move it to another organization (MB-1, MB-3)."""
        return await self._bridge.call(
            lambda app: app.update_customer(
                principal, customer_id, name=name, organization=organization
            )
        )

    async def register_organization(
        self, principal: Principal, organization_id: str, name: str
    ) -> Result[Organization]:
        """Make one of the host's organizations known; it starts outside portfolio."""
        return await self._bridge.call(
            lambda app: app.register_organization(principal, organization_id, name)
        )

    async def update_organization(
        self, principal: Principal, organization_id: str, *, name: str
    ) -> Result[Organization]:
        """Rename an organization."""
        return await self._bridge.call(
            lambda app: app.update_organization(principal, organization_id, name=name)
        )

    async def set_organization_portfolio(
        self, principal: Principal, organization_id: str, portfolio_id: str | None
    ) -> Result[Organization]:
        """Put an organization in a portfolio or take it out (WA-3, MB-1, MB-2)."""
        return await self._bridge.call(
            lambda app: app.set_organization_portfolio(principal, organization_id, portfolio_id)
        )

    async def set_customer_membership(
        self,
        principal: Principal,
        customer_id: str,
        *,
        portfolio: str | Unchanged | None = UNCHANGED,
        account_managers: Sequence[str] | Unchanged = UNCHANGED,
    ) -> Result[Customer]:
        """Set a customer's portfolio and/or account managers from its record (WA-3, MB-2, MB-3)."""
        return await self._bridge.call(
            lambda app: app.set_customer_membership(
                principal, customer_id, portfolio=portfolio, account_managers=account_managers
            )
        )

    async def assign_customer(
        self,
        principal: Principal,
        customer_id: str,
        manager_id: str,
        *,
        portfolio: str | None = None,
    ) -> Result[Customer]:
        """Make a manager an account manager of a customer, in his default portfolio (MG-2)."""
        return await self._bridge.call(
            lambda app: app.assign_customer(principal, customer_id, manager_id, portfolio=portfolio)
        )

    async def unassign_customer(
        self, principal: Principal, customer_id: str, manager_id: str
    ) -> Result[Customer]:
        """Remove a manager from a customer's account managers; the portfolio stays (MB-3)."""
        return await self._bridge.call(
            lambda app: app.unassign_customer(principal, customer_id, manager_id)
        )

    async def update_settings(
        self,
        principal: Principal,
        *,
        segmentation: bool | Unchanged = UNCHANGED,
        max_account_managers: int | Unchanged = UNCHANGED,
        owner_only: bool | Unchanged = UNCHANGED,
        portal_attendant: str | Unchanged | None = UNCHANGED,
        attachment_max_bytes: int | Unchanged = UNCHANGED,
        attachment_types: Iterable[str] | Unchanged = UNCHANGED,
        open_access: bool | Unchanged = UNCHANGED,
    ) -> Result[TenantSettings]:
        """Change the tenant's settings; only those named change.

        Segmentation (VS-1), open access (VS-6: every active manager sees everything,
        while membership and routing still follow the portfolios), the account-manager
        cap (MB-3), owner-only (PM-3), the portal's default attendant (RT-6), and the
        attachments' size limit and allowed content types (TK-4).
        """
        return await self._bridge.call(
            lambda app: app.update_settings(
                principal,
                segmentation=segmentation,
                max_account_managers=max_account_managers,
                owner_only=owner_only,
                portal_attendant=portal_attendant,
                attachment_max_bytes=attachment_max_bytes,
                attachment_types=attachment_types,
                open_access=open_access,
            )
        )

    async def schedule_absence(
        self,
        principal: Principal,
        manager_id: str,
        *,
        start: datetime,
        end: datetime,
        backup: str,
        absence_id: str | None = None,
    ) -> Result[Manager]:
        """Schedule a period away with a backup; it ends by itself (MG-5)."""
        return await self._bridge.call(
            lambda app: app.schedule_absence(
                principal, manager_id, start=start, end=end, backup=backup, absence_id=absence_id
            )
        )

    async def cancel_absence(
        self, principal: Principal, manager_id: str, absence_id: str
    ) -> Result[Manager]:
        """Withdraw a scheduled absence (MG-5)."""
        return await self._bridge.call(
            lambda app: app.cancel_absence(principal, manager_id, absence_id)
        )

    async def save_department(
        self,
        principal: Principal,
        department_id: str,
        name: str,
        *,
        routing: RoutingMode = RoutingMode.PORTFOLIO,
        choice: ChoiceMode = ChoiceMode.AUTOMATIC,
        members: Iterable[str] | None = None,
        capacity: int | None = None,
        capacities: Mapping[str, int] | None = None,
        account_managers_only: bool = False,
    ) -> Result[Department]:
        """Create or change a department's routing setup (RT-1, RT-2)."""
        return await self._bridge.call(
            lambda app: app.save_department(
                principal,
                department_id,
                name,
                routing=routing,
                choice=choice,
                members=members,
                capacity=capacity,
                capacities=capacities,
                account_managers_only=account_managers_only,
            )
        )

    async def route(
        self, principal: Principal, customer_id: str, department_id: str
    ) -> RoutingDecision:
        """Return where a new conversation of a customer would go, changing nothing (RT-4)."""
        return await self._bridge.call(lambda app: app.route(principal, customer_id, department_id))

    async def open_ticket(
        self, principal: Principal, ticket_id: str, customer_id: str, department_id: str
    ) -> Result[Ticket]:
        """Open a ticket and route it through the owner chain (RT-1..RT-5, RT-7)."""
        return await self._bridge.call(
            lambda app: app.open_ticket(principal, ticket_id, customer_id, department_id)
        )

    async def choose_agent(
        self, principal: Principal, ticket_id: str, manager_id: str
    ) -> Result[Ticket]:
        """Record the customer's choice among the offered agents (RT-1)."""
        return await self._bridge.call(
            lambda app: app.choose_agent(principal, ticket_id, manager_id)
        )

    async def reassign_ticket(
        self, principal: Principal, ticket_id: str, manager_id: str | None
    ) -> Result[Ticket]:
        """Give an open ticket to another manager, or back to the queue (PM-3)."""
        return await self._bridge.call(
            lambda app: app.reassign_ticket(principal, ticket_id, manager_id)
        )

    async def department_queue(
        self,
        principal: Principal,
        department_id: str,
        *,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Ticket]:
        """Return a page of the tickets waiting in a department's queue, oldest first (VS-7).

        For the department's members (every active manager where it lists none), holders
        of VIEW_ALL and the host. Pass the page's ``next_after`` back as ``after``.
        """
        return await self._bridge.call(
            lambda app: app.department_queue(principal, department_id, after=after, limit=limit)
        )

    async def take_ticket(self, principal: Principal, ticket_id: str) -> Result[Ticket]:
        """Take a ticket from one's department's queue; the first taker wins (RT-8).

        A second taker is refused with [`Conflict`][carteira.Conflict] ``already_taken``;
        membership does not change (MB-5).
        """
        return await self._bridge.call(lambda app: app.take_ticket(principal, ticket_id))

    async def reply(self, principal: Principal, ticket_id: str) -> Result[Ticket]:
        """Record a reply on an open ticket (PM-3)."""
        return await self._bridge.call(lambda app: app.reply(principal, ticket_id))

    async def close_ticket(
        self, principal: Principal, ticket_id: str, *, associate: bool = False
    ) -> Result[Ticket]:
        """Close a ticket; ``associate`` answers WA-2's question (MB-5, WA-2, PM-3)."""
        return await self._bridge.call(
            lambda app: app.close_ticket(principal, ticket_id, associate=associate)
        )

    async def offers_association(self, principal: Principal, ticket_id: str) -> bool:
        """Tell whether closing this ticket should ask to associate its customer (WA-2)."""
        return await self._bridge.call(lambda app: app.offers_association(principal, ticket_id))

    async def save_ticket_type(
        self,
        principal: Principal,
        type_id: str,
        *,
        group: str,
        name: str,
        stages: Sequence[Stage],
        transitions: Iterable[tuple[str, str]] = (),
        fields: Sequence[ExtraField] = (),
        department: str | None = None,
    ) -> Result[TicketType]:
        """Create or change a ticket type and its workflow (TK-2, TK-3, TK-6)."""
        return await self._bridge.call(
            lambda app: app.save_ticket_type(
                principal,
                type_id,
                group=group,
                name=name,
                stages=stages,
                transitions=transitions,
                fields=fields,
                department=department,
            )
        )

    async def ticket_types(self, principal: Principal) -> Sequence[TicketType]:
        """Return every ticket type, by group and name (TK-1)."""
        return await self._bridge.call(lambda app: app.ticket_types(principal))

    async def open_portal_ticket(
        self,
        principal: Principal,
        customer_id: str,
        *,
        group: str,
        ticket_type: str,
        subject: str,
        request: str,
        values: Mapping[str, FieldValue] | None = None,
        ticket_id: str | None = None,
    ) -> Result[Ticket]:
        """Open a portal ticket for a customer, as the host application (TK-1, RT-6)."""
        return await self._bridge.call(
            lambda app: app.open_portal_ticket(
                principal,
                customer_id,
                group=group,
                ticket_type=ticket_type,
                subject=subject,
                request=request,
                values=values,
                ticket_id=ticket_id,
            )
        )

    async def move_ticket(
        self, principal: Principal, ticket_id: str, target: str, *, note: str = ""
    ) -> Result[Ticket]:
        """Move a portal ticket with the service side to another stage (TK-2, PM-3)."""
        return await self._bridge.call(
            lambda app: app.move_ticket(principal, ticket_id, target, note=note)
        )

    async def fill_fields(
        self, principal: Principal, ticket_id: str, values: Mapping[str, FieldValue | None]
    ) -> Result[Ticket]:
        """Fill or clear extra fields of a portal ticket with the service side (TK-3)."""
        return await self._bridge.call(lambda app: app.fill_fields(principal, ticket_id, values))

    async def post_message(
        self,
        principal: Principal,
        ticket_id: str,
        text: str,
        *,
        internal: bool = False,
        message_id: str | None = None,
    ) -> Result[Message]:
        """Write in an open portal ticket's discussion; ``internal`` hides it (TK-5)."""
        return await self._bridge.call(
            lambda app: app.post_message(
                principal, ticket_id, text, internal=internal, message_id=message_id
            )
        )

    async def attach(
        self,
        principal: Principal,
        ticket_id: str,
        *,
        name: str,
        content_type: str,
        content: bytes,
        attachment_id: str | None = None,
    ) -> Result[Attachment]:
        """Attach a file to an open portal ticket (TK-4)."""
        return await self._bridge.call(
            lambda app: app.attach(
                principal,
                ticket_id,
                name=name,
                content_type=content_type,
                content=content,
                attachment_id=attachment_id,
            )
        )

    async def attachment(
        self, principal: Principal, ticket_id: str, attachment_id: str
    ) -> tuple[Attachment, bytes]:
        """Return an attachment of a portal ticket the principal sees (TK-4, VS-2)."""
        return await self._bridge.call(
            lambda app: app.attachment(principal, ticket_id, attachment_id)
        )

    async def delete_ticket(self, principal: Principal, ticket_id: str) -> Result[Ticket]:
        """Delete a cancelled ticket, as an administrator; an audit event remains (TK-8)."""
        return await self._bridge.call(lambda app: app.delete_ticket(principal, ticket_id))

    async def add_to_my_portfolio(self, principal: Principal, ticket_id: str) -> Result[Customer]:
        """WA-1: the serving agent adds the ticket's customer to his own portfolio."""
        return await self._bridge.call(lambda app: app.add_to_my_portfolio(principal, ticket_id))

    async def bulk_close(
        self, principal: Principal, agent_id: str, *, associate: bool = False
    ) -> Result[list[Ticket]]:
        """WA-4: close all open conversations of an agent; ``associate`` assigns them.

        Every one is closed; the value lists only those the caller sees (VS-3). The
        result's events, the host's record of what changed, name them all.
        """
        return await self._bridge.call(
            lambda app: app.bulk_close(principal, agent_id, associate=associate)
        )

    async def assign_to_me(self, principal: Principal, ticket_id: str) -> Result[Customer]:
        """WA-6: make the acting agent an account manager of the ticket's customer."""
        return await self._bridge.call(lambda app: app.assign_to_me(principal, ticket_id))

    async def unassign_me(self, principal: Principal, ticket_id: str) -> Result[Customer]:
        """WA-6: take the acting agent off the ticket's customer."""
        return await self._bridge.call(lambda app: app.unassign_me(principal, ticket_id))

    async def assign_customers(
        self, principal: Principal, agent_id: str, customer_ids: Sequence[str]
    ) -> Result[list[Customer]]:
        """WA-7: from an agent's record, assign a list of customers to him."""
        return await self._bridge.call(
            lambda app: app.assign_customers(principal, agent_id, customer_ids)
        )

    async def unassign_customers(
        self, principal: Principal, agent_id: str, customer_ids: Sequence[str]
    ) -> Result[list[Customer]]:
        """WA-7: from an agent's record, unassign a list of customers from him."""
        return await self._bridge.call(
            lambda app: app.unassign_customers(principal, agent_id, customer_ids)
        )

    async def import_dataset(
        self,
        principal: Principal,
        dataset: DataSet,
        *,
        partial: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> Result[ImportReport]:
        """WA-8: import managers, portfolios and memberships read from a spreadsheet.

        Every row is checked first; a bad row refuses the whole import with
        [`ImportRefused`][carteira.ImportRefused] listing every bad row, unless ``partial``, which
        applies the good rows and reports the bad ones
        ([`ImportReport.bad_rows`][carteira.ImportReport.bad_rows]). Importing the same rows twice
        changes nothing the second time. ``progress`` is told ``(rows done, rows in all)`` as the
        memberships are checked.
        """
        return await self._bridge.call(
            lambda app: app.import_dataset(principal, dataset, partial=partial, progress=progress)
        )

    async def export_dataset(self, principal: Principal) -> DataSet:
        """Return the tenant's managers, portfolios, memberships and history as tables (WA-8).

        The format [`import_dataset`][carteira.Carteira.import_dataset] reads: exported, then
        imported into an empty database, they give the same managers, portfolios and memberships.
        """
        return await self._bridge.call(lambda app: app.export_dataset(principal))

    async def can_view(self, principal: Principal, subject: Subject, object_id: str) -> bool:
        """Tell whether the principal sees a customer, organization or ticket (VS-2)."""
        return await self._bridge.call(lambda app: app.can_view(principal, subject, object_id))

    async def visible_among(
        self, principal: Principal, subject: Subject, object_ids: Iterable[str]
    ) -> frozenset[str]:
        """Return those of ``object_ids`` the principal sees, in one call (VS-2).

        For filtering a host's own search results: unknown ids are simply not seen.
        """
        return await self._bridge.call(
            lambda app: app.visible_among(principal, subject, object_ids)
        )

    async def explain(
        self,
        principal: Principal,
        subject: Subject,
        object_id: str,
        *,
        viewer_id: str | None = None,
    ) -> Visibility:
        """Say which clause lets a manager see an object, or why not (VS-5)."""
        return await self._bridge.call(
            lambda app: app.explain(principal, subject, object_id, viewer_id=viewer_id)
        )

    async def visible_customers(
        self,
        principal: Principal,
        *,
        search: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Customer]:
        """Return a page of the customers the principal sees, by id (VS-3).

        ``search`` keeps those where each of its words begins a word of the name or the
        id, case and accents aside: ``tomas ne`` finds "Tomás Neto" (VS-8).
        """
        return await self._bridge.call(
            lambda app: app.visible_customers(principal, search=search, after=after, limit=limit)
        )

    async def visible_organizations(
        self,
        principal: Principal,
        *,
        search: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Organization]:
        """Return a page of the organizations the principal sees, by id (VS-3).

        ``search`` keeps them as it keeps customers (VS-8).
        """
        return await self._bridge.call(
            lambda app: app.visible_organizations(
                principal, search=search, after=after, limit=limit
            )
        )

    async def visible_tickets(
        self,
        principal: Principal,
        *,
        open_only: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Ticket]:
        """Return a page of the tickets the principal sees, by id (VS-2, VS-3)."""
        return await self._bridge.call(
            lambda app: app.visible_tickets(
                principal, open_only=open_only, after=after, limit=limit
            )
        )

    async def settings(self, principal: Principal) -> TenantSettings:
        """Return the tenant's settings."""
        return await self._bridge.call(lambda app: app.settings(principal))

    async def list_portfolios(
        self, principal: Principal, *, after: str | None = None, limit: int = 50
    ) -> Page[PortfolioSummary]:
        """Return a page of portfolios by name, each marked available or not (PF-3, ST-4).

        Pass the page's ``next_after`` back as ``after`` for the next one.
        """
        return await self._bridge.call(
            lambda app: app.list_portfolios(principal, after=after, limit=limit)
        )

    async def portfolio(self, principal: Principal, portfolio_id: str) -> PortfolioSummary:
        """Return one portfolio, marked available or not as listings mark it (PF-3)."""
        return await self._bridge.call(lambda app: app.portfolio(principal, portfolio_id))

    async def list_managers(
        self,
        principal: Principal,
        *,
        active: bool | None = None,
        eligible: bool | None = None,
        portfolio: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Manager]:
        """Return a page of the tenant's managers by id (MG-1, ST-4).

        ``active`` and ``eligible`` keep those that are (``True``) or are not (``False``),
        by the eligibility policy; ``portfolio`` keeps that portfolio's managers. Needs
        MANAGE_MANAGERS or MANAGE_PORTFOLIOS. Pass ``next_after`` back as ``after``.
        """
        return await self._bridge.call(
            lambda app: app.list_managers(
                principal,
                active=active,
                eligible=eligible,
                portfolio=portfolio,
                after=after,
                limit=limit,
            )
        )

    async def organization(self, principal: Principal, organization_id: str) -> Organization:
        """Return one organization's record, if the principal may see it (VS-3, TN-1)."""
        return await self._bridge.call(lambda app: app.organization(principal, organization_id))

    async def portfolios_of_manager(
        self,
        principal: Principal,
        manager_id: str,
        *,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[PortfolioSummary]:
        """Return a page of the portfolios a manager manages, his default first (MG-2)."""
        return await self._bridge.call(
            lambda app: app.portfolios_of_manager(principal, manager_id, after=after, limit=limit)
        )

    async def orphaned_portfolios(self, principal: Principal) -> list[PortfolioSummary]:
        """Return the portfolios holding customers with no active manager (MB-2, MG-3)."""
        return await self._bridge.call(lambda app: app.orphaned_portfolios(principal))

    async def customers_of_portfolio(
        self, principal: Principal, portfolio_id: str, *, after: str | None = None, limit: int = 50
    ) -> Page[Customer]:
        """Return a page of a portfolio's customers the principal may see (MB-1, VS-3)."""
        return await self._bridge.call(
            lambda app: app.customers_of_portfolio(
                principal, portfolio_id, after=after, limit=limit
            )
        )

    async def customer(self, principal: Principal, customer_id: str) -> CustomerView:
        """Return a customer the principal may see, with who owns it (MB-4)."""
        return await self._bridge.call(lambda app: app.customer(principal, customer_id))

    async def owner_history(
        self, principal: Principal, customer_id: str
    ) -> Sequence[MembershipChanged]:
        """Return every ownership change of a customer, oldest first (MB-6)."""
        return await self._bridge.call(lambda app: app.owner_history(principal, customer_id))

    async def owners_at(self, principal: Principal, customer_id: str, at: datetime) -> Ownership:
        """Return who owned a customer at instant ``at`` (MB-6)."""
        return await self._bridge.call(lambda app: app.owners_at(principal, customer_id, at))

    async def read_events(
        self, principal: Principal, *, after: int = 0, limit: int = 100
    ) -> Sequence[tuple[int, Event]]:
        """Return stored events after position ``after``, for the host's publisher (EV-1)."""
        return await self._bridge.call(
            lambda app: app.read_events(principal, after=after, limit=limit)
        )

    async def unpublished_events(
        self, principal: Principal, *, limit: int = 100
    ) -> Sequence[tuple[int, Event]]:
        """Return the first events not yet marked published: the host's outbox (EV-1)."""
        return await self._bridge.call(lambda app: app.unpublished_events(principal, limit=limit))

    async def mark_published(self, principal: Principal, positions: Iterable[int]) -> Result[int]:
        """Mark events published after the host sent them on; return how many were new (EV-1).

        Marking is idempotent: a position already marked, or past the log's end, counts
        for nothing.
        """
        return await self._bridge.call(lambda app: app.mark_published(principal, positions))

    # -- end of the methods generated from Carteira --


class AsyncCustomerPortal:
    """The customer's side of portal tickets, as coroutines (TK, VS-4).

    Every method of [`CustomerPortal`][carteira.CustomerPortal], awaited. Built by
    [`AsyncCarteira`][carteira.aio.AsyncCarteira]; use ``carteira.portal``.
    """

    def __init__(self, bridge: _Bridge) -> None:
        self._bridge = bridge

    # -- generated by tools/async_facade.py from CustomerPortal: do not edit below --
    async def ticket_types(self, customer: Principal) -> Sequence[TicketType]:
        """Return the ticket types he may open, by group and name (TK-1)."""
        return await self._bridge.call(lambda app: app.portal.ticket_types(customer))

    async def open_ticket(
        self,
        customer: Principal,
        *,
        group: str,
        ticket_type: str,
        subject: str,
        request: str,
        values: Mapping[str, FieldValue] | None = None,
        ticket_id: str | None = None,
    ) -> Result[PortalTicket]:
        """Open a ticket: it enters its type's first stage and is routed (TK-1, RT-6).

        ``ticket_id`` is for a host that numbers tickets itself; never take it from the
        customer: an id another customer's ticket holds is refused as a conflict.
        """
        return await self._bridge.call(
            lambda app: app.portal.open_ticket(
                customer,
                group=group,
                ticket_type=ticket_type,
                subject=subject,
                request=request,
                values=values,
                ticket_id=ticket_id,
            )
        )

    async def tickets(
        self,
        customer: Principal,
        view: PortalFilter = PortalFilter.ALL,
        *,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[PortalTicket]:
        """Return a page of his tickets in one of the portal's five views, by id (TK-7)."""
        return await self._bridge.call(
            lambda app: app.portal.tickets(customer, view, after=after, limit=limit)
        )

    async def ticket(self, customer: Principal, ticket_id: str) -> PortalTicket:
        """Return one of his tickets as he sees it (TK-7, VS-4)."""
        return await self._bridge.call(lambda app: app.portal.ticket(customer, ticket_id))

    async def move(
        self, customer: Principal, ticket_id: str, target: str, *, note: str = ""
    ) -> Result[PortalTicket]:
        """Move a ticket under his responsibility to the next stage he may choose (TK-2)."""
        return await self._bridge.call(
            lambda app: app.portal.move(customer, ticket_id, target, note=note)
        )

    async def fill(
        self, customer: Principal, ticket_id: str, values: Mapping[str, FieldValue | None]
    ) -> Result[PortalTicket]:
        """Fill or clear extra fields of a ticket under his responsibility (TK-3)."""
        return await self._bridge.call(lambda app: app.portal.fill(customer, ticket_id, values))

    async def approve(
        self, customer: Principal, ticket_id: str, *, note: str = ""
    ) -> Result[PortalTicket]:
        """Approve the service side's understanding of his request: it moves on (TK-6)."""
        return await self._bridge.call(
            lambda app: app.portal.approve(customer, ticket_id, note=note)
        )

    async def reject(
        self, customer: Principal, ticket_id: str, *, reason: str
    ) -> Result[PortalTicket]:
        """Reject the understanding, saying why: the ticket goes back (TK-6)."""
        return await self._bridge.call(
            lambda app: app.portal.reject(customer, ticket_id, reason=reason)
        )

    async def cancel(
        self, customer: Principal, ticket_id: str, *, reason: str = ""
    ) -> Result[PortalTicket]:
        """Cancel a ticket under his responsibility; it becomes read-only (TK-8)."""
        return await self._bridge.call(
            lambda app: app.portal.cancel(customer, ticket_id, reason=reason)
        )

    async def post_message(
        self, customer: Principal, ticket_id: str, text: str, *, message_id: str | None = None
    ) -> Result[Message]:
        """Write in an open ticket's discussion, whoever is responsible (TK-5)."""
        return await self._bridge.call(
            lambda app: app.portal.post_message(customer, ticket_id, text, message_id=message_id)
        )

    async def attach(
        self,
        customer: Principal,
        ticket_id: str,
        *,
        name: str,
        content_type: str,
        content: bytes,
        attachment_id: str | None = None,
    ) -> Result[Attachment]:
        """Attach a file to an open ticket, even one awaiting return (TK-4)."""
        return await self._bridge.call(
            lambda app: app.portal.attach(
                customer,
                ticket_id,
                name=name,
                content_type=content_type,
                content=content,
                attachment_id=attachment_id,
            )
        )

    async def attachment(
        self, customer: Principal, ticket_id: str, attachment_id: str
    ) -> tuple[Attachment, bytes]:
        """Return an attachment of one of his tickets, metadata and content (TK-4, VS-4)."""
        return await self._bridge.call(
            lambda app: app.portal.attachment(customer, ticket_id, attachment_id)
        )

    # -- end of the methods generated from CustomerPortal --


def _urls(url: str | URL | Path) -> tuple[URL, URL]:
    """Return the synchronous and the asyncio URL of one database (ST-2)."""
    if isinstance(url, Path):
        found = URL.create("sqlite", database=str(url))
    else:
        try:
            found = make_url(url)
        except ArgumentError as error:
            raise StorageError(
                f"{url!r} is not a database URL; for a SQLite file pass a Path", rule="ST-2"
            ) from error
    backend = found.get_backend_name()
    if backend == "sqlite":
        return found.set(drivername="sqlite"), found.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return (
            found.set(drivername="postgresql+psycopg"),
            found.set(drivername="postgresql+psycopg_async"),
        )
    raise StorageError(f"AsyncCarteira supports SQLite and PostgreSQL, not {backend}", rule="ST-2")


def _prepare(url: URL, busy_timeout: float) -> None:
    """Create or upgrade the schema and set SQLite's WAL mode, as `SqlStore` does (ST-8)."""
    SqlStore(url, busy_timeout=busy_timeout).close()
