"""One visibility rule on every store: check, batch, listing and host filter agree (ST-7).

Random worlds (the plans and the independent oracle of ``test_visibility_properties``) are
built in two tenants with the same ids, on the in-memory store, a SQLite file and a
PostgreSQL schema. For every manager of each tenant, ``can_view``, ``visible_among``,
``explain`` and every listing equal the oracle, and on SQL so does the filter a host adds to
a query over its own table holding rows of both tenants (invariant 5, TN-1). Around them:
a check is one statement, a revocation in one process counts at once in another, and a
host's own ticket screen lists by priority through the filter.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Column, Integer, MetaData, Table, Text, event, insert, select, text

from carteira import (
    Carteira,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RoutingMode,
    Subject,
)
from carteira.adapters.sql import SqlStore, metadata, visible
from carteira.adapters.sql.schema import schema_versions
from databases import new_schema, require_postgres
from test_visibility_properties import TENANT, Plan, World, build, check_world, plans

OTHER = "beta"
KINDS = ("memory", "sqlite", "postgresql")
# Building a world on SQL takes a few hundred statements: fewer examples there keep CI short.
# "memory units": the in-memory store seen only through its units of work, without the
# one-shot ``check_visible`` `Carteira.can_view` otherwise asks.
EXAMPLES = {"memory": 100, "memory units": 50, "sqlite": 40, "postgresql": 25}

host_metadata = MetaData()
host_records = Table(
    "host_records",
    host_metadata,
    Column("tenant", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("priority", Integer, nullable=False),
)


class Stores:
    """One store of each kind for the whole module, emptied before each example."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._sql: dict[str, SqlStore] = {}
        self._drops: list[Any] = []

    def fresh(self, kind: str) -> Any:
        if kind.startswith("memory"):
            return InMemoryStore()
        store = self._sql.get(kind)
        if store is None:
            store = self._open(kind)
            host_metadata.create_all(store.engine)
            self._sql[kind] = store
        with store.engine.begin() as connection:
            connection.execute(host_records.delete())
            for table in reversed(metadata.sorted_tables):
                if table is not schema_versions:
                    connection.execute(table.delete())
        return store

    def _open(self, kind: str) -> SqlStore:
        if kind == "sqlite":
            return SqlStore.sqlite(self._directory / "carteira.db")
        url, drop = new_schema(require_postgres())
        self._drops.append(drop)
        return SqlStore(url)

    def close(self) -> None:
        for store in self._sql.values():
            store.close()
        for drop in self._drops:
            drop()


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    found = Stores(tmp_path_factory.mktemp("stores"))
    yield found
    found.close()


def _check_filter(store: SqlStore, world: World, tenant: str, clock: ManualClock) -> None:
    """ST-7, TN-1: the host's filter keeps exactly the rows the oracle lets each manager see."""
    kinds = (
        (Subject.CUSTOMER, world.customers, world.customer_grants),
        (Subject.ORGANIZATION, world.organizations, world.organization_grants),
        (Subject.TICKET, world.tickets, world.ticket_grants),
    )
    with store.engine.connect() as connection:
        for viewer in sorted(world.active):
            principal = Principal.manager(tenant, viewer)
            for subject, ids, oracle in kinds:
                query = select(host_records.c.record_id).where(
                    host_records.c.kind == subject.value,
                    visible(
                        principal,
                        subject,
                        host_records.c.record_id,
                        tenant_column=host_records.c.tenant,
                        at=clock.now(),
                    ),
                )
                found = sorted(connection.execute(query).scalars())
                expected = [i for i in sorted(ids) if world.active[viewer] and oracle(viewer, i)]
                assert (tenant, viewer, subject, found) == (tenant, viewer, subject, expected)
            everything = select(host_records.c.record_id).where(
                host_records.c.kind == "customer",
                visible(
                    Principal.system(tenant),
                    "customer",
                    host_records.c.record_id,
                    tenant_column=host_records.c.tenant,
                ),
            )
            assert sorted(connection.execute(everything).scalars()) == sorted(world.customers)


def _fill_host(store: SqlStore, worlds: dict[str, World]) -> None:
    rows = [
        {"tenant": tenant, "kind": kind, "record_id": record, "priority": n % 3}
        for tenant, world in worlds.items()
        for kind, ids in (
            ("customer", world.customers),
            ("organization", world.organizations),
            ("ticket", world.tickets),
        )
        for n, record in enumerate(sorted(ids))
    ]
    if rows:
        with store.engine.begin() as connection:
            connection.execute(insert(host_records), rows)


def _agree(stores: Stores, kind: str, plan: Plan, other: Plan) -> None:
    store = stores.fresh(kind)
    clock = ManualClock()
    app = Carteira(store.unit_of_work, clock=clock)
    if kind == "memory units":
        app = Carteira(store.unit_of_work, clock=clock, read_unit_of_work=_units_only(store))
    _, world = build(plan, app, clock, TENANT)
    _, other_world = build(other, app, clock, OTHER)
    check_world(app, world, TENANT)
    check_world(app, other_world, OTHER)
    if not kind.startswith("memory"):
        _fill_host(store, {TENANT: world, OTHER: other_world})
        _check_filter(store, world, TENANT, clock)
        _check_filter(store, other_world, OTHER, clock)


def _property(kind: str) -> Any:
    @settings(
        max_examples=EXAMPLES[kind],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        deadline=None,
    )
    @given(plan=plans(), other=plans(segmentation=True, absence_now=True))
    def agree(stores: Stores, plan: Plan, other: Plan) -> None:
        _agree(stores, kind, plan, other)

    return agree


def test_st7_invariant5_memory_two_tenants(stores: Stores) -> None:
    """ST-7, VS-1..VS-3, MG-4, MG-5, TN-1: the in-memory store answers the one rule."""
    _property("memory")(stores)


def test_st7_invariant5_memory_through_units_of_work_only(stores: Stores) -> None:
    """ST-6, ST-7, VS-1..VS-3, MG-4, MG-5: a store without a one-shot check answers alike."""
    _property("memory units")(stores)


def _units_only(store: InMemoryStore) -> Any:
    def units(tenant: str) -> Any:  # not the bound method: that would lead to check_visible
        return store.read_unit_of_work(tenant)

    return units


def test_st7_can_view_asks_the_store_s_own_check_when_it_has_one() -> None:
    """ST-6, ST-7, MG-4: in memory a check opens no unit of work; the store answers alone."""
    store = InMemoryStore()
    asked: list[tuple[Any, ...]] = []
    own = store.check_visible

    def check_visible(*args: Any) -> bool | None:
        asked.append(args)
        return own(*args)

    store.check_visible = check_visible  # type: ignore[method-assign]
    units: list[str] = []
    app = Carteira(store.unit_of_work, read_unit_of_work=store.read_unit_of_work)
    system = Principal.system(TENANT)
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST, roles=[Role("r", [])])
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.register_customer(system, "c1", "Padaria")
    app.set_customer_membership(system, "c1", portfolio="sul")
    opened = store.read_unit_of_work
    store.read_unit_of_work = lambda t: (units.append(t), opened(t))[1]  # type: ignore[method-assign]
    ana = Principal.manager(TENANT, "ana")
    assert app.can_view(ana, Subject.CUSTOMER, "c1")
    assert not app.can_view(ana, "customer", "c2")
    with pytest.raises(PermissionDenied) as refused:
        app.can_view(Principal.manager(TENANT, "nobody"), Subject.CUSTOMER, "c1")
    assert refused.value.code == "principal_inactive"
    assert [a[1:3] for a in asked] == [("customer", "c1"), ("customer", "c2"), ("customer", "c1")]
    assert units == []


def test_st7_invariant5_sqlite_check_listing_and_filter_agree(stores: Stores) -> None:
    """ST-7, VS-1..VS-3, MG-4, MG-5, TN-1: SQLite's check, batch, pages and filter agree."""
    _property("sqlite")(stores)


def test_st7_invariant5_postgresql_check_listing_and_filter_agree(stores: Stores) -> None:
    """ST-7, VS-1..VS-3, MG-4, MG-5, TN-1: PostgreSQL's check, batch, pages and filter agree."""
    _property("postgresql")(stores)


# -- one statement ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_st7_a_check_and_a_batch_are_one_statement(stores: Stores, kind: str) -> None:
    """ST-7: ``can_view`` and ``visible_among`` each run one SELECT (plus the transaction's)."""
    store = stores.fresh(kind)
    app = Carteira(store.unit_of_work)
    system = Principal.system(TENANT)
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST, roles=[Role("r", [])])
    app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
    app.register_customer(system, "c1", "Padaria")
    app.set_customer_membership(system, "c1", portfolio="sul")
    ana = Principal.manager(TENANT, "ana")
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        assert app.can_view(ana, Subject.CUSTOMER, "c1")
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, statements
        statements.clear()
        assert app.visible_among(ana, Subject.CUSTOMER, ["c1", "c2", "c3"]) == {"c1"}
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, statements
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_st7_rt4_route_reads_its_inputs_in_two_statements(stores: Stores, kind: str) -> None:
    """ST-7, RT-4: ``route`` is the check, then two reads: the department with the owners,
    then the candidates; a queue department needs no candidates."""
    store = stores.fresh(kind)
    app = Carteira(store.unit_of_work)
    system = Principal.system(TENANT)
    for manager in ("ana", "bia"):
        app.register_manager(system, manager, manager.title(), profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.register_customer(system, "c1", "Padaria")
    app.set_customer_membership(system, "c1", portfolio="sul", account_managers=["bia"])
    app.save_department(system, "vendas", "Vendas")
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        decision = app.route(system, "c1", "vendas")
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert decision.assignee == "bia"
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3, statements
    app.save_department(system, "fila", "Fila", routing=RoutingMode.QUEUE)
    statements.clear()
    event.listen(store.engine, "before_cursor_execute", count)
    try:
        queued = app.route(system, "c1", "fila")
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert queued.assignee is None
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, statements


# -- freshness across processes -----------------------------------------------------------------

PAIRS = 1000


def _checker(url: str, requests: Any, answers: Any) -> None:
    """A second process: answer ``can_view`` for each request until told to stop."""
    store = SqlStore(url, create=False)
    app = Carteira(store.unit_of_work)
    ana = Principal.manager(TENANT, "ana")
    try:
        while (asked := requests.recv()) is not None:
            try:
                answers.send(app.can_view(ana, Subject.CUSTOMER, asked))
            except PermissionDenied:  # deactivated: refused, which allows nothing (MG-4)
                answers.send(False)
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.slow
def test_st7_mg4_a_revocation_in_one_process_counts_at_once_in_another(
    tmp_path: Path, kind: str
) -> None:
    """ST-7, MG-4, MG-5: revoke in one process, check in another: no stale allow in 1,000 pairs.

    The revocations alternate: taken off the customer, the portfolio's manager list, a
    role's VIEW_ALL, the manager deactivated, an absence whose backup he was ending, and
    the tenant's open access closed (VS-6).
    """
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'c.db'}"
        drop = None
    else:
        url, drop = new_schema(require_postgres())
    store = SqlStore(url)
    clock = ManualClock()
    app = Carteira(store.unit_of_work, clock=clock)
    system = Principal.system(TENANT)
    app.update_settings(system, max_account_managers=3)
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    app.register_manager(system, "bia", "Bia", profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["bia"], portfolio_id="sul")
    context = multiprocessing.get_context("spawn")
    requests, asking = context.Pipe()
    answering, answers = context.Pipe()
    child = context.Process(target=_checker, args=(url, asking, answering), daemon=True)
    child.start()
    stale = 0
    try:
        for pair in range(PAIRS):
            customer = f"c{pair}"
            app.register_customer(system, customer, f"Cliente {pair}")
            way = _WAYS[pair % len(_WAYS)]
            grant, revoke = way(app, system, customer, clock)
            grant()
            requests.send(customer)
            assert answers.recv() is True, (pair, way.__name__, "the grant did not count")
            revoke()
            requests.send(customer)
            stale += answers.recv() is True
            if way is _deactivated:
                app.reactivate_manager(system, "ana")
        assert stale == 0
    finally:
        requests.send(None)
        child.join(30)
        store.close()
        if drop is not None:
            drop()


def _off_the_customer(app: Carteira, system: Principal, customer: str, clock: ManualClock) -> Any:
    return (
        lambda: app.set_customer_membership(system, customer, account_managers=["ana"]),
        lambda: app.set_customer_membership(system, customer, account_managers=[]),
    )


def _off_the_portfolio(app: Carteira, system: Principal, customer: str, clock: ManualClock) -> Any:
    def grant() -> None:
        app.edit_portfolio(system, "sul", managers=["bia", "ana"])
        app.set_customer_membership(system, customer, portfolio="sul")

    return grant, lambda: app.edit_portfolio(system, "sul", managers=["bia"])


def _role_loses_view_all(
    app: Carteira, system: Principal, customer: str, clock: ManualClock
) -> Any:
    return (
        lambda: app.update_manager(system, "ana", roles=[Role("all", ["view_all"])]),
        lambda: app.update_manager(system, "ana", roles=[]),
    )


def _deactivated(app: Carteira, system: Principal, customer: str, clock: ManualClock) -> Any:
    def grant() -> None:
        app.update_settings(system, segmentation=False)

    def revoke() -> None:
        app.deactivate_manager(system, "ana", keep=True)
        app.update_settings(system, segmentation=True)

    return grant, revoke


def _absence_ends(app: Carteira, system: Principal, customer: str, clock: ManualClock) -> Any:
    def grant() -> None:
        now = datetime.now(UTC)  # the other process reads the system clock
        app.set_customer_membership(system, customer, account_managers=["bia"])
        app.schedule_absence(
            system,
            "bia",
            start=now - timedelta(hours=1),
            end=now + timedelta(hours=1),
            backup="ana",
            absence_id=f"away-{customer}",
        )

    return grant, lambda: app.cancel_absence(system, "bia", f"away-{customer}")


def _open_access_closes(app: Carteira, system: Principal, customer: str, clock: ManualClock) -> Any:
    """VS-6: the tenant's open access lets ana see a customer of bia's; closing it takes it."""

    def grant() -> None:
        app.set_customer_membership(system, customer, portfolio="sul")
        app.update_settings(system, open_access=True)

    return grant, lambda: app.update_settings(system, open_access=False)


_WAYS = (
    _off_the_customer,
    _off_the_portfolio,
    _role_loses_view_all,
    _deactivated,
    _absence_ends,
    _open_access_closes,
)


# -- the host's own ticket screen ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_st7_a_host_lists_its_own_tickets_by_priority_through_the_filter(
    stores: Stores, kind: str
) -> None:
    """ST-7, VS-2, TN-1: "my open tickets by priority that I may see", paged by the host."""
    store = stores.fresh(kind)
    tickets = Table(
        "helpdesk_tickets",
        MetaData(),
        Column("tenant", Text, primary_key=True),
        Column("id", Text, primary_key=True),
        Column("subject", Text, nullable=False),
        Column("priority", Integer, nullable=False),
        Column("status", Text, nullable=False),
    )
    tickets.metadata.create_all(store.engine)
    app = Carteira(store.unit_of_work)
    rows = []
    for tenant in (TENANT, OTHER):
        system = Principal.system(tenant)
        app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
        app.create_portfolio(system, "Sul", managers=["ana"], portfolio_id="sul")
        # Its members list no one: ana sees tickets through her portfolio only, not the
        # queue of a department open to everyone (VS-7).
        app.save_department(system, "fila", "Fila", members=[])
        for n in range(12):
            app.register_customer(system, f"c{n}", f"Cliente {n}")
            if n % 2 == 0 and tenant == TENANT:
                app.set_customer_membership(system, f"c{n}", portfolio="sul")
            app.open_ticket(system, f"t{n}", f"c{n}", "fila")
            status = "closed" if n % 5 == 4 else "open"
            rows.append(
                {
                    "tenant": tenant,
                    "id": f"t{n}",
                    "subject": f"S{n}",
                    "priority": n % 3,
                    "status": status,
                }
            )
    with store.engine.begin() as connection:
        connection.execute(tickets.delete())
        connection.execute(insert(tickets), rows)
    ana = Principal.manager(TENANT, "ana")
    screen = (
        select(tickets.c.id, tickets.c.priority)
        .where(
            tickets.c.tenant == TENANT,
            tickets.c.status == "open",
            visible(ana, "ticket", tickets.c.id, tenant_column=tickets.c.tenant),
        )
        .order_by(tickets.c.priority.desc(), tickets.c.id)
    )
    with store.engine.connect() as connection:
        first = connection.execute(screen.limit(3)).all()
        second = connection.execute(screen.limit(3).offset(3)).all()
        everything = connection.execute(screen).all()
    expected = sorted(
        ((f"t{n}", n % 3) for n in range(0, 12, 2) if n % 5 != 4),
        key=lambda r: (-r[1], r[0]),
    )
    assert [tuple(r) for r in everything] == expected
    assert [tuple(r) for r in first + second] == expected[:6]
    assert all(app.can_view(ana, "ticket", r[0]) for r in everything)
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE helpdesk_tickets"))


def test_st7_the_filter_refuses_what_is_not_a_principal_or_a_subject() -> None:
    """ER-2: the filter's arguments are checked like every public call's."""
    with pytest.raises(InvalidInput):
        visible("ana", "ticket", host_records.c.record_id, tenant_column=host_records.c.tenant)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        visible(
            Principal.manager(TENANT, "ana"),
            "invoice",
            host_records.c.record_id,
            tenant_column=host_records.c.tenant,
        )
