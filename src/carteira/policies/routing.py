"""Where a returning customer's new conversation goes: a pure routing decision.

RT-1..RT-5 and RT-7, MG-4, MG-5. [`route`][carteira.route] walks the owner chain — primary account
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

from carteira.domain.department import ChoiceMode, Department, RoutingMode
from carteira.domain.manager import Manager
from carteira.domain.routing_outcome import Outcome, Reason, Step

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


class RoutingDecision(NamedTuple):
    """The decision: assign, offer a choice, or queue, with what decided it (RT-3, RT-7).

    ``candidates`` are the available managers of the deciding step (those offered, or
    those the tie-break chose among); ``considered`` is the whole walk of the chain.
    A named tuple rather than an attrs class: routing makes one per conversation, and
    building a tuple costs a third of building a frozen attrs instance.
    """

    outcome: Outcome
    reason: Reason
    step: Step
    assignee: str | None = None
    candidates: tuple[str, ...] = ()
    considered: tuple[Candidate, ...] = ()


# Builds a named tuple from its fields without the generated ``__new__``'s Python frame.
_new = tuple.__new__

_Fields = tuple[Outcome, Reason, Step, str | None, tuple[str, ...], tuple[Candidate, ...]]

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
    for step, managers in _owner_steps(inputs.account_managers, department.choice):
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
    if not considered:
        return _NONE_ASSIGNED
    reason = _queue_reason(considered)
    return _new(RoutingDecision, (Outcome.QUEUE, reason, Step.QUEUE, None, (), tuple(considered)))


_QUEUE_MODE = RoutingDecision(Outcome.QUEUE, Reason.QUEUE_MODE, Step.QUEUE)


_NONE_ASSIGNED = RoutingDecision(Outcome.QUEUE, Reason.NONE_ASSIGNED, Step.QUEUE)


def _owner_steps(
    owners: tuple[str, ...], choice: ChoiceMode
) -> tuple[tuple[Step, Sequence[str]], ...]:
    if not owners:
        return ()
    if choice is ChoiceMode.CUSTOMER_CHOOSES:
        # Seed 002: where the customer chooses, he chooses among all his available agents.
        return ((Step.ALL_ACCOUNT_MANAGERS, owners),)
    if len(owners) == 1:
        return ((Step.PRIMARY, owners),)
    return ((Step.PRIMARY, owners[:1]), (Step.ACCOUNT_MANAGERS, owners[1:]))


def _walk(
    step: Step,
    managers: Sequence[str],
    inputs: RoutingInput,
    seen: set[str],
    considered: list[Candidate],
) -> list[str]:
    """Judge each manager not judged before at ``step``; return the available ones."""
    # The one place where availability is judged (RT-2, MG-4, MG-5); the checks are
    # written out here, with the inputs read once, because routing runs them per manager.
    records, now, online, loads = inputs.managers, inputs.now, inputs.online, inputs.loads
    department = inputs.department
    members, capacities, capacity = department.members, department.capacities, department.capacity
    available = []
    excluded: Exclusion | None
    for manager in managers:
        if manager in seen:
            continue
        seen.add(manager)
        record = records.get(manager)
        if record is None:
            excluded = Exclusion.UNKNOWN
        elif not record.active:
            excluded = Exclusion.INACTIVE
        elif record.absences and record.absence_at(now) is not None:
            excluded = Exclusion.ABSENT
        elif members is not None and manager not in members:
            excluded = Exclusion.NOT_MEMBER
        elif manager not in online:
            excluded = Exclusion.OFFLINE
        elif _full(capacities.get(manager, capacity) if capacities else capacity, loads, manager):
            excluded = Exclusion.AT_CAPACITY
        else:
            excluded = None
            available.append(manager)
        considered.append(_new(Candidate, (manager, step, excluded)))
    return available


def _full(capacity: int | None, loads: Mapping[str, int], manager: str) -> bool:
    return capacity is not None and loads.get(manager, 0) >= capacity


def _backups(owners: Sequence[str], inputs: RoutingInput) -> list[str]:
    backups = []
    for owner in owners:
        record = inputs.managers.get(owner)
        if record is not None and record.absences:
            backup = record.backup_at(inputs.now)
            if backup is not None:
                backups.append(backup)
    return backups


def availability(manager: str, inputs: RoutingInput) -> Exclusion | None:
    """Return why ``manager`` cannot take the conversation now, or ``None`` (RT-2, MG-4, MG-5).

    The reasons, in the order they are reported: unknown, inactive, absent, not a member
    of the department, offline, at capacity.
    """
    considered: list[Candidate] = []
    _walk(Step.QUEUE, (manager,), inputs, set(), considered)
    return considered[0].excluded


def _decide(
    step: Step,
    available: list[str],
    inputs: RoutingInput,
    considered: tuple[Candidate, ...],
    tie_break: TieBreak,
) -> RoutingDecision:
    candidates = tuple(available)
    if len(available) == 1:
        fields: _Fields = (
            Outcome.ASSIGN,
            Reason.ONE_CANDIDATE,
            step,
            available[0],
            candidates,
            considered,
        )
    elif inputs.department.choice is ChoiceMode.CUSTOMER_CHOOSES:
        fields = (Outcome.OFFER, Reason.CUSTOMER_CHOOSES, step, None, candidates, considered)
    else:
        chosen = tie_break(candidates, inputs)
        fields = (Outcome.ASSIGN, Reason.TIE_BREAK, step, chosen, candidates, considered)
    return _new(RoutingDecision, fields)


def _queue_reason(considered: list[Candidate]) -> Reason:
    if not considered:
        return Reason.NONE_ASSIGNED
    exclusions = {c.excluded for c in considered}
    if exclusions == {Exclusion.OFFLINE}:
        return Reason.ALL_OFFLINE
    if exclusions == {Exclusion.AT_CAPACITY}:
        return Reason.ALL_AT_CAPACITY
    return Reason.NONE_AVAILABLE
