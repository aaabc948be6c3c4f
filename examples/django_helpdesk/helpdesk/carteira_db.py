"""carteira on Django's own database connection, inside ``transaction.atomic`` (ST-1).

`carteira_connection` gives carteira a SQLAlchemy `Connection` over the psycopg connection
Django holds for this thread and database. A `SqlStore` on it runs each carteira command in a
SAVEPOINT of Django's transaction: ``atomic`` commits or rolls back the host's writes and
carteira's together, and a refused command undoes only its own writes. SQLAlchemy never
commits, rolls back or closes Django's connection: that stays Django's (docs/django.md).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.transaction import TransactionManagementError
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import NullPool

__all__ = ["DjangoConnectionDialect", "carteira_connection"]


class DjangoConnectionDialect(PGDialect_psycopg):
    """SQLAlchemy's psycopg dialect on a connection Django owns: it ends nothing.

    What SQLAlchemy does when its own transaction ends, or when it hands a connection back
    to its pool (roll back, close), does nothing here: Django's ``atomic`` decides, and
    Django closes. A commit is refused outright, for only ``atomic`` may commit.
    """

    supports_statement_cache = True  # SQLAlchemy asks each subclass to say so itself

    def on_connect(self) -> None:
        """Leave the connection as Django set it up: no notice handler, no isolation level."""

    def do_commit(self, dbapi_connection: DBAPIConnection) -> None:
        """Refuse: Django's ``transaction.atomic`` commits, never SQLAlchemy."""
        raise TransactionManagementError(
            "carteira's writes are committed by Django's transaction.atomic, not SQLAlchemy"
        )

    def do_rollback(self, dbapi_connection: DBAPIConnection) -> None:
        """Do nothing: Django's ``atomic`` rolls back when its block fails."""

    def do_close(self, dbapi_connection: DBAPIConnection) -> None:
        """Do nothing: the connection is Django's to close."""

    def do_terminate(self, dbapi_connection: DBAPIConnection) -> None:
        """Do nothing: the connection is Django's to close."""


@cache
def _engine(using: str) -> Engine:
    """Return the process's engine for Django's database ``using``, built on first use.

    It has no pool: each connection it hands out is Django's connection of the calling
    thread at that moment (``connections`` is per thread), so it follows Django's reconnects.
    """
    registry.register("postgresql.django", __name__, DjangoConnectionDialect.__name__)
    return create_engine(
        "postgresql+django://", creator=lambda: connections[using].connection, poolclass=NullPool
    )


@contextmanager
def carteira_connection(using: str = DEFAULT_DB_ALIAS) -> Iterator[Connection]:
    """Yield a SQLAlchemy connection over Django's connection ``using``, for `SqlStore`.

    Only inside ``transaction.atomic(using=using)``: carteira's writes join that
    transaction, which Django commits or rolls back with the host's own writes (ST-1).
    Outside one there is no transaction to join: it refuses with Django's
    `TransactionManagementError`, as it does in a block already doomed to roll back.
    """
    django_connection = connections[using]
    if django_connection.vendor != "postgresql":
        raise ImproperlyConfigured(
            f"carteira_connection needs PostgreSQL, not {using!r}'s {django_connection.vendor}"
        )
    if not django_connection.in_atomic_block:
        raise TransactionManagementError(
            "carteira_connection() joins the transaction of transaction.atomic(): open one first"
        )
    django_connection.validate_no_broken_transaction()
    with _engine(using).connect() as connection:
        yield connection
