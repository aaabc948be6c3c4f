"""Tables of rows as a spreadsheet holds them, and what is wrong with a row (WA-8).

A [`DataSet`][carteira.spreadsheets.DataSet] is what an import reads and an export writes: up to
one [`Table`][carteira.spreadsheets.Table] of each
[`TableKind`][carteira.spreadsheets.TableKind], each row keeping the line it came from so that
every problem can name it. Cells are text, as in the file; the import reads them. The file formats
(CSV, XLSX) are the rest of [`carteira.spreadsheets`][carteira.spreadsheets], which exports these
names too. (Until issue 17 this module was ``carteira.domain.dataset``.)
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping

import attrs

from carteira.domain.errors import CarteiraError

__all__ = [
    "COLUMNS",
    "LIST_SEPARATOR",
    "PROBLEM_COLUMN",
    "REQUIRED",
    "CsvFormat",
    "DataSet",
    "ImportRefused",
    "RowProblem",
    "SourceRow",
    "Table",
    "TableKind",
    "TableLayout",
]

#: Separates the ids of a list held in one cell (``ana|bruno``).
LIST_SEPARATOR = "|"


class TableKind(enum.StrEnum):
    """What a table's rows describe (WA-8)."""

    MANAGERS = "managers"
    PORTFOLIOS = "portfolios"
    MEMBERSHIPS = "memberships"
    #: Ownership history (MB-6): written by an export, skipped by an import.
    HISTORY = "history"


#: The column a partial import's error file adds to each bad row; an import ignores it.
PROBLEM_COLUMN = "problem"

#: The canonical columns of each kind, in the order an export writes them; the last,
#: `PROBLEM_COLUMN`, only an error file holds.
COLUMNS: Mapping[TableKind, tuple[str, ...]] = {
    TableKind.MANAGERS: (
        "id",
        "name",
        "profile",
        "active",
        "roles",
        "default_portfolio",
        PROBLEM_COLUMN,
    ),
    TableKind.PORTFOLIOS: (
        "id",
        "name",
        "description",
        "journey",
        "journey_name",
        "managers",
        PROBLEM_COLUMN,
    ),
    TableKind.MEMBERSHIPS: (
        "customer",
        "customer_name",
        "organization",
        "organization_name",
        "portfolio",
        "managers",
        PROBLEM_COLUMN,
    ),
    TableKind.HISTORY: (
        "at",
        "subject_kind",
        "subject",
        "way",
        "rule",
        "actor",
        "portfolio_before",
        "managers_before",
        "portfolio_after",
        "managers_after",
        PROBLEM_COLUMN,
    ),
}

#: Columns a table of each kind must have; memberships need customer or organization.
REQUIRED: Mapping[TableKind, tuple[str, ...]] = {
    TableKind.MANAGERS: ("id",),
    TableKind.PORTFOLIOS: ("name",),
    TableKind.MEMBERSHIPS: (),
    TableKind.HISTORY: (),
}


@attrs.frozen
class SourceRow:
    """One row of a table: the line it came from and its cells by column (WA-8).

    ``line`` counts from 1 with the header as line 1: in a CSV the physical line where
    the row starts, in a sheet its row number. A column the table lacks is absent from
    ``values``; an empty cell is ``""``.
    """

    line: int
    values: Mapping[str, str]


@attrs.frozen
class CsvFormat:
    r"""How a CSV file is written: delimiter, encoding, byte-order mark, line end (WA-8).

    ``encoding`` is a Python codec name (``"utf-8"``, ``"cp1252"``, ``"utf-16-le"``...);
    ``bom`` says whether the file starts with a byte-order mark (a UTF's only; UTF-16 always
    has one); ``line_end`` is ``"\n"``, ``"\r\n"`` or ``"\r"``. The defaults are what an
    export writes. A reader records the format of the file it read (issue 15), so that an
    import's error file is written the same.
    """

    delimiter: str = ","
    encoding: str = "utf-8"
    bom: bool = False
    line_end: str = "\n"


@attrs.frozen
class TableLayout:
    """How a table was laid out in the file it was read from (WA-8, issue 15).

    ``headers`` pairs each canonical column with the header text the file gave it, stripped
    (``("customer", "Cliente")``), in the file's order; ``name`` is the file's stem or the
    sheet's name (``None`` when unknown); ``csv`` the CSV file's format, ``None`` for a sheet.
    The readers set it; an import's error file is written with it, in the input's words.
    """

    headers: tuple[tuple[str, str], ...] = ()
    name: str | None = None
    csv: CsvFormat | None = None

    def header(self, column: str) -> str | None:
        """Return the header text the file gave ``column``, if it had that column (WA-8)."""
        return next((text for name, text in self.headers if name == column), None)


@attrs.frozen
class Table:
    """A table of one kind read from (or written to) ``source`` (WA-8).

    ``columns`` are the canonical columns present, in the file's order; a column absent
    from the file leaves that field of every row unchanged on import. ``layout`` is how
    the file laid the table out (its header words, a CSV's delimiter and encoding), set by
    the readers and used by the writers, ``None`` for a table built otherwise (an export
    writes canonical headers); it takes no part in comparing tables (WA-8, issue 15).
    """

    kind: TableKind
    source: str
    columns: tuple[str, ...]
    rows: Collection[SourceRow]
    layout: TableLayout | None = attrs.field(default=None, eq=False)


@attrs.frozen
class DataSet:
    """The tables of one import or export, at most one of each kind (WA-8)."""

    tables: tuple[Table, ...] = ()

    def table(self, kind: TableKind) -> Table | None:
        """Return the table of ``kind``, if there is one."""
        return next((t for t in self.tables if t.kind is kind), None)


@attrs.frozen
class RowProblem:
    """Why one row (or a whole file, at ``line`` 0 or 1) cannot be imported (WA-8).

    ``code`` is stable, like an error's; ``column`` is the canonical column at fault,
    or ``None`` for the row as a whole; ``rule`` the SPEC rule that refuses it.
    """

    source: str
    line: int
    column: str | None
    code: str
    reason: str
    rule: str = "WA-8"

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}"
        column = f" [{self.column}]" if self.column else ""
        return f"{where}{column}: {self.reason} ({self.code}, {self.rule})"


class ImportRefused(CarteiraError):
    """An import found bad rows and applied none of them (WA-8, all or nothing).

    ``problems`` lists every bad row with its line, column and reason.
    """

    default_code = "import_refused"

    def __init__(self, problems: tuple[RowProblem, ...]) -> None:
        lines = len({(p.source, p.line) for p in problems})
        super().__init__(
            f"the import has {lines} bad row(s); nothing was applied",
            rule="WA-8",
            details={"problems": len(problems), "rows": lines},
        )
        self.problems = problems
