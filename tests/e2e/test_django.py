"""ST-1, ST-8, EV-1: carteira in a Django project on PostgreSQL, with real Django (issue 16).

``examples/django_helpdesk`` is a host's Django project as docs/django.md describes it: its
migration 0002 creates carteira's tables through Django's own connection, and
``carteira_connection`` hands carteira that connection inside ``transaction.atomic``. The
module copies the project, gives it a PostgreSQL schema of its own (tests/databases.py) and
runs ``manage.py migrate`` as an operator would. Then one Django process
(``python tests/e2e/test_django.py <outcomes.json> <scenario>...``) lives the project's life
in the scenarios at the end of this file: the migrated tables, transactions, a later
carteira's migration, back to zero; each scenario watches the database from outside,
through a connection of its own, and each test below reads its scenario's outcome. Django's
settings never reach the rest of the suite.
"""

# The scenarios import the example project, which only the Django process can import, and
# only once Django is set up.
# ruff: noqa: PLC0415

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import django
import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.transaction import TransactionManagementError
from sqlalchemy import create_engine, inspect, text, update
from sqlalchemy.engine import make_url

from carteira import Carteira, Conflict, Customer, NotFound, Principal
from carteira.adapters.sql import SCHEMA_VERSION, SqlStore, metadata
from carteira.adapters.sql.schema import schema_version, schema_versions
from carteira.events import Event, TicketOpened
from databases import new_schema, require_postgres

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_helpdesk"

LATER = '''"""carteira's next schema version, as docs/django.md shows it."""

from django.db import migrations

from carteira.adapters.sql import upgrade
from helpdesk.carteira_db import carteira_connection


def upgrade_carteira_tables(apps, schema_editor):
    with carteira_connection(schema_editor.connection.alias) as connection:
        upgrade(connection)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0002_carteira")]

    operations = [migrations.RunPython(upgrade_carteira_tables, migrations.RunPython.noop)]
'''


class Helpdesk:
    """A copy of the example project on a PostgreSQL schema of its own."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder = folder
        found = make_url(url)
        self.env = {
            **os.environ,
            "PGHOST": found.host or "",
            "PGPORT": str(found.port or 5432),
            "PGUSER": found.username or "",
            "PGPASSWORD": found.password or "",
            "PGDATABASE": found.database or "",
            "PGOPTIONS": str(found.query["options"]),  # -csearch_path=<the schema>
            # The project, and tests/ for this file run as a script (its databases helper).
            "PYTHONPATH": os.pathsep.join([str(folder), str(Path(__file__).resolve().parents[1])]),
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings",
        }

    def python(self, *args: str) -> str:
        """Run Python in the project's folder and environment; return what it printed."""
        done = subprocess.run(
            [sys.executable, "-W", "error", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Every scenario's outcome: "ok", or the traceback of its failure."""
    url, drop = new_schema(require_postgres())
    folder = tmp_path_factory.mktemp("django") / "django_helpdesk"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    try:
        helpdesk = Helpdesk(folder, url)
        assert "Applying helpdesk.0002_carteira... OK" in helpdesk.python("manage.py", "migrate")
        found = folder / "outcomes.json"
        helpdesk.python(__file__, str(found), *SCENARIOS)
        yield json.loads(found.read_text(encoding="utf-8"))
    finally:
        drop()


def _passed(outcomes: dict[str, str], name: str) -> None:
    if outcomes[name] != "ok":
        pytest.fail(
            f"scenario {name} failed in the Django process:\n{outcomes[name]}", pytrace=False
        )


def test_st8_migrate_creates_carteiras_tables_and_records_its_version(
    outcomes: dict[str, str],
) -> None:
    """ST-8: ``manage.py migrate`` created every table of carteira beside the app's and
    recorded carteira's schema version; ``sqlmigrate`` shows the migration."""
    _passed(outcomes, "migrated")


def test_st1_ev1_a_host_write_and_a_carteira_command_commit_together(
    outcomes: dict[str, str],
) -> None:
    """ST-1, EV-1: inside ``transaction.atomic`` the conversation and carteira's ticket,
    with its events, are invisible to any other connection; when the block ends all of
    them are there at once, and Django's connection is still open and Django's."""
    _passed(outcomes, "commit_together")


def test_st1_ev1_an_exception_after_both_writes_rolls_both_back(outcomes: dict[str, str]) -> None:
    """ST-1, EV-1: an exception raised after the host's write and carteira's commands leaves
    neither the conversation nor any record of carteira, events included."""
    _passed(outcomes, "roll_back_together")


def test_st1_ev1_a_refused_command_keeps_the_host_write_and_changes_nothing_of_carteira(
    outcomes: dict[str, str],
) -> None:
    """ST-1, EV-1: a refused carteira command, and a unit of work failing after it wrote,
    undo only their own writes (one SAVEPOINT each): the host's writes before and after
    them commit, and carteira's records and events are exactly those of the command that
    succeeded."""
    _passed(outcomes, "refusal_keeps_the_host_write")


def test_st1_the_example_service_keeps_both_or_neither(outcomes: dict[str, str]) -> None:
    """ST-1: the example's ``open_conversation`` keeps the conversation and its ticket;
    when carteira refuses the ticket (an unknown customer), the refusal leaves the
    ``atomic`` block and the conversation is not kept either."""
    _passed(outcomes, "service_keeps_both_or_neither")


def test_st1_carteira_cannot_end_or_escape_djangos_transaction(outcomes: dict[str, str]) -> None:
    """ST-1: outside ``transaction.atomic``, or in a block doomed to roll back, the helper
    refuses; a commit through SQLAlchemy is refused and commits nothing."""
    _passed(outcomes, "no_way_around_atomic")


def test_st8_a_later_migration_brings_an_older_carteira_schema_forward(
    outcomes: dict[str, str],
) -> None:
    """ST-8: a migration calling carteira's ``upgrade``, as docs/django.md writes it,
    upgrades tables an older carteira recorded to this carteira's schema version."""
    _passed(outcomes, "later_carteira")


def test_st8_migrate_to_zero_removes_carteiras_tables(outcomes: dict[str, str]) -> None:
    """ST-8: ``migrate helpdesk zero`` runs the migrations backwards and removes every
    table of carteira and of the app."""
    _passed(outcomes, "back_to_zero")


# -- the scenarios: they run in the Django process, never under pytest ----------------------


def _set_up(tenant: str) -> None:
    """Customer ``padaria`` and department ``chat``, committed before the scenario."""
    from helpdesk.carteira_db import carteira_connection

    host = Principal.system(tenant)
    with transaction.atomic(), carteira_connection() as shared:
        carteira = Carteira(SqlStore(shared).unit_of_work)
        carteira.register_customer(host, "padaria", "Padaria Estrela")
        carteira.save_department(host, "chat", "Chat")


@contextmanager
def _outside() -> Iterator[SqlStore]:
    """A store on a connection of its own (libpq's environment): it sees only commits."""
    store = SqlStore(create_engine("postgresql+psycopg://"))
    try:
        yield store
    finally:
        store.engine.dispose()


def _subjects(outside: SqlStore, tenant: str) -> list[str]:
    """The subjects of the tenant's conversations another connection sees, in order."""
    with outside.engine.connect() as seen:
        rows = seen.execute(
            text("SELECT subject FROM helpdesk_conversation WHERE tenant = :t ORDER BY id"),
            {"t": tenant},
        )
        return list(rows.scalars())


def _tickets(outside: SqlStore, tenant: str) -> dict[str, str]:
    """The tenant's tickets another connection sees, each with its customer."""
    rows = outside.snapshot(tenant).get(tenant, {}).get("carteira_tickets", ())
    return {row["id"]: row["customer"] for row in rows}


def _events(outside: SqlStore, tenant: str) -> list[Event]:
    """The tenant's events in carteira's outbox, as another connection sees them (EV-1)."""
    found = Carteira(outside.unit_of_work).unpublished_events(Principal.system(tenant))
    return [event for _, event in found]


def _tables(outside: SqlStore) -> set[str]:
    return set(inspect(outside.engine).get_table_names())


def _manage(*args: str) -> str:
    """Run a management command in this process; return what it printed."""
    printed = io.StringIO()
    call_command(*args, stdout=printed)
    return printed.getvalue()


CARTEIRA_TABLES = frozenset(table.name for table in metadata.sorted_tables)
APP_TABLES = frozenset({"helpdesk_conversation"})


class Boom(Exception):
    """The host's failure, injected."""


def migrated() -> None:
    with _outside() as outside:
        assert _tables(outside) >= CARTEIRA_TABLES | APP_TABLES
        assert schema_version(outside.engine) == SCHEMA_VERSION
    assert "Raw Python operation" in _manage("sqlmigrate", "helpdesk", "0002")


def commit_together() -> None:
    from helpdesk.carteira_db import carteira_connection
    from helpdesk.models import Conversation

    tenant, host = "commit", Principal.system("commit")
    _set_up(tenant)
    with _outside() as outside:
        before, events_before = outside.snapshot(tenant), _events(outside, tenant)
        with transaction.atomic():
            djangos = connection.connection
            conversation = Conversation.objects.create(
                tenant=tenant, customer_id="padaria", subject="Boleto"
            )
            with carteira_connection() as shared:
                carteira = Carteira(SqlStore(shared).unit_of_work)
                result = carteira.open_ticket(host, conversation.ticket_id, "padaria", "chat")
                seen = carteira.visible_tickets(host).items  # a query reads the block's writes
                assert [ticket.id for ticket in seen] == [conversation.ticket_id]
            assert outside.snapshot(tenant) == before, "carteira committed on its own"
            assert _subjects(outside, tenant) == [], "Django committed early"
            assert connection.connection is djangos
            assert not djangos.closed
        assert _subjects(outside, tenant) == ["Boleto"]
        assert _tickets(outside, tenant) == {conversation.ticket_id: "padaria"}
        assert isinstance(result.events[0], TicketOpened)
        assert _events(outside, tenant) == [*events_before, *result.events]
        assert connection.is_usable()


def roll_back_together() -> None:
    from helpdesk.carteira_db import carteira_connection
    from helpdesk.models import Conversation

    tenant, host = "rollback", Principal.system("rollback")
    _set_up(tenant)
    with _outside() as outside:
        before = outside.snapshot(tenant)
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    tenant=tenant, customer_id="padaria", subject="Boleto"
                )
                with carteira_connection() as shared:
                    carteira = Carteira(SqlStore(shared).unit_of_work)
                    carteira.open_ticket(host, conversation.ticket_id, "padaria", "chat")
                    carteira.register_customer(host, "mercado", "Mercado Azul")
                raise Boom
        except Boom:
            pass
        assert _subjects(outside, tenant) == []
        assert outside.snapshot(tenant) == before  # the events and the history included
        assert not Conversation.objects.filter(tenant=tenant).exists()


def refusal_keeps_the_host_write() -> None:
    from helpdesk.carteira_db import carteira_connection
    from helpdesk.models import Conversation

    tenant, host = "refusal", Principal.system("refusal")
    _set_up(tenant)
    with _outside() as outside:
        before = _events(outside, tenant)
        with transaction.atomic():
            Conversation.objects.create(tenant=tenant, customer_id="padaria", subject="first")
            with carteira_connection() as shared:
                store = SqlStore(shared)
                carteira = Carteira(store.unit_of_work)
                kept = carteira.save_department(host, "billing", "Billing")
                try:
                    carteira.register_customer(host, "padaria", "Padaria Again")
                except Conflict:
                    pass
                else:
                    raise AssertionError("a second padaria was registered")
                try:
                    with store.unit_of_work(tenant) as uow:  # writes, then fails
                        uow.customers.add(Customer(tenant, "ghost", "Ghost"))
                        raise Boom
                except Boom:
                    pass
            Conversation.objects.create(tenant=tenant, customer_id="padaria", subject="second")
        assert _subjects(outside, tenant) == ["first", "second"]
        tables = outside.snapshot(tenant)[tenant]
        assert [(c["id"], c["name"]) for c in tables["carteira_customers"]] == [
            ("padaria", "Padaria Estrela")
        ]
        assert [d["id"] for d in tables["carteira_departments"]] == ["billing", "chat"]
        assert _events(outside, tenant) == [*before, *kept.events]


def service_keeps_both_or_neither() -> None:
    from helpdesk.models import Conversation
    from helpdesk.services import open_conversation

    tenant = "service"
    _set_up(tenant)
    with _outside() as outside:
        conversation = open_conversation(tenant, "padaria", "chat", "Boleto")
        assert _tickets(outside, tenant) == {conversation.ticket_id: "padaria"}
        before = outside.snapshot(tenant)
        try:
            open_conversation(tenant, "nobody", "chat", "Lost")
        except NotFound:
            pass
        else:
            raise AssertionError("a ticket was opened for an unknown customer")
        assert _subjects(outside, tenant) == ["Boleto"]
        assert outside.snapshot(tenant) == before
        assert list(Conversation.objects.filter(tenant=tenant)) == [conversation]


def no_way_around_atomic() -> None:
    from helpdesk.carteira_db import carteira_connection
    from helpdesk.models import Conversation

    tenant = "guard"
    try:
        with carteira_connection():
            raise AssertionError("the helper ran outside transaction.atomic")
    except TransactionManagementError:
        pass
    with _outside() as outside:
        try:
            with transaction.atomic():
                Conversation.objects.create(tenant=tenant, customer_id="padaria", subject="s")
                with carteira_connection() as shared:
                    shared.begin()
                    shared.commit()
        except TransactionManagementError:
            pass
        else:
            raise AssertionError("SQLAlchemy committed Django's transaction")
        assert _subjects(outside, tenant) == []
    with transaction.atomic():
        try:
            with transaction.atomic(savepoint=False):  # fails, and dooms the outer block
                raise Boom
        except Boom:
            pass
        try:
            with carteira_connection():
                raise AssertionError("the helper ran in a block doomed to roll back")
        except TransactionManagementError:
            pass


def later_carteira() -> None:
    with _outside() as outside:
        with outside.engine.begin() as seen:  # as if an older carteira had made the tables
            seen.execute(update(schema_versions).values(version=SCHEMA_VERSION - 1))
        later = Path("helpdesk", "migrations", "0003_carteira_next.py")
        later.write_text(LATER, encoding="utf-8")
        importlib.invalidate_caches()  # let this process find the file it just wrote
        assert "Applying helpdesk.0003_carteira_next... OK" in _manage("migrate")
        assert schema_version(outside.engine) == SCHEMA_VERSION


def back_to_zero() -> None:
    _manage("migrate", "helpdesk", "zero")
    with _outside() as outside:
        assert not (CARTEIRA_TABLES | APP_TABLES) & _tables(outside)


# In this order: the tenants of the transactions' scenarios are their own; the last two
# change the schema under every other.
SCENARIOS = {
    scenario.__name__: scenario
    for scenario in (
        migrated,
        commit_together,
        roll_back_together,
        refusal_keeps_the_host_write,
        service_keeps_both_or_neither,
        no_way_around_atomic,
        later_carteira,
        back_to_zero,
    )
}


def _run_scenarios(outcomes: Path, names: list[str]) -> None:
    """Set Django up, run each scenario, write each one's outcome: "ok" or why not."""
    django.setup()
    found = {}
    for name in names:
        try:
            SCENARIOS[name]()
            found[name] = "ok"
        except Exception:
            found[name] = traceback.format_exc()
        finally:
            connections.close_all()
    outcomes.write_text(json.dumps(found), encoding="utf-8")


if __name__ == "__main__":
    _run_scenarios(Path(sys.argv[1]), sys.argv[2:])
