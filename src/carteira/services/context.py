"""What one command works with: its unit of work, its actor, its instant, its events."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import attrs

from carteira.domain.actor import Actor, admit, refused_customer, refused_manager
from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import (
    CarteiraError,
    ConcurrencyError,
    Conflict,
    InvalidInput,
    NotFound,
)
from carteira.domain.events import Event, MembershipChanged
from carteira.domain.identifiers import check_id
from carteira.domain.manager import Manager
from carteira.domain.permissions import ALL_PERMISSIONS
from carteira.domain.portfolio import Portfolio
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.scope import Scope
from carteira.domain.settings import TenantSettings
from carteira.domain.stamp import Stamp
from carteira.domain.ticket import Department, Ticket, queues_of
from carteira.domain.visibility import (
    Viewer,
    Visibility,
    customer_visibility,
    organization_visibility,
    require_actionable,
    scope_of,
    standing_in,
    ticket_visibility,
)
from carteira.domain.visibility_rule import Subject, subject_of
from carteira.policies.eligibility import EligibilityPolicy
from carteira.policies.routing import TieBreak, fewest_open_then_longest_idle
from carteira.ports.clock import Clock
from carteira.ports.presence import Presence
from carteira.ports.unit_of_work import (
    ReadUnitOfWork,
    ReadUnitOfWorkFactory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from carteira.ports.visibility import VisibilityCheck
from carteira.services.results import Result

__all__ = [
    "Actor",
    "Context",
    "ReadContext",
    "Runner",
    "full_jitter",
    "id_taken",
    "refuse_self_reach",
    "refused_manager",
]

T = TypeVar("T")

_log = logging.getLogger(__name__)


def refuse_self_reach(context: Context, beneficiary: str, owner: str | None, action: str) -> None:
    """Ask the actor to refuse taking another's reach for himself (PM-2, PF-6, MG-3, MG-5).

    [`Actor.refuse_self_reach`][carteira.domain.actor.Actor.refuse_self_reach] decides;
    this reads the tenant's segmentation for it.
    """
    actor = context.actor
    if actor.is_system or beneficiary != actor.id or owner == actor.id:
        return
    actor.refuse_self_reach(beneficiary, owner, action, segmentation=context.settings.segmentation)


def id_taken(kind: str, record_id: str, code: str, rule: str, *, seen: bool) -> Conflict:
    """Return the refusal of a new record whose id is in use (TN-1, VS-3).

    To a caller who sees the record holding it, it says so (``code``). To one who does
    not, it says only that the id cannot be used (``id_unavailable``): not what holds it,
    nor whose it is; the least a create with a caller-chosen id reveals.
    """
    if seen:
        return Conflict(f"{kind} {record_id!r} already exists", code=code, rule=rule)
    return Conflict(
        f"{kind} id {record_id!r} cannot be used: choose another",
        code="id_unavailable",
        rule="VS-3",
        details={"kind": kind, "id": record_id},
    )


def resolve_actor(uow: ReadUnitOfWork, principal: Principal) -> Actor:
    """Load the principal's permissions; an unknown or inactive manager may not act (MG-4)."""
    if principal.kind is PrincipalKind.SYSTEM:
        return Actor.system(principal)
    if principal.kind is PrincipalKind.CUSTOMER:
        if uow.customers.get(check_id("customer", principal.id)) is None:
            raise refused_customer(principal)
        return Actor.customer(principal)
    return Actor.of_manager(principal, uow.managers.get(principal.id))


@attrs.define(kw_only=True)
class ReadContext:
    """One query's working set: its read-only unit of work, actor and instant (ST-6).

    Everything a query reads goes through here; commands get a
    [`Context`][carteira.services.context.Context], which adds writing and events.
    """

    uow: ReadUnitOfWork
    actor: Actor
    stamp: Stamp
    eligibility: EligibilityPolicy
    presence: Presence
    tie_break: TieBreak = fewest_open_then_longest_idle
    _viewer: Viewer | None = attrs.field(default=None, init=False)

    @property
    def settings(self) -> TenantSettings:
        """The tenant's settings."""
        return self.uow.settings.get()

    def portfolio(self, portfolio_id: str) -> Portfolio:
        """Return the portfolio or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.portfolios.get(check_id("portfolio", portfolio_id))
        if found is None:
            raise NotFound("portfolio", portfolio_id)
        return found

    def manager(self, manager_id: str) -> Manager:
        """Return the manager or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.managers.get(check_id("manager", manager_id))
        if found is None:
            raise NotFound("manager", manager_id)
        return found

    def default_portfolio(self, manager: Manager) -> str | None:
        """Return the portfolio ``manager``'s work goes to by default (MG-2, MG-6)."""
        if manager.default_portfolio is not None:
            return manager.default_portfolio
        managed = self.uow.portfolios.page(after=None, limit=2, manager=manager.id)
        return manager.default_among([p.id for p in managed])

    def customer(self, customer_id: str) -> Customer:
        """Return the customer or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.customers.get(check_id("customer", customer_id))
        if found is None:
            raise NotFound("customer", customer_id)
        return found

    def organization(self, organization_id: str) -> Organization:
        """Return the organization or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.organizations.get(check_id("organization", organization_id))
        if found is None:
            raise NotFound("organization", organization_id)
        return found

    def organization_of(self, customer: Customer) -> Organization | None:
        """Return the customer's organization, if it has one."""
        return None if customer.organization is None else self.organization(customer.organization)

    def active_managers(
        self, portfolio: Portfolio, read: Mapping[str, Manager] | None = None
    ) -> list[str]:
        """Return the portfolio's managers that are active, in order (MB-2, PF-3).

        ``read`` holds managers already read (for a page of portfolios); without it they
        are read here.
        """
        found = self.uow.managers.get_many(portfolio.managers) if read is None else read
        return [m for m in portfolio.managers if m in found and found[m].active]

    @property
    def viewer(self) -> Viewer:
        """The actor as the visibility policy sees him, with whom he stands in for (MG-5)."""
        if self._viewer is None:
            self._viewer = self.viewer_of(self.actor.manager, system=self.actor.is_system)
        return self._viewer

    def viewer_of(self, manager: Manager | None, *, system: bool = False) -> Viewer:
        """Return how the visibility policy sees ``manager`` right now (MG-4, MG-5)."""
        if manager is None:
            # The host sees everything; a portal customer sees nothing through the
            # agents' side (his own tickets come through the portal, VS-4).
            if system:
                return Viewer(self.actor.id, True, ALL_PERMISSIONS, system=True)
            return Viewer(self.actor.id, False, frozenset())
        named_him = self.uow.managers.backed_up_by(manager.id)
        absent = standing_in(manager.id, named_him, self.stamp.at)
        return Viewer(manager.id, manager.active, manager.permissions, absent)

    def scope(self, viewer: Viewer) -> Scope:
        """Return what ``viewer`` sees as sets storage can answer (VS-3)."""
        managed = {
            p.id for identity in viewer.identities for p in self.uow.portfolios.managed_by(identity)
        }
        return scope_of(
            viewer,
            segmentation=self.settings.segmentation,
            open_access=self.settings.open_access,
            managed_portfolios=managed,
            queues=queues_of(viewer.id, self.uow.departments.list()),
        )

    def customer_visibility(self, customer: Customer, viewer: Viewer | None = None) -> Visibility:
        """Decide whether the actor (or ``viewer``) sees ``customer`` (VS-2)."""
        effective = customer.effective_portfolio(self.organization_of(customer))
        managers = None if effective is None else self.portfolio(effective).managers
        return customer_visibility(
            viewer or self.viewer,
            segmentation=self.settings.segmentation,
            open_access=self.settings.open_access,
            portfolio_managers=managers,
            account_managers=customer.account_managers,
        )

    def organization_visibility(
        self, organization: Organization, viewer: Viewer | None = None
    ) -> Visibility:
        """Decide whether the actor (or ``viewer``) sees ``organization`` (VS-2)."""
        portfolio = organization.portfolio
        managers = None if portfolio is None else self.portfolio(portfolio).managers
        return organization_visibility(
            viewer or self.viewer,
            segmentation=self.settings.segmentation,
            open_access=self.settings.open_access,
            portfolio_managers=managers,
        )

    def ticket_visibility(self, ticket: Ticket, viewer: Viewer | None = None) -> Visibility:
        """Decide whether the actor (or ``viewer``) sees ``ticket`` (VS-2, VS-7)."""
        viewer = viewer or self.viewer
        customer = self.customer(ticket.customer)
        department = self.uow.departments.get(ticket.department) if ticket.queued else None
        return ticket_visibility(
            viewer, self.customer_visibility(customer, viewer), ticket, department
        )

    def ticket(self, ticket_id: str) -> Ticket:
        """Return the ticket or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.tickets.get(check_id("ticket", ticket_id))
        if found is None:
            raise NotFound("ticket", ticket_id)
        return found

    def visible_ticket(self, ticket_id: str) -> Ticket:
        """Return the ticket if the actor sees it to act on; otherwise it does not exist (VS-3).

        A ticket he sees only because it waits in his department's queue he may take
        (RT-8) and nothing else: acting on it otherwise is refused with
        [`PermissionDenied`][carteira.PermissionDenied] ``take_first`` (VS-7).
        """
        ticket = self.ticket(ticket_id)
        seen = self.ticket_visibility(ticket)
        if not seen:
            raise NotFound("ticket", ticket_id)
        require_actionable(seen, ticket)
        return ticket

    def department(self, department_id: str) -> Department:
        """Return the department or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.departments.get(check_id("department", department_id))
        if found is None:
            raise NotFound("department", department_id)
        return found

    def visible_customer(self, customer_id: str) -> Customer:
        """Return the customer if the actor sees it; otherwise it does not exist (VS-3, PM-2)."""
        customer = self.customer(customer_id)
        if not self.customer_visibility(customer):
            raise NotFound("customer", customer_id)
        return customer

    def visible_organization(self, organization_id: str) -> Organization:
        """Return the organization if the actor sees it; otherwise it does not exist."""
        organization = self.organization(organization_id)
        if not self.organization_visibility(organization):
            raise NotFound("organization", organization_id)
        return organization


@attrs.define(kw_only=True)
class Context(ReadContext):
    """One command's working set: a writing unit of work and the events it produced."""

    uow: UnitOfWork
    events: list[Event] = attrs.field(factory=list)
    flushed: int = 0

    @property
    def stamp_fields(self) -> dict[str, Any]:
        """The tenant, actor and instant every event of this command carries (EV-1)."""
        stamp = self.stamp
        return {
            "tenant": stamp.tenant,
            "actor": stamp.actor,
            "at": stamp.at,
            "actor_kind": stamp.kind,
        }

    def emit(self, *events: Event) -> None:
        """Add events this command produced, in order."""
        self.events.extend(events)

    @property
    def emitted(self) -> int:
        """How many events this command has produced so far, flushed or not."""
        return self.flushed + len(self.events)

    def flush(self) -> None:
        """Record the events so far, and the ownership history they carry, in the unit of work.

        They are kept with the command's changes, or dropped with them (EV-1, MB-6). A
        command that makes more events than memory should hold (an import) flushes as it goes.
        """
        self.uow.history.append(_membership(self.events))
        self.uow.events.append(self.events)
        self.flushed += len(self.events)
        self.events.clear()


@attrs.frozen
class Runner:
    """Runs commands and queries, each in one unit of work of the principal's tenant (ST-1).

    Commands run in units of work from ``uow_factory``; queries in read-only ones from
    ``read_factory`` (ST-6), or in ordinary ones when the store has none. A unit of work
    that fails with [`ConcurrencyError`][carteira.ConcurrencyError] (a stale version, a
    serialization failure, a busy database) is run again from the start, reading everything
    afresh, up to ``attempts`` times in all (ST-3), after a pause of ``backoff(n)`` seconds
    following the n-th failure (`full_jitter` unless
    given); a command is safe to run again because a failed unit of work kept nothing.
    """

    uow_factory: UnitOfWorkFactory
    clock: Clock
    eligibility: EligibilityPolicy
    presence: Presence
    tie_break: TieBreak = fewest_open_then_longest_idle
    attempts: int = attrs.field(default=3, validator=attrs.validators.ge(1))
    read_factory: ReadUnitOfWorkFactory | None = None
    checker: VisibilityCheck | None = None
    backoff: Callable[[int], float] = attrs.field(factory=lambda: full_jitter)

    def command(
        self, principal: Principal, body: Callable[[Context], T], *, portal: bool = False
    ) -> Result[T]:
        """Run ``body``; store its events and history with its changes, or nothing (EV-1).

        Only ``portal`` commands take a customer principal (VS-4).
        """
        admit(principal, portal=portal)
        try:
            return self._retrying(lambda: self._command_once(principal, body))
        except CarteiraError as error:
            _log_refusal(principal, error)
            raise

    def _command_once(self, principal: Principal, body: Callable[[Context], T]) -> Result[T]:
        with self.uow_factory(principal.tenant) as uow:
            actor = resolve_actor(uow, principal)
            context = Context(uow=uow, actor=actor, **self._working_set(principal))
            value = body(context)
            events = tuple(context.events)
            context.flush()
            uow.commit()
        return Result(value, events)

    def _retrying(
        self, attempt: Callable[[], T], attempts: int | None = None, failed: int = 0
    ) -> T:
        """Run ``attempt`` up to ``attempts`` times; ``failed`` attempts already failed."""
        total = attempts or self.attempts
        for done in range(1, total + 1):
            try:
                return attempt()
            except ConcurrencyError as error:
                if done == total:
                    raise
                self._pause(failed + done, error)
        raise AssertionError("unreachable: attempts must be at least 1")

    def _pause(self, failures: int, error: ConcurrencyError) -> None:
        """Wait ``backoff(failures)`` seconds before running a unit of work again (ST-3)."""
        pause = self.backoff(failures)
        _log.debug(
            "concurrent change (%s): running the unit of work again in %.1f ms, attempt %d of %d",
            error.code,
            pause * 1000,
            failures + 1,
            self.attempts,
        )
        time.sleep(pause)

    def query(
        self, principal: Principal, body: Callable[[ReadContext], T], *, portal: bool = False
    ) -> T:
        """Run ``body`` in a read-only unit of work: one snapshot, no write lock (ST-6).

        Only ``portal`` queries take a customer principal (VS-4).
        """
        admit(principal, portal=portal)
        factory: ReadUnitOfWorkFactory = self.read_factory or self.uow_factory

        def once() -> T:
            with factory(principal.tenant) as uow:
                actor = resolve_actor(uow, principal)
                return body(ReadContext(uow=uow, actor=actor, **self._working_set(principal)))

        try:
            return self._retrying(once)
        except CarteiraError as error:
            _log_refusal(principal, error)
            raise

    def glance(self, principal: Principal, body: Callable[[ReadUnitOfWork, datetime], T]) -> T:
        """Run a query the store answers by itself, given the instant: no actor is loaded.

        For visibility checks (ST-7): the store reads the principal's record in the same
        statement, so the body refuses an inactive one itself.
        """
        admit(principal, portal=False)
        factory: ReadUnitOfWorkFactory = self.read_factory or self.uow_factory
        try:  # the first attempt without `_retrying`'s closure: this is the hot path
            with factory(principal.tenant) as uow:
                return body(uow, self.clock.now())
        except ConcurrencyError as error:
            if self.attempts == 1:
                raise
            self._pause(1, error)

        def again() -> T:
            with factory(principal.tenant) as uow:
                return body(uow, self.clock.now())

        return self._retrying(again, self.attempts - 1, failed=1)

    def check(self, principal: Principal, subject: object, object_id: object) -> bool:
        """Tell whether the principal sees one record, in a snapshot of its own (VS-2, ST-6).

        Through ``checker``, the store's own
        `carteira.ports.VisibilityCheck`, when it has one;
        else through ``visibility.check`` in a read-only unit of work. An
        unknown or inactive manager is refused (MG-4), before bad input is.
        """
        if principal.__class__ is not Principal or principal.kind is PrincipalKind.CUSTOMER:
            admit(principal, portal=False)  # refuses it; the common case costs no call
        try:
            if subject.__class__ is not Subject:
                subject = subject_of(subject)
            object_id = check_id(subject, object_id)  # a Subject is its own str value
        except InvalidInput:
            self.glance(principal, lambda uow, at: _admitted(uow, principal, at))
            raise
        check = self.checker or self._check_in_unit
        try:
            seen = check(principal, subject, object_id, self.clock.now())
        except ConcurrencyError as error:
            if self.attempts == 1:
                raise
            self._pause(1, error)
            seen = self._retrying(
                lambda: check(principal, subject, object_id, self.clock.now()),
                self.attempts - 1,
                failed=1,
            )
        if seen is None:
            raise refused_manager(principal)
        return seen

    def _check_in_unit(
        self, principal: Principal, subject: Subject, object_id: str, at: datetime
    ) -> bool | None:
        factory: ReadUnitOfWorkFactory = self.read_factory or self.uow_factory
        with factory(principal.tenant) as uow:
            return uow.visibility.check(principal, subject, object_id, at)

    def _working_set(self, principal: Principal) -> dict[str, Any]:
        return {
            "stamp": Stamp(principal.tenant, principal.id, self.clock.now(), principal.kind),
            "eligibility": self.eligibility,
            "presence": self.presence,
            "tie_break": self.tie_break,
        }


def _log_refusal(principal: Principal, error: CarteiraError) -> None:
    """Log a refused or failed command or query at debug level, with its code and rule."""
    _log.debug(
        "%s %r of tenant %r: %s (%s, %s)",
        principal.kind.value,
        principal.id,
        principal.tenant,
        error,
        error.code,
        error.rule,
    )


def full_jitter(attempt: int, *, base: float = 0.005, cap: float = 0.2) -> float:
    """Return how long to wait before attempt ``attempt + 1`` after a failure (ST-3, EV-2).

    "Full jitter": a uniform draw below ``base`` seconds doubled per attempt, at most
    ``cap``; by default below 5 ms, at most 200 ms, as after a concurrent change, so
    writers that met do not meet again in step.
    """
    return random.uniform(0, min(cap, base * 2 ** min(attempt, 64)))


def _admitted(uow: ReadUnitOfWork, principal: Principal, at: datetime) -> None:
    if not uow.visibility.seen(principal, Subject.CUSTOMER, [], at).admitted:
        raise refused_manager(principal)


def _membership(events: Iterable[Event]) -> list[MembershipChanged]:
    return [e for e in events if isinstance(e, MembershipChanged)]
