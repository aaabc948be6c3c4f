"""ST-8: carteira's tables in a host's own Alembic history, with real Alembic (issue 16).

The recipe of docs/alembic.md, followed as a host would: its ``env.py`` gives Alembic its
own metadata and carteira's; ``alembic revision --autogenerate`` writes one migration
creating both, to which the host adds carteira's ``stamp``; ``upgrade head`` builds them
and records carteira's version; carteira works on them; a second autogenerate finds
nothing to do; ``downgrade base`` removes them all. On a SQLite file and a PostgreSQL
schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, update

from carteira import Carteira, Principal
from carteira.adapters.sql import SCHEMA_VERSION, SqlStore, metadata
from carteira.adapters.sql.schema import schema_version, schema_versions
from databases import new_schema, require_postgres

ENV = '''
"""The host's env.py, as docs/alembic.md shows it."""

from alembic import context
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine

from carteira.adapters.sql import metadata as carteira_metadata

host_metadata = MetaData()
Table(
    "helpdesk_tickets",
    host_metadata,
    Column("id", Text, primary_key=True),
    Column("priority", Integer, nullable=False),
)

engine = create_engine(context.config.attributes["url"])
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=[host_metadata, carteira_metadata])
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
'''

UPGRADE = """    # carteira: a newer carteira's schema steps (docs/alembic.md)
    from carteira.adapters.sql import upgrade as upgrade_carteira

    upgrade_carteira(op.get_bind())
"""

STAMP = """    # carteira: record the schema version of the tables created above (docs/alembic.md)
    from carteira.adapters.sql import stamp

    stamp(op.get_bind())
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'host.db'}"
        return
    found, drop = new_schema(require_postgres())
    try:
        yield found
    finally:
        drop()


def _config(folder: Path, url: str) -> Config:
    config = Config(str(folder / "alembic.ini"))  # `alembic init` writes it
    config.set_main_option("script_location", str(folder / "migrations"))
    config.attributes["url"] = url
    return config


def _as_if_recorded_by_an_older_carteira(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(update(schema_versions).values(version=SCHEMA_VERSION - 1))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_st8_carteiras_tables_live_in_the_hosts_alembic_history(url: str, tmp_path: Path) -> None:
    config = _config(tmp_path, url)
    command.init(config, str(tmp_path / "migrations"))
    (tmp_path / "migrations" / "env.py").write_text(ENV, encoding="utf-8")

    script = command.revision(config, message="helpdesk and carteira", autogenerate=True)
    path = Path(script.path)  # type: ignore[union-attr]
    text = path.read_text(encoding="utf-8")
    end = "    # ### end Alembic commands ###\n"
    assert "carteira_customers" in text, "autogenerate saw carteira's metadata"
    path.write_text(text.replace(end, end + STAMP, 1), encoding="utf-8")

    command.upgrade(config, "head")
    carteira_tables = {t.name for t in metadata.sorted_tables}
    assert carteira_tables | {"helpdesk_tickets"} <= _tables(url)
    store = SqlStore(url)
    try:
        assert schema_version(store.engine) == SCHEMA_VERSION
        app = Carteira(store.unit_of_work)
        app.register_customer(Principal.system("acme"), "padaria", "Padaria Estrela")
        assert app.customer(Principal.system("acme"), "padaria").customer.name == "Padaria Estrela"
    finally:
        store.close()

    again = command.revision(config, message="nothing new", autogenerate=True)
    body = Path(again.path).read_text(encoding="utf-8")  # type: ignore[union-attr]
    for operation in ("op.create_", "op.drop_", "op.alter_", "op.add_column"):
        assert operation not in body, body
    Path(again.path).unlink()  # type: ignore[union-attr]

    _as_if_recorded_by_an_older_carteira(url)
    newer = command.revision(config, message="carteira's next version")
    newer_path = Path(newer.path)  # type: ignore[union-attr]
    pass_line = "    pass\n"
    newer_text = newer_path.read_text(encoding="utf-8")
    newer_path.write_text(newer_text.replace(pass_line, UPGRADE, 1), encoding="utf-8")
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        assert schema_version(engine) == SCHEMA_VERSION
    finally:
        engine.dispose()

    command.downgrade(config, "base")
    assert not (carteira_tables | {"helpdesk_tickets"}) & _tables(url)
