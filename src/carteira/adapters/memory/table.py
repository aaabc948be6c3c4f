"""An indexed table of immutable rows with version checks and an undo journal."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from carteira.domain import refusals
from carteira.domain.errors import ConcurrencyError, Conflict
from carteira.domain.versions import stored_new, stored_over

__all__ = ["Journal", "Table", "taken"]


class _Row(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=_Row)
Row = TypeVar("Row", bound=_Row)  # for functions generic over a table's rows
_EMPTY: frozenset[str] = frozenset()
IndexKeys = Callable[[Any], Iterable[Hashable]]


def taken(kind: str, row_id: str, *, twice: bool = False) -> Conflict:
    """Return the conflict of a batch of new rows with a taken id (``<kind>_exists``).

    ``twice``: the id is given twice in the batch rather than already stored. Both
    adapters raise exactly this from ``add_many`` (ST-5).
    """
    return refusals.batch_id_taken(kind, row_id, twice)


class Journal:
    """Undo steps of one unit of work, replayed newest first on rollback."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], None]] = []

    def record(self, undo: Callable[[], None]) -> None:
        """Remember how to undo one change."""
        self._steps.append(undo)

    def rollback(self) -> None:
        """Undo every recorded change, newest first, and forget them."""
        while self._steps:
            self._steps.pop()()

    def forget(self) -> None:
        """Keep every change (commit)."""
        self._steps.clear()


class Table(Generic[R]):
    """Rows by id, secondary indexes, unique keys; every write journaled.

    ``indexes`` map a name to a function giving the keys a row is filed under;
    ``unique`` names those indexes where a key may belong to one row only.
    ``generation`` grows whenever a row comes, goes or changes an index key, rollbacks
    included, so anything derived from the indexes alone is fresh while it stands still;
    ``revision`` grows on every write and undo, for what is derived from the rows too.
    """

    def __init__(
        self,
        kind: str,
        journal: Callable[[], Journal],
        indexes: Mapping[str, IndexKeys] | None = None,
        unique: frozenset[str] = frozenset(),
    ) -> None:
        self.kind = kind
        self._journal = journal
        self._index_keys: dict[str, IndexKeys] = dict(indexes or {})
        self._unique = unique
        self.rows: dict[str, R] = {}
        self.indexes: dict[str, dict[Hashable, set[str]]] = {n: {} for n in self._index_keys}
        self.generation = 0
        self.revision = 0

    def get(self, row_id: str) -> R | None:
        """Return the row with ``row_id``, or ``None``."""
        return self.rows.get(row_id)

    def ids(self, index: str, key: Hashable) -> frozenset[str] | set[str]:
        """Return the ids filed under ``key`` in ``index`` (do not change the result)."""
        return self.indexes[index].get(key, _EMPTY)

    def lookup(self, index: str, key: Hashable) -> list[R]:
        """Return the rows filed under ``key`` in ``index``, ordered by id."""
        return [self.rows[i] for i in sorted(self.indexes[index].get(key, ()))]

    def add(self, row: R) -> R:
        """Store a new row at version 1."""
        if row.id in self.rows:
            raise refusals.stored_already(self.kind, row.id)
        stored = stored_new(row)
        self._check_unique(stored)
        self._write(row.id, stored)
        return stored

    def add_all(self, rows: list[R]) -> None:
        """Store new rows at version 1, all or none (ST-5).

        An id already stored, or given twice in ``rows``, is the [`Conflict`][carteira.Conflict]
        `add` raises, naming the first such row in the order given; nothing is
        written then.
        """
        seen: set[str] = set()
        for row in rows:
            if row.id in self.rows or row.id in seen:
                raise taken(self.kind, row.id, twice=row.id in seen)
            seen.add(row.id)
        written: list[str] = []
        try:
            for row in rows:
                self.add(row)
                written.append(row.id)
        except BaseException:
            for row_id in reversed(written):
                self._put(row_id, None)
            raise

    def update(self, row: R) -> R:
        """Store ``row`` over the version it was read at."""
        self._check_version(row)
        stored = stored_over(row)
        self._check_unique(stored)
        self._write(row.id, stored)
        return stored

    def update_all(self, rows: list[R]) -> list[R]:
        """Store every row over the version it was read at, or none of them (ST-5).

        Returns the rows as stored, in the order given.
        """
        for row in rows:
            self._check_version(row)
        written: list[tuple[str, R | None]] = []
        stored: list[R] = []
        try:
            for row in rows:
                previous = self.rows.get(row.id)
                stored.append(self.update(row))
                written.append((row.id, previous))
        except BaseException:
            for row_id, previous in reversed(written):
                self._put(row_id, previous)
            raise
        return stored

    def remove(self, row: R) -> None:
        """Delete ``row`` as read."""
        self._check_version(row)
        self._write(row.id, None)

    def snapshot(self) -> tuple[dict[str, R], dict[str, dict[Hashable, frozenset[str]]]]:
        """Return a copy of the rows and every index, for exact comparisons."""
        indexes = {
            name: {k: frozenset(v) for k, v in index.items()}
            for name, index in self.indexes.items()
        }
        return dict(self.rows), indexes

    def _check_version(self, row: R) -> None:
        current = self.rows.get(row.id)
        if current is None or current.version != row.version:
            raise ConcurrencyError(
                f"{self.kind} {row.id!r} changed since it was read at version {row.version}",
                rule="ST-3",
                details={"kind": self.kind, "id": row.id, "version": row.version},
            )

    def _check_unique(self, row: R) -> None:
        for name in self._unique:
            for key in self._index_keys[name](row):
                holders = self.indexes[name].get(key, set()) - {row.id}
                if holders:
                    raise refusals.unique_key_taken(self.kind, row.id, name, min(holders))

    def _write(self, row_id: str, row: R | None) -> None:
        previous = self.rows.get(row_id)
        self._put(row_id, row)
        self._journal().record(lambda: self._put(row_id, previous))

    def _put(self, row_id: str, row: R | None) -> None:
        self.revision += 1
        old = self.rows.pop(row_id, None)
        if row is not None:
            self.rows[row_id] = row
        moved = old is None or row is None
        for name, keys in self._index_keys.items():
            before = set() if old is None else set(keys(old))
            after = set() if row is None else set(keys(row))
            if before == after:
                continue
            moved = True
            index = self.indexes[name]
            for key in before - after:
                holders = index[key]
                holders.discard(row_id)
                if not holders:
                    del index[key]
            for key in after - before:
                index.setdefault(key, set()).add(row_id)
        if moved:
            self.generation += 1
