"""Statements compiled once for a driver and run with bound values (ST-7).

A query on the hot path (a check, a scope, a routing decision's reads) is built and
compiled once per dialect; each call then binds its values by name and runs the SQL text
through `Access.run_driver_sql`, skipping SQLAlchemy's construction, cache key and
result set-up.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import attrs
from sqlalchemy import BindTyping, Boolean, CompoundSelect, Select
from sqlalchemy.engine import Dialect

from carteira.adapters.sql.writes import Access

__all__ = ["Prepared", "prepare"]

_DRIVER_STYLE = {"sqlite": "named", "postgresql": "pyformat"}


@attrs.frozen
class Prepared:
    """A statement compiled for one dialect: its SQL, its default values, its columns."""

    sql: str
    defaults: dict[str, Any]
    columns: tuple[str, ...]
    flags: tuple[int, ...] = ()

    def rows(self, access: Access, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run it in ``access``'s unit of work with ``values`` (and ``tenant``) bound.

        Boolean columns come back as ``bool`` (SQLite's driver gives 0 and 1).
        """
        bound = {**self.defaults, "tenant": access.tenant, **values}
        found = access.run_driver_sql(self.sql, bound)
        if not self.flags:
            return list(found)
        return [self._with_flags(row) for row in found]

    def _with_flags(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for n in self.flags:
            if values[n] is not None:
                values[n] = bool(values[n])
        return tuple(values)

    def records(self, access: Access, values: dict[str, Any]) -> list[dict[str, Any]]:
        """Run it like `rows`, each row as a dict by column name."""
        names = self.columns
        return [dict(zip(names, row, strict=True)) for row in self.rows(access, values)]


def prepare(dialect: Dialect, statement: Select[Any] | CompoundSelect[Any]) -> Prepared:
    """Compile ``statement`` for ``dialect``'s driver, its values to be bound by name."""
    compiled = statement.compile(dialect=_with_style(dialect))
    selected = list(statement.selected_columns)
    columns = tuple(str(c.key) for c in selected)
    flags = tuple(n for n, c in enumerate(selected) if isinstance(c.type, Boolean))
    return Prepared(str(compiled), dict(compiled.params), columns, flags)


@cache
def _with_style(dialect: Dialect) -> Dialect:
    """Return a copy of ``dialect`` writing bound values as its driver reads them by name."""
    kind: Any = type(dialect)
    styled: Dialect = kind(paramstyle=_DRIVER_STYLE[dialect.name])
    # No casts on bound values: PostgreSQL then types each from its column, so a text
    # value compares under the column's "C" collation and its index serves the look-up.
    styled.bind_typing = BindTyping.NONE
    return styled
