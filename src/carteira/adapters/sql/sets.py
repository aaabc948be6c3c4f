"""Rows and ids sent as one JSON parameter, so a set-based write is one statement (ST-5).

A batch of any size becomes a single bound parameter holding a JSON array, which the
database turns into a relation: ``json_to_recordset`` in PostgreSQL, ``json_each`` with
``json_extract`` in SQLite. One ``INSERT ... SELECT`` or ``UPDATE ... FROM`` then writes
the whole batch: the statement count does not grow with the rows, nor does any limit on
the number of bound parameters apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    CompoundSelect,
    Insert,
    Integer,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    column,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from carteira.adapters.sql.codec import dumps

__all__ = [
    "among",
    "ids_parameter",
    "insert_ignoring_conflicts",
    "insert_rows",
    "insert_select_ignoring_conflicts",
    "rows_of",
    "values_of",
]

POSTGRESQL = "postgresql"


def _plain(kind: TypeEngine[Any]) -> TypeEngine[Any]:
    if isinstance(kind, Boolean):
        return Boolean()
    if isinstance(kind, Integer):
        return BigInteger()
    return Text()


def _payload(value: object, dialect: str) -> ColumnElement[Any]:
    parameter = literal(dumps(value), Text)
    return cast(parameter, postgresql.JSON) if dialect == POSTGRESQL else parameter


def rows_of(dialect: str, table: Table, rows: Sequence[Mapping[str, object]]) -> Select[Any]:
    """Return a SELECT of ``rows`` (dicts of ``table``'s column values) from one parameter.

    A key that names no column of ``table`` is a whole number (a row's rank in a batch).
    """
    names = list(rows[0])
    kinds = [(name, _plain(table.c[name].type if name in table.c else Integer())) for name in names]
    if dialect == POSTGRESQL:
        records = (
            func.json_to_recordset(_payload(rows, dialect))
            .table_valued(*(column(name, kind) for name, kind in kinds))
            .render_derived(name="incoming", with_types=True)
        )
        return select(*(records.c[name] for name in names))
    items = func.json_each(_payload(rows, dialect)).table_valued("value")
    return select(
        *(
            type_coerce(func.json_extract(items.c.value, f"$.{name}"), kind).label(name)
            for name, kind in kinds
        )
    )


def values_of(dialect: str, values: Iterable[str | int], kind: TypeEngine[Any]) -> Select[Any]:
    """Return a SELECT of one column ``value`` holding ``values`` (ids or positions)."""
    listed = list(values)
    if dialect == POSTGRESQL:
        items = func.json_array_elements_text(_payload(listed, dialect)).table_valued("value")
        return select(cast(items.c.value, kind).label("value"))
    items = func.json_each(_payload(listed, dialect)).table_valued("value")
    return select(type_coerce(items.c.value, kind).label("value"))


def ids_parameter(dialect: str, name: str) -> Select[Any]:
    """Return a SELECT of one column ``value`` holding the ids of the JSON parameter ``name``.

    The ids are bound when the statement runs, so a statement built once serves every list.
    """
    ids = bindparam(name, type_=Text)
    if dialect == POSTGRESQL:
        items = func.json_array_elements_text(cast(ids, postgresql.JSON)).table_valued("value")
    else:
        items = func.json_each(ids).table_valued("value")
    return select(items.c.value)


def insert_rows(dialect: str, table: Table, rows: Sequence[Mapping[str, object]]) -> Insert:
    """Return one ``INSERT ... SELECT`` storing every row of ``rows`` (ST-5)."""
    incoming = rows_of(dialect, table, rows).subquery("incoming")
    names = list(rows[0])
    return table.insert().from_select(names, select(*(incoming.c[n] for n in names)))


def insert_ignoring_conflicts(dialect: str, table: Table, row: Mapping[str, object]) -> Insert:
    """Return an INSERT of ``row`` that does nothing when a unique key is taken."""
    if dialect == POSTGRESQL:
        return postgresql.insert(table).values(dict(row)).on_conflict_do_nothing()
    return sqlite.insert(table).values(dict(row)).on_conflict_do_nothing()


def insert_select_ignoring_conflicts(
    dialect: str, table: Table, names: Sequence[str], source: Select[Any]
) -> Insert:
    """Return ``INSERT INTO table (names) source`` skipping rows whose unique key is taken.

    ``source`` must have a ``WHERE`` clause: SQLite needs it to tell the ``ON CONFLICT``
    clause from a join's ``ON``.
    """
    module: Any = postgresql if dialect == POSTGRESQL else sqlite
    statement: Insert = module.insert(table).from_select(list(names), source)
    return statement.on_conflict_do_nothing()  # type: ignore[attr-defined,no-any-return]


def among(
    dialect: str, column: ColumnElement[Any], ids: Select[Any] | CompoundSelect[Any]
) -> ColumnElement[bool]:
    """Return "``column`` is one of the values ``ids`` selects", found through an index.

    In PostgreSQL ``= ANY(ARRAY(...))`` rather than ``IN (...)``: the array is one
    parameter of an index condition, so each value is one probe of an index whatever
    the planner's statistics say (a table just filled in bulk may look empty to it, and
    a semi-join planned on that belief compares every row with every value).
    """
    if dialect == POSTGRESQL:
        return column == func.any(func.array(ids.scalar_subquery()))
    return column.in_(ids)
