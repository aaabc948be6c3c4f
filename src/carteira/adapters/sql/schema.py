"""The SQL adapter's tables, indexes and schema version (TN-1, TN-2, ST-4, EV-1).

Every table and every index leads with ``tenant`` (TN-1, TN-2), and every table name starts with
``carteira_``, so a host can put `metadata` into its own migrations beside its tables. Columns hold
what a query filters or orders on (ids, portfolio, organization, status, stage...); nested value
objects (roles, absences, stages, ticket histories...) are JSON text written by
[`carteira.serialization.make_converter`][carteira.make_converter]. Text that is ordered or compared
uses code-point order: SQLite's default ``BINARY`` collation and PostgreSQL's ``"C"`` (UTF-8 bytes
sort as code points), so listings run exactly like Python's ``sorted`` (ST-4).

Three child tables index what an aggregate holds several of: a portfolio's managers, a
customer's account managers (both in order) and a manager's absences with their backups and
periods; with ``permission_bits`` on managers they let one statement answer a visibility
check, reading who the viewer stands in for at that instant (ST-7, MG-5).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    bindparam,
    false,
    insert,
    inspect,
    select,
    true,
    update,
)
from sqlalchemy.engine.reflection import Inspector

from carteira.adapters.sql import derived
from carteira.adapters.sql.errors import translated
from carteira.domain import refusals
from carteira.domain.search import search_words

__all__ = [
    "SCHEMA_VERSION",
    "create_schema",
    "metadata",
    "missing_parts",
    "refuse_foreign",
    "schema_version",
    "stamp",
    "upgrade",
]

SCHEMA_VERSION = 7
"""The version of the tables this code reads and writes; recorded in the database.

1: the first tables. 2: index ``carteira_tickets_assignee_id`` (ST-4). 3: managers'
``permission_bits`` and ``carteira_manager_absences`` (in place of
``carteira_manager_backups``), so that SQL answers a visibility check by itself (ST-7).
4: the settings' ``open_access`` switch (VS-6). 5: ``carteira_customer_words`` and
``carteira_organization_words`` in place of the ``name_fold`` columns, so that a search
ignores accents and walks an index (VS-8). 6: ``carteira_department_members``, the
departments' ``lists_members`` and the tickets' ``opened_at_us``, with
``carteira_tickets_department`` in place of ``carteira_tickets_load``, so that SQL answers
VS-7 by itself and walks a queue oldest first. 7: ``carteira_outbox_leases`` and the
partial index ``carteira_events_waiting`` in place of ``carteira_events_unpublished``, so
that several publishers drain the outbox across tenants (EV-2).
"""

_COMPONENT = "carteira"

_log = logging.getLogger(__name__)

#: Text compared or ordered by code point: SQLite's BINARY default, PostgreSQL's "C".
KEY = Text().with_variant(Text(collation="C"), "postgresql")

metadata = MetaData()
"""Every table of the SQL adapter, for `create_schema` and hosts' migrations."""


def _key(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, KEY, nullable=nullable)


def _json(name: str) -> Column[str]:
    return Column(name, Text, nullable=False)


def _text(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, Text, nullable=nullable)


def _version() -> Column[int]:
    return Column("version", Integer, nullable=False)


def _pk(table: str, *columns: str) -> PrimaryKeyConstraint:
    return PrimaryKeyConstraint("tenant", *columns, name=f"{table}_pk")


def _parent(table: str, parent: str, column: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant", column],
        [f"{parent}.tenant", f"{parent}.id"],
        ondelete="CASCADE",
        name=f"{table}_{column}_fk",
    )


schema_versions = Table(
    "carteira_schema_version",
    metadata,
    Column("component", KEY, primary_key=True),
    Column("version", Integer, nullable=False),
)
"""The schema version a database holds; one row, not tenant data."""

portfolios = Table(
    "carteira_portfolios",
    metadata,
    _key("tenant"),
    _key("id"),
    _text("name"),
    _key("name_key"),
    _text("description", nullable=True),
    _json("journey"),
    _json("managers"),
    _version(),
    _pk("carteira_portfolios", "id"),
    Index("carteira_portfolios_name_key", "tenant", "name_key", unique=True),
)
"""Portfolios (PF); ``name_key`` is [`name_key`][carteira.name_key] of the name, unique (PF-1)."""

portfolio_managers = Table(
    "carteira_portfolio_managers",
    metadata,
    _key("tenant"),
    _key("portfolio_id"),
    Column("position", Integer, nullable=False),
    _key("manager_id"),
    _pk("carteira_portfolio_managers", "portfolio_id", "position"),
    _parent("carteira_portfolio_managers", "carteira_portfolios", "portfolio_id"),
    Index("carteira_portfolio_managers_manager", "tenant", "manager_id", "portfolio_id"),
)
"""A portfolio's managers in order: answers ``managed_by`` (MG-2)."""

managers = Table(
    "carteira_managers",
    metadata,
    _key("tenant"),
    _key("id"),
    _text("name"),
    _text("profile"),
    _json("roles"),
    Column("active", Boolean, nullable=False),
    _key("default_portfolio", nullable=True),
    _json("absences"),
    Column("permission_bits", BigInteger, nullable=False, server_default="0"),
    _version(),
    _pk("carteira_managers", "id"),
)
"""Managers (MG-1, MG-2, MG-5); ``permission_bits``: what his roles grant, a bit each (PM-1)."""

manager_absences = Table(
    "carteira_manager_absences",
    metadata,
    _key("tenant"),
    _key("manager_id"),
    Column("position", Integer, nullable=False),
    _key("absence_id"),
    _key("backup_id"),
    Column("starts_us", BigInteger, nullable=False),
    Column("ends_us", BigInteger, nullable=False),
    _pk("carteira_manager_absences", "manager_id", "position"),
    _parent("carteira_manager_absences", "carteira_managers", "manager_id"),
    Index("carteira_manager_absences_backup", "tenant", "backup_id", "starts_us", "manager_id"),
)
"""A manager's absences in order: whom each names backup and when, in microseconds (MG-5).

Answers ``backed_up_by`` and, in a visibility check, whom a viewer stands in for at the
check's instant (``starts_us <= now < ends_us``).
"""

organizations = Table(
    "carteira_organizations",
    metadata,
    _key("tenant"),
    _key("id"),
    _text("name"),
    _key("portfolio", nullable=True),
    _version(),
    _pk("carteira_organizations", "id"),
    Index("carteira_organizations_portfolio", "tenant", "portfolio", "id"),
)
"""Organizations (MB-1); their search words are in ``carteira_organization_words`` (VS-8)."""

customers = Table(
    "carteira_customers",
    metadata,
    _key("tenant"),
    _key("id"),
    _text("name"),
    _key("organization", nullable=True),
    _key("portfolio", nullable=True),
    _json("account_managers"),
    Column("manager_count", Integer, nullable=False),
    Column("unplaced", Boolean, nullable=False),
    _version(),
    _pk("carteira_customers", "id"),
    Index("carteira_customers_portfolio", "tenant", "portfolio", "id"),
    Index("carteira_customers_organization", "tenant", "organization", "id"),
    Index("carteira_customers_unplaced", "tenant", "unplaced", "id"),
    Index("carteira_customers_manager_count", "tenant", "manager_count"),
)
"""Customers (MB-1..MB-4); ``unplaced``: no own portfolio and no account manager."""

customer_managers = Table(
    "carteira_customer_managers",
    metadata,
    _key("tenant"),
    _key("customer_id"),
    Column("position", Integer, nullable=False),
    _key("manager_id"),
    _pk("carteira_customer_managers", "customer_id", "position"),
    _parent("carteira_customer_managers", "carteira_customers", "customer_id"),
    Index("carteira_customer_managers_manager", "tenant", "manager_id", "customer_id"),
)
"""A customer's account managers in order, primary first (MB-3)."""


def _words_of(name: str, parent: str, column: str) -> Table:
    return Table(
        name,
        metadata,
        _key("tenant"),
        _key(column),
        _key("word"),
        _pk(name, column, "word"),
        _parent(name, parent, column),
        Index(f"{name}_word", "tenant", "word", column),
    )


customer_words = _words_of("carteira_customer_words", "carteira_customers", "customer_id")
"""The words a search finds each customer by (VS-8, schema version 5): its name's and its
id's, folded (`search_words`); a search walks the ``word`` index by prefix (ST-4)."""

organization_words = _words_of(
    "carteira_organization_words", "carteira_organizations", "organization_id"
)
"""The words a search finds each organization by (VS-8, schema version 5)."""

tickets = Table(
    "carteira_tickets",
    metadata,
    _key("tenant"),
    _key("id"),
    _key("customer"),
    _key("department"),
    _text("opened_at"),
    Column("opened_at_us", BigInteger, nullable=False, server_default="0"),
    _key("status"),
    _key("assignee", nullable=True),
    _text("assigned_at", nullable=True),
    Column("assigned_at_us", BigInteger, nullable=True),
    _json("offered"),
    _text("last_activity", nullable=True),
    _key("ticket_type", nullable=True),
    _text("subject"),
    _text("request"),
    _key("stage", nullable=True),
    _text("responsible"),
    _json("field_values"),
    _json("history"),
    _json("discussion"),
    _json("attachments"),
    _key("portal_view", nullable=True),
    _version(),
    _pk("carteira_tickets", "id"),
    Index("carteira_tickets_customer", "tenant", "customer", "id"),
    Index("carteira_tickets_portal", "tenant", "customer", "portal_view", "id"),
    Index("carteira_tickets_assignee", "tenant", "assignee", "status", "id"),
    Index("carteira_tickets_assignee_id", "tenant", "assignee", "id"),
    Index(
        "carteira_tickets_department",
        "tenant",
        "department",
        "assignee",
        "status",
        "opened_at_us",
        "id",
    ),
    Index("carteira_tickets_stage", "tenant", "ticket_type", "stage", "status"),
)
"""Tickets (RT, TK); instants as ISO text, ``opened_at_us`` and ``assigned_at_us`` to order by.

``portal_view`` is the one portal view besides *All* that shows a portal ticket, and
``NULL`` for a conversation (TK-7). ``carteira_tickets_assignee`` finds a manager's open
tickets (WA-4); ``carteira_tickets_assignee_id`` (schema version 2) walks the tickets he
serves in id order, so a scope page stops after its ``limit`` (VS-3, ST-4);
``carteira_tickets_department`` (schema version 6, in place of ``carteira_tickets_load``)
counts a department's open tickets per assignee (RT-2) and walks its queue, the open tickets
with no assignee, oldest first (VS-7).
"""

departments = Table(
    "carteira_departments",
    metadata,
    _key("tenant"),
    _key("id"),
    _text("name"),
    _text("routing"),
    _text("choice"),
    _json("members"),
    Column("capacity", Integer, nullable=True),
    _json("capacities"),
    Column("account_managers_only", Boolean, nullable=False),
    # A row written without it lists members, none of them: its queue shows to no one.
    Column("lists_members", Boolean, nullable=False, server_default=true()),
    _version(),
    _pk("carteira_departments", "id"),
)
"""Departments (RT-1, RT-2); ``lists_members`` is false where anyone may serve (VS-7).

``lists_members`` defaults to true, so a department written without it is served by no one
rather than by everyone: the default refuses instead of granting (VS-7).
"""

department_members = Table(
    "carteira_department_members",
    metadata,
    _key("tenant"),
    _key("department_id"),
    _key("manager_id"),
    _pk("carteira_department_members", "department_id", "manager_id"),
    _parent("carteira_department_members", "carteira_departments", "department_id"),
)
"""The members a department lists, one row each (RT-2, VS-7; schema version 6)."""

ticket_types = Table(
    "carteira_ticket_types",
    metadata,
    _key("tenant"),
    _key("id"),
    _key("type_group"),
    _key("name"),
    _json("stages"),
    _json("transitions"),
    _json("fields"),
    _key("department", nullable=True),
    _version(),
    _pk("carteira_ticket_types", "id"),
    Index("carteira_ticket_types_listing", "tenant", "type_group", "name", "id"),
)
"""Ticket types and their workflows (TK-1..TK-3)."""

settings = Table(
    "carteira_settings",
    metadata,
    _key("tenant"),
    Column("segmentation", Boolean, nullable=False),
    Column("open_access", Boolean, nullable=False, server_default=false()),
    Column("max_account_managers", Integer, nullable=False),
    Column("owner_only", Boolean, nullable=False),
    _key("portal_attendant", nullable=True),
    Column("attachment_max_bytes", BigInteger, nullable=False),
    _json("attachment_types"),
    _version(),
    PrimaryKeyConstraint("tenant", name="carteira_settings_pk"),
)
"""One row per tenant that saved its settings (VS-1, VS-6, MB-3, PM-3); ``open_access``
from schema version 4."""

history = Table(
    "carteira_history",
    metadata,
    _key("tenant"),
    Column("position", BigInteger, nullable=False),
    _key("subject"),
    _key("subject_id"),
    _json("change"),
    _pk("carteira_history", "position"),
    Index("carteira_history_subject", "tenant", "subject", "subject_id", "position"),
)
"""Every membership change, numbered per tenant (MB-6)."""

events = Table(
    "carteira_events",
    metadata,
    _key("tenant"),
    Column("position", BigInteger, nullable=False),
    _key("type"),
    _json("event"),
    Column("published", Boolean, nullable=False),
    _pk("carteira_events", "position"),
)
"""The outbox: each tenant's events numbered 1, 2, 3... in commit order (EV-1)."""

_WAITING = events.c.published == false()
Index(
    "carteira_events_waiting",
    events.c.tenant,
    events.c.position,
    postgresql_where=_WAITING,
    sqlite_where=_WAITING,
)
"""Only the events not yet published: a claim finds the tenants with waiting events, and
a tenant's first waiting events, without reading what went out long ago (EV-2)."""

outbox_leases = Table(
    "carteira_outbox_leases",
    metadata,
    _key("tenant"),
    _key("holder", nullable=True),
    _key("token", nullable=True),
    Column("expires_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant", name="carteira_outbox_leases_pk"),
)
"""One row per tenant whose events a publisher ever claimed: who holds them and until
when, in microseconds since the epoch; ``token`` is null once released (EV-2, schema 7)."""


def schema_version(bind: Engine | Connection) -> int | None:
    """Return the schema version the database records, or ``None`` for a bare database."""
    with translated():
        if isinstance(bind, Engine):
            with bind.connect() as connection:
                return schema_version(connection)
        if not inspect(bind).has_table(schema_versions.name):
            return None
        found: int | None = bind.execute(
            select(schema_versions.c.version).where(schema_versions.c.component == _COMPONENT)
        ).scalar_one_or_none()
    return found


def create_schema(bind: Engine | Connection) -> None:
    """Create every missing table and index and record `SCHEMA_VERSION`; idempotent.

    A database recording a newer version than this code is refused with
    [`StorageError`][carteira.StorageError] and left untouched. Given a connection, the work
    joins its transaction and is not committed here (the host commits).
    """
    if isinstance(bind, Engine):
        with translated(), bind.begin() as connection:
            create_schema(connection)
        return
    _serialize(bind)
    found = _checked_version(bind)
    with translated():
        metadata.create_all(bind, checkfirst=True)
        if found is None:
            row = {"component": _COMPONENT, "version": SCHEMA_VERSION}
            bind.execute(insert(schema_versions).values(row))
            _log.info("created carteira's schema, version %d", SCHEMA_VERSION)


def upgrade(bind: Engine | Connection) -> None:
    """Bring the database to `SCHEMA_VERSION`, creating it when bare; idempotent.

    Applies the steps from the recorded version on and records the new one; a database
    newer than this code is refused with [`StorageError`][carteira.StorageError].
    """
    if isinstance(bind, Engine):
        with translated(), bind.begin() as connection:
            upgrade(connection)
        return
    _serialize(bind)
    found = _checked_version(bind)
    if found is None:
        create_schema(bind)
        return
    for step in range(found, SCHEMA_VERSION):
        _log.info("upgrading carteira's schema from version %d to %d", step, step + 1)
        _STEPS[step](bind)
    if found != SCHEMA_VERSION:
        _require_whole(bind, "upgrade")
        with translated():
            bind.execute(
                update(schema_versions)
                .where(schema_versions.c.component == _COMPONENT)
                .values(version=SCHEMA_VERSION)
            )


def stamp(bind: Engine | Connection) -> None:
    """Record `SCHEMA_VERSION` for tables a host created from `metadata` itself (ST-8).

    For a host whose own migrations (Alembic's autogenerate, ``metadata.create_all``) made
    carteira's tables: every table and index of this version must be there, or nothing is
    recorded and [`StorageError`][carteira.StorageError] ``schema_incomplete`` names what
    is missing. A database that already records this version is left as it is; one that
    records another is refused (``schema_recorded``): `upgrade` brings it forward.
    """
    if isinstance(bind, Engine):
        with translated(), bind.begin() as connection:
            stamp(connection)
        return
    _serialize(bind)
    with translated():
        schema_versions.create(bind, checkfirst=True)
    found = _checked_version(bind, bare_ok=True)
    if found == SCHEMA_VERSION:
        return
    if found is not None:
        raise refusals.schema_recorded(found, SCHEMA_VERSION)
    _require_whole(bind, "stamp")
    with translated():
        bind.execute(insert(schema_versions).values(component=_COMPONENT, version=SCHEMA_VERSION))
    _log.info("stamped carteira's schema version %d on tables made by the host", SCHEMA_VERSION)


def missing_parts(bind: Connection) -> list[str]:
    """Return the tables and indexes of `SCHEMA_VERSION` the database lacks, by name (ST-8)."""
    found = inspect(bind)
    tables = set(found.get_table_names())
    missing = [t.name for t in metadata.sorted_tables if t.name not in tables]
    for table in metadata.sorted_tables:
        if table.name not in tables:
            continue
        indexes = {i["name"] for i in found.get_indexes(table.name)}
        missing += sorted(i.name for i in table.indexes if i.name not in indexes)  # type: ignore[misc]
    return missing


def _require_whole(bind: Connection, action: str) -> None:
    """Refuse to record a version whose tables or indexes are not all there (ST-8)."""
    with translated():
        missing = missing_parts(bind)
    if missing:
        raise refusals.schema_incomplete(action, SCHEMA_VERSION, missing)


_SCHEMA_LOCK_SPACE = 0x63617273  # "cars": the schema's lock, apart from the tenants' ("cart")


def _serialize(connection: Connection) -> None:
    """Wait for any other process creating or upgrading this schema, then go on (ST-8).

    On PostgreSQL a transaction-level advisory lock keyed by the schema carteira's tables
    live in (``current_schema()``), held until the transaction ends: processes that start
    together create or upgrade the tables one after another, and the later ones find the
    version recorded. On SQLite the store's transactions begin ``IMMEDIATE``, which takes
    the database's write lock before the version is read.
    """
    if connection.dialect.name == "postgresql":
        with translated():
            connection.exec_driver_sql(
                f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK_SPACE}, hashtext(current_schema()))"
            )


def _checked_version(connection: Connection, *, bare_ok: bool = False) -> int | None:
    found: object = schema_version(connection)
    if found is not None and (isinstance(found, bool) or not isinstance(found, int) or found < 1):
        raise refusals.schema_version_unknown(found, SCHEMA_VERSION)
    if found is None:
        if not bare_ok:
            _refuse_half_set_up(connection)
        return None
    if found > SCHEMA_VERSION:
        raise refusals.schema_too_new(found, SCHEMA_VERSION)
    return found


def _refuse_half_set_up(connection: Connection) -> None:
    """Refuse a database holding carteira's names but no schema version (ST-2).

    Creating the rest beside them would leave a schema no version describes.
    """
    taken = sorted(set(_relations(connection)) & {t.name for t in metadata.sorted_tables})
    if taken:
        raise refusals.schema_unfinished(taken)


def refuse_foreign(bind: Engine) -> None:
    """Refuse to create carteira's schema in a database holding other tables (ST-2).

    What a store opened on a URL or a path does unasked: a file that is some other
    application's database is left untouched. A host that wants carteira's tables
    beside its own says so with ``SqlStore(..., create=True)`` or `SqlStore.upgrade`.
    Looked at under the schema's lock (ST-8), so the tables another process is creating
    at that moment are seen with their version, or not at all.
    """
    with translated(), bind.begin() as connection:
        _serialize(connection)
        if schema_version(connection) is not None:
            return
        others = _relations(connection)
    if others:
        raise refusals.foreign_database(others)


def _relations(connection: Connection) -> list[str]:
    """Return the names of the database's tables and views, sorted."""
    found = inspect(connection)
    return sorted(set(found.get_table_names()) | set(found.get_view_names()))


def _tickets_by_assignee_and_id(connection: Connection) -> None:
    """Version 1 to 2: the index a scope page walks an assignee's tickets by (ST-4)."""
    index = next(i for i in tickets.indexes if i.name == "carteira_tickets_assignee_id")
    with translated():
        index.create(connection, checkfirst=True)


def _visibility_in_columns(connection: Connection) -> None:
    """Version 2 to 3: permission bits and absences with their periods, derived from JSON."""
    found = inspect(connection)
    with translated():
        if "permission_bits" not in {c["name"] for c in found.get_columns(managers.name)}:
            column = managers.c.permission_bits
            connection.exec_driver_sql(
                f"ALTER TABLE {managers.name} ADD COLUMN {column.name} BIGINT NOT NULL DEFAULT 0"
            )
        manager_absences.create(connection, checkfirst=True)
        if found.has_table("carteira_manager_backups"):
            connection.exec_driver_sql("DROP TABLE carteira_manager_backups")
        connection.execute(manager_absences.delete())
        rows = connection.execute(
            select(managers.c.tenant, managers.c.id, managers.c.roles, managers.c.absences)
        ).all()
        for tenant, manager_id, roles, absences in rows:
            connection.execute(
                update(managers)
                .where(managers.c.tenant == tenant, managers.c.id == manager_id)
                .values(permission_bits=derived.permission_bits_of_roles(roles))
            )
            periods = derived.absence_rows(absences)
            if periods:
                connection.execute(
                    insert(manager_absences),
                    [{"tenant": tenant, "manager_id": manager_id, **p} for p in periods],
                )


def _open_access_switch(connection: Connection) -> None:
    """Version 3 to 4: the tenant's open-access switch (VS-6), off where settings exist."""
    found = inspect(connection)
    with translated():
        if "open_access" not in {c["name"] for c in found.get_columns(settings.name)}:
            connection.exec_driver_sql(
                f"ALTER TABLE {settings.name} ADD COLUMN open_access BOOLEAN NOT NULL DEFAULT FALSE"
            )


def _search_words(connection: Connection) -> None:
    """Version 4 to 5: search words of every customer and organization (VS-8)."""
    found = inspect(connection)
    with translated():
        for table, words, column in (
            (customers, customer_words, "customer_id"),
            (organizations, organization_words, "organization_id"),
        ):
            words.create(connection, checkfirst=True)
            connection.execute(words.delete())
            rows = connection.execute(select(table.c.tenant, table.c.id, table.c.name)).all()
            filled = [
                {"tenant": tenant, column: row_id, "word": word}
                for tenant, row_id, name in rows
                for word in sorted(search_words(name, row_id))
            ]
            for start in range(0, len(filled), 5_000):
                connection.execute(insert(words), filled[start : start + 5_000])
            if "name_fold" in {c["name"] for c in found.get_columns(table.name)}:
                connection.exec_driver_sql(f"ALTER TABLE {table.name} DROP COLUMN name_fold")


def _department_queues(connection: Connection) -> None:
    """Version 5 to 6: department members as rows and tickets by opening instant (VS-7)."""
    found = inspect(connection)
    with translated():
        _add_column(connection, found, departments.c.lists_members, "BOOLEAN", "TRUE")
        _add_column(connection, found, tickets.c.opened_at_us, "BIGINT", "0")
        _fill_department_members(connection)
        _fill_opening_instants(connection)
        if any(i["name"] == "carteira_tickets_load" for i in found.get_indexes(tickets.name)):
            connection.exec_driver_sql("DROP INDEX carteira_tickets_load")
        index = next(i for i in tickets.indexes if i.name == "carteira_tickets_department")
        index.create(connection, checkfirst=True)


def _outbox_leases(connection: Connection) -> None:
    """Version 6 to 7: publishers' leases, and only waiting events indexed (EV-2)."""
    found = inspect(connection)
    with translated():
        outbox_leases.create(connection, checkfirst=True)
        if any(i["name"] == "carteira_events_unpublished" for i in found.get_indexes(events.name)):
            connection.exec_driver_sql("DROP INDEX carteira_events_unpublished")
        index = next(i for i in events.indexes if i.name == "carteira_events_waiting")
        index.create(connection, checkfirst=True)


def _add_column(
    connection: Connection, found: Inspector, column: Column[Any], kind: str, default: str
) -> None:
    """Add ``column`` to its table unless it is there, with the server default it declares."""
    table = column.table.name
    if column.name not in {c["name"] for c in found.get_columns(table)}:
        connection.exec_driver_sql(
            f"ALTER TABLE {table} ADD COLUMN {column.name} {kind} NOT NULL DEFAULT {default}"
        )


def _fill_department_members(connection: Connection) -> None:
    """Write each department's ``lists_members`` and member rows from its JSON (VS-7)."""
    department_members.create(connection, checkfirst=True)
    connection.execute(department_members.delete())
    rows = connection.execute(
        select(departments.c.tenant, departments.c.id, departments.c.members)
    ).all()
    if not rows:
        return
    listed = [(tenant, department, json.loads(members)) for tenant, department, members in rows]
    connection.execute(
        update(departments)
        .where(departments.c.tenant == bindparam("t"), departments.c.id == bindparam("d"))
        .values(lists_members=bindparam("listed")),
        [{"t": t, "d": d, "listed": members is not None} for t, d, members in listed],
    )
    member_rows = [
        {"tenant": t, "department_id": d, **row}
        for t, d, members in listed
        for row in derived.member_rows(members)
    ]
    if member_rows:
        connection.execute(insert(department_members), member_rows)


def _fill_opening_instants(connection: Connection) -> None:
    """Write each ticket's ``opened_at_us`` from its ``opened_at``, 5,000 at a time."""
    rows = connection.execute(select(tickets.c.tenant, tickets.c.id, tickets.c.opened_at)).all()
    statement = (
        update(tickets)
        .where(tickets.c.tenant == bindparam("t"), tickets.c.id == bindparam("i"))
        .values(opened_at_us=bindparam("us"))
    )
    for start in range(0, len(rows), 5_000):
        batch = rows[start : start + 5_000]
        values = [{"t": t, "i": i, "us": derived.microseconds_of_text(at)} for t, i, at in batch]
        connection.execute(statement, values)


# _STEPS[n] upgrades a database from version n to n + 1; version 1 is the first.
_STEPS: dict[int, Callable[[Connection], None]] = {
    1: _tickets_by_assignee_and_id,
    2: _visibility_in_columns,
    3: _open_access_switch,
    4: _search_words,
    5: _department_queues,
    6: _outbox_leases,
}
