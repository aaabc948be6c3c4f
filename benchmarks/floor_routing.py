"""The routing floor: RT-1..RT-3 and RT-7 written by hand over the floor's dicts.

It handles what the benchmark's world uses (every manager active, absences with a
backup, a department capacity, no department members, no per-manager capacities) and
nothing more, the way a single-purpose implementation would. :func:`decision` is
checked against carteira's pure ``route()`` before anything is timed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from world import Floor

Decision = tuple[str, str | None, tuple[str, ...]]
"""(outcome, assignee, candidates): ``assign``, ``offer`` or ``queue``."""

QUEUE: Decision = ("queue", None, ())


@dataclass(frozen=True)
class Setup:
    """A department as the floor sees it, with the state routing reads."""

    by_queue: bool
    customer_chooses: bool
    capacity: int | None
    online: frozenset[str]
    loads: Mapping[str, int]
    busy_since: Mapping[str, datetime]
    backup_of: Mapping[str, str]  # absent manager -> his backup (MG-5)


def backups(floor: Floor) -> dict[str, str]:
    """Absent manager -> the backup standing in for him, from the floor's identities."""
    return {absent: m for m, ids in floor.identities.items() for absent in ids[1:]}


def decision(floor: Floor, customer: str, setup: Setup) -> Decision:
    """Where a new conversation of ``customer`` goes: the owner chain, then the queue."""
    if setup.by_queue:
        return QUEUE
    seen: set[str] = set()
    for managers in _chain(floor, customer, setup):
        available = []
        for manager in managers:
            if manager in seen:
                continue
            seen.add(manager)
            if _available(manager, setup):
                available.append(manager)
        if available:
            return _decide(available, setup)
    return QUEUE


def _chain(floor: Floor, customer: str, setup: Setup) -> list[Sequence[str]]:
    owners = floor.account_managers[customer]
    steps: list[Sequence[str]] = []
    if setup.customer_chooses:
        steps.append(owners)
    else:
        steps += [owners[:1], owners[1:]]
    steps.append([setup.backup_of[o] for o in owners if o in setup.backup_of])
    portfolio = floor.effective[customer]
    if portfolio is not None:
        managers = floor.portfolio_order[portfolio]
        steps.append([*managers, *(setup.backup_of[m] for m in managers if m in setup.backup_of)])
    return steps


def _available(manager: str, setup: Setup) -> bool:
    if manager in setup.backup_of or manager not in setup.online:
        return False
    return setup.capacity is None or setup.loads.get(manager, 0) < setup.capacity


def _decide(available: list[str], setup: Setup) -> Decision:
    if len(available) == 1:
        return ("assign", available[0], (available[0],))
    if setup.customer_chooses:
        return ("offer", None, tuple(available))
    loads, busy = setup.loads, setup.busy_since

    def key(manager: str) -> tuple[int, bool, datetime | None, str]:
        since = busy.get(manager)
        return loads.get(manager, 0), since is not None, since, manager

    return ("assign", min(available, key=key), tuple(available))
