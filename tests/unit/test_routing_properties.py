"""Routing properties over random inputs: invariant 6, RT-1, RT-3, RT-4 and RT-7 (MG-4, MG-5).

Every :class:`RoutingInput` is built directly: a small pool of managers, some unknown,
some inactive, some absent now (or before, or later) with a backup, random presence,
department members, capacities and loads, account managers and portfolio managers.
Expectations come from an oracle written here from the SPEC, not from the policy's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from carteira import (
    Absence,
    ChoiceMode,
    Department,
    Manager,
    RoutingMode,
)
from carteira.policies import Outcome, Reason, RoutingInput, Step, route

TENANT = "acme"
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
POOL = ("ana", "bia", "caio", "dora", "eva", "fabio")
UNKNOWN = "ghost"
NAMES = (*POOL, UNKNOWN)

# When an absence lies relative to NOW: [start, end) offsets in minutes.
PERIODS = {
    "now": (-60, 60),
    "starts_now": (0, 60),
    "ended_now": (-60, 0),
    "past": (-600, -300),
    "later": (300, 600),
}


# Combinations that never overlap, as MG-5 scheduling guarantees.
SCHEDULES = (
    (),
    ("now",),
    ("starts_now",),
    ("ended_now",),
    ("past",),
    ("later",),
    ("past", "now"),
    ("ended_now", "starts_now"),
    ("now", "later"),
)


def build_managers(specs: dict[str, tuple[bool, tuple[str, ...], list[str]]]) -> dict[str, Manager]:
    """Managers from (active, absence kinds, backups) — built once per example."""
    managers = {}
    for owner, (active, kinds, backups) in specs.items():
        found = tuple(
            Absence(
                f"{owner}-{kind}",
                NOW + timedelta(minutes=PERIODS[kind][0]),
                NOW + timedelta(minutes=PERIODS[kind][1]),
                backup,
            )
            for kind, backup in zip(kinds, backups, strict=False)
        )
        managers[owner] = Manager(TENANT, owner, owner.title(), active=active, absences=found)
    return managers


# Strategies are built once: building them inside a composite costs more than routing.
# Each draw leans towards "available" so that every step of the chain gets to decide.
NAME = st.sampled_from(NAMES)
SMALL = st.integers(min_value=0, max_value=3)
MOSTLY_TRUE = st.sampled_from([True, True, True, False])
MANAGERS = st.fixed_dictionaries(
    {
        m: st.tuples(
            st.sampled_from([True] * 5 + [False]),
            st.sampled_from([()] * 16 + list(SCHEDULES[1:])),
            st.lists(NAME, min_size=2, max_size=2),
        )
        for m in POOL
    }
).map(build_managers)
DEPARTMENTS = st.builds(
    Department,
    st.just(TENANT),
    st.just("d"),
    st.just("Vendas"),
    routing=st.sampled_from([RoutingMode.PORTFOLIO] * 9 + [RoutingMode.QUEUE]),
    choice=st.sampled_from(ChoiceMode),
    members=MOSTLY_TRUE.flatmap(
        lambda everyone: st.just(None) if everyone else st.frozensets(NAME, min_size=3)
    ),
    capacity=MOSTLY_TRUE.flatmap(lambda free: st.just(None) if free else SMALL),
    capacities=st.dictionaries(NAME, SMALL, max_size=2),
    account_managers_only=st.sampled_from([False, False, True]),
)
ROUTING_INPUTS = st.builds(
    RoutingInput,
    account_managers=st.lists(NAME, unique=True, max_size=3).map(tuple),
    portfolio_managers=st.lists(NAME, unique=True, max_size=4).map(tuple),
    managers=MANAGERS,
    department=DEPARTMENTS,
    online=st.frozensets(NAME, max_size=3).map(lambda offline: frozenset(NAMES) - offline),
    loads=st.dictionaries(NAME, SMALL, max_size=4),
    busy_since=st.dictionaries(
        NAME, st.integers(min_value=0, max_value=600).map(lambda m: NOW - timedelta(minutes=m))
    ),
    now=st.just(NOW),
)


def routing_inputs() -> st.SearchStrategy[RoutingInput]:
    return ROUTING_INPUTS


# -- the oracle -----------------------------------------------------------------------------


def absent_now(record: Manager, now: datetime) -> list[Absence]:
    return [a for a in record.absences if a.start <= now < a.end]


def available(inputs: RoutingInput, manager_id: str) -> bool:
    """RT-2, MG-4, MG-5: known, active, not absent, member, online, under capacity."""
    record = inputs.managers.get(manager_id)
    if record is None or not record.active or absent_now(record, inputs.now):
        return False
    department = inputs.department
    if department.members is not None and manager_id not in department.members:
        return False
    if manager_id not in inputs.online:
        return False
    capacities = dict(department.capacities)
    capacity = capacities.get(manager_id, department.capacity)
    return capacity is None or inputs.loads.get(manager_id, 0) < capacity


def backups_of(inputs: RoutingInput, owners: Sequence[str]) -> list[str]:
    found = []
    for owner in owners:
        record = inputs.managers.get(owner)
        if record is not None:
            found.extend(a.backup for a in absent_now(record, inputs.now))
    return found


def chain(inputs: RoutingInput) -> list[tuple[Step, list[str]]]:
    """RT-7: primary, other account managers, their backups, the portfolio (and backups).

    Where the customer chooses (RT-1, seed 002), his account managers are one step, so he
    is offered every available one.
    """
    owners = list(inputs.account_managers)
    if inputs.department.choice is ChoiceMode.CUSTOMER_CHOOSES:
        steps = [(Step.ALL_ACCOUNT_MANAGERS, owners)]
    else:
        steps = [(Step.PRIMARY, owners[:1]), (Step.ACCOUNT_MANAGERS, owners[1:])]
    steps.append((Step.BACKUPS, backups_of(inputs, owners)))
    if not inputs.department.account_managers_only:
        portfolio = list(inputs.portfolio_managers)
        steps.append((Step.PORTFOLIO, [*portfolio, *backups_of(inputs, portfolio)]))
    return steps


def owner_chain(inputs: RoutingInput) -> set[str]:
    return {m for _, members in chain(inputs) for m in members}


def first_available_step(inputs: RoutingInput) -> tuple[Step, list[str]]:
    for step, members in chain(inputs):
        here = list(dict.fromkeys(m for m in members if available(inputs, m)))
        if here:
            return step, here
    return Step.QUEUE, []


def walk(inputs: RoutingInput, until: Step) -> list[tuple[str, Step, bool]]:
    """Every manager the chain meets up to the deciding step, once, with availability."""
    seen: dict[str, tuple[str, Step, bool]] = {}
    for step, members in chain(inputs):
        for m in members:
            seen.setdefault(m, (m, step, available(inputs, m)))
        if step == until:
            break
    return list(seen.values())


def default_pick(inputs: RoutingInput, candidates: Sequence[str]) -> str:
    """RT-1's default: fewest open tickets, then longest idle (never busy first), then id."""

    def key(m: str) -> tuple[int, int, datetime, str]:
        since = inputs.busy_since.get(m)
        return (
            inputs.loads.get(m, 0),
            0 if since is None else 1,
            since or datetime.min.replace(tzinfo=UTC),
            m,
        )

    return min(candidates, key=key)


# -- invariant 6 ------------------------------------------------------------------------------


@given(routing_inputs())
def test_invariant6_never_assigns_or_offers_an_unavailable_manager_or_a_non_owner(
    inputs: RoutingInput,
) -> None:
    """Invariant 6 (RT-2, MG-4, MG-5): whoever is assigned or offered is available and an owner.

    Available: known, active, not absent now, a member, online and under capacity. Owner:
    an account manager, a portfolio manager, or the backup of an absent one of them. The
    trace (RT-7) names only owners, once each, excluded exactly when unavailable.
    """
    decision = route(inputs)
    picked = set(decision.candidates) | ({decision.assignee} - {None})
    members = owner_chain(inputs)
    assert {m for m in picked if not available(inputs, m)} == set()
    assert picked - members == set()
    if decision.outcome is Outcome.QUEUE:
        assert (decision.assignee, decision.candidates) == (None, ())
    elif decision.outcome is Outcome.ASSIGN:
        assert decision.assignee in decision.candidates
    else:
        assert decision.assignee is None
        assert len(set(decision.candidates)) == len(decision.candidates) >= 2
    considered = [c.manager for c in decision.considered]
    assert len(considered) == len(set(considered))
    assert set(considered) - members == set()
    assert [(c.manager, c.excluded is None) for c in decision.considered] == [
        (m, available(inputs, m)) for m in considered
    ]


# -- RT-3 ---------------------------------------------------------------------------------


@given(routing_inputs())
def test_rt3_queues_only_when_no_owner_is_available_and_says_why(inputs: RoutingInput) -> None:
    """RT-3: the queue only when no candidate is available; none assigned / all offline /
    all at capacity / a mix; a queue department says so (RT-1)."""
    decision = route(inputs)
    if inputs.department.routing is RoutingMode.QUEUE:
        assert (decision.outcome, decision.reason, decision.step) == (
            Outcome.QUEUE,
            Reason.QUEUE_MODE,
            Step.QUEUE,
        )
        return
    members = owner_chain(inputs)
    someone = any(available(inputs, m) for m in members)
    assert (decision.outcome is Outcome.QUEUE) == (not someone)
    if someone:
        return
    assert decision.step == Step.QUEUE
    if not members:
        assert decision.reason == Reason.NONE_ASSIGNED
        return
    assert decision.reason != Reason.NONE_ASSIGNED
    only_offline = all(
        m not in inputs.online and available(attrs.evolve(inputs, online=inputs.online | {m}), m)
        for m in members
    )
    unlimited = attrs.evolve(inputs.department, capacity=None, capacities={})
    roomy = attrs.evolve(inputs, department=unlimited)
    only_capacity = all(m in inputs.online and available(roomy, m) for m in members)
    if only_offline:
        assert decision.reason == Reason.ALL_OFFLINE
    if only_capacity:
        assert decision.reason == Reason.ALL_AT_CAPACITY
    if decision.reason == Reason.ALL_OFFLINE:
        assert all(m not in inputs.online for m in members)
    if decision.reason == Reason.ALL_AT_CAPACITY:
        assert only_capacity


# -- RT-7 and RT-1 ------------------------------------------------------------------------------


@given(routing_inputs())
def test_rt7_rt1_the_first_step_with_an_available_candidate_decides(inputs: RoutingInput) -> None:
    """RT-7: the deciding step is the first with an available candidate, and the trace is
    the walk up to it; RT-1/RT-3: one → assigned, several → offered or tie-broken."""
    if inputs.department.routing is RoutingMode.QUEUE:
        return
    decision = route(inputs)
    step, candidates = first_available_step(inputs)
    assert (decision.step, decision.candidates) == (step, tuple(candidates))
    assert [(c.manager, c.step, c.excluded is None) for c in decision.considered] == walk(
        inputs, step
    )
    if len(candidates) == 1:
        expected = (Outcome.ASSIGN, Reason.ONE_CANDIDATE, candidates[0])
    elif len(candidates) > 1 and inputs.department.choice is ChoiceMode.CUSTOMER_CHOOSES:
        expected = (Outcome.OFFER, Reason.CUSTOMER_CHOOSES, None)
    elif len(candidates) > 1:
        expected = (Outcome.ASSIGN, Reason.TIE_BREAK, default_pick(inputs, candidates))
    else:
        expected = (Outcome.QUEUE, decision.reason, None)
    assert (decision.outcome, decision.reason, decision.assignee) == expected


SEED002 = st.tuples(
    st.lists(st.sampled_from(POOL), min_size=2, max_size=3, unique=True),
    st.lists(st.sampled_from(POOL), max_size=3, unique=True),
    st.dictionaries(st.sampled_from(POOL), st.integers(min_value=0, max_value=3), max_size=3),
)


@given(SEED002)
def test_rt1_seed002_the_customer_chooses_among_all_available_account_managers(
    case: tuple[list[str], list[str], dict[str, int]],
) -> None:
    """RT-1, RT-3 and seed 002: with several of his account managers available and a
    department where the customer chooses, he chooses among all of them — the primary
    being available does not take the choice away."""
    account_managers, portfolio_managers, loads = case
    named = {*account_managers, *portfolio_managers}
    inputs = RoutingInput(
        account_managers=tuple(account_managers),
        portfolio_managers=tuple(portfolio_managers),
        managers={m: Manager(TENANT, m, m.title()) for m in named},
        department=Department(TENANT, "d", "Suporte", choice=ChoiceMode.CUSTOMER_CHOOSES),
        online=frozenset(named),
        loads=loads,
        busy_since={},
        now=NOW,
    )
    decision = route(inputs)
    assert (decision.outcome, decision.reason, decision.candidates) == (
        Outcome.OFFER,
        Reason.CUSTOMER_CHOOSES,
        tuple(account_managers),
    )


# -- RT-4 -------------------------------------------------------------------------------------


def reordered(inputs: RoutingInput, order: Sequence[str]) -> RoutingInput:
    """The same input with every mapping and set rebuilt in another order."""
    rank = {m: i for i, m in enumerate(order)}

    def sort(mapping: dict[str, Any]) -> dict[str, Any]:
        return dict(sorted(mapping.items(), key=lambda kv: rank.get(kv[0], -1)))

    department = inputs.department
    members = department.members
    return RoutingInput(
        account_managers=tuple(inputs.account_managers),
        portfolio_managers=tuple(inputs.portfolio_managers),
        managers=sort(dict(inputs.managers)),
        department=Department(
            department.tenant,
            department.id,
            department.name,
            routing=department.routing,
            choice=department.choice,
            members=None if members is None else sorted(members, key=lambda m: rank.get(m, -1)),
            capacity=department.capacity,
            capacities=sort(dict(department.capacities)),
            account_managers_only=department.account_managers_only,
        ),
        online=frozenset(sorted(inputs.online, key=lambda m: rank.get(m, -1))),
        loads=sort(dict(inputs.loads)),
        busy_since=sort(dict(inputs.busy_since)),
        now=inputs.now,
    )


@given(routing_inputs(), st.permutations(NAMES))
def test_rt4_the_same_input_gives_the_same_decision(inputs: RoutingInput, order: list[str]) -> None:
    """RT-4: routing twice gives equal decisions; so does an equal input whose mappings
    were built in another order; routing leaves its input as it was."""
    copy = reordered(inputs, sorted(NAMES))
    first = route(inputs)
    assert route(inputs) == first
    shuffled = reordered(inputs, order)
    assert shuffled == inputs
    assert route(shuffled) == first
    assert inputs == copy
