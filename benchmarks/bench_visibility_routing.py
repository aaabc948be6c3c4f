"""Visibility checks, ticket listings, routing and memory of carteira, against a floor.

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_visibility_routing.py --scale 1 --json results.json

Scale 1 is 500 managers, 200 portfolios, 100,000 customers and 500,000 tickets (see
``world.py``). Everything is measured in one run, on one world, and every rate of the
library is set against the floor's, measured in the same process with the runs of both
interleaved:

(a) single visibility checks per second: ``Carteira.can_view`` (the service) and the
    pure ``customer_visibility`` / ``ticket_visibility`` against ``Floor.sees_*``;
(b) listing every visible ticket of a manager: ``Carteira.visible_tickets`` walked in
    pages of 500, ``uow.tickets.in_scope`` in one call and in pages of 500, against
    the floor's set comprehension and sort; one call is measured both after a write
    (the adapter computes the scope from its indexes) and again with nothing written
    in between (it reuses the sorted scope it kept);
(c) routing decisions per second: the pure ``route()`` on prebuilt ``RoutingInput`` s,
    and ``Carteira.route``;
(d) memory per stored ticket (tracemalloc and RSS) and store writes per second;
(e) commands on the built world (``open_ticket``, ``register_customer``,
    ``set_customer_membership``) and what building the world through them would cost.

Every answer of the library is checked against the floor's before it is timed.
``--profile`` adds a cProfile summary of the slow paths.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import partial
from importlib import metadata
from pathlib import Path
from time import process_time as cpu_clock
from typing import Any

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from world import NOW, TENANT, World, build, mid, rss_bytes

from carteira import (
    Carteira,
    InMemoryPresence,
    InMemoryStore,
    ManualClock,
    Principal,
    Subject,
    Ticket,
)
from carteira.policies import (
    RoutingInput,
    Scope,
    customer_visibility,
    route,
    scope_of,
    ticket_visibility,
)

PAGE = 500
CAN_VIEW_TARGET = 0.5  # ours / floor, checks per second: at least
LISTING_TARGET = 2.0  # ours / floor, seconds: at most
ROUTING_TARGET = 100_000  # pure route() decisions per second: at least


@dataclass
class Row:
    """One line of the results table."""

    section: str
    measure: str
    ours: float
    unit: str
    floor: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Ours over the floor, in the row's unit."""
        return None if not self.floor else self.ours / self.floor


@dataclass
class Report:
    """Everything measured in one run."""

    machine: dict[str, Any]
    sizes: dict[str, int]
    build: dict[str, float]
    rows: list[Row] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        """Keep a row and print it at once, so a long run shows progress."""
        self.rows.append(row)
        ratio = "" if row.ratio is None else f"  ratio {row.ratio:.3g}"
        print(f"  {row.section} {row.measure}: {row.ours:,.4g} {row.unit}{ratio}", file=sys.stderr)


# -- timing -------------------------------------------------------------------------------


def per_second(loop: Callable[[], int], repeat: int) -> float:
    """Run ``loop`` (which returns how many operations it did) ``repeat`` times; median rate."""
    return rates_of({"only": loop}, repeat)["only"]


def rates_of(loops: dict[str, Callable[[], int]], repeat: int) -> dict[str, float]:
    """Median operations per CPU second of each loop, their runs interleaved round-robin.

    Interleaving spreads any change in the machine's load evenly over the contenders,
    and CPU time (not wall time) leaves out the time other processes took.
    """
    found: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(repeat):
        for name, loop in loops.items():
            start = cpu_clock()
            done = loop()
            found[name].append(done / (cpu_clock() - start))
    return {name: statistics.median(values) for name, values in found.items()}


def seconds_of(
    actions: dict[str, Callable[[], object]],
    repeat: int,
    before: Callable[[], object] | None = None,
) -> dict[str, float]:
    """Median CPU seconds of each action, their runs interleaved round-robin.

    ``before`` runs, untimed, ahead of every timed run.
    """
    found: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            if before is not None:
                before()
            start = cpu_clock()
            action()
            found[name].append(cpu_clock() - start)
    return {name: statistics.median(values) for name, values in found.items()}


def profile(report: Report, name: str, enabled: bool, action: Callable[[], object]) -> None:
    """Run ``action`` once more under cProfile, untimed, keeping its top 12 by own time."""
    if not enabled:
        return
    profiler = cProfile.Profile()
    profiler.runcall(action)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats("tottime").print_stats(12)
    report.profiles[name] = text.getvalue()


# -- machine ------------------------------------------------------------------------------


def write_results(path: Path | None, results: object) -> None:
    """Write a benchmark's results as JSON to ``path`` (made with its directory), if given."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, OS and the versions that matter."""
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "carteira": metadata.version("carteira"),
        "attrs": metadata.version("attrs"),
        "load_average_start": os.getloadavg()[0],
    }


# -- (a) single checks --------------------------------------------------------------------


def samples(world: World, count: int, rng: random.Random) -> tuple[list[Any], list[Any]]:
    """Return (manager, customer) and (manager, ticket) pairs, about half of them granted.

    Half the pairs name a customer (or one of its tickets) the manager sees through a
    portfolio, an account or VIEW_UNASSIGNED; the other half are drawn at random.
    """
    floor = world.floor
    managers = sorted(world.managers)
    customers = sorted(floor.effective)
    tickets = sorted(floor.ticket_customer)
    seen = {m: floor.sees_samples(m) for m in managers}
    customer_pairs, ticket_pairs = [], []
    for _ in range(count):
        manager = rng.choice(managers)
        if rng.random() < 0.5 and seen[manager]:
            customer = rng.choice(seen[manager])
            mine = floor.tickets_of.get(customer)
            ticket = rng.choice(mine) if mine else rng.choice(tickets)
        else:
            customer, ticket = rng.choice(customers), rng.choice(tickets)
        customer_pairs.append((manager, customer))
        ticket_pairs.append((manager, ticket))
    return customer_pairs, ticket_pairs


def single_checks(world: World, app: Carteira, report: Report, args: argparse.Namespace) -> None:
    """(a) can_view per second: service, pure policy and floor, customers and tickets."""
    floor, viewers = world.floor, world.viewers
    rng = random.Random(7)
    customer_pairs, ticket_pairs = samples(world, args.samples, rng)
    principals = {m: Principal.manager(TENANT, m) for m in world.managers}
    order = floor.portfolio_order
    effective, owners = floor.effective, floor.account_managers
    assignee, customer_of = floor.ticket_assignee, floor.ticket_customer

    def pure_customer(manager: str, customer: str) -> bool:
        portfolio = effective[customer]
        return customer_visibility(
            viewers[manager],
            segmentation=True,
            portfolio_managers=None if portfolio is None else order[portfolio],
            account_managers=owners[customer],
        ).granted

    def pure_ticket(manager: str, ticket: str) -> bool:
        viewer = viewers[manager]
        customer = customer_of[ticket]
        portfolio = effective[customer]
        seen = customer_visibility(
            viewer,
            segmentation=True,
            portfolio_managers=None if portfolio is None else order[portfolio],
            account_managers=owners[customer],
        )
        return ticket_visibility(viewer, seen, assignee[ticket]).granted

    def service(subject: Subject) -> Callable[[str, str], bool]:
        return lambda manager, object_id: app.can_view(principals[manager], subject, object_id)

    kinds = [
        ("customer", customer_pairs, floor.sees_customer, pure_customer, Subject.CUSTOMER),
        ("ticket", ticket_pairs, floor.sees_ticket, pure_ticket, Subject.TICKET),
    ]
    for kind, pairs, floor_check, pure_check, subject in kinds:
        expected = [floor_check(m, o) for m, o in pairs]
        granted = sum(expected) / len(expected)
        _agree(f"pure {kind}", expected, [pure_check(m, o) for m, o in pairs])
        checked = pairs[: args.agree]
        _agree(
            f"service {kind}", expected[: args.agree], [service(subject)(m, o) for m, o in checked]
        )
        batches = _batches(pairs)
        among = _among(app, principals, subject, batches)
        seen = {p for p, e in zip(pairs, expected, strict=True) if e}
        answered = {
            (m, o)
            for m, ids in batches.items()
            for o in app.visible_among(principals[m], subject, ids)
        }
        if answered != seen:
            raise SystemExit(f"visible_among disagrees with the floor ({kind})")
        measured = rates_of(
            {
                "floor": _looping(floor_check, pairs),
                "pure": _looping(pure_check, pairs),
                "service": _looping(service(subject), pairs),
                "among": among,
            },
            args.repeat,
        )
        floor_rate, pure_rate, service_rate, among_rate = (
            measured[k] for k in ("floor", "pure", "service", "among")
        )
        few = pairs[: args.agree]
        profile(report, f"Carteira.can_view({kind})", args.profile, _looping(service(subject), few))
        profile(report, f"pure policy ({kind})", args.profile, _looping(pure_check, pairs))
        note = f"{len(pairs):,} pairs, {granted:.0%} granted"
        per_call = len(pairs) / len(batches)
        contenders = [
            ("service Carteira.can_view", service_rate),
            (f"service Carteira.visible_among, about {per_call:.0f} ids a call", among_rate),
            ("pure policy", pure_rate),
        ]
        for name, rate in contenders:
            ratio = rate / floor_rate
            report.add(
                Row(
                    "a",
                    f"can_view {kind}: {name}",
                    rate,
                    "checks/s",
                    floor_rate,
                    f">= {CAN_VIEW_TARGET}x floor",
                    ratio >= CAN_VIEW_TARGET,
                    note,
                )
            )
    # The fixed cost of any service call: a unit of work, the actor, the settings.
    empty = _looping(lambda m, _: app.settings(principals[m]).segmentation, customer_pairs)
    baseline = rates_of(
        {"floor": _looping(floor.sees_customer, customer_pairs), "empty": empty}, args.repeat
    )
    report.add(
        Row(
            "a",
            "Carteira.settings: an empty query, for scale",
            baseline["empty"],
            "calls/s",
            baseline["floor"],
            "",
            None,
            "unit of work, actor, settings: what every service call pays before deciding",
        )
    )
    profile(report, "Carteira.settings (empty query)", args.profile, empty)


def _batches(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """The same pairs grouped by manager, for the batch check."""
    batches: dict[str, list[str]] = {}
    for manager, object_id in pairs:
        batches.setdefault(manager, []).append(object_id)
    return batches


def _among(
    app: Carteira,
    principals: dict[str, Principal],
    subject: Subject,
    batches: dict[str, list[str]],
) -> Callable[[], int]:
    """A loop asking ``visible_among`` once per manager; it counts every id checked."""

    def loop() -> int:
        done = 0
        for manager, ids in batches.items():
            app.visible_among(principals[manager], subject, ids)
            done += len(ids)
        return done

    return loop


def _looping(
    check: Callable[[str, str], bool], pairs: Sequence[tuple[str, str]]
) -> Callable[[], int]:
    def loop() -> int:
        for manager, object_id in pairs:
            check(manager, object_id)
        return len(pairs)

    return loop


def _agree(name: str, expected: Sequence[object], actual: Sequence[object]) -> None:
    wrong = [i for i, (e, a) in enumerate(zip(expected, actual, strict=True)) if e != a]
    if wrong:
        raise SystemExit(
            f"{name} disagrees with the floor on {len(wrong)} samples, e.g. #{wrong[0]}"
        )


# -- (b) listings -------------------------------------------------------------------------


def listed_managers(world: World) -> dict[str, str]:
    """Pick one manager of each kind: plain (median listing), backup, VIEW_UNASSIGNED, VIEW_ALL."""
    floor = world.floor
    plain = [
        m
        for m in sorted(world.managers)
        if not floor.view_all[m] and not floor.view_unassigned[m] and len(floor.identities[m]) == 1
    ]
    sized = sorted(plain, key=lambda m: (len(floor.visible_tickets(m)), m))
    backup = next(m for m in sorted(world.managers) if len(floor.identities[m]) > 1)
    unassigned = next(m for m in sorted(world.managers) if floor.view_unassigned[m])
    everything = next(m for m in sorted(world.managers) if floor.view_all[m])
    return {
        "plain agent (median)": sized[len(sized) // 2],
        "backup standing in (MG-5)": backup,
        "VIEW_UNASSIGNED": unassigned,
        "VIEW_ALL": everything,
    }


def scope_for(world: World, manager: str) -> Scope:
    """The manager's scope as the service computes it (portfolios of all his identities)."""
    viewer = world.viewers[manager]
    with world.store.unit_of_work(TENANT) as uow:
        managed = {p.id for i in viewer.identities for p in uow.portfolios.managed_by(i)}
    return scope_of(viewer, segmentation=True, managed_portfolios=managed)


def walk_service(app: Carteira, manager: str, budget: float) -> tuple[list[str], float, bool]:
    """Walk ``visible_tickets`` pages of 500 until the end or ``budget`` seconds."""
    principal = Principal.manager(TENANT, manager)
    ids: list[str] = []
    after: str | None = None
    start = cpu_clock()
    while True:
        page = app.visible_tickets(principal, after=after, limit=PAGE)
        ids.extend(t.id for t in page.items)
        after = page.next_after
        if after is None:
            return ids, cpu_clock() - start, True
        if cpu_clock() - start > budget:
            return ids, cpu_clock() - start, False


def walk_repository(world: World, scope: Scope, budget: float) -> tuple[list[str], float, bool]:
    """Walk ``uow.tickets.in_scope`` pages of 500 (one unit of work per page)."""
    ids: list[str] = []
    after: str | None = None
    start = cpu_clock()
    while True:
        with world.store.unit_of_work(TENANT) as uow:
            found = uow.tickets.in_scope(scope, after=after, limit=PAGE, open_only=False)
        ids.extend(t.id for t in found)
        if len(found) < PAGE:
            return ids, cpu_clock() - start, True
        after = found[-1].id
        if cpu_clock() - start > budget:
            return ids, cpu_clock() - start, False


def in_scope_once(world: World, scope: Scope) -> Sequence[Any]:
    """Every ticket in ``scope`` from one ``in_scope`` call, sorted by id."""
    with world.store.unit_of_work(TENANT) as uow:
        return uow.tickets.in_scope(scope, after=None, limit=10**9, open_only=False)


def _floor_rows(world: World, manager: str) -> list[str]:
    """The floor's listing, then one dict look-up per ticket, as returning records takes."""
    records = world.floor.ticket_customer
    return [records[t] for t in world.floor.visible_tickets(manager)]


def forget_scopes(world: World) -> None:
    """Move a customer and roll back: nothing changes, but every kept scope is stale.

    The in-memory adapter keeps the sorted ids of recent scopes while the tables they
    came from stand still; this makes the next listing compute its scope from the
    indexes, as it would after any write.
    """
    with world.store.unit_of_work(TENANT) as uow:
        customer = uow.customers.get(mid("c", 0))
        assert customer is not None
        # A new organization moves the customer between index keys, whatever it had.
        moved = attrs.evolve(customer, organization=f"{customer.organization}-moved")
        uow.customers.update_many([moved])


def listings(world: World, app: Carteira, report: Report, args: argparse.Namespace) -> None:
    """(b) list every visible ticket of a manager: service pages, repository, floor."""
    for kind, manager in listed_managers(world).items():
        expected = world.floor.visible_tickets(manager)
        scope = scope_for(world, manager)
        forget_scopes(world)
        if [t.id for t in in_scope_once(world, scope)] != expected:
            raise SystemExit(f"in_scope disagrees with the floor for {manager}")
        one_call = partial(in_scope_once, world, scope)
        floor = partial(world.floor.visible_tickets, manager)
        cold = seconds_of(
            {"floor": floor, "once": one_call}, args.repeat, partial(forget_scopes, world)
        )
        warm = seconds_of({"floor": floor, "once": one_call}, args.repeat)
        floor_time = cold["floor"]
        note = f"{manager}: {len(expected):,} tickets, {-(-len(expected) // PAGE)} pages"
        fetched = seconds_of(
            {"rows": partial(_floor_rows, world, manager), "floor": floor}, args.repeat
        )
        report.add(
            Row(
                "b",
                f"list {kind}: the floor's sort, then one dict look-up per listed ticket",
                fetched["rows"],
                "s",
                fetched["floor"],
                "",
                None,
                f"{note}; what fetching each listed record costs a dict-and-set listing",
            )
        )
        for how, measured in (("after a write", cold), ("again, nothing written", warm)):
            report.add(
                Row(
                    "b",
                    f"list {kind}: in_scope, one call, {how}",
                    measured["once"],
                    "s",
                    measured["floor"],
                    "<= 2x floor",
                    measured["once"] / measured["floor"] <= LISTING_TARGET,
                    note,
                )
            )
        forget_scopes(world)
        walked, took, done = walk_service(app, manager, args.budget)
        budget = min(args.budget, 10.0)
        profile(report, f"in_scope, one call ({kind})", args.profile, one_call)
        profile(
            report,
            f"visible_tickets walk ({kind})",
            args.profile,
            partial(walk_service, app, manager, budget),
        )
        _add_walk(
            report,
            f"list {kind}: Carteira.visible_tickets pages, after a write",
            walked,
            took,
            done,
            expected,
            floor_time,
            note,
        )
        forget_scopes(world)
        walked, took, done = walk_repository(world, scope, args.budget)
        _add_walk(
            report,
            f"list {kind}: in_scope pages, after a write",
            walked,
            took,
            done,
            expected,
            floor_time,
            note,
        )


def _add_walk(
    report: Report,
    measure: str,
    walked: list[str],
    took: float,
    done: bool,
    expected: list[str],
    floor_time: float,
    note: str,
) -> None:
    if walked != expected[: len(walked)]:
        raise SystemExit(f"{measure} disagrees with the floor")
    if done:
        total, how = took, "walked to the end"
    else:
        # Pages after the first cost about the same each, so the full walk is
        # extrapolated linearly from the pages done.
        total = took * len(expected) / max(len(walked), 1)
        how = f"stopped after {len(walked) // PAGE} pages in {took:.1f} s; extrapolated"
    report.add(
        Row(
            "b",
            measure,
            total,
            "s",
            floor_time,
            "<= 2x floor",
            total / floor_time <= LISTING_TARGET,
            f"{note}; {how}",
        )
    )


# -- (c) routing --------------------------------------------------------------------------


def routing_inputs(world: World, customers: Sequence[str], department: str) -> list[RoutingInput]:
    """Prebuilt inputs, the same the service would gather for these customers."""
    floor = world.floor
    result = []
    for customer in customers:
        portfolio = floor.effective[customer]
        result.append(
            RoutingInput(
                account_managers=floor.account_managers[customer],
                portfolio_managers=() if portfolio is None else floor.portfolio_order[portfolio],
                managers=world.managers,
                department=world.departments[department],
                online=world.online,
                loads=world.loads[department],
                busy_since=world.busy_since[department],
                now=NOW,
            )
        )
    return result


def routing(world: World, app: Carteira, report: Report, args: argparse.Namespace) -> None:
    """(c) decisions per second: pure route() and the service's route(), per department."""
    rng = random.Random(11)
    customers = rng.sample(
        sorted(world.floor.effective), min(args.samples, len(world.floor.effective))
    )
    host = Principal.system(TENANT)
    everything = []
    for department in world.departments:
        inputs = routing_inputs(world, customers, department)
        everything.extend(inputs)
        agree = customers[: args.agree // 4]
        served = [app.route(host, c, department) for c in agree]
        _agree(f"route {department}", [route(i) for i in inputs[: len(agree)]], served)
        outcomes = {str(route(i).reason) for i in inputs}
        pure = per_second(_routing_loop(inputs), args.repeat)
        mode = world.departments[department]
        note = f"{mode.routing.value}/{mode.choice.value}; reasons: {', '.join(sorted(outcomes))}"
        report.add(
            Row(
                "c",
                f"route() pure, department {department}",
                pure,
                "decisions/s",
                None,
                f">= {ROUTING_TARGET:,}/s",
                pure >= ROUTING_TARGET,
                note,
            )
        )
        served_all = partial(_route_all, app, host, customers[: args.agree], department)
        service = per_second(served_all, args.repeat)
        profile(report, f"Carteira.route ({department})", args.profile, served_all)
        report.add(
            Row(
                "c",
                f"Carteira.route, department {department}",
                service,
                "decisions/s",
                None,
                "",
                None,
                note,
            )
        )
    rng.shuffle(everything)
    mixed = per_second(_routing_loop(everything), args.repeat)
    profile(report, "route() pure (mix)", args.profile, _routing_loop(everything))
    report.add(
        Row(
            "c",
            "route() pure, all three departments mixed",
            mixed,
            "decisions/s",
            None,
            f">= {ROUTING_TARGET:,}/s",
            mixed >= ROUTING_TARGET,
            f"{len(everything):,} prebuilt inputs",
        )
    )


def _routing_loop(inputs: Sequence[RoutingInput]) -> Callable[[], int]:
    def loop() -> int:
        for one in inputs:
            route(one)
        return len(inputs)

    return loop


def _route_all(app: Carteira, host: Principal, customers: Sequence[str], department: str) -> int:
    for customer in customers:
        app.route(host, customer, department)
    return len(customers)


# -- (d) memory and writes -----------------------------------------------------------------


def ticket_maker(count: int) -> Callable[[int], Ticket]:
    """Tickets like the world's: five per customer, two in three served, ids made on the fly."""
    customers = [mid("c", n) for n in range(max(1, count // 5))]
    managers = [mid("m", n) for n in range(500)]

    def make(n: int) -> Ticket:
        return Ticket(
            TENANT,
            mid("x", n),
            customers[n % len(customers)],
            "sales",
            NOW - timedelta(minutes=n),
            assignee=managers[n % len(managers)] if n % 3 else None,
            assigned_at=NOW - timedelta(seconds=n) if n % 3 else None,
        )

    return make


def fill(store: InMemoryStore, make: Callable[[int], Ticket], count: int) -> None:
    """Add ``count`` tickets to ``store`` in one unit of work."""
    with store.unit_of_work(TENANT) as uow:
        for n in range(count):
            uow.tickets.add(make(n))
        uow.commit()


def rss_child(count: int) -> None:
    """In a fresh process: print the RSS growth per ticket of filling a new store."""
    make = ticket_maker(count)
    store = InMemoryStore()
    gc.collect()
    before = rss_bytes()
    fill(store, make, count)
    gc.collect()
    print(json.dumps({"bytes_per_ticket": (rss_bytes() - before) / count}))


def memory(world: World, app: Carteira, report: Report, args: argparse.Namespace) -> None:
    """(d) bytes per stored ticket, tracemalloc and RSS, and store writes per second."""
    del app  # every section takes the same arguments; this one builds its own stores
    count = min(args.memory_tickets, world.sizes.tickets)
    make = ticket_maker(count)
    gc.collect()
    tracemalloc.start()
    traced = InMemoryStore()
    fill(traced, make, count)
    gc.collect()
    ours = tracemalloc.get_traced_memory()[0] / count
    tracemalloc.stop()
    del traced
    floor_bytes = _floor_memory(make, count)
    child = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    rss = float(json.loads(child.stdout)["bytes_per_ticket"])
    note = f"{count:,} tickets, 5 per customer, into a new store"
    report.add(
        Row(
            "d",
            "memory per ticket (tracemalloc)",
            ours,
            "bytes",
            floor_bytes,
            "",
            None,
            f"{note}; the floor keeps only customer and assignee, with their indexes",
        )
    )
    report.add(
        Row(
            "d", "memory per ticket (RSS growth, fresh process)", rss, "bytes", None, "", None, note
        )
    )
    report.add(
        Row(
            "d",
            "memory per ticket in the world build (RSS growth, store + floor mirror)",
            world.ticket_rss_bytes / world.sizes.tickets,
            "bytes",
            None,
            "",
            None,
            f"{world.sizes.tickets:,} tickets",
        )
    )
    prebuilt = [make(n) for n in range(count)]
    store = InMemoryStore()
    with store.unit_of_work(TENANT) as uow:
        start = cpu_clock()
        for ticket in prebuilt:
            uow.tickets.add(ticket)
        uow.commit()
        rate = count / (cpu_clock() - start)
    report.add(
        Row(
            "d",
            "uow.tickets.add (prebuilt rows)",
            rate,
            "writes/s",
            None,
            "",
            None,
            f"{count:,} tickets in one unit of work",
        )
    )


def _floor_memory(make: Callable[[int], Ticket], count: int) -> float:
    tracemalloc.start()
    customer: dict[str, str] = {}
    assignee: dict[str, str | None] = {}
    of_customer: dict[str, list[str]] = {}
    of_assignee: dict[str, set[str]] = {}
    for n in range(count):
        ticket = make(n)
        customer[ticket.id] = ticket.customer
        assignee[ticket.id] = ticket.assignee
        of_customer.setdefault(ticket.customer, []).append(ticket.id)
        if ticket.assignee is not None:
            of_assignee.setdefault(ticket.assignee, set()).add(ticket.id)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] / count
    tracemalloc.stop()
    return used


# -- (e) commands --------------------------------------------------------------------------


def commands(world: World, app: Carteira, report: Report, args: argparse.Namespace) -> None:
    """(e) commands on the built world; they change it, so they run last."""
    host = Principal.system(TENANT)
    count: int = args.commands
    floor = world.floor
    portfolios = sorted(floor.portfolio_order)
    targets = sorted(floor.effective)[:count]
    departments = ["sales", "support"]

    def register(prefix: str) -> int:
        for n in range(count):
            app.register_customer(host, mid(prefix, n), f"New {n}")
        return count

    def place(prefix: str) -> int:
        for n in range(count):
            portfolio = portfolios[n % len(portfolios)]
            owner = floor.portfolio_order[portfolio][0]
            app.set_customer_membership(
                host, mid(prefix, n), portfolio=portfolio, account_managers=[owner]
            )
        return count

    def open_tickets(prefix: str) -> int:
        for n, customer in enumerate(targets):
            app.open_ticket(host, mid(prefix, n), customer, departments[n % 2])
        return count

    rates = {}
    steps: list[tuple[str, Callable[[str], int]]] = [
        ("register_customer", register),
        ("set_customer_membership", place),
        ("open_ticket", open_tickets),
    ]
    for name, action in steps:
        rates[name] = per_second(partial(action, "n"), 1)
        report.add(
            Row(
                "e",
                f"Carteira.{name} on the built world",
                rates[name],
                "commands/s",
                None,
                "",
                None,
                f"{count:,} commands",
            )
        )
    for name, action in steps:
        profile(report, f"Carteira.{name}", args.profile, partial(action, "z"))
    sizes = world.sizes
    estimate = (
        sizes.customers / rates["register_customer"]
        + sizes.customers * 0.8 / rates["set_customer_membership"]
        + sizes.tickets / rates["open_ticket"]
    )
    report.add(
        Row(
            "e",
            "building this world through commands (estimate)",
            estimate,
            "s",
            sum(world.timings.values()),
            "",
            None,
            "floor column: the direct repository build, rows and floor mirror",
        )
    )


# -- output --------------------------------------------------------------------------------


def markdown(report: Report) -> str:
    """The results as Markdown: machine, sizes, build times, one table per section."""
    m, s = report.machine, report.sizes
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['os']}; "
        f"{m['implementation']} {m['python']}; carteira {m['carteira']}, attrs {m['attrs']}; "
        f"load average {m['load_average_start']:.1f} at start, {m['load_average_end']:.1f} at end.",
        "Times and rates are CPU time of this process; build times are wall time.",
        "",
        f"World: {s['managers']:,} managers, {s['portfolios']:,} portfolios, "
        f"{s['organizations']:,} organizations, {s['customers']:,} customers, "
        f"{s['tickets']:,} tickets; built in "
        + ", ".join(f"{k} {v:.1f} s" for k, v in report.build.items())
        + ".",
        "",
        "| | measure | ours | floor | ours / floor | target | met | notes |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for row in report.rows:
        floor = "" if row.floor is None else _number(row.floor, row.unit)
        ratio = "" if row.ratio is None else f"{row.ratio:.3g}"
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            f"| {row.section} | {row.measure} | {_number(row.ours, row.unit)} | {floor} | "
            f"{ratio} | {row.target} | {met} | {row.note} |"
        )
    return "\n".join(lines) + "\n"


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:,.1f} ms" if value < 10 else f"{value:,.1f} s"
    if unit == "bytes":
        return f"{value:,.0f} B"
    return f"{value:,.0f} /s"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 customers")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the median is kept")
    parser.add_argument("--samples", type=int, default=20_000, help="pairs / customers timed")
    parser.add_argument("--agree", type=int, default=2_000, help="service answers cross-checked")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per page walk")
    parser.add_argument("--memory-tickets", type=int, default=100_000)
    parser.add_argument("--commands", type=int, default=1_000, help="commands per kind in (e)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", action="store_true", help="cProfile the slow paths")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child)
        return 0

    print(f"building scale {args.scale} ...", file=sys.stderr)
    world = build(args.scale)
    # Setup objects go to the permanent generation: the collector does not walk the
    # world again and again while the timed loops allocate (the same for both sides).
    gc.collect()
    gc.freeze()
    report = Report(machine(), asdict(world.sizes), dict(world.timings))
    presence = InMemoryPresence()
    for manager in world.online:
        presence.set_online(TENANT, manager)
    app = Carteira(world.store.unit_of_work, clock=ManualClock(NOW), presence=presence)
    for section in (single_checks, listings, routing, memory, commands):
        print(f"{section.__name__} ...", file=sys.stderr)
        section(world, app, report, args)
    report.machine["load_average_end"] = os.getloadavg()[0]
    print(markdown(report))
    for name, text in report.profiles.items():
        print(f"\n### cProfile: {name}\n\n```text\n{text.strip()}\n```")
    if args.json is not None:
        payload = asdict(report)
        payload["scale"] = args.scale
        args.json.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
