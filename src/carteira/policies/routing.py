"""Where a returning customer's new conversation goes: a pure routing decision.

RT-1..RT-5 and RT-7, MG-4, MG-5. :func:`route` walks the owner chain — primary account
manager, the other account managers, the backups of absent ones, the managers of the
effective portfolio (and their backups), then the queue — and stops at the first step
with an available candidate. In a department where the customer chooses, his account
managers form one step, so he is offered every available one (seed 002). The same
inputs always give the same decision, whose ``reason`` and ``step`` say,
machine-readably, what decided (RT-4, RT-7).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

import attrs

from carteira.domain.manager import Manager
from carteira.domain.ticket import ChoiceMode, Department, RoutingMode

__all__ = [
    "Candidate",
    "Exclusion",
    "Outcome",
    "Reason",
    "RoutingDecision",
    "RoutingInput",
    "Step",
    "TieBreak",
    "availability",
    "fewest_open_then_longest_idle",
    "route",
]


class Outcome(enum.StrEnum):
    """What the decision does with the conversation (RT-3)."""

    ASSIGN = "assign"
    OFFER = "offer"
    QUEUE = "queue"


class Step(enum.StrEnum):
    """The links of the owner chain, in the order they are tried (RT-7)."""

    PRIMARY = "primary_account_manager"
    ACCOUNT_MANAGERS = "other_account_managers"
    #: Where the customer chooses, all his account managers at once (RT-1, seed 002).
    ALL_ACCOUNT_MANAGERS = "account_managers"
    BACKUPS = "backups_of_absent_account_managers"
    PORTFOLIO = "portfolio_managers"
    QUEUE = "queue"


class Reason(enum.StrEnum):
    """Why the decision came out as it did (RT-3, RT-4)."""

    ONE_CANDIDATE = "one_candidate"
    CUSTOMER_CHOOSES = "customer_chooses"
    TIE_BREAK = "tie_break"
    QUEUE_MODE = "department_routes_by_queue"
    NONE_ASSIGNED = "none_assigned"
    ALL_OFFLINE = "all_offline"
    ALL_AT_CAPACITY = "all_at_capacity"
    NONE_AVAILABLE = "none_available"


class Exclusion(enum.StrEnum):
    """Why a candidate did not count (RT-2, MG-4, MG-5)."""

    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    ABSENT = "absent"
    NOT_MEMBER = "not_member"
    OFFLINE = "offline"
    AT_CAPACITY = "at_capacity"


class Candidate(NamedTuple):
    """One manager the chain considered, at which step, and why he did not count."""

    manager: str
    step: Step
    excluded: Exclusion | None = None


@attrs.frozen
class RoutingInput:
    """Everything a routing decision depends on (RT-4).

    ``account_managers`` are the customer's, primary first; ``portfolio_managers`` those
    of its effective portfolio; ``managers`` the records of all of them and of their
    backups; ``online`` who presence says is available; ``loads`` their open tickets in
    the department; ``busy_since`` when each last took one of those (absent: idle).
    """

    account_managers: tuple[str, ...]
    portfolio_managers: tuple[str, ...]
    managers: Mapping[str, Manager]
    department: Department
    online: frozenset[str]
    loads: Mapping[str, int]
    busy_since: Mapping[str, datetime]
    now: datetime


@attrs.frozen
class RoutingDecision:
    """The decision: assign, offer a choice, or queue, with what decided it (RT-3, RT-7).

    ``candidates`` are the available managers of the deciding step (those offered, or
    those the tie-break chose among); ``considered`` is the whole walk of the chain.
    """

    outcome: Outcome
    reason: Reason
    step: Step
    assignee: str | None = None
    candidates: tuple[str, ...] = ()
    considered: tuple[Candidate, ...] = ()


TieBreak = Callable[[Sequence[str], RoutingInput], str]
"""Picks one manager among several available candidates (RT-1)."""


def fewest_open_then_longest_idle(candidates: Sequence[str], inputs: RoutingInput) -> str:
    """Pick the manager with fewest open tickets, then longest idle, then by id (RT-1)."""
    loads = inputs.loads
    busy = inputs.busy_since

    def key(manager: str) -> tuple[int, bool, datetime | None, str]:
        since = busy.get(manager)
        return loads.get(manager, 0), since is not None, since, manager

    return min(candidates, key=key)


def route(
    inputs: RoutingInput, tie_break: TieBreak = fewest_open_then_longest_idle
) -> RoutingDecision:
    """Decide where a new conversation goes (RT-1..RT-4, RT-7). Pure: changes nothing (RT-5)."""
    department = inputs.department
    if department.routing is RoutingMode.QUEUE:
        return _QUEUE_MODE
    considered: list[Candidate] = []
    seen: set[str] = set()
    # Each step is worked out only when the chain reaches it: most decisions stop early.
    for step, managers in _owner_steps(inputs):
        if managers:
            available = _walk(step, managers, inputs, seen, considered)
            if available:
                return _decide(step, available, inputs, tuple(considered), tie_break)
    backups = _backups(inputs.account_managers, inputs)
    if backups:
        available = _walk(Step.BACKUPS, backups, inputs, seen, considered)
        if available:
            return _decide(Step.BACKUPS, available, inputs, tuple(considered), tie_break)
    if not department.account_managers_only and inputs.portfolio_managers:
        portfolio = inputs.portfolio_managers
        managers = (*portfolio, *_backups(portfolio, inputs))
        available = _walk(Step.PORTFOLIO, managers, inputs, seen, considered)
        if available:
            return _decide(Step.PORTFOLIO, available, inputs, tuple(considered), tie_break)
    return RoutingDecision(
        Outcome.QUEUE, _queue_reason(considered), Step.QUEUE, considered=tuple(considered)
    )


_QUEUE_MODE = RoutingDecision(Outcome.QUEUE, Reason.QUEUE_MODE, Step.QUEUE)


def _owner_steps(inputs: RoutingInput) -> tuple[tuple[Step, Sequence[str]], ...]:
    owners = inputs.account_managers
    if inputs.department.choice is ChoiceMode.CUSTOMER_CHOOSES:
        # Seed 002: where the customer chooses, he chooses among all his available agents.
        return ((Step.ALL_ACCOUNT_MANAGERS, owners),)
    return ((Step.PRIMARY, owners[:1]), (Step.ACCOUNT_MANAGERS, owners[1:]))


def _walk(
    step: Step,
    managers: Sequence[str],
    inputs: RoutingInput,
    seen: set[str],
    considered: list[Candidate],
) -> list[str]:
    available = []
    for manager in managers:
        if manager in seen:
            continue
        seen.add(manager)
        excluded = availability(manager, inputs)
        considered.append(Candidate(manager, step, excluded))
        if excluded is None:
            available.append(manager)
    return available


def _backups(owners: Sequence[str], inputs: RoutingInput) -> list[str]:
    backups = []
    for owner in owners:
        record = inputs.managers.get(owner)
        if record is not None and record.absences:
            backup = record.backup_at(inputs.now)
            if backup is not None:
                backups.append(backup)
    return backups


def availability(manager: str, inputs: RoutingInput) -> Exclusion | None:  # noqa: PLR0911
    """Return why ``manager`` cannot take the conversation now, or ``None`` (RT-2, MG-4, MG-5)."""
    # One early return per reason: the order is the order in which reasons are reported.
    record = inputs.managers.get(manager)
    if record is None:
        return Exclusion.UNKNOWN
    if not record.active:
        return Exclusion.INACTIVE
    if record.absences and record.absence_at(inputs.now) is not None:
        return Exclusion.ABSENT
    department = inputs.department
    members = department.members
    if members is not None and manager not in members:
        return Exclusion.NOT_MEMBER
    if manager not in inputs.online:
        return Exclusion.OFFLINE
    capacities = department.capacities
    capacity = capacities.get(manager, department.capacity) if capacities else department.capacity
    if capacity is not None and inputs.loads.get(manager, 0) >= capacity:
        return Exclusion.AT_CAPACITY
    return None


def _decide(
    step: Step,
    available: list[str],
    inputs: RoutingInput,
    considered: tuple[Candidate, ...],
    tie_break: TieBreak,
) -> RoutingDecision:
    candidates = tuple(available)
    if len(available) == 1:
        return RoutingDecision(
            Outcome.ASSIGN, Reason.ONE_CANDIDATE, step, available[0], candidates, considered
        )
    if inputs.department.choice is ChoiceMode.CUSTOMER_CHOOSES:
        return RoutingDecision(
            Outcome.OFFER, Reason.CUSTOMER_CHOOSES, step, None, candidates, considered
        )
    chosen = tie_break(candidates, inputs)
    return RoutingDecision(Outcome.ASSIGN, Reason.TIE_BREAK, step, chosen, candidates, considered)


def _queue_reason(considered: list[Candidate]) -> Reason:
    if not considered:
        return Reason.NONE_ASSIGNED
    exclusions = {c.excluded for c in considered}
    if exclusions == {Exclusion.OFFLINE}:
        return Reason.ALL_OFFLINE
    if exclusions == {Exclusion.AT_CAPACITY}:
        return Reason.ALL_AT_CAPACITY
    return Reason.NONE_AVAILABLE
