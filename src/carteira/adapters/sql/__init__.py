"""The SQL adapter: SQLite (the embedded default) and PostgreSQL on SQLAlchemy Core (ST-2).

Open a store and hand its ``unit_of_work`` to [`Carteira`][carteira.Carteira]::

    from carteira import Carteira
    from carteira.adapters.sql import SqlStore

    store = SqlStore.sqlite("carteira.db")  # or SqlStore("postgresql+psycopg://...")
    app = Carteira(store.unit_of_work)

`metadata` holds every table, for a host's own migrations; `upgrade`
creates or upgrades them and refuses a database newer than this code; `stamp` records the
version of tables a host created from `metadata` itself, once every table and index is
there. Processes that start together create or upgrade the schema one after another (ST-8).
Needs the ``sql`` extra (SQLAlchemy); PostgreSQL also the ``postgres`` extra (psycopg 3).
"""

from carteira.adapters.sql.schema import (
    SCHEMA_VERSION,
    create_schema,
    metadata,
    missing_parts,
    stamp,
    upgrade,
)
from carteira.adapters.sql.store import SqlReadUnitOfWork, SqlStore, SqlUnitOfWork
from carteira.adapters.sql.visibility import visible

__all__ = [
    "SCHEMA_VERSION",
    "SqlReadUnitOfWork",
    "SqlStore",
    "SqlUnitOfWork",
    "create_schema",
    "metadata",
    "missing_parts",
    "stamp",
    "upgrade",
    "visible",
]
