"""Version-checked writes of whole aggregates, one statement per table (ST-3, ST-5).

`add_row` stores version 1 and refuses a taken id or unique key with the
in-memory store's [`Conflict`][carteira.Conflict], leaving the transaction usable (``ON
CONFLICT DO NOTHING``, never a failed statement); `add_rows` does the same for
any number of new rows with one ``INSERT ... SELECT`` that stores all or none of them;
`update_rows` writes any number of rows with one ``UPDATE ... FROM`` that changes
all of them or none: each row must stand at the version it was read at
(``ConcurrencyError``, rule ST-3, otherwise); `remove_row` deletes a row as
read. Child-table rows are replaced with one ``DELETE`` and one ``INSERT``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import cattrs
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    Select,
    and_,
    delete,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Dialect

from carteira.adapters.sql.codec import Codec, Row
from carteira.adapters.sql.schema import KEY
from carteira.adapters.sql.sets import (
    among,
    insert_ignoring_conflicts,
    insert_rows,
    insert_select_ignoring_conflicts,
    rows_of,
    values_of,
)
from carteira.domain import refusals
from carteira.domain.errors import CarteiraError, ConcurrencyError, Conflict
from carteira.domain.versions import stored_new, stored_over

__all__ = ["Access", "Rows", "add_row", "add_rows", "remove_row", "stale", "taken", "update_rows"]

R = TypeVar("R", bound=Row)

Rows = CursorResult[*tuple[Any, ...]]
"""What a statement returns: rows of any width."""


class Access(Protocol):
    """What repositories need of their unit of work: its tenant, database and statements."""

    @property
    def tenant(self) -> str:
        """The tenant every statement is scoped to (TN-1)."""
        ...

    @property
    def dialect(self) -> str:
        """The database's dialect name: ``sqlite`` or ``postgresql``."""
        ...

    @property
    def converter(self) -> cattrs.Converter:
        """The converter of nested value objects to JSON and back."""
        ...

    def execute(self, statement: Executable, values: Mapping[str, Any] | None = None) -> Rows:
        """Run ``statement`` in the unit of work's transaction, errors translated (ST-1).

        ``values`` bind the statement's named parameters that carry no value.
        """
        ...

    def kept(self, key: Hashable, build: Callable[[], Executable]) -> Executable:
        """Return the statement kept for ``key`` in this tenant, built by ``build`` once.

        For statements that depend on their key alone, never on stored data (ST-4).
        """
        ...

    @property
    def sql_dialect(self) -> Dialect:
        """The engine's dialect, to compile a statement once for it."""
        ...

    def hint(self, key: Hashable, compute: Callable[[], bool]) -> bool:
        """Return a planning hint for ``key``, computed now or remembered for a while.

        A hint only chooses how a query runs (say, whether a scope is crowded), never
        what it returns, so a remembered one may be a little stale.
        """
        ...

    def run_driver_sql(self, sql: str, values: dict[str, Any]) -> Sequence[tuple[Any, ...]]:
        """Run SQL compiled for the driver with ``values`` bound by name; return its rows."""
        ...

    def abandon(self, error: CarteiraError) -> CarteiraError:
        """Roll the unit of work back, refuse any further use of it, return ``error``."""
        ...


def stale(kind: str, row: Row) -> ConcurrencyError:
    """Return the in-memory store's error for a write based on a stale version (ST-3)."""
    return ConcurrencyError(
        f"{kind} {row.id!r} changed since it was read at version {row.version}",
        rule="ST-3",
        details={"kind": kind, "id": row.id, "version": row.version},
    )


def add_row(access: Access, codec: Codec[R], entity: R) -> R:
    """Store a new ``entity`` at version 1; a taken id or unique key is a ``Conflict``.

    Returns it as stored ([`stored_new`][carteira.domain.versions.stored_new]).
    """
    table = codec.table
    row = codec.row(access.converter, access.tenant, entity, 1)
    statement = insert_ignoring_conflicts(access.dialect, table, row).returning(table.c.id)
    if access.execute(statement).first() is None:
        raise _add_refused(access, codec, entity, row)
    _insert_children(access, codec, [entity])
    return stored_new(entity)


def taken(kind: str, row_id: str, *, twice: bool = False) -> Conflict:
    """Return the in-memory store's conflict of a batch of new rows with a taken id (ST-5).

    ``twice``: the id is given twice in the batch rather than already stored.
    """
    return refusals.batch_id_taken(kind, row_id, twice)


def add_rows(access: Access, codec: Codec[R], entities: Sequence[R]) -> None:
    """Store new ``entities`` at version 1, all or none, in one ``INSERT`` (ST-5).

    The batch travels as one JSON parameter (`rows_of`),
    so neither the statement count nor the bound parameters grow with it. The
    ``INSERT ... SELECT`` inserts every row only when none of their ids is taken (an
    uncorrelated ``NOT EXISTS``), and never fails on a key (``ON CONFLICT DO
    NOTHING``), so a refusal leaves the transaction usable and nothing stored. An id
    stored or given twice is then `taken`, naming the first such entity in the
    order given, as the in-memory store does. For aggregates whose only unique key is
    the id (customers, organizations).
    """
    if not entities:
        return
    rows = [codec.row(access.converter, access.tenant, e, 1) for e in entities]
    if len({e.id for e in entities}) == len(entities):
        inserted = len(access.execute(_insert_unless_taken(access, codec, rows)).all())
        if inserted == len(rows):
            _insert_children(access, codec, entities)
            return
        if inserted:
            # A concurrent writer took some ids between the guard and the insert (READ
            # COMMITTED only); the rows already in cannot be taken back one by one.
            raise access.abandon(
                ConcurrencyError(f"{codec.kind} ids were taken while being added", rule="ST-3")
            )
    raise _batch_refused(access, codec, entities)


def _insert_unless_taken(access: Access, codec: Codec[R], rows: list[dict[str, object]]) -> Any:
    table = codec.table
    names = [name for name in rows[0] if name != "tenant"]
    incoming = rows_of(access.dialect, table, [{n: r[n] for n in names} for r in rows]).cte(
        "incoming"
    )
    current = table.alias("current")
    clash = (
        select(current.c.id)
        .where(
            current.c.tenant == access.tenant,
            among(access.dialect, current.c.id, select(incoming.c.id)),
        )
        .correlate(None)
        .exists()
    )
    source = select(
        literal(access.tenant, KEY).label("tenant"), *(incoming.c[n] for n in names)
    ).where(~clash)
    statement = insert_select_ignoring_conflicts(access.dialect, table, ["tenant", *names], source)
    return statement.returning(table.c.id)


def _batch_refused(access: Access, codec: Codec[R], entities: Sequence[R]) -> CarteiraError:
    table = codec.table
    ids = values_of(access.dialect, dict.fromkeys(e.id for e in entities), KEY)
    stored = set(
        access.execute(
            select(table.c.id).where(
                table.c.tenant == access.tenant, among(access.dialect, table.c.id, ids)
            )
        ).scalars()
    )
    seen: set[str] = set()
    for entity in entities:
        if entity.id in stored or entity.id in seen:
            return taken(codec.kind, entity.id, twice=entity.id in seen)
        seen.add(entity.id)
    return ConcurrencyError(f"{codec.kind} rows were stored meanwhile", rule="ST-3")


def _add_refused(
    access: Access, codec: Codec[R], entity: R, row: dict[str, object]
) -> CarteiraError:
    table = codec.table
    taken = select(table.c.id).where(table.c.tenant == access.tenant, table.c.id == entity.id)
    if access.execute(taken).first() is not None:
        return refusals.stored_already(codec.kind, entity.id)
    return _collision(access, codec, entity, row) or ConcurrencyError(
        f"{codec.kind} {entity.id!r} was stored meanwhile", rule="ST-3"
    )


def _collision(
    access: Access, codec: Codec[R], entity: R, row: dict[str, object]
) -> Conflict | None:
    """Return the conflict of ``row`` with another row on a unique key, if any (PF-1)."""
    table = codec.table
    for name, key in codec.unique:
        holder = access.execute(
            select(table.c.id)
            .where(
                table.c.tenant == access.tenant,
                table.c[key] == row[key],
                table.c.id != entity.id,
            )
            .order_by(table.c.id)
            .limit(1)
        ).scalar()
        if holder is not None:
            return refusals.unique_key_taken(codec.kind, entity.id, name, holder)
    return None


def update_rows(access: Access, codec: Codec[R], entities: Sequence[R]) -> list[R]:
    """Store every entity over the version it was read at, all or none (ST-3, ST-5).

    One ``UPDATE ... FROM`` changes every row, and only if every row still stands at
    its version and keeps its unique keys free: otherwise it changes nothing and the
    first refused entity, in the order given, names the error. Returns the entities as
    stored, in the order given ([`stored_over`][carteira.domain.versions.stored_over]).
    """
    if not entities:
        return []
    if len({e.id for e in entities}) != len(entities):
        raise ConcurrencyError(f"the same {codec.kind} written twice in one call", rule="ST-3")
    table = codec.table
    rows = [codec.row(access.converter, access.tenant, e, e.version) for e in entities]
    names = [name for name in rows[0] if name != "tenant"]
    incoming = rows_of(access.dialect, table, [{n: r[n] for n in names} for r in rows])
    cte = incoming.cte("incoming")
    current = table.alias("current")
    fitting = (
        select(func.count())
        .select_from(current.join(cte, current.c.id == cte.c.id))
        .where(current.c.tenant == access.tenant, *_fits(access, codec, current, cte))
        .correlate(None)
        .scalar_subquery()
    )
    statement = (
        update(table)
        .where(
            table.c.tenant == access.tenant,
            table.c.id == cte.c.id,
            *_fits(access, codec, table, cte),
            fitting == len(rows),
        )
        .values(
            {n: cte.c[n] for n in names if n not in ("id", "version")}
            | {"version": cte.c.version + 1}
        )
        .add_cte(cte)
        .returning(table.c.id)
    )
    changed = len(access.execute(statement).all())
    if changed != len(rows):
        error = _update_refused(access, codec, entities, rows)
        # Only under READ COMMITTED (a host's transaction) can a row change between the
        # count and the write; nothing can be undone row by row, so give up the unit.
        raise access.abandon(error) if changed else error
    _replace_children(access, codec, entities)
    return [stored_over(e) for e in entities]


def _fits(access: Access, codec: Codec[R], target: Any, incoming: Any) -> list[ColumnElement[bool]]:
    """Conditions on a stored row (``target``) for ``incoming`` to overwrite it."""
    conditions = [target.c.version == incoming.c.version]
    other = codec.table.alias("other")
    for _, key in codec.unique:
        taken = exists().where(
            other.c.tenant == access.tenant,
            other.c[key] == incoming.c[key],
            other.c.id != incoming.c.id,
        )
        conditions.append(~taken)
    return conditions


def _update_refused(
    access: Access, codec: Codec[R], entities: Sequence[R], rows: list[dict[str, object]]
) -> CarteiraError:
    table = codec.table
    ids = values_of(access.dialect, [e.id for e in entities], KEY)
    found = access.execute(
        select(table.c.id, table.c.version).where(
            table.c.tenant == access.tenant, table.c.id.in_(ids)
        )
    )
    versions = {row[0]: row[1] for row in found}
    for entity, row in zip(entities, rows, strict=True):
        if versions.get(entity.id) != entity.version:
            return stale(codec.kind, entity)
        conflict = _collision(access, codec, entity, row)
        if conflict is not None:
            return conflict
    return ConcurrencyError(f"{codec.kind} rows changed while being written", rule="ST-3")


def remove_row(access: Access, codec: Codec[R], entity: R) -> None:
    """Delete ``entity`` as read, with its child rows; a stale version changes nothing."""
    table = codec.table
    statement = (
        delete(table)
        .where(
            table.c.tenant == access.tenant,
            table.c.id == entity.id,
            table.c.version == entity.version,
        )
        .returning(table.c.id)
    )
    if access.execute(statement).first() is None:
        raise stale(codec.kind, entity)
    for child in codec.children:
        table = child.table
        access.execute(
            delete(table).where(table.c.tenant == access.tenant, table.c[child.parent] == entity.id)
        )


def _replace_children(access: Access, codec: Codec[R], entities: Sequence[R]) -> None:
    for child in codec.children:
        table = child.table
        ids: Select[Any] = values_of(access.dialect, [e.id for e in entities], KEY)
        access.execute(
            delete(table).where(
                and_(table.c.tenant == access.tenant, table.c[child.parent].in_(ids))
            )
        )
    _insert_children(access, codec, entities)


def _insert_children(access: Access, codec: Codec[R], entities: Sequence[R]) -> None:
    for child in codec.children:
        rows = [r for e in entities for r in codec.child_rows(child, access.tenant, e)]
        if rows:
            access.execute(insert_rows(access.dialect, child.table, rows))
