"""One run of the command line: which database, which tenant, who acts (TN-1, PM-2).

Nothing is opened until a command asks: ``--help`` and usage errors touch no database.
A SQLite file (``--db``, default ``./carteira.db``) is created by the first command that
writes and its schema upgraded when older; a ``--url`` goes through
[`carteira.open_store`][carteira.open_store], whose SQL adapter creates or upgrades the schema the
same way. A command that only reads creates no file (ST-6) and refuses a tenant of which the
database holds no record (TN-1), so that a typo in ``--db`` or ``--tenant`` is said, not
answered with an empty listing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO, TypeVar

import attrs

from carteira.adapters.registry import open_store
from carteira.app import Carteira
from carteira.cli.errors import TenantNotFound
from carteira.cli.output import Output
from carteira.domain import refusals
from carteira.domain.errors import StorageError
from carteira.domain.permissions import Profile
from carteira.domain.principal import Principal
from carteira.policies.eligibility import ProfileEligibility
from carteira.ports.presence import Presence
from carteira.ports.store import Store
from carteira.ports.unit_of_work import ReadUnitOfWork

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_TENANT",
    "ListedPresence",
    "Options",
    "Session",
    "environment",
    "open_sqlite",
    "resolve_options",
]

T = TypeVar("T")

DEFAULT_DB = "carteira.db"
DEFAULT_TENANT = "default"
# A URL's password, hidden when the URL is named in a message.
_PASSWORD = re.compile(r"(?<=://)([^/@:]*):[^/@]*@")


@attrs.frozen
class Options:
    """The global options, resolved against the environment."""

    url: str | None
    db: Path
    tenant: str
    acting_as: str | None
    json: bool
    debug: bool
    eligible: frozenset[Profile] | None = None

    @property
    def where(self) -> str:
        """The database in words, for messages: the file, or the URL without its password."""
        return str(self.db) if self.url is None else _PASSWORD.sub(r"\1:***@", self.url)


def resolve_options(values: Mapping[str, Any], environ: Mapping[str, str]) -> Options:
    """Return the options: an explicit option beats the environment, a URL beats a file."""
    url, db = values.get("url"), values.get("db")
    if url is None and db is None:
        url = environ.get("CARTEIRA_URL") or None
        db = environ.get("CARTEIRA_DB") or None
    eligible = values.get("eligible")
    return Options(
        url=url,
        db=Path(db or DEFAULT_DB),
        tenant=values.get("tenant") or environ.get("CARTEIRA_TENANT") or DEFAULT_TENANT,
        acting_as=values.get("acting_as"),
        json=bool(values.get("json")),
        debug=bool(values.get("debug")),
        eligible=frozenset(eligible) if eligible else None,
    )


class Session:
    """The store, the application and the principal of one command-line run."""

    def __init__(
        self, options: Options, stdin: TextIO | None = None, *, reads: bool = False
    ) -> None:
        self.options = options
        self.stdin = stdin
        #: The command only reads: it creates no database and needs a known tenant.
        self.reads = reads
        self._store: Store | None = None

    @property
    def tenant(self) -> str:
        """The tenant every command runs for (TN-1)."""
        return self.options.tenant

    @property
    def principal(self) -> Principal:
        """Who acts: ``--as`` a manager, or the host application itself (PM-2)."""
        if self.options.acting_as is None:
            return Principal.system(self.tenant)
        return Principal.manager(self.tenant, self.options.acting_as)

    @property
    def acting_as_host(self) -> bool:
        """Tell whether the host application itself acts (no ``--as``)."""
        return self.options.acting_as is None

    def app(self, presence: Presence | None = None) -> Carteira:
        """Return the application on this run's store; ``presence`` for routing (RT-2)."""
        eligible = self.options.eligible
        return Carteira(
            self.store().unit_of_work,
            eligibility=None if eligible is None else ProfileEligibility.of(eligible),
            presence=presence,
        )

    def store(self) -> Store:
        """Open the store once, on first use.

        For a command that only `reads`, a SQLite file that does not exist is refused
        before anything is created (``database_not_found``, ST-6, exit 4), and so is a
        tenant of which the database holds no record (``tenant_not_found``, TN-1, exit 1).
        """
        if self._store is None:
            if self.reads:
                _refuse_a_missing_file(self.options)
            self._store = _open(self.options)
            if self.reads and not self.read(_holds_records):
                raise TenantNotFound(self.tenant, self.options.where)
        return self._store

    def read(self, query: Callable[[ReadUnitOfWork], T]) -> T:
        """Run a query in one read-only unit of work of the tenant (ST-6: it writes nothing).

        The store's ``read_unit_of_work`` when it has one, else an ordinary unit of work,
        left without a commit.
        """
        store = self.store()
        readers = getattr(store, "read_unit_of_work", None)
        opened = readers(self.tenant) if callable(readers) else store.unit_of_work(self.tenant)
        with opened as uow:
            return query(uow)

    def read_as_actor(self, query: Callable[[ReadUnitOfWork], T]) -> T:
        """Run ``query`` like `read`, once the principal is known as an active actor.

        For the listings the facade has no query for: its settings query refuses an
        unknown or inactive manager first (MG-4).
        """
        self.app().settings(self.principal)
        return self.read(query)

    @property
    def interactive(self) -> bool:
        """Tell whether a person can be asked to confirm (stdin is a terminal)."""
        return self.stdin is not None and self.stdin.isatty()

    def ask(self, question: str, out: Output) -> bool:
        """Ask a yes/no question on the terminal; only "y" or "yes" is a yes."""
        print(f"{question} [y/N] ", end="", file=out.err, flush=True)
        answer = self.stdin.readline() if self.stdin is not None else ""
        return answer.strip().lower() in {"y", "yes"}

    def close(self) -> None:
        """Release the store's connections, if it was opened."""
        close = getattr(self._store, "close", None)
        if callable(close):
            close()
        self._store = None


def _open(options: Options) -> Store:
    if options.url is not None:
        return open_store(options.url)
    return open_sqlite(options.db)


def _holds_records(uow: ReadUnitOfWork) -> bool:
    """Tell whether the tenant holds any record, in one query of its event log.

    Every change carteira stores is logged with its events, kept for good (EV-1), so a
    tenant whose log is empty holds nothing.
    """
    return bool(uow.events.read(0, 1))


def _refuse_a_missing_file(options: Options) -> None:
    """Refuse to read a SQLite file that does not exist, before it is created (ST-6)."""
    path = _database_file(options)
    if path is None or path.is_file():
        return
    named = "--db or CARTEIRA_DB" if options.url is None else "--url or CARTEIRA_URL"
    raise refusals.database_not_found(str(path), named)


def _database_file(options: Options) -> Path | None:
    """Return the SQLite file the options name (``--db``, or a ``sqlite://`` URL), if any."""
    if options.url is None:
        return options.db
    try:
        from sqlalchemy.engine import make_url  # noqa: PLC0415 - the optional extra
        from sqlalchemy.exc import ArgumentError  # noqa: PLC0415
    except ImportError:  # opening the store says what to install
        return None
    try:
        url = make_url(options.url)
    except ArgumentError:  # opening the store says what is wrong with it
        return None
    database = url.database or ""
    not_a_path = database in {"", ":memory:"} or database.startswith("file:")
    if url.get_backend_name() != "sqlite" or not_a_path:
        return None
    return Path(database)


def open_sqlite(path: Path) -> Store:
    """Open (creating, or upgrading, when needed) the SQLite file at ``path`` (ST-2)."""
    try:
        from carteira.adapters.sql import SqlStore  # noqa: PLC0415 - the optional extra
    except ImportError as error:
        raise refusals.adapter_unavailable() from error
    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        raise StorageError(f"cannot open {path}: the folder {folder} does not exist", rule="ST-2")
    store: Store = SqlStore.sqlite(path)
    return store


class ListedPresence:
    """Presence told on the command line, which has no live one (RT-2).

    ``online`` lists who is online (everyone else is offline); without it everyone is
    online except those in ``offline``.
    """

    def __init__(self, online: Iterable[str] | None, offline: Iterable[str] = ()) -> None:
        self._online = None if online is None else frozenset(online)
        self._offline = frozenset(offline)

    def online(self, tenant: str, manager_ids: Iterable[str]) -> frozenset[str]:
        """Return those of ``manager_ids`` this run counts as online."""
        ids = frozenset(manager_ids)
        if self._online is not None:
            return ids & self._online
        return ids - self._offline


def environment() -> Mapping[str, str]:
    """Return the process environment (a seam for tests)."""
    return os.environ
