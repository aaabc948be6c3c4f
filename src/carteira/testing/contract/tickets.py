"""The contract of the ticket, department and ticket-type repository ports (RT, TK, VS-3, ST)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira.domain.errors import ConcurrencyError
from carteira.domain.portal import Attachment, Message, MoveKind, PortalFilter, StageMove
from carteira.domain.principal import PrincipalKind
from carteira.domain.scope import Scope
from carteira.domain.ticket import ChoiceMode, Department, RoutingMode, Ticket, TicketStatus
from carteira.domain.workflow import (
    ExtraField,
    FieldAccess,
    FieldKind,
    Responsible,
    Stage,
    TicketType,
)
from carteira.ports.unit_of_work import UnitOfWork
from carteira.testing.contract.base import (
    BIG_PAGE,
    CONTRACT_SETTINGS,
    HEAVY_SETTINGS,
    OTHER_TENANT,
    TENANT,
    assert_keyset_pages,
    assert_stored,
)
from carteira.testing.contract.shapes import (
    BatchContract,
    RepositoryContract,
    assert_scope_parity,
)
from carteira.testing.contract.worlds import (
    customer_world,
    in_view,
    scopes,
    ticket_in_scope,
)
from carteira.testing.strategies import departments, ticket_types, tickets

__all__ = [
    "DepartmentRepositoryContract",
    "TicketRepositoryContract",
    "TicketTypeRepositoryContract",
]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPEN, CLOSED, CANCELLED = TicketStatus.OPEN, TicketStatus.CLOSED, TicketStatus.CANCELLED
CUSTOMER, SERVICE = Responsible.CUSTOMER, Responsible.SERVICE


def _at(hours: int) -> datetime:
    return START + timedelta(hours=hours)


def _portal(ticket_id: str, customer: str, kind: str, stage: str, **fields: object) -> Ticket:
    return Ticket(TENANT, ticket_id, customer, "d1", START, type=kind, stage=stage, **fields)  # type: ignore[arg-type]


def _ticket_world() -> list[object]:
    """Conversations and portal tickets over the customers of the customers' contract."""
    return [
        *customer_world(TENANT),
        Ticket(TENANT, "t1", "c1", "d1", START, assignee="m1", assigned_at=_at(1)),
        Ticket(TENANT, "t2", "c2", "d1", START, CLOSED, assignee="m1", assigned_at=_at(5)),
        Ticket(TENANT, "t3", "c6", "d2", START, assignee="m3"),
        Ticket(TENANT, "t4", "c4", "d1", START, assignee="m1", assigned_at=_at(3)),
        Ticket(TENANT, "t5", "c7", "d1", START, assignee="m2", assigned_at=_at(2)),
        Ticket(TENANT, "t6", "c1", "d1", START),
        _portal("k1", "c1", "kind", "s1", responsible=CUSTOMER),
        _portal("k2", "c1", "kind", "s2", assignee="m1", assigned_at=_at(4)),
        _portal("k3", "c1", "kind", "done", status=CLOSED),
        _portal("k4", "c1", "kind", "s1", status=CANCELLED, responsible=CUSTOMER),
        _portal("k5", "c2", "other", "s1", responsible=CUSTOMER),
    ]


TICKET_SCOPES: tuple[tuple[Scope, bool, list[str]], ...] = (
    (Scope(), False, []),
    (
        Scope(everything=True),
        False,
        ["k1", "k2", "k3", "k4", "k5", "t1", "t2", "t3", "t4", "t5", "t6"],
    ),
    (Scope(everything=True), True, ["k1", "k2", "k5", "t1", "t3", "t4", "t5", "t6"]),
    (Scope(portfolios=frozenset({"p1"})), False, ["k1", "k2", "k3", "k4", "k5", "t1", "t2", "t6"]),
    (Scope(assignees=frozenset({"m3"})), False, ["t3"]),
    (Scope(outside=True, assignees=frozenset({"m3"})), False, ["t3", "t4"]),
    (Scope(account_managers=frozenset({"m1"}), assignees=frozenset({"m2"})), True, ["t5"]),
    (
        Scope(portfolios=frozenset({"p1"}), assignees=frozenset({"m1"})),
        True,
        ["k1", "k2", "k5", "t1", "t4", "t6"],
    ),
    (Scope(queues=frozenset({"d1"})), False, ["k1", "k5", "t6"]),
    (Scope(queues=frozenset({"d2"})), False, []),
    (
        Scope(queues=frozenset({"d1", "d2"}), assignees=frozenset({"m3"})),
        True,
        ["k1", "k5", "t3", "t6"],
    ),
)
"""Scopes over `_ticket_world`, ``open_only``, and the tickets each holds, by id."""


def _scoped(
    scope: Scope, open_only: bool
) -> Callable[[UnitOfWork], Callable[[str | None, int], Sequence[Ticket]]]:
    def fetcher(uow: UnitOfWork) -> Callable[[str | None, int], Sequence[Ticket]]:
        return lambda after, limit: uow.tickets.in_scope(
            scope, after=after, limit=limit, open_only=open_only
        )

    return fetcher


def _queue(
    department: str,
) -> Callable[[UnitOfWork], Callable[[str | None, int], Sequence[Ticket]]]:
    def fetcher(uow: UnitOfWork) -> Callable[[str | None, int], Sequence[Ticket]]:
        return lambda after, limit: uow.tickets.queue(department, after=after, limit=limit)

    return fetcher


def _walk_queue(fetch: Callable[[str | None, int], Sequence[Ticket]], limit: int) -> list[str]:
    """Walk a queue page by page, each page after the last ticket of the one before."""
    found: list[str] = []
    after: str | None = None
    while True:
        page = [t.id for t in fetch(after, limit)]
        assert len(page) <= limit, f"a page of {limit} held {len(page)} tickets"
        assert not set(page) & set(found), "a ticket shown twice"
        found.extend(page)
        if len(page) < limit:
            return found
        after = page[-1]


def _portal_view(
    customer: str, view: PortalFilter
) -> Callable[[UnitOfWork], Callable[[str | None, int], Sequence[Ticket]]]:
    def fetcher(uow: UnitOfWork) -> Callable[[str | None, int], Sequence[Ticket]]:
        return lambda after, limit: uow.tickets.of_customer(
            customer, view, after=after, limit=limit
        )

    return fetcher


def _edge_tickets() -> list[Ticket]:
    """Portal tickets with every kind of value at its extremes, and nested logs."""
    moves = (
        StageMove(None, "s1", "c1", PrincipalKind.CUSTOMER, START, MoveKind.OPENED),
        StageMove("s1", "s2", "m1", PrincipalKind.MANAGER, _at(1), note="vi \u2713\n"),
        StageMove("s2", "s2", "c1", PrincipalKind.CUSTOMER, _at(2), MoveKind.CANCELLED, "n\u00e3o"),
    )
    messages = (
        Message("msg1", "c1", PrincipalKind.CUSTOMER, _at(1), "ol\u00e1 \U0001f600"),
        Message("msg2", "m1", PrincipalKind.MANAGER, _at(2), "nota", internal=True),
    )
    files = (
        Attachment(
            "f1", "vazio.txt", "text/plain", 0, "e3b0" * 16, "c1", PrincipalKind.CUSTOMER, _at(1)
        ),
        Attachment(
            "f2",
            "grande.pdf",
            "application/pdf",
            10**9,
            "ab" * 32,
            "m1",
            PrincipalKind.MANAGER,
            _at(2),
        ),
    )
    values = {
        "big": 2**63 - 1,
        "small": -(2**63),
        "zero": 0,
        "tenth": 0.1,
        "huge": 1.7976931348623157e308,
        "first": date(1, 1, 1),
        "last": date(9999, 12, 31),
        "yes": True,
        "no": False,
        "text": "",
        "choice": "op\u00e7\u00e3o",
    }
    return [
        _portal(
            "full",
            "c1",
            "kind",
            "s2",
            status=CANCELLED,
            responsible=CUSTOMER,
            subject="Cobran\u00e7a em dobro",
            request="linha 1\nlinha 2\t\U0001f600",
            values=values,
            history=moves,
            discussion=messages,
            attachments=files,
            assignee="m1",
            assigned_at=_at(1),
            offered=("m2", "m1"),
            last_activity=_at(2),
        ),
        _portal("bare", "c1", "kind", "s1"),
        Ticket(TENANT, "x" * 255, "\U0001f600" * 255, "d" * 255, START, offered=("b", "a")),
    ]


class TicketRepositoryContract(BatchContract[Ticket]):
    """What every adapter's ``TicketRepository`` does (RT-1, RT-2, TK-2, TK-7, VS-2, VS-3, ST-3).

    Listings run by id, by code point, except ``queue``. ``in_scope`` holds the tickets
    whose customer is in the scope, whose assignee is among ``assignees``, or that wait
    (open, no assignee) in one of the ``queues`` (``open_only`` keeps the open ones);
    ``queue`` lists what waits in one department, oldest first (VS-7); ``of_customer``
    the customer's portal tickets (those with a type) in a view; all page by keyset.
    ``open_load`` may leave out a manager with no open ticket (read as 0); ``busy_since``
    leaves out a manager with no open ticket taken at a known instant. ``update_many``
    writes all of its batch or none; ``remove`` is version-checked. A taken id is a
    [`Conflict`][carteira.Conflict] with code ``ticket_exists``.
    """

    _repository = "tickets"
    _kind = "ticket"
    _batch_ids = ("full", "bare")
    _lost_change: ClassVar[dict[str, object]] = {"subject": "lost"}

    def _taken_id_rows(self) -> tuple[Ticket, Ticket]:
        return Ticket(TENANT, "t1", "c1", "d1", START), Ticket(TENANT, "t1", "c2", "d2", START)

    def _batch_rows(self) -> list[Ticket]:
        return _edge_tickets()

    def test_a_missing_ticket_is_none_everywhere(self) -> None:
        """Nothing stored: ``get`` gives ``None`` and every listing and count is empty."""

        def look(uow: UnitOfWork) -> object:
            repo = uow.tickets
            return (
                repo.get("t1"),
                list(repo.open_assigned_to("m1")),
                {m: n for m, n in repo.open_load("d1", ["m1"]).items() if n},
                dict(repo.busy_since("d1", ["m1"])),
                repo.count_open_at("kind", ["s1"]),
                list(repo.of_customer("c1", PortalFilter.ALL, after=None, limit=10)),
                list(repo.in_scope(Scope(everything=True), after=None, limit=10, open_only=False)),
                list(repo.queue("d1", after=None, limit=10)),
            )

        assert self.read(TENANT, look) == (None, [], {}, {}, 0, [], [], [])

    @HEAVY_SETTINGS
    @given(tickets())
    def test_a_ticket_reads_back_as_added_at_version_1(self, drawn: Ticket) -> None:
        """Conversations and portal tickets round-trip with history, values and attachments."""
        self._check_round_trip(drawn)

    def test_edge_cases_read_back_as_added(self) -> None:
        """Value types kept apart (``True`` is not ``1``), extreme numbers and dates, long ids."""
        self._check_reads_back(_edge_tickets())

    def test_st3_update_many_stores_every_row_and_moves_each_version_by_one(self) -> None:
        """``update_many`` writes each ticket over its version read, at that version plus one."""
        self.add(TENANT, *_edge_tickets())
        full, bare = self._must("full"), self._must("bare")
        move = StageMove(None, "s1", "c1", PrincipalKind.CUSTOMER, START, MoveKind.OPENED)
        changed = [
            attrs.evolve(full, values={}, history=(), discussion=(), attachments=(), assignee=None),
            attrs.evolve(bare, status=CLOSED, stage="done", history=(move,), values={"n": 1.5}),
        ]
        self.write(TENANT, lambda uow: uow.tickets.update_many(changed))
        for row in changed:
            assert_stored(attrs.evolve(row, version=2), self._get(row.id))

    def test_st3_a_stale_row_fails_the_whole_batch_and_remove_is_checked(self) -> None:
        """A stale or missing row fails the batch, storing none of it; ``remove`` too (ST-3)."""
        self.add(TENANT, *_edge_tickets())
        full, bare = self._must("full"), self._must("bare")
        self.write(TENANT, lambda uow: uow.tickets.update_many([attrs.evolve(bare, subject="s")]))
        current = self._must("bare")
        ghost = Ticket(TENANT, "ghost", "c1", "d1", START, version=1)
        for batch in ([attrs.evolve(full, subject="lost"), bare], [full, ghost], [full, full]):
            with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
                uow.tickets.update_many(batch)
        for stale in (bare, ghost):
            with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
                uow.tickets.remove(stale)
        assert (self._get("full"), self._get("bare")) == (full, current)
        self.write(TENANT, lambda uow: uow.tickets.remove(current))
        assert self._get("bare") is None

    @pytest.mark.parametrize(("scope", "open_only", "expected"), TICKET_SCOPES)
    def test_vs2_in_scope_holds_the_tickets_of_customers_in_scope_and_of_assignees(
        self, scope: Scope, open_only: bool, expected: list[str]
    ) -> None:
        """VS-2: a ticket is seen through its customer or its assignee; each once, by id."""
        self.add(TENANT, *_ticket_world())
        fetch = _scoped(scope, open_only)
        assert self.read(TENANT, lambda uow: [t.id for t in fetch(uow)(None, BIG_PAGE)]) == expected
        self.read(TENANT, lambda uow: assert_keyset_pages(fetch(uow), expected))

    def test_vs7_the_queue_lists_open_unassigned_tickets_oldest_first(self) -> None:
        """VS-7: a department's open tickets with no assignee, by opening, then id; keyset pages.

        One offered to agents for its customer to choose among waits in no queue (RT-1).
        ``after`` is the last ticket of the page before; a ticket no longer waiting still
        marks its place, and an id no ticket has gives an empty page.
        """
        self.add(TENANT, *customer_world(TENANT))
        waiting = [
            Ticket(TENANT, "z", "c1", "d1", _at(1)),
            Ticket(TENANT, "b", "c2", "d1", _at(2)),
            Ticket(TENANT, "a", "c4", "d1", _at(2)),
        ]
        others = [
            Ticket(TENANT, "m", "c1", "d1", _at(3), offered=("m1", "m2")),  # the customer chooses
            Ticket(TENANT, "y", "c1", "d1", _at(0), assignee="m1", assigned_at=_at(0)),
            Ticket(TENANT, "x", "c1", "d1", _at(0), CLOSED),
            Ticket(TENANT, "w", "c1", "d1", _at(0), CANCELLED),
            Ticket(TENANT, "v", "c1", "d2", _at(0)),
        ]
        self.add(TENANT, *waiting, *others)
        self.add(OTHER_TENANT, Ticket(OTHER_TENANT, "a0", "c1", "d1", _at(0)))

        def look(uow: UnitOfWork) -> object:
            queue = uow.tickets.queue
            return (
                [t.id for t in queue("d1", after=None, limit=BIG_PAGE)],
                [t.id for t in queue("d1", after=None, limit=2)],
                [t.id for t in queue("d1", after="b", limit=BIG_PAGE)],
                [t.id for t in queue("d1", after="y", limit=BIG_PAGE)],
                [t.id for t in queue("d1", after="m", limit=BIG_PAGE)],
                [t.id for t in queue("d1", after="ghost", limit=BIG_PAGE)],
                [t.id for t in queue("d1", after="a0", limit=BIG_PAGE)],
                [t.id for t in queue("d2", after=None, limit=BIG_PAGE)],
                [t.id for t in queue("ghost", after=None, limit=BIG_PAGE)],
                list(queue("d1", after=None, limit=0)),
            )

        assert self.read(TENANT, look) == (
            ["z", "a", "b"],
            ["z", "a"],
            [],
            ["z", "a", "b"],
            [],
            [],
            [],
            ["v"],
            [],
            [],
        )
        stored = self.read(TENANT, lambda uow: list(uow.tickets.queue("d1", after=None, limit=9)))
        assert stored == [self._must("z"), self._must("a"), self._must("b")]

    def test_rt2_open_tickets_loads_and_idleness(self) -> None:
        """``open_assigned_to``, ``open_load``, ``busy_since`` count open tickets only (RT-2)."""
        self.add(TENANT, *_ticket_world())

        def look(uow: UnitOfWork) -> object:
            repo = uow.tickets
            managers = ["m1", "m2", "m3", "m9"]
            return (
                [t.id for t in repo.open_assigned_to("m1")],
                [t.id for t in repo.open_assigned_to("m3")],
                {m: repo.open_load("d1", managers).get(m, 0) for m in managers},
                {m: repo.open_load("d2", managers).get(m, 0) for m in managers},
                dict(repo.busy_since("d1", managers)),
                dict(repo.busy_since("d2", managers)),
            )

        assert self.read(TENANT, look) == (
            ["k2", "t1", "t4"],
            ["t3"],
            {"m1": 3, "m2": 1, "m3": 0, "m9": 0},
            {"m1": 0, "m2": 0, "m3": 1, "m9": 0},
            {"m1": _at(4), "m2": _at(2)},
            {},
        )

    def test_tk2_count_open_at_counts_open_tickets_of_a_type_at_the_stages(self) -> None:
        """TK-2: only open tickets of the type at one of the stages, each once."""
        self.add(TENANT, *_ticket_world())
        cases = [
            ("kind", ["s1", "s2"], 2),
            ("kind", ["s1"], 1),
            ("kind", ["s1", "s1"], 1),
            ("kind", ["done"], 0),
            ("kind", [], 0),
            ("other", ["s1"], 1),
            ("ghost", ["s1"], 0),
        ]
        found = self.read(
            TENANT, lambda uow: [uow.tickets.count_open_at(k, s) for k, s, _ in cases]
        )
        assert found == [expected for _, _, expected in cases]

    @pytest.mark.parametrize(
        ("customer", "view", "expected"),
        [
            ("c1", PortalFilter.ALL, ["k1", "k2", "k3", "k4"]),
            ("c1", PortalFilter.MINE, ["k1"]),
            ("c1", PortalFilter.AWAITING, ["k2"]),
            ("c1", PortalFilter.COMPLETED, ["k3"]),
            ("c1", PortalFilter.CANCELLED, ["k4"]),
            ("c2", PortalFilter.ALL, ["k5"]),
            ("c6", PortalFilter.ALL, []),
        ],
    )
    def test_tk7_of_customer_lists_his_portal_tickets_in_a_view(
        self, customer: str, view: PortalFilter, expected: list[str]
    ) -> None:
        """TK-7, VS-4: only his tickets with a type, in the view their state puts them in."""
        self.add(TENANT, *_ticket_world())
        self.read(
            TENANT, lambda uow: assert_keyset_pages(_portal_view(customer, view)(uow), expected)
        )

    def test_listings_follow_changes_within_the_unit_of_work(self) -> None:
        """Closing, reassigning or moving a ticket changes every listing at once (ST-4)."""
        self.add(TENANT, *_ticket_world())
        k2, t1 = self._must("k2"), self._must("t1")

        def change(uow: UnitOfWork) -> None:
            uow.tickets.update_many(
                [
                    attrs.evolve(k2, status=CLOSED, stage="done"),
                    attrs.evolve(t1, assignee="m2", assigned_at=_at(7)),
                ]
            )
            repo = uow.tickets
            assert [t.id for t in repo.open_assigned_to("m1")] == ["t4"]
            assert [t.id for t in repo.open_assigned_to("m2")] == ["t1", "t5"]
            assert repo.open_load("d1", ["m1"]).get("m1", 0) == 1
            assert dict(repo.busy_since("d1", ["m1", "m2"])) == {"m1": _at(3), "m2": _at(7)}
            assert repo.count_open_at("kind", ["s2"]) == 0
            completed = repo.of_customer("c1", PortalFilter.COMPLETED, after=None, limit=9)
            assert [t.id for t in completed] == ["k2", "k3"]
            ids = [
                t.id
                for t in repo.in_scope(
                    Scope(assignees=frozenset({"m2"})), after=None, limit=9, open_only=True
                )
            ]
            assert ids == ["t1", "t5"]

        self.write(TENANT, change)
        assert self.read(
            TENANT, lambda uow: [t.id for t in uow.tickets.open_assigned_to("m1")]
        ) == ["t4"]

    @HEAVY_SETTINGS
    @given(st.data())
    def test_vs3_in_scope_equals_the_scope_definition_over_plain_gets(
        self, data: st.DataObject
    ) -> None:
        """List/check parity for tickets, from plain ``get``s, open or not (VS-2, VS-3, ST-4)."""
        tenant, world = self._draw_world(data)
        scope, open_only = data.draw(scopes()), data.draw(st.booleans())
        cases = [(scope, open_only), *((s, o) for s in world.basic_scopes() for o in (False, True))]

        def check(uow: UnitOfWork) -> None:
            stored = {i: t for i, t in ((t.id, uow.tickets.get(t.id)) for t in world.tickets) if t}
            customers = {
                i: c for i, c in ((c.id, uow.customers.get(c.id)) for c in world.customers) if c
            }
            orgs = {
                i: o
                for i, o in ((o.id, uow.organizations.get(o.id)) for o in world.organizations)
                if o
            }

            def picks(scope: Scope, only: bool, ticket: Ticket) -> bool:
                return ticket_in_scope(scope, ticket, customers, orgs) and (ticket.open or not only)

            assert_scope_parity(cases, stored, picks, lambda s, o: _scoped(s, o)(uow))

        self.read(tenant, check)

    @HEAVY_SETTINGS
    @given(st.data())
    def test_every_listing_equals_its_definition_over_plain_gets(self, data: st.DataObject) -> None:
        """Open tickets, loads, idleness, stage counts and portal views, from plain ``get``s."""
        tenant, world = self._draw_world(data)
        managers = [*(m.id for m in world.managers), "ghost"]

        def check(uow: UnitOfWork) -> None:
            repo = uow.tickets
            rows = sorted(
                (t for t in map(repo.get, (t.id for t in world.tickets)) if t), key=lambda t: t.id
            )
            for manager in managers:
                assert list(repo.open_assigned_to(manager)) == [
                    t for t in rows if t.open and t.assignee == manager
                ]
            for department in ("d1", "d2", "ghost"):
                serving = [t for t in rows if t.open and t.department == department]
                load = repo.open_load(department, managers)
                assert set(load) <= set(managers)
                for manager in managers:
                    assert load.get(manager, 0) == sum(t.assignee == manager for t in serving)
                times = {
                    m: max(t.assigned_at for t in serving if t.assignee == m and t.assigned_at)
                    for m in managers
                    if any(t.assignee == m and t.assigned_at for t in serving)
                }
                assert dict(repo.busy_since(department, managers)) == times
            for kind in ("k1", "k2"):
                for stages in (["s1"], ["s2"], ["s1", "s2"], []):
                    expected = sum(t.open and t.type == kind and t.stage in stages for t in rows)
                    assert repo.count_open_at(kind, stages) == expected
            for customer in [*(c.id for c in world.customers), "ghost"]:
                for view in PortalFilter:
                    mine = [t.id for t in rows if t.customer == customer and in_view(t, view)]
                    assert_keyset_pages(_portal_view(customer, view)(uow), mine)
            for department in ("d1", "d2", "ghost"):
                waiting = sorted(
                    (t for t in rows if t.department == department and t.queued),
                    key=lambda t: (t.opened_at, t.id),
                )
                fetch = _queue(department)(uow)
                assert list(fetch(None, BIG_PAGE)) == waiting
                for limit in (1, 2):
                    assert _walk_queue(fetch, limit) == [t.id for t in waiting]

        self.read(tenant, check)

    def test_tn1_a_ticket_of_another_tenant_does_not_exist(self) -> None:
        """TN-1: nothing of tenant A shows through tenant B, in any listing or count."""
        self.add(TENANT, *_ticket_world())

        def look(uow: UnitOfWork) -> object:
            repo = uow.tickets
            return (
                repo.get("t1"),
                list(repo.open_assigned_to("m1")),
                {m: n for m, n in repo.open_load("d1", ["m1", "m2"]).items() if n},
                dict(repo.busy_since("d1", ["m1", "m2"])),
                repo.count_open_at("kind", ["s1", "s2"]),
                [list(repo.of_customer("c1", v, after=None, limit=9)) for v in PortalFilter],
                [list(_scoped(s, o)(uow)(None, 99)) for s, o, _ in TICKET_SCOPES],
                list(repo.queue("d1", after=None, limit=9)),
            )

        empty: tuple[object, ...] = (
            None,
            [],
            {},
            {},
            0,
            [[]] * len(PortalFilter),
            [[]] * len(TICKET_SCOPES),
            [],
        )
        assert self.read(OTHER_TENANT, look) == empty

    def test_tn1_the_same_id_lives_in_two_tenants_apart(self) -> None:
        """TN-1: one id in two tenants is two tickets; loads and views never mix them."""
        self.add(TENANT, Ticket(TENANT, "t1", "c1", "d1", START, assignee="m1", assigned_at=_at(1)))
        self.add(OTHER_TENANT, Ticket(OTHER_TENANT, "t1", "c1", "d1", START))
        mine = self._must("t1")
        self.write(TENANT, lambda uow: uow.tickets.update_many([attrs.evolve(mine, status=CLOSED)]))
        assert self._get("t1", OTHER_TENANT) == Ticket(
            OTHER_TENANT, "t1", "c1", "d1", START, version=1
        )
        theirs = self._must("t1", OTHER_TENANT)
        self.write(OTHER_TENANT, lambda uow: uow.tickets.remove(theirs))
        assert self._must("t1").version == 2


class DepartmentRepositoryContract(RepositoryContract[Department]):
    """What every adapter's ``DepartmentRepository`` does (RT-1, RT-2, TN-1, ST-3).

    ``list`` runs by id, by code point. ``members`` of ``None`` (anyone may serve) and
    an empty set (nobody may) read back apart, as do a ``capacity`` of ``None`` and 0.
    A taken id is a [`Conflict`][carteira.Conflict] with code ``department_exists``.
    """

    _repository = "departments"
    _kind = "department"

    def _taken_id_rows(self) -> tuple[Department, Department]:
        return Department(TENANT, "d1", "Vendas"), Department(TENANT, "d1", "Outro")

    def test_a_missing_department_is_none(self) -> None:
        """Nothing stored: ``get`` gives ``None``, ``list`` nothing."""
        assert self._get_and_list(TENANT, "d1") == (None, [])

    @CONTRACT_SETTINGS
    @given(departments())
    def test_a_department_reads_back_as_added_at_version_1(self, drawn: Department) -> None:
        """Routing, choice, members, capacities round-trip (RT-1, RT-2)."""
        self._check_round_trip(drawn)

    def test_edge_cases_read_back_as_added(self) -> None:
        """``None`` is not empty: no member list, an empty one; no capacity, capacity 0."""
        rows = [
            Department(TENANT, "anyone", "Qualquer", members=None, capacity=None),
            Department(TENANT, "nobody", "Ningu\u00e9m", members=frozenset(), capacity=0),
            Department(
                TENANT,
                "x" * 255,
                "\U0001f600",
                routing=RoutingMode.QUEUE,
                choice=ChoiceMode.CUSTOMER_CHOOSES,
                members=frozenset({"m1", "M1", "\u00e7"}),
                capacities={"m1": 0, "M1": 10},
                account_managers_only=True,
            ),
        ]
        self._check_reads_back(rows)

    def test_st3_update_is_version_checked(self) -> None:
        """``update`` moves the version by one; a stale or missing one fails, changing nothing."""
        self.add(TENANT, Department(TENANT, "d1", "Vendas"))
        first = self._get("d1")
        assert first is not None
        changed = attrs.evolve(
            first, name="Suporte", members=frozenset({"m1"}), capacities={"m1": 2}
        )
        self.write(TENANT, lambda uow: uow.departments.update(changed))
        assert_stored(attrs.evolve(changed, version=2), self._get("d1"))
        for stale in (first, Department(TENANT, "ghost", "G", version=1)):
            with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
                uow.departments.update(stale)
        assert self._get("d1") == attrs.evolve(changed, version=2)
        assert self._get("ghost") is None

    @HEAVY_SETTINGS
    @given(st.lists(departments(), max_size=6, unique_by=lambda d: d.id))
    def test_list_runs_by_id(self, drawn: list[Department]) -> None:
        """``list`` is every department, by id, by code point."""
        self._check_lists_by_id(drawn)

    def test_tn1_departments_of_two_tenants_live_apart(self) -> None:
        """TN-1: a department of A is not in B; one id in both is two departments."""
        self.add(TENANT, Department(TENANT, "d1", "Vendas"))
        assert self._get_and_list(OTHER_TENANT, "d1") == (None, [])
        self.add(OTHER_TENANT, Department(OTHER_TENANT, "d1", "Sales"))
        mine = self._get("d1")
        assert mine is not None
        self.write(TENANT, lambda uow: uow.departments.update(attrs.evolve(mine, capacity=3)))
        assert self._get("d1", OTHER_TENANT) == Department(OTHER_TENANT, "d1", "Sales", version=1)


def _kind(
    type_id: str, group: str = "Suporte", name: str = "D\u00favida", **fields: object
) -> TicketType:
    stages = (
        Stage("s1", "Pergunta", CUSTOMER, {"n": FieldAccess.REQUIRED, "d": FieldAccess.INVISIBLE}),
        Stage(
            "s2",
            "Entendimento",
            CUSTOMER,
            {"d": FieldAccess.READ_ONLY},
            asks_approval=True,
            approve_to="done",
            reject_to="s1",
        ),
        Stage("done", "Conclu\u00eddo", SERVICE, final=True),
    )
    extra = (
        ExtraField("n", FieldKind.NUMBER, "N\u00famero"),
        ExtraField("d", FieldKind.DATE),
        ExtraField("c", FieldKind.CHOICE, choices=("b", "a", "\u00e7")),
        ExtraField("t", FieldKind.TEXT),
        ExtraField("y", FieldKind.BOOLEAN),
    )
    return TicketType(TENANT, type_id, group, name, stages, {("s1", "s2")}, extra, **fields)  # type: ignore[arg-type]


class TicketTypeRepositoryContract(RepositoryContract[TicketType]):
    """What every adapter's ``TicketTypeRepository`` does (TK-1, TK-2, TK-3, TN-1, ST-3).

    ``list`` runs by group, then name, then id, by code point. Stages keep their
    order; field choices theirs. A taken id is a [`Conflict`][carteira.Conflict] with
    code ``ticket_type_exists``.
    """

    _repository = "ticket_types"
    _kind = "ticket_type"

    def _taken_id_rows(self) -> tuple[TicketType, TicketType]:
        return _kind("k1"), _kind("k1", name="Outro")

    def test_a_missing_ticket_type_is_none(self) -> None:
        """Nothing stored: ``get`` gives ``None``, ``list`` nothing."""
        assert self._get_and_list(TENANT, "k") == (None, [])

    @HEAVY_SETTINGS
    @given(ticket_types())
    def test_a_ticket_type_reads_back_as_added_at_version_1(self, drawn: TicketType) -> None:
        """Stages, transitions, fields, access and department round-trip (TK-2, TK-3, TK-6)."""
        self._check_round_trip(drawn)

    def test_edge_cases_read_back_as_added(self) -> None:
        """Every field kind and access, an approval stage, a department, a long id."""
        self._check_reads_back([_kind("k1"), _kind("x" * 255, department="d\U0001f600")])

    def test_st3_update_is_version_checked(self) -> None:
        """``update`` moves the version by one; a stale or missing one fails, changing nothing."""
        self.add(TENANT, _kind("k1"))
        first = self._get("k1")
        assert first is not None
        changed = attrs.evolve(
            first,
            name="Reclama\u00e7\u00e3o",
            stages=(Stage("s1", "S\u00f3", SERVICE, final=True),),
            transitions=frozenset(),
            fields=(),
        )
        self.write(TENANT, lambda uow: uow.ticket_types.update(changed))
        assert_stored(attrs.evolve(changed, version=2), self._get("k1"))
        for stale in (first, _kind("ghost", version=1)):
            with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
                uow.ticket_types.update(stale)
        assert self._get("k1") == attrs.evolve(changed, version=2)

    def test_tk1_list_runs_by_group_then_name_then_id(self) -> None:
        """TK-1: by group, then name, then id, each by code point."""
        rows = [
            _kind("k5", "b", "a"),
            _kind("k4", "a", "b"),
            _kind("k3", "a", "B"),
            _kind("k2", "A", "z"),
            _kind("k1", "a", "b"),
            _kind("k0", "\u00e1", "a"),
        ]
        self.add(TENANT, *rows)
        listed = self.read(TENANT, lambda uow: [t.id for t in uow.ticket_types.list()])
        assert listed == ["k2", "k3", "k1", "k4", "k5", "k0"]

    def test_tn1_ticket_types_of_two_tenants_live_apart(self) -> None:
        """TN-1: a ticket type of A is not in B; one id in both is two types."""
        self.add(TENANT, _kind("k1"))
        assert self._get_and_list(OTHER_TENANT, "k1") == (None, [])
        other = attrs.evolve(_kind("k1", name="Other"), tenant=OTHER_TENANT)
        self.add(OTHER_TENANT, other)
        assert self._get("k1") == attrs.evolve(_kind("k1"), version=1)
        assert self._get("k1", OTHER_TENANT) == attrs.evolve(other, version=1)
