"""The SQL adapter on SQLite and PostgreSQL: what only a database can get wrong (ST-1..ST-5).

Every test runs on SQLite (a file in ``tmp_path``) and on PostgreSQL (a schema of its
own in the database at ``CARTEIRA_TEST_POSTGRES_URL``, dropped afterwards). Without a
reachable PostgreSQL the PostgreSQL runs are skipped, unless ``CI=true``: then they fail.
The port-by-port behaviour is the contract suite's job; here are the schema, the
transactions, the error mapping, the set-based writes and a smoke run of the services.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from itertools import count
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)

from carteira import (
    Absence,
    Carteira,
    ConcurrencyError,
    Conflict,
    Customer,
    Department,
    ExtraField,
    FieldAccess,
    FieldKind,
    InMemoryStore,
    Journey,
    Manager,
    ManualClock,
    Organization,
    PortalFilter,
    Portfolio,
    Principal,
    Profile,
    Responsible,
    Role,
    Stage,
    StorageError,
    TenantSettings,
    Ticket,
    TicketStatus,
    TicketType,
)
from carteira.adapters.sql import (
    SCHEMA_VERSION,
    SqlStore,
    create_schema,
    metadata,
    missing_parts,
    stamp,
    upgrade,
)
from carteira.adapters.sql import tickets as sql_tickets
from carteira.adapters.sql.schema import schema_version, schema_versions
from carteira.domain.events import MembershipChanged, PortfolioCreated, PortfolioDeleted
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.permissions import Permission
from carteira.domain.portal import Attachment, Message, MoveKind, StageMove
from carteira.domain.principal import PrincipalKind
from carteira.domain.scope import Scope
from carteira.testing import strategies
from carteira.testing.contract.base import add_rows
from databases import new_schema, require_postgres

TENANT = "acme"
HOST = Principal.system(TENANT)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SAMPLES = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# -- the two databases ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_server() -> str:
    """The PostgreSQL URL, once it answers; skipped without it, failed with CI=true."""
    return require_postgres()


class Database:
    """One empty database of one kind for one test, with what it opened closed at the end."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url
        self._stores: list[SqlStore] = []
        self._engines: list[Engine] = []

    def store(self, **options: Any) -> SqlStore:
        """Open a store on this database (creating the schema, as a URL does)."""
        store = SqlStore(self.url, **options)
        self._stores.append(store)
        return store

    def engine(self) -> Engine:
        """Open a plain engine on this database, as a host application would."""
        engine = create_engine(self.url)
        self._engines.append(engine)
        return engine

    def close(self) -> None:
        for store in self._stores:
            store.close()
        for engine in self._engines:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database, with no table yet."""
    if request.param == "sqlite":
        found = Database("sqlite", f"sqlite:///{tmp_path / 'carteira.db'}")
        yield found
        found.close()
        return
    url, drop = new_schema(request.getfixturevalue("postgres_server"))
    found = Database("postgresql", url)
    try:
        yield found
    finally:
        found.close()
        drop()


@pytest.fixture(scope="module")
def shared_postgres(postgres_server: str) -> Iterator[SqlStore]:
    """One PostgreSQL schema and store for the module's tests; emptied before each."""
    url, drop = new_schema(postgres_server)
    store = SqlStore(url)
    try:
        yield store
    finally:
        store.close()
        drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A store with the schema and no rows."""
    if request.param == "sqlite":
        found = SqlStore.sqlite(tmp_path / "carteira.db")
        yield found
        found.close()
        return
    shared: SqlStore = request.getfixturevalue("shared_postgres")
    with shared.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table is not schema_versions:
                connection.execute(table.delete())
    yield shared


def _write(store: SqlStore, action: Callable[[Any], object], tenant: str = TENANT) -> None:
    with store.unit_of_work(tenant) as uow:
        action(uow)
        uow.commit()


def _read(store: SqlStore, action: Callable[[Any], Any], tenant: str = TENANT) -> Any:
    with store.unit_of_work(tenant) as uow:
        return action(uow)


# -- the schema ----------------------------------------------------------------------------


def test_tn1_every_table_and_index_leads_with_the_tenant() -> None:
    """TN-1, TN-2: every row carries its tenant, every look-up starts from it."""
    for table in metadata.sorted_tables:
        if table is schema_versions:
            continue
        assert next(iter(table.primary_key.columns)).name == "tenant", table.name
        for index in table.indexes:
            assert next(iter(index.columns)).name == "tenant", index.name


def test_st2_schema_creation_is_idempotent_and_recorded(database: Database) -> None:
    engine = database.engine()
    assert schema_version(engine) is None
    create_schema(engine)
    create_schema(engine)
    upgrade(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    names = set(inspect(engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= names
    indexes = inspect(engine).get_indexes("carteira_customers")
    assert all(ix["column_names"][0] == "tenant" for ix in indexes)
    store = database.store()
    _write(store, lambda uow: uow.customers.add(Customer(TENANT, "c1", "C1")))
    database.store().upgrade()
    assert _read(store, lambda uow: uow.customers.count()) == 1


def test_st2_st4_upgrade_takes_a_version_1_database_to_the_current_one_keeping_its_rows(
    database: Database,
) -> None:
    """Version 2 adds ``carteira_tickets_assignee_id``; ``upgrade`` adds it and keeps the rows."""
    engine = database.engine()
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX carteira_tickets_assignee_id"))
        connection.execute(update(schema_versions).values(version=1))
    assert schema_version(engine) == 1
    old = SqlStore(engine)
    with old.unit_of_work(TENANT) as uow:
        add_rows(uow, _many_tickets(TENANT)[:80])
        uow.commit()
    before = old.snapshot()
    upgrade(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    indexes = {
        ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("carteira_tickets")
    }
    assert indexes["carteira_tickets_assignee_id"] == ["tenant", "assignee", "id"]
    assert old.snapshot() == before
    upgrade(engine)
    store = database.store()
    assert store.snapshot() == before
    reference = InMemoryStore()
    with reference.unit_of_work(TENANT) as memory:
        add_rows(memory, _many_tickets(TENANT)[:80])
        memory.commit()
    scope = Scope(assignees=frozenset({"m1"}), outside=True)

    def page(uow: Any) -> list[str]:
        return [t.id for t in uow.tickets.in_scope(scope, after="t0", limit=5, open_only=True)]

    assert _read(store, page) == _read(reference, page)  # type: ignore[arg-type]
    assert len(_read(store, page)) == 5


def test_st2_st7_upgrade_derives_version_3_columns_from_a_version_2_database(
    database: Database,
) -> None:
    """Version 3 derives ``permission_bits`` and absence periods from the managers' JSON.

    Rows are written at version 3, the database is taken back to version 2's form (the
    derived data dropped, ``carteira_manager_backups`` back), and ``upgrade`` must give
    back exactly what was written.
    """
    engine = database.engine()
    create_schema(engine)
    store = SqlStore(engine)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    viewer = Role("viewer", {Permission.VIEW_ALL, Permission.ASSIGN_SELF})
    with store.unit_of_work(TENANT) as uow:
        uow.managers.add(Manager(TENANT, "b", "B", roles=frozenset({viewer})))
        uow.managers.add(Manager(TENANT, "c", "C", roles=frozenset({Role.administrator()})))
        away = Absence("a1", start, start + timedelta(days=2), "b")
        later = Absence("a2", start + timedelta(days=9), start + timedelta(days=10), "c")
        uow.managers.add(Manager(TENANT, "a", "A", absences=(away, later)))
        uow.commit()
    before = store.snapshot()
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE carteira_manager_absences"))
        connection.execute(text("ALTER TABLE carteira_managers DROP COLUMN permission_bits"))
        connection.execute(
            text(
                "CREATE TABLE carteira_manager_backups (tenant TEXT NOT NULL, "
                "manager_id TEXT NOT NULL, backup_id TEXT NOT NULL, "
                "PRIMARY KEY (tenant, manager_id, backup_id))"
            )
        )
        connection.execute(update(schema_versions).values(version=2))
    upgrade(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    assert "carteira_manager_backups" not in inspect(engine).get_table_names()
    assert store.snapshot() == before
    with store.unit_of_work(TENANT) as uow:
        assert [m.id for m in uow.managers.backed_up_by("b")] == ["a"]
        assert [m.id for m in uow.managers.backed_up_by("c")] == ["a"]


def test_st2_vs6_upgrade_adds_the_open_access_switch_to_a_version_3_database(
    database: Database,
) -> None:
    """Version 4 adds the settings' ``open_access`` (VS-6), off for tenants that saved some."""
    engine = database.engine()
    create_schema(engine)
    store = SqlStore(engine)
    saved = TenantSettings(segmentation=False, max_account_managers=2)
    with store.unit_of_work(TENANT) as uow:
        uow.settings.put(saved)
        uow.commit()
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE carteira_settings DROP COLUMN open_access"))
        connection.execute(update(schema_versions).values(version=3))
    upgrade(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    with store.unit_of_work(TENANT) as uow:
        assert uow.settings.get() == attrs.evolve(saved, version=1)
        uow.settings.put(attrs.evolve(uow.settings.get(), open_access=True))
        uow.commit()
    with store.unit_of_work(TENANT) as uow:
        assert uow.settings.get().open_access is True


def test_st2_vs8_upgrade_fills_the_search_words_of_a_version_4_database(
    database: Database,
) -> None:
    """Version 5 keeps search words beside customers and organizations (VS-8): ``upgrade``
    derives them from the names and ids of a version 4 database and drops ``name_fold``."""
    engine = database.engine()
    create_schema(engine)
    store = SqlStore(engine)
    with store.unit_of_work(TENANT) as uow:
        uow.organizations.add(Organization(TENANT, "o1", "Açaí do Pará"))
        uow.customers.add(Customer(TENANT, "c-1", "Tomás Neto", organization="o1"))
        uow.commit()
    before = store.snapshot()
    with engine.begin() as connection:
        for table in ("customer", "organization"):
            connection.execute(text(f"DROP TABLE carteira_{table}_words"))
            connection.execute(
                text(f"ALTER TABLE carteira_{table}s ADD COLUMN name_fold TEXT NOT NULL DEFAULT ''")
            )
        connection.execute(update(schema_versions).values(version=4))
    upgrade(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    assert "name_fold" not in {c["name"] for c in inspect(engine).get_columns("carteira_customers")}
    assert store.snapshot() == before
    with store.unit_of_work(TENANT) as uow:
        everything = Scope(everything=True)
        found = uow.customers.in_scope(everything, after=None, limit=10, search="tomas ne")
        assert [c.id for c in found] == ["c-1"]
        orgs = uow.organizations.in_scope(everything, after=None, limit=10, search="ACAI para")
        assert [o.id for o in orgs] == ["o1"]


def test_st2_vs7_upgrade_keeps_department_members_and_ticket_instants_of_a_version_5_database(
    database: Database,
) -> None:
    """Version 6 keeps each department's members as rows and each ticket's opening instant
    in microseconds, and walks queues by ``carteira_tickets_department`` (VS-7): ``upgrade``
    derives them from a version 5 database, in place of ``carteira_tickets_load``."""
    engine = database.engine()
    create_schema(engine)
    store = SqlStore(engine)
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    with store.unit_of_work(TENANT) as uow:
        uow.managers.add(Manager(TENANT, "m1", "M1"))
        uow.managers.add(Manager(TENANT, "m2", "M2"))
        uow.departments.add(Department(TENANT, "d1", "Listed", members=frozenset({"m1"})))
        uow.departments.add(Department(TENANT, "d2", "Open"))
        uow.customers.add(Customer(TENANT, "c1", "C1"))
        for n, department in enumerate(["d1", "d1", "d2"]):
            opened = start - timedelta(minutes=n, microseconds=n)
            uow.tickets.add(Ticket(TENANT, f"t{n}", "c1", department, opened))
        uow.commit()
    before = store.snapshot()
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX carteira_tickets_department"))
        connection.execute(text("DROP TABLE carteira_department_members"))
        connection.execute(text("ALTER TABLE carteira_departments DROP COLUMN lists_members"))
        connection.execute(text("ALTER TABLE carteira_tickets DROP COLUMN opened_at_us"))
        connection.execute(
            text(
                "CREATE INDEX carteira_tickets_load "
                "ON carteira_tickets (tenant, department, assignee, status)"
            )
        )
        connection.execute(update(schema_versions).values(version=5))
    upgrade(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("carteira_tickets")}
    assert "carteira_tickets_department" in indexes
    assert "carteira_tickets_load" not in indexes
    assert store.snapshot() == before
    with store.unit_of_work(TENANT) as uow:
        assert [t.id for t in uow.tickets.queue("d1", after=None, limit=9)] == ["t1", "t0"]
        assert [t.id for t in uow.tickets.queue("d1", after="t1", limit=9)] == ["t0"]
    app = Carteira(store.unit_of_work)
    assert app.visible_among(Principal.manager(TENANT, "m1"), "ticket", ["t0", "t2"]) == {
        "t0",
        "t2",
    }
    assert app.visible_among(Principal.manager(TENANT, "m2"), "ticket", ["t0", "t2"]) == {"t2"}


def test_st8_stamp_records_the_version_of_tables_a_host_made_from_metadata(
    database: Database,
) -> None:
    """A host's own migrations made the tables (``metadata.create_all``): ``stamp`` records
    the version once every table and index is there, and carteira works on them."""
    engine = database.engine()
    metadata.create_all(engine)
    assert schema_version(engine) is None
    stamp(engine)
    stamp(engine)  # recorded already: nothing to do
    assert schema_version(engine) == SCHEMA_VERSION
    store = SqlStore(engine)
    _write(store, lambda uow: uow.customers.add(Customer(TENANT, "c1", "C1")))
    assert _read(store, lambda uow: uow.customers.count()) == 1


def test_st8_stamp_refuses_tables_that_lack_an_index_and_records_nothing(
    database: Database,
) -> None:
    engine = database.engine()
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX carteira_tickets_department"))
    with pytest.raises(StorageError) as refused:
        stamp(engine)
    assert (refused.value.code, refused.value.rule) == ("schema_incomplete", "ST-8")
    assert refused.value.details["missing"] == ("carteira_tickets_department",)
    assert schema_version(engine) is None
    with engine.begin() as connection:
        assert missing_parts(connection) == ["carteira_tickets_department"]


def test_st8_stamp_leaves_an_older_recorded_version_to_upgrade(database: Database) -> None:
    engine = database.engine()
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(update(schema_versions).values(version=5))
    with pytest.raises(StorageError) as refused:
        stamp(engine)
    assert refused.value.code == "schema_recorded"
    assert schema_version(engine) == 5


def test_st8_upgrade_never_records_a_version_whose_tables_are_missing(
    database: Database,
) -> None:
    """A version-5 database that lost a table no later step makes: ``upgrade`` refuses to
    record version 6 (the issue: it recorded a version while that version's index was
    missing) and leaves the database at 5."""
    engine = database.engine()
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE carteira_organization_words"))
        connection.execute(update(schema_versions).values(version=5))
    with pytest.raises(StorageError) as refused:
        upgrade(engine)
    assert refused.value.code == "schema_incomplete"
    assert "carteira_organization_words" in refused.value.details["missing"]
    assert schema_version(engine) == 5


def test_st2_a_database_newer_than_the_code_is_refused(database: Database) -> None:
    database.store()
    engine = database.engine()
    with engine.begin() as connection:
        connection.execute(update(schema_versions).values(version=SCHEMA_VERSION + 1))
    for action in (database.store, lambda: upgrade(engine)):
        with pytest.raises(StorageError) as caught:
            action()
        assert "newer" in str(caught.value)
        assert caught.value.details["found"] == SCHEMA_VERSION + 1
    assert schema_version(engine) == SCHEMA_VERSION + 1


def test_st2_a_bad_url_or_an_unreachable_database_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        SqlStore("not a url")
    with pytest.raises(StorageError):
        SqlStore("mysql://nobody@localhost/db")
    missing = tmp_path / "no" / "such" / "dir" / "carteira.db"
    with pytest.raises(StorageError):
        SqlStore.sqlite(missing)


# -- round trips ---------------------------------------------------------------------------

STAGES = (
    Stage("draft", "Rascunho", Responsible.CUSTOMER, {"invoice": FieldAccess.REQUIRED}),
    Stage(
        "ok",
        "Entendimento",
        Responsible.CUSTOMER,
        asks_approval=True,
        approve_to="done",
        reject_to="draft",
    ),
    Stage("done", "Concluído", Responsible.SERVICE, final=True),
)
REFUND = TicketType(
    TENANT,
    "refund",
    "Financeiro",
    "Reembolso",
    STAGES,
    transitions=[("draft", "ok")],
    fields=(
        ExtraField("invoice", FieldKind.TEXT),
        ExtraField("amount", FieldKind.NUMBER),
        ExtraField("due", FieldKind.DATE),
        ExtraField("urgent", FieldKind.BOOLEAN),
        ExtraField("kind", FieldKind.CHOICE, choices=("a", "b")),
    ),
    department="d1",
)
LATER = NOW + timedelta(hours=1)
SAMPLE_ROWS: tuple[Any, ...] = (
    Portfolio(
        TENANT, "sul", "São Paulo", "d\n\t", Journey("j", "Onboarding ✓"), ("m3", "m1", "M2")
    ),
    Portfolio(TENANT, "\U0001f600" * 255, "ß" * 128),
    Manager(
        TENANT,
        "m1",
        "Ana",
        Profile.ANALYST,
        frozenset({Role.administrator(), Role("x", frozenset({Permission.VIEW_ALL}))}),
        active=False,
        default_portfolio="sul",
        absences=(
            Absence("a1", NOW, LATER, "m2"),
            Absence("a2", LATER, LATER + timedelta(days=1), "m2"),
        ),
    ),
    Manager(TENANT, "m2", "Bia"),
    Organization(TENANT, "o1", "Org 100%", portfolio="sul"),
    Customer(TENANT, "c1", "Padaria_", "o1", None, ("m3", "m1", "m2")),
    Department(
        TENANT,
        "d1",
        "Suporte",
        members=frozenset({"m1", "m2"}),
        capacity=3,
        capacities={"m1": 0},
        account_managers_only=True,
    ),
    Department(TENANT, "d2", "Fila", members=frozenset()),
    REFUND,
    Ticket(
        TENANT,
        "t1",
        "c1",
        "d1",
        NOW,
        status=TicketStatus.CANCELLED,
        assignee="m1",
        assigned_at=NOW.astimezone(timezone(timedelta(hours=-3))),
        offered=("m2", "m1"),
        last_activity=LATER,
        type="refund",
        subject="Cobrança",
        request="Fui cobrado",
        stage="draft",
        responsible=Responsible.CUSTOMER,
        values={
            "invoice": "NF-1",
            "amount": 2.0,
            "due": date(2026, 12, 1),
            "urgent": True,
            "kind": "a",
        },
        history=(
            StageMove(None, "draft", "c1", PrincipalKind.CUSTOMER, NOW, MoveKind.OPENED),
            StageMove("draft", "draft", "c1", PrincipalKind.CUSTOMER, LATER, MoveKind.CANCELLED),
        ),
        discussion=(Message("x", "m1", PrincipalKind.MANAGER, NOW, "nota", internal=True),),
        attachments=(
            Attachment(
                "a", "nf.pdf", "application/pdf", 10, "0" * 64, "c1", PrincipalKind.CUSTOMER, NOW
            ),
        ),
    ),
)


def _shape(value: object) -> object:
    """The types inside ``value``: ``2`` and ``2.0``, or two time zones, read back apart."""
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value), tuple((f.name, _shape(getattr(value, f.name))) for f in fields))
    if isinstance(value, Mapping):
        return tuple(sorted((repr(k), repr(_shape(v))) for k, v in value.items()))
    if isinstance(value, tuple | list):
        return (type(value), tuple(_shape(v) for v in value))
    if isinstance(value, frozenset):
        return tuple(sorted(repr(_shape(v)) for v in value))
    if isinstance(value, datetime):
        return (datetime, value.utcoffset())
    return type(value)


def _stored(expected: object, actual: object) -> None:
    assert actual == expected
    assert _shape(actual) == _shape(expected)


def _repository(uow: Any, row: object) -> Any:
    names = {
        Portfolio: "portfolios",
        Manager: "managers",
        Customer: "customers",
        Organization: "organizations",
        Ticket: "tickets",
        Department: "departments",
        TicketType: "ticket_types",
    }
    return getattr(uow, names[type(row)])


def test_st2_every_aggregate_reads_back_exactly_as_added(store: SqlStore) -> None:
    """Every field of every aggregate round-trips, at version 1 (ST-3)."""
    _write(store, lambda uow: [_repository(uow, row).add(row) for row in SAMPLE_ROWS])
    for row in SAMPLE_ROWS:
        found = _read(store, lambda uow, row=row: _repository(uow, row).get(row.id))
        _stored(attrs.evolve(row, version=1), found)
    settings_ = TenantSettings(False, 3, True, "m1", 1024, frozenset({"text/csv"}))
    _write(store, lambda uow: uow.settings.put(settings_))
    _stored(attrs.evolve(settings_, version=1), _read(store, lambda uow: uow.settings.get()))
    assert _read(store, lambda uow: uow.settings.get(), tenant="other") == TenantSettings()


ROWS = st.one_of(
    strategies.portfolios(),
    strategies.managers(),
    strategies.customers(),
    strategies.organizations(),
    strategies.tickets(),
    strategies.departments(),
    strategies.ticket_types(),
)


@SAMPLES
@given(rows=st.lists(ROWS, min_size=1, max_size=4, unique_by=lambda r: (type(r), r.id)))
def test_st2_drawn_aggregates_read_back_exactly(store: SqlStore, rows: list[Any]) -> None:
    assume("\\x00" not in repr(rows))
    tenant = f"drawn-{uuid.uuid4().hex}"
    placed = [attrs.evolve(row, tenant=tenant) for row in rows]
    assume(
        len({p.key for p in placed if isinstance(p, Portfolio)})
        == sum(isinstance(p, Portfolio) for p in placed)
    )
    _write(store, lambda uow: [_repository(uow, row).add(row) for row in placed], tenant)
    for row in placed:
        found = _read(store, lambda uow, row=row: _repository(uow, row).get(row.id), tenant)
        _stored(attrs.evolve(row, version=1), found)


def test_st2_text_holding_nul_is_refused_and_nothing_is_stored(store: SqlStore) -> None:
    """PostgreSQL cannot store U+0000; both databases refuse it alike, with StorageError."""
    before = store.snapshot()
    for row in (Customer(TENANT, "c1", "a\x00b"), Portfolio(TENANT, "p", "P", "\x00")):
        with store.unit_of_work(TENANT) as uow, pytest.raises(StorageError):
            _repository(uow, row).add(row)
    assert store.snapshot() == before


def test_tn1_a_row_of_another_tenant_is_refused(store: SqlStore) -> None:
    with store.unit_of_work(TENANT) as uow, pytest.raises(StorageError) as caught:
        uow.customers.add(Customer("globex", "c1", "C1"))
    assert caught.value.rule == "TN-1"


# -- versions, conflicts and transactions ----------------------------------------------------


def test_st3_a_stale_version_fails_and_changes_nothing(store: SqlStore) -> None:
    customers = [Customer(TENANT, f"c{n}", f"C{n}", account_managers=("m1",)) for n in range(3)]
    _write(store, lambda uow: [uow.customers.add(c) for c in customers])
    read = _read(store, lambda uow: [uow.customers.get(c.id) for c in customers])
    _write(store, lambda uow: uow.customers.update_many([attrs.evolve(read[1], name="moved")]))
    before = store.snapshot()
    with store.unit_of_work(TENANT) as uow:
        changed = [attrs.evolve(c, name="lost", account_managers=("m2",)) for c in read]
        with pytest.raises(ConcurrencyError) as caught:
            uow.customers.update_many(changed)
        assert (caught.value.rule, caught.value.details["id"]) == ("ST-3", "c1")
        assert uow.customers.get("c0") == read[0]  # nothing of the batch, even in the unit
        assert uow.customers.managed_by("m2") == []
        with pytest.raises(ConcurrencyError):
            uow.customers.update_many([read[0], read[0]])
        uow.commit()
    assert store.snapshot() == before
    portfolio = Portfolio(TENANT, "sul", "Sul", managers=("m1",))
    _write(store, lambda uow: uow.portfolios.add(portfolio))
    ghost = attrs.evolve(portfolio, id="ghost", name="Ghost", version=1)
    stale = attrs.evolve(portfolio, version=0)
    for write in (
        lambda uow: uow.portfolios.update(stale),
        lambda uow: uow.portfolios.remove(stale),
        lambda uow: uow.portfolios.remove(ghost),
        lambda uow: uow.settings.put(TenantSettings(version=3)),
    ):
        with pytest.raises(ConcurrencyError):
            _write(store, write)
    _write(store, lambda uow: uow.settings.put(TenantSettings()))
    with pytest.raises(ConcurrencyError):
        _write(store, lambda uow: uow.settings.put(TenantSettings()))
    assert _read(store, lambda uow: uow.portfolios.managed_by("m1")) == [
        attrs.evolve(portfolio, version=1)
    ]


def test_pf1_a_taken_id_or_name_is_the_in_memory_conflict_and_the_unit_goes_on(
    store: SqlStore,
) -> None:
    """The same Conflict codes as the reference; PostgreSQL's transaction is not aborted."""
    _write(store, lambda uow: uow.portfolios.add(Portfolio(TENANT, "sp", "São Paulo")))
    with store.unit_of_work(TENANT) as uow:
        with pytest.raises(Conflict) as caught:
            uow.portfolios.add(Portfolio(TENANT, "sp", "Outra"))
        assert caught.value.code == "portfolio_exists"
        with pytest.raises(Conflict) as caught:
            uow.portfolios.add(Portfolio(TENANT, "sp2", "SÃO PAULO"))
        assert caught.value.code == "portfolio_name_taken"
        assert caught.value.details == {"index": "name", "holder": "sp"}
        uow.portfolios.add(Portfolio(TENANT, "rj", "Rio"))
        rio = uow.portfolios.get("rj")
        with pytest.raises(Conflict) as caught:
            uow.portfolios.update(attrs.evolve(rio, name="são paulo"))
        assert caught.value.details == {"index": "name", "holder": "sp"}
        with pytest.raises(ConcurrencyError):
            uow.portfolios.update(attrs.evolve(rio, name="são paulo", version=7))
        uow.portfolios.update(attrs.evolve(rio, name="RIO"))
        uow.customers.add(Customer(TENANT, "c1", "C1"))
        with pytest.raises(Conflict) as caught:
            uow.customers.add(Customer(TENANT, "c1", "Other"))
        assert caught.value.code == "customer_exists"
        uow.commit()
    listed = _read(store, lambda uow: [(p.id, p.name, p.version) for p in uow.portfolios.list()])
    assert listed == [("rj", "RIO", 2), ("sp", "São Paulo", 1)]


def test_st1_a_unit_left_without_commit_keeps_nothing(store: SqlStore) -> None:
    _write(store, lambda uow: uow.customers.add(Customer(TENANT, "c0", "C0")))
    before = store.snapshot()
    with store.unit_of_work(TENANT) as uow:
        uow.customers.add(Customer(TENANT, "c1", "C1", account_managers=("m1",)))
        uow.settings.put(TenantSettings(segmentation=False))
        uow.events.append([_created("p1")])
        assert uow.customers.count() == 2
    assert store.snapshot() == before
    with store.unit_of_work(TENANT) as uow:
        uow.customers.add(Customer(TENANT, "c1", "C1"))
        uow.rollback()
        assert uow.customers.get("c1") is None
        uow.customers.add(Customer(TENANT, "c2", "C2"))
        uow.commit()
        uow.customers.add(Customer(TENANT, "c3", "C3"))
    assert _read(store, lambda uow: uow.customers.count()) == 2


def test_st1_a_repository_used_outside_its_unit_of_work_is_refused(store: SqlStore) -> None:
    uow = store.unit_of_work(TENANT)
    with pytest.raises(StorageError) as caught:
        uow.customers.get("c1")
    assert caught.value.rule == "ST-1"
    with uow:
        assert uow.customers.get("c1") is None
    with pytest.raises(StorageError):
        uow.events.read()


class Boom(Exception):
    """The injected failure."""


def _add_and_fail(store: SqlStore, customer: Customer) -> None:
    with store.unit_of_work(TENANT) as uow:
        uow.customers.add(customer)
        raise Boom


HOST_NOTES = Table(
    "host_notes", MetaData(), Column("id", Integer, primary_key=True), Column("note", Text)
)


def test_st1_carteira_joins_a_host_transaction_and_never_commits_it(database: Database) -> None:
    """A host's commit keeps carteira's writes, its rollback drops them; a refused unit
    of work drops only its own writes (one SAVEPOINT each)."""
    engine = database.engine()
    with engine.begin() as connection:
        HOST_NOTES.create(connection)
        upgrade(connection)
    with engine.connect() as connection:
        store = SqlStore(connection)
        app = Carteira(store.unit_of_work)
        connection.execute(insert(HOST_NOTES).values(note="before"))
        app.create_portfolio(HOST, "Sul", portfolio_id="sul")
        with pytest.raises(Conflict):
            app.create_portfolio(HOST, "SUL", portfolio_id="sul2")
        with pytest.raises(Boom):
            _add_and_fail(store, Customer(TENANT, "ghost", "Ghost"))
        connection.execute(insert(HOST_NOTES).values(note="after"))
        assert connection.in_transaction()
        connection.commit()
        app.create_portfolio(HOST, "Norte", portfolio_id="norte")
        connection.execute(insert(HOST_NOTES).values(note="dropped"))
        connection.rollback()
    fresh = database.store()
    assert _read(fresh, lambda uow: [p.id for p in uow.portfolios.list()]) == ["sul"]
    assert _read(fresh, lambda uow: uow.customers.get("ghost")) is None
    assert [p for p, _ in _read(fresh, lambda uow: uow.events.read())] == [1]
    with engine.connect() as connection:
        notes = connection.execute(select(HOST_NOTES.c.note).order_by(HOST_NOTES.c.id))
        assert list(notes.scalars()) == ["before", "after"]


def test_st1_a_host_engine_serves_carteira_without_changing_for_the_host(
    database: Database,
) -> None:
    """SQLite units of work BEGIN IMMEDIATE and PostgreSQL ones take the tenant's writer
    lock at READ COMMITTED on a host's engine, while the host's own connections keep
    their behaviour (ST-3)."""
    engine = database.engine()
    store = SqlStore(engine, create=True)
    _write(store, lambda uow: uow.customers.add(Customer(TENANT, "c1", "C1")))
    isolation = "SHOW transaction_isolation" if database.kind == "postgresql" else "SELECT 1"
    seen: list[str] = []
    listener = _counter(seen)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with store.unit_of_work(TENANT) as uow:
            ours = uow.execute(text(isolation)).scalar()
            assert uow.customers.count() == 1
        begun_by_us = list(seen)
        seen.clear()
        with engine.connect() as connection:
            theirs = connection.execute(text(isolation)).scalar()
            connection.commit()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    if database.kind == "sqlite":
        assert next(s for s in begun_by_us if not s.startswith("PRAGMA")) == "BEGIN IMMEDIATE"
        assert "BEGIN IMMEDIATE" not in seen
    else:
        assert (ours, theirs) == ("read committed", "read committed")
        assert any("pg_advisory_xact_lock" in s for s in begun_by_us)
        assert not any("pg_advisory_xact_lock" in s for s in seen)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_st1_a_sqlite_store_runs_in_wal_mode_with_foreign_keys(database: Database) -> None:
    store = database.store()
    with store.unit_of_work(TENANT) as uow:
        assert uow.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert uow.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert uow.execute(text("PRAGMA busy_timeout")).scalar() == 5000


# -- concurrency ---------------------------------------------------------------------------


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_st3_a_busy_sqlite_database_is_a_retryable_concurrency_error(database: Database) -> None:
    holder = database.store()
    hasty = database.store(busy_timeout=0.05)
    with holder.unit_of_work(TENANT) as uow:
        uow.customers.add(Customer(TENANT, "c1", "C1"))  # BEGIN IMMEDIATE: the lock is held
        with pytest.raises(ConcurrencyError) as caught, hasty.unit_of_work(TENANT):
            pass
        assert "locked" in str(caught.value)
        uow.commit()
    assert _read(hasty, lambda uow: uow.customers.count()) == 1


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_st3_sqlite_writers_in_threads_never_see_database_is_locked(database: Database) -> None:
    """Each writer succeeds or gets ConcurrencyError (BEGIN IMMEDIATE, busy timeout)."""
    patient, hasty = database.store(), database.store(busy_timeout=0.001)
    _write(patient, lambda uow: uow.customers.add(Customer(TENANT, "c1", "")))
    succeeded, retryable, failures = [], [], []

    def writer(store: SqlStore, mark: str) -> None:
        for _ in range(15):
            try:
                with store.unit_of_work(TENANT) as uow:
                    customer = uow.customers.get("c1")
                    assert customer is not None
                    uow.customers.update_many([attrs.evolve(customer, name=customer.name + mark)])
                    uow.events.append([_created(mark)])
                    uow.commit()
                succeeded.append(mark)
            except ConcurrencyError:
                retryable.append(mark)
            except Exception as error:  # anything else is what this test is about
                failures.append(error)

    threads = [
        threading.Thread(target=writer, args=(store, mark))
        for store, mark in ((patient, "a"), (patient, "b"), (hasty, "c"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    final = _read(patient, lambda uow: uow.customers.get("c1"))
    assert (final.version, len(final.name)) == (1 + len(succeeded), len(succeeded))
    positions = [p for p, _ in _read(patient, lambda uow: uow.events.read(0, 500))]
    assert positions == list(range(1, len(succeeded) + 1))


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_st3_a_postgresql_writer_waits_for_its_tenant_s_writer_then_reads_its_commit(
    database: Database,
) -> None:
    """ST-3: writers of one tenant queue on its lock instead of failing each other; a
    writer of another tenant does not wait."""
    store = database.store()
    entered, done = threading.Event(), threading.Event()
    seen: list[int] = []

    def second() -> None:
        with store.unit_of_work(TENANT) as uow:
            entered.set()
            seen.append(uow.customers.count())
            uow.customers.add(Customer(TENANT, "c2", "C2"))
            uow.commit()
        done.set()

    with store.unit_of_work(TENANT) as first:
        first.customers.add(Customer(TENANT, "c1", "C1"))
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not entered.wait(0.3)  # queued behind the first writer
        with store.unit_of_work("other") as elsewhere:  # another tenant: no wait
            elsewhere.customers.add(Customer("other", "c1", "C1"))
            elsewhere.commit()
        first.commit()
    waiting.join(10)
    assert done.is_set()
    assert seen == [1]  # it read the first writer's commit: READ COMMITTED after the lock
    assert _read(store, lambda uow: uow.customers.count()) == 2


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_st3_a_postgresql_writer_waiting_past_its_busy_timeout_is_a_concurrency_error(
    database: Database,
) -> None:
    """ST-3: the wait is bounded; past it the refusal is retryable and changes nothing."""
    holder, hasty = database.store(), database.store(busy_timeout=0.05)
    with holder.unit_of_work(TENANT) as uow:
        uow.customers.add(Customer(TENANT, "c1", "C1"))
        with pytest.raises(ConcurrencyError) as caught, hasty.unit_of_work(TENANT):
            pass
        assert "55P03" in repr(caught.value.__cause__) or "lock" in str(caught.value)
        uow.commit()
    assert _read(hasty, lambda uow: uow.customers.count()) == 1


# -- set-based writes ----------------------------------------------------------------------


def _created(portfolio_id: str, tenant: str = TENANT) -> PortfolioCreated:
    return PortfolioCreated(
        tenant=tenant,
        actor="admin",
        at=NOW,
        portfolio_id=portfolio_id,
        name=portfolio_id,
        description=None,
        journey=None,
        managers=(),
    )


def _moved(customer_id: str, tenant: str = TENANT) -> MembershipChanged:
    return MembershipChanged(
        tenant=tenant,
        actor="admin",
        at=NOW,
        subject=SubjectKind.CUSTOMER,
        subject_id=customer_id,
        way=Way.RECORD,
        before=Ownership(),
        after=Ownership("sul", ("m1",)),
    )


def test_st5_bulk_writes_take_the_same_statements_for_ten_rows_or_a_thousand(
    store: SqlStore,
) -> None:
    """update_many, history and event appends: one statement per table, whatever the size."""

    def statements(size: int) -> list[int]:
        tenant = f"bulk-{size}"
        ids = [f"c{n:04}" for n in range(size)]
        with store.unit_of_work(tenant) as uow:
            for customer_id in ids:
                uow.customers.add(Customer(tenant, customer_id, customer_id, portfolio="sul"))
            uow.tickets.add(Ticket(tenant, "t1", ids[0], "d1", NOW))
            uow.commit()
        counts = []
        with store.unit_of_work(tenant) as uow:
            read = [c for c in uow.customers.in_portfolio("sul")]
            ticket = uow.tickets.get("t1")
            writes: list[Callable[[], object]] = [
                lambda: uow.customers.update_many(
                    attrs.evolve(c, portfolio=None, account_managers=("m1", "m2")) for c in read
                ),
                lambda: uow.tickets.update_many([attrs.evolve(ticket, assignee="m1")]),
                lambda: uow.history.append(_moved(i, tenant) for i in ids),
                lambda: uow.events.append(_moved(i, tenant) for i in ids),
            ]
            for write in writes:
                seen: list[str] = []
                listener = _counter(seen)
                event.listen(store.engine, "before_cursor_execute", listener)
                try:
                    write()
                finally:
                    event.remove(store.engine, "before_cursor_execute", listener)
                counts.append(len(seen))
            uow.commit()
        assert _read(store, lambda uow: len(uow.customers.managed_by("m2")), tenant) == size
        return counts

    # customers: the UPDATE, then each child table (account managers, search words) emptied
    # and filled for the batch
    assert statements(10) == statements(1000) == [5, 1, 1, 1]


def test_st5_get_many_and_add_many_take_the_same_statements_for_ten_rows_or_a_thousand(
    store: SqlStore,
) -> None:
    """ST-5: bulk reads and inserts of customers and organizations are set-based.

    The statement count and the number of bound parameters do not grow with the batch
    (no IN-list: SQLite and psycopg cap bound parameters), stored or refused.
    """

    def measure(size: int) -> list[tuple[int, int]]:
        tenant = f"many-{size}"
        customers = [
            Customer(tenant, f"c{n:05}", f"C{n}", organization=f"o{n:05}", account_managers=("m1",))
            for n in range(size)
        ]
        organizations = [Organization(tenant, f"o{n:05}", f"O{n}", "sul") for n in range(size)]
        ids = [c.id for c in reversed(customers)] + ["ghost"]
        taken = [Customer(tenant, f"n{n:05}", "N") for n in range(size)] + customers[-1:]
        found: list[tuple[int, int]] = []
        with store.unit_of_work(tenant) as uow:
            actions: list[Callable[[], object]] = [
                lambda: uow.customers.add_many(customers),
                lambda: uow.organizations.add_many(organizations),
                lambda: uow.customers.get_many(ids),
                lambda: uow.organizations.get_many(o.id for o in organizations),
                partial(_refused, uow.customers.add_many, taken),
            ]
            for action in actions:
                seen: list[tuple[str, int]] = []
                listener = _parameters_counter(seen)
                event.listen(store.engine, "before_cursor_execute", listener)
                try:
                    action()
                finally:
                    event.remove(store.engine, "before_cursor_execute", listener)
                found.append((len(seen), max(n for _, n in seen)))
            assert list(uow.customers.get_many(ids)) == ids[:-1]
            assert uow.customers.count() == size
            uow.commit()
        return found

    small, large = measure(10), measure(1000)
    assert small == large
    assert [count for count, _ in small] == [3, 2, 1, 1, 2]


def _refused(add_many: Callable[[list[Customer]], None], batch: list[Customer]) -> None:
    with pytest.raises(Conflict):
        add_many(batch)


def _parameters_counter(seen: list[tuple[str, int]]) -> Callable[..., None]:
    def count(conn: object, cursor: object, statement: str, parameters: Any, *args: object) -> None:
        seen.append((statement, len(parameters or ())))

    return count


def test_st5_twenty_thousand_customers_go_through_add_many_and_get_many(store: SqlStore) -> None:
    """ST-5 at import size: 20,000 rows in one call, beyond any bound-parameter cap."""
    size = 20_000
    customers = [
        Customer(
            TENANT,
            f"c{n:06}",
            f"Cliente {n}",
            organization=f"o{n % 100:03}" if n % 3 == 0 else None,
            portfolio="sul" if n % 2 else None,
            account_managers=("m1", "m2")[: n % 3],
        )
        for n in range(size)
    ]
    organizations = [Organization(TENANT, f"o{n:03}", f"Org {n}", "sul") for n in range(100)]

    def add(uow: Any) -> None:
        uow.organizations.add_many(organizations)
        uow.customers.add_many(customers)

    _write(store, add)
    ids = [c.id for c in customers[::-1]]
    found = _read(store, lambda uow: uow.customers.get_many([*ids, "ghost", *ids[:10]]))
    assert list(found) == ids
    assert list(found.values()) == [attrs.evolve(c, version=1) for c in customers[::-1]]
    assert _read(store, lambda uow: len(uow.customers.managed_by("m2"))) == size // 3
    again = [Customer(TENANT, f"n{n:06}", "Novo") for n in range(size)] + customers[-1:]
    with store.unit_of_work(TENANT) as uow:
        with pytest.raises(Conflict) as caught:
            uow.customers.add_many(again)
        assert caught.value.details["id"] == customers[-1].id
        assert uow.customers.count() == size
        uow.customers.add_many(again[:-1])
        uow.commit()
    assert _read(store, lambda uow: uow.customers.count()) == 2 * size


def _counter(seen: list[str]) -> Callable[..., None]:
    def count_statement(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    return count_statement


def test_ev1_the_outbox_numbers_events_densely_and_marks_them_published(store: SqlStore) -> None:
    _write(store, lambda uow: uow.events.append([_created("p1"), _moved("c1")]))
    _write(store, lambda uow: uow.events.append([_created(f"p{n}") for n in (2, 3, 4)]))
    _write(store, lambda uow: uow.events.append([_created("x", "globex")]), "globex")
    assert _read(store, lambda uow: uow.events.read())[1] == (2, _moved("c1"))
    assert [p for p, _ in _read(store, lambda uow: uow.events.read(2, 2))] == [3, 4]
    assert [p for p, _ in _read(store, lambda uow: uow.events.read(), "globex")] == [1]
    with store.unit_of_work(TENANT) as uow:
        assert uow.events.mark_published([1, 3, 3, 99]) == 2
        assert uow.events.mark_published([1]) == 0
    assert [p for p, _ in _read(store, lambda uow: uow.events.unpublished(2))] == [1, 2]
    _write(store, lambda uow: uow.events.mark_published([1, 3]))
    assert [p for p, _ in _read(store, lambda uow: uow.events.unpublished())] == [2, 4, 5]
    assert _read(store, lambda uow: uow.events.mark_published([])) == 0
    _write(store, lambda uow: uow.history.append([_moved("c1"), _moved("c2"), _moved("c1")]))
    history = _read(store, lambda uow: uow.history.of(SubjectKind.CUSTOMER, "c1"))
    assert history == (_moved("c1"), _moved("c1"))


# -- listings agree with the in-memory reference -------------------------------------------

IDS = ("a", "A", "a1", "a10", "a2", "b", "ç", "c\u0327", "\uffff", "\U0001f600", "%", "_x")
NAMES = ("Ana", "ANA", "ana maria", "Straße", "STRASSE", "São", "SÃO", "100%", "a_b", "\u01c5")
SEARCHES = (None, "AN", "ß", "ss", "ÃO", "%", "_", "A", "\u01c6", "")
SCOPES = (
    Scope(everything=True),
    Scope(),
    Scope(portfolios=frozenset({"p1"})),
    Scope(portfolios=frozenset({"p1", "p2"}), outside=True),
    Scope(account_managers=frozenset({"m1", "m2"})),
    Scope(outside=True, assignees=frozenset({"m2"})),
    Scope(
        portfolios=frozenset({"p2"}),
        account_managers=frozenset({"m2"}),
        assignees=frozenset({"m1"}),
    ),
)


def _world(tenant: str) -> list[Any]:
    organizations = [
        Organization(tenant, "o1", "Org Sul", portfolio="p1"),
        Organization(tenant, "o2", "Org Fora"),
        Organization(tenant, "o3", "ORG Norte", portfolio="p2"),
    ]
    customers, tickets = [], []
    for n, customer_id in enumerate(IDS):
        customers.append(
            Customer(
                tenant,
                customer_id,
                NAMES[n % len(NAMES)],
                organization=(None, "o1", "o2", "o3")[n % 4],
                portfolio=(None, "p1", None, "p2", None)[n % 5],
                account_managers=((), ("m1",), ("m2", "m1"))[n % 3],
            )
        )
        for k in range(2):
            portal = (n + k) % 2 == 0
            tickets.append(
                Ticket(
                    tenant,
                    f"{customer_id}-t{k}",
                    customer_id,
                    ("d1", "d2")[k],
                    NOW,
                    status=list(TicketStatus)[(n + k) % 3],
                    assignee=(None, "m1", "m2")[(n + k) % 3],
                    assigned_at=NOW + timedelta(minutes=n * 7 % 5) if (n + k) % 3 else None,
                    type="k1" if portal else None,
                    stage=("s1", "s2")[n % 2] if portal else None,
                    responsible=(Responsible.CUSTOMER, Responsible.SERVICE)[k],
                )
            )
    return organizations + customers + tickets


def _scoped(
    listing: Callable[..., Any],
    scope: Scope,
    keys: dict[str, object],
    after: str | None,
    limit: int,
) -> Any:
    return listing(scope, after=after, limit=limit, **keys)


def _listings(uow: Any) -> list[object]:
    """Every listing and count the in-memory store answers from its indexes."""
    found: list[object] = []

    def pages(fetch: Callable[[str | None, int], Any]) -> list[list[str]]:
        walked: list[list[str]] = []
        for limit in (2, 100):
            after, ids = None, []
            while True:
                page = [row.id for row in fetch(after, limit)]
                ids.append(page)
                if len(page) < limit:
                    break
                after = page[-1]
            walked.append([i for page in ids for i in page])
        return walked

    for scope in SCOPES:
        for search in SEARCHES:
            keys = {"search": search}
            found.append(pages(partial(_scoped, uow.customers.in_scope, scope, keys)))
            found.append(pages(partial(_scoped, uow.organizations.in_scope, scope, keys)))
        for open_only in (False, True):
            keys = {"open_only": open_only}
            found.append(pages(partial(_scoped, uow.tickets.in_scope, scope, keys)))
    for customer_id in IDS[:4]:
        for view in PortalFilter:
            of_customer = partial(uow.tickets.of_customer, customer_id, view)
            found.append(pages(lambda a, n, fetch=of_customer: fetch(after=a, limit=n)))
    for manager in ("m1", "m2", "m3"):
        found.append([c.id for c in uow.customers.managed_by(manager)])
        found.append([t.id for t in uow.tickets.open_assigned_to(manager)])
    for department in ("d1", "d2"):
        found.append(uow.tickets.open_load(department, ["m3", "m2", "m1", "m2"]))
        found.append(uow.tickets.busy_since(department, ["m3", "m2", "m1"]))
    found.append([uow.tickets.count_open_at("k1", s) for s in ([], ["s1"], ["s1", "s2", "s1"])])
    found.append([[c.id for c in uow.customers.in_portfolio(p)] for p in ("p1", "p2")])
    found.append([[c.id for c in uow.customers.of_organization(o)] for o in ("o1", "o2")])
    found.append([o.id for o in uow.organizations.in_portfolio("p1")])
    found.append((uow.customers.count(), uow.organizations.count()))
    found.append(uow.customers.most_account_managers())
    return found


def test_st4_every_listing_agrees_with_the_in_memory_store(store: SqlStore) -> None:
    """Code-point order, keyset pages, case-folded search with % and _: as the reference."""
    reference = InMemoryStore()
    for target in (reference, store):
        with target.unit_of_work(TENANT) as uow:
            for row in _world(TENANT):
                _repository(uow, row).add(row)
            uow.commit()
    expected = _read(reference, _listings)  # type: ignore[arg-type]
    assert _read(store, _listings) == expected


def _many_tickets(tenant: str) -> list[Any]:
    """300 tickets of 60 customers, in an id order unrelated to their customers' scopes."""
    organizations = [
        Organization(tenant, "o1", "Sul", portfolio="p1"),
        Organization(tenant, "o2", "Fora"),
    ]
    customers = [
        Customer(
            tenant,
            f"c{n:02}",
            f"C{n}",
            organization=(None, "o1", "o2", None, "ghost")[n % 5],
            portfolio=(None, "p1", None, "p2", None, None, "p3")[n % 7],
            account_managers=((), ("m1",), (), ("m2", "m1"), ())[n % 5] if n != 59 else ("m9",),
        )
        for n in range(60)
    ]
    tickets = [
        Ticket(
            tenant,
            f"t{n:03}",
            f"c{(n * 37) % 59:02}" if n != 290 else "c59",
            "d1",
            NOW,
            status=(TicketStatus.OPEN, TicketStatus.CLOSED)[n % 3 == 0],
            assignee=(None, "m1", "m2", None, "m3")[n % 5] if n < 250 else None,
        )
        for n in range(300)
    ]
    return organizations + customers + tickets


TICKET_SCOPES = (
    Scope(outside=True),
    Scope(portfolios=frozenset({"p1"})),
    Scope(portfolios=frozenset({"p3"}), outside=True),
    Scope(account_managers=frozenset({"m9"})),
    Scope(assignees=frozenset({"m3"})),
    Scope(assignees=frozenset({"m2", "m3", "m8"})),
    Scope(portfolios=frozenset({"p2", "ghost"}), account_managers=frozenset({"m1"})),
    Scope(account_managers=frozenset({"m9"}), assignees=frozenset({"m1"}), outside=True),
    Scope(portfolios=frozenset({"nowhere"})),
    Scope(),
)
"""Dense scopes (a page fills within the walk), sparse ones (one ticket, t290, near the
end: the walk falls short and the indexes go on) and empty ones."""


@pytest.mark.parametrize(
    ("crowded", "walk", "most", "walks"),
    [
        (0, 10, 2_000, 4),
        (0, 2, 5, 4),
        (0, 1, 1, 4),
        (10, 10, 2_000, 4),
        (sql_tickets.CROWDED, 10, 2_000, 4),
    ],
)
def test_vs3_st4_ticket_pages_agree_with_memory_within_and_past_the_walk(
    store: SqlStore,
    monkeypatch: pytest.MonkeyPatch,
    crowded: int,
    walk: int,
    most: int,
    walks: int,
) -> None:
    """VS-3, ST-4: a ticket page found in the walks, past them, or both, is the reference's.

    Every scope, page size, ``after`` (stored or not) and ``open_only``: every scope
    walked first (``CROWDED`` 0), with the walk at its size or cut down so that the
    indexes take over at once, after one walk or after several that each start where
    the last stopped; the crowded ones only (10); none (the default, for 60 customers).
    """
    monkeypatch.setattr(sql_tickets, "CROWDED", crowded)
    monkeypatch.setattr(sql_tickets, "WALK", walk)
    monkeypatch.setattr(sql_tickets, "MOST_WALKED", most)
    monkeypatch.setattr(sql_tickets, "WALKS", walks)
    reference = InMemoryStore()
    for target in (reference, store):
        with target.unit_of_work(TENANT) as uow:
            add_rows(uow, _many_tickets(TENANT))
            uow.commit()

    def pages(uow: Any) -> list[object]:
        found: list[object] = []
        for scope in TICKET_SCOPES:
            for open_only in (False, True):
                for limit in (1, 7, 51, 1_000):
                    for after in (None, "t", "t100", "t1000", "t289", "t299", "u"):
                        page = uow.tickets.in_scope(
                            scope, after=after, limit=limit, open_only=open_only
                        )
                        found.append([t.id for t in page])
        return found

    expected = _read(reference, pages)  # type: ignore[arg-type]
    assert _read(store, pages) == expected
    assert ["t290"] in expected


# -- the services over SqlStore ------------------------------------------------------------


def _play(store: Any) -> list[object]:
    """A short day of seed 004's portal and a portfolio deletion; what the host sees."""
    ids = count(1)
    clock = ManualClock(NOW)
    app = Carteira(store.unit_of_work, clock=clock, new_id=lambda: f"id{next(ids)}")
    ana, me = Principal.manager(TENANT, "ana"), Principal.customer(TENANT, "c1")
    app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
    app.register_manager(HOST, "bia", "Bia", profile=Profile.ANALYST)
    app.create_portfolio(HOST, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.register_organization(HOST, "org", "Org")
    app.set_organization_portfolio(HOST, "org", "sul")
    for customer_id in ("c1", "c2", "c3"):
        app.register_customer(HOST, customer_id, customer_id.upper(), organization="org")
    app.update_settings(HOST, max_account_managers=2, portal_attendant="ana")
    app.assign_customer(HOST, "c2", "bia")
    app.save_ticket_type(
        HOST,
        "refund",
        group="Financeiro",
        name="Reembolso",
        stages=STAGES,
        transitions=[("draft", "ok")],
        fields=REFUND.fields,
    )
    seen: list[object] = []
    seen.append(
        app.portal.open_ticket(
            me, group="Financeiro", ticket_type="refund", subject="s", request="r", ticket_id="t1"
        )
    )
    clock.advance()
    seen.append(app.portal.fill(me, "t1", {"invoice": "NF-1", "amount": 2.5}))
    seen.append(app.portal.move(me, "t1", "ok"))
    seen.append(app.portal.approve(me, "t1"))
    seen.append(app.portal.tickets(me, PortalFilter.COMPLETED))
    seen.append(app.visible_customers(ana, limit=2))
    seen.append(app.visible_customers(ana, search="C", after="c1"))
    seen.append(app.visible_tickets(ana))
    clock.advance()
    seen.append(app.delete_portfolio(HOST, "sul"))
    seen.append(app.customer(HOST, "c2"))
    seen.append(app.list_portfolios(HOST))
    seen.append(app.remove_manager(HOST, "bia"))
    seen.append(app.owner_history(HOST, "c2"))
    seen.append(app.read_events(HOST, limit=500))
    return seen


def test_the_services_run_over_sql_as_over_memory(store: SqlStore) -> None:
    """ST-1, ST-2, EV-1, PF-5: the same commands give the same results and events."""
    expected = _play(InMemoryStore())
    assert _play(store) == expected
    deletion = [e for e in expected[8].events if isinstance(e, PortfolioDeleted)]  # type: ignore[attr-defined]
    assert [set(e.customers) for e in deletion] == [{"c1", "c2", "c3"}]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_st3_on_a_host_connection_the_tenant_lock_leaves_the_host_s_lock_timeout(
    database: Database,
) -> None:
    """ST-3: the lock's own wait is set and put back; a waiter past it undoes only its
    unit of work, inside its SAVEPOINT, and the host's transaction goes on."""
    engine = database.engine()
    with engine.begin() as connection:
        upgrade(connection)
    with engine.connect() as connection:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '7s'")
        holder = database.store()
        with holder.unit_of_work(TENANT) as held:
            held.customers.count()  # another process holds the tenant's lock
            hasty = Carteira(SqlStore(connection, busy_timeout=0).unit_of_work, attempts=1)
            with pytest.raises(ConcurrencyError):
                hasty.create_portfolio(HOST, "Norte", portfolio_id="norte")
        assert connection.in_transaction()  # only the unit's SAVEPOINT was undone
        assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "7s"
        app = Carteira(SqlStore(connection).unit_of_work)
        app.create_portfolio(HOST, "Sul", portfolio_id="sul")
        assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "7s"
        connection.commit()
    assert _read(database.store(), lambda uow: [p.id for p in uow.portfolios.list()]) == ["sul"]
