"""The bookkeeping of an import's rows: their cells, and the problems found in them (WA-8)."""

from __future__ import annotations

from collections.abc import Callable

from carteira.domain.errors import CarteiraError, InvalidInput, NotFound
from carteira.services.context import Context, ReadContext
from carteira.spreadsheets.dataset import COLUMNS, RowProblem, SourceRow, Table, TableKind

__all__ = ["Problems", "Progress", "RowKey", "problem_of", "require_full_view", "text"]

RowKey = tuple[str, int]
"""A row's place: its table's source and its line."""

Progress = Callable[[int, int], None]
"""Told ``(rows done, rows in all)`` as an import goes."""

# Which column a refusal points at, by its code, where its details do not say.
_COLUMN_OF_CODE = {
    TableKind.MEMBERSHIPS: {
        "portfolio_unavailable": "portfolio",
        "manager_inactive": "managers",
        "manager_outside_portfolio": "managers",
        "too_many_account_managers": "managers",
    },
    TableKind.PORTFOLIOS: {
        "portfolio_name_taken": "name",
        "name_required": "name",
        "name_too_long": "name",
        "manager_not_eligible": "managers",
        "manager_outside_portfolio": "managers",
        "portfolio_would_be_orphaned": "managers",
    },
    TableKind.MANAGERS: {
        "portfolios_would_be_orphaned": "active",
        "manager_outside_portfolio": "default_portfolio",
    },
}
_COLUMN_OF_KIND = {
    TableKind.MEMBERSHIPS: {
        "manager": "managers",
        "portfolio": "portfolio",
        "organization": "organization",
        "customer": "customer",
    },
    TableKind.PORTFOLIOS: {"manager": "managers", "portfolio": "id"},
    TableKind.MANAGERS: {"manager": "id", "portfolio": "default_portfolio"},
}


def require_full_view(context: ReadContext, action: str) -> None:
    """Refuse an actor who does not see every customer: VIEW_ALL, the host or no segmentation.

    An import or export of part of a tenant would read, the other way, as customers
    leaving; and its refusals would reveal what the actor may not see (VS-3).
    """
    context.actor.require_whole_tenant(
        context.viewer, action, segmentation=lambda: context.settings.segmentation
    )


def text(row: SourceRow, column: str) -> str:
    """Return a cell's text, ``""`` when the table lacks the column."""
    return row.values.get(column, "")


def problem_of(error: CarteiraError, table: Table, row: SourceRow) -> list[RowProblem]:
    """Return a refusal met while applying ``row`` as that row's problems (WA-8, ER-1)."""
    rule = error.rule or "WA-8"
    if isinstance(error, InvalidInput):
        return [
            RowProblem(
                table.source,
                row.line,
                _column(table, field.path),
                error.code,
                f"{field.path.removeprefix('$.')} {field.message}",
                rule,
            )
            for field in error.errors
        ]
    if isinstance(error, NotFound):
        kind = str(error.details.get("kind", ""))
        column = _present(table, _COLUMN_OF_KIND.get(table.kind, {}).get(kind))
        # Unknown to the database and to the file: WA-8's reason, not TN-1's.
        code = f"unknown_{kind}"
        return [RowProblem(table.source, row.line, column, code, error.message, "WA-8")]
    column = _present(table, _COLUMN_OF_CODE.get(table.kind, {}).get(error.code))
    return [RowProblem(table.source, row.line, column, error.code, error.message, rule)]


def _present(table: Table, column: str | None) -> str | None:
    """Return ``column`` if the file has it, else ``None``: the row as a whole (ER-3)."""
    return column if column in table.columns else None


def _column(table: Table, path: str) -> str | None:
    """Return the column a field path names (``$.name``, ``managers[2]``, ``name``).

    Only a column the file has: a problem never names one it lacks (ER-3).
    """
    head = path.removeprefix("$.").split("[", 1)[0].split(".", 1)[0]
    return head if head in COLUMNS[table.kind] and head in table.columns else None


class Problems:
    """The problems found so far in one pass, and the rows already refused."""

    def __init__(self, excluded: frozenset[RowKey]) -> None:
        self._excluded = excluded
        self._bad: set[RowKey] = set()
        self._found: list[RowProblem] = []

    @property
    def found(self) -> tuple[RowProblem, ...]:
        """The problems of this pass, in the order found."""
        return tuple(self._found)

    def refused(self, table: Table, row: SourceRow) -> bool:
        """Tell whether ``row`` is left out: by an earlier pass, or in this one."""
        key = (table.source, row.line)
        return key in self._excluded or key in self._bad

    def excluded_from(self, table: Table) -> int:
        """Return how many rows of ``table`` an earlier pass left out."""
        return sum(1 for source, _ in self._excluded if source == table.source)

    def add(self, table: Table, row: SourceRow, *problems: RowProblem) -> None:
        """Refuse ``row`` for ``problems``."""
        self._bad.add((table.source, row.line))
        self._found.extend(problems)

    def attempt(
        self,
        context: Context,
        table: Table,
        row: SourceRow,
        body: Callable[[Table, SourceRow], None],
    ) -> bool:
        """Apply one row through ``body``; tell whether it changed something.

        A refusal becomes the row's problems. The pass goes on, so that every bad row
        is reported, and its unit of work is then rolled back as a whole.
        """
        emitted = context.emitted
        try:
            body(table, row)
        except CarteiraError as error:
            self.add(table, row, *problem_of(error, table, row))
            return False
        return context.emitted > emitted
