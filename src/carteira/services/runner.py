"""Running commands and queries: a unit of work each, run again after a concurrent change.

ST-1 (all or nothing), ST-3 (retries), ST-6 (queries read only).

[`Runner`][carteira.services.runner.Runner] opens the unit of work of the principal's tenant,
resolves who acts, hands the use case a [`Context`][carteira.services.context.Context] (or a
read-only [`ReadContext`][carteira.services.context.ReadContext]), stores the events with the
changes, and runs the whole again from the start when a unit of work meets a concurrent change.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import attrs

from carteira.domain.actor import Actor, admit, refused_customer, refused_manager
from carteira.domain.errors import CarteiraError, ConcurrencyError, InvalidInput
from carteira.domain.identifiers import check_id
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.stamp import Stamp
from carteira.domain.visibility_rule import Subject, subject_of
from carteira.policies.eligibility import EligibilityPolicy
from carteira.policies.routing import TieBreak, fewest_open_then_longest_idle
from carteira.ports.clock import Clock
from carteira.ports.presence import Presence
from carteira.ports.unit_of_work import ReadUnitOfWork, ReadUnitOfWorkFactory, UnitOfWorkFactory
from carteira.ports.visibility import VisibilityCheck
from carteira.services.context import Context, ReadContext
from carteira.services.results import Result

__all__ = ["Runner", "full_jitter", "resolve_actor"]

T = TypeVar("T")

_log = logging.getLogger(__name__)


def resolve_actor(uow: ReadUnitOfWork, principal: Principal) -> Actor:
    """Load the principal's permissions; an unknown or inactive manager may not act (MG-4)."""
    if principal.kind is PrincipalKind.SYSTEM:
        return Actor.system(principal)
    if principal.kind is PrincipalKind.CUSTOMER:
        if uow.customers.get(check_id("customer", principal.id)) is None:
            raise refused_customer(principal)
        return Actor.customer(principal)
    return Actor.of_manager(principal, uow.managers.get(principal.id))


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
