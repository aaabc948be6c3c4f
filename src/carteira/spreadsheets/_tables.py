"""From rows of text cells to a [`Table`][carteira.spreadsheets.Table] (WA-8).

Shared by the CSV and XLSX readers: find the header, tell the table's kind, map the
headers to canonical columns and lay out the rows, collecting every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import BinaryIO

from carteira.spreadsheets._aliases import LOOKUP, TABLE_NAMES, accepted, normalize
from carteira.spreadsheets._limits import ReadLimits
from carteira.spreadsheets._problems import SpreadsheetError, problem, unreadable
from carteira.spreadsheets.dataset import (
    COLUMNS,
    REQUIRED,
    CsvFormat,
    RowProblem,
    SourceRow,
    Table,
    TableKind,
    TableLayout,
)

__all__ = [
    "FileRows",
    "Opener",
    "Records",
    "Reopen",
    "build_table",
    "file_changed",
    "kind_from_headers",
    "kind_from_name",
]

Opener = Callable[[], BinaryIO]
"""Opens a file's bytes from their start, each time it is called."""

Records = Iterable[tuple[int, Sequence[str]]]
"""A file's rows of cells, each with the line it starts on."""

Reopen = Callable[[list[RowProblem]], AbstractContextManager[Records]]
"""Opens a file's records again, adding to the list what goes wrong while reading them."""

_NAMES = {normalize(name): kind for kind, names in TABLE_NAMES.items() for name in names}


_DEFAULT_LIMITS = ReadLimits()


def _only(
    kind: TableKind, *others: TableKind, columns: Iterable[str] | None = None
) -> frozenset[str]:
    """Header names ``kind`` accepts (for ``columns``, if given) that ``others`` do not."""
    wanted = set(COLUMNS[kind] if columns is None else columns)
    theirs = {name for other in others for name in LOOKUP[other]}
    return frozenset(n for n, c in LOOKUP[kind].items() if c in wanted and n not in theirs)


_M, _P, _S, _H = TableKind.MANAGERS, TableKind.PORTFOLIOS, TableKind.MEMBERSHIPS, TableKind.HISTORY
_PARTIES = ("customer", "customer_name", "organization", "organization_name")
# Headers that settle a kind, tried in this order; see kind_from_headers.
_MEMBERSHIP_SIGNS = _only(_S, _M, _P, columns=_PARTIES)
_HISTORY_SIGNS = _only(_H, _M, _P, _S)
_MANAGER_SIGNS = _only(_M, _P)
_PORTFOLIO_SIGNS = _only(_P, _M)


def kind_from_name(name: str) -> TableKind | None:
    """Return the kind a file stem or sheet name names, if any (WA-8).

    ``managers``/``gerentes``, ``portfolios``/``carteiras``,
    ``memberships``/``clientes``/``vinculos``, ``history``/``historico``; case and
    accents do not matter.
    """
    return _NAMES.get(normalize(name))


def kind_from_headers(headers: Iterable[str]) -> TableKind | None:
    """Tell a table's kind from its header names alone, or ``None`` (WA-8).

    In this order: a customer or organization column (``cliente``, ``empresa``,
    ``nome do cliente``...) makes memberships; else a column only history has
    (``subject``, ``way``, ``managers_after``...) makes history; else a column only
    managers have (``gerente``, ``manager_id``, ``perfil``, ``ativo``, ``papeis``...)
    with no column only portfolios have makes managers; else a column only portfolios
    have (``carteira``, ``descricao``, ``jornada``, ``gerentes``...) makes portfolios.
    Headers that both managers and portfolios accept (``id``, ``nome``) settle nothing.
    """
    names = {normalize(h) for h in headers}
    if names & _MEMBERSHIP_SIGNS:
        return TableKind.MEMBERSHIPS
    if names & _HISTORY_SIGNS:
        return TableKind.HISTORY
    if names & _MANAGER_SIGNS and not names & _PORTFOLIO_SIGNS:
        return TableKind.MANAGERS
    if names & _PORTFOLIO_SIGNS:
        return TableKind.PORTFOLIOS
    return None


def build_table(
    source: str,
    rows: Iterable[tuple[int, Sequence[str]]],
    problems: list[RowProblem],
    *,
    kind: TableKind | None = None,
    name: str | None = None,
    report_empty: bool = True,
    limits: ReadLimits = _DEFAULT_LIMITS,
    reopen: Reopen | None = None,
    csv: CsvFormat | None = None,
) -> Table | None:
    """Return the table of ``rows`` (line, cells), or ``None`` having added ``problems``.

    The first row with a non-blank cell is the header; blank rows are skipped. The kind
    is ``kind``, else the one ``name`` (a file stem or sheet name) names, else the one
    the headers show. An empty source adds ``empty_file`` when ``report_empty``. Given
    ``reopen``, every row is checked and none is kept: the table's rows are read again
    through ``reopen`` each time they are iterated ([`FileRows`][carteira.spreadsheets.FileRows]).
    The table's layout holds the header words, ``name`` and ``csv``, the CSV file's format.
    """
    found = len(problems)
    lines = iter(rows)
    header_line, header = 0, []
    for seen, (line, cells) in enumerate(_stripped(lines), 1):
        if any(cells):
            header_line, header = line, cells
            break
        if seen > limits.max_rows:  # blank rows before the header count too
            reason = f"no header in the first {limits.max_rows} rows, the most a read takes"
            problems.append(problem(source, line, "too_many_rows", reason))
            return None
    if not header:
        if report_empty and len(problems) == found:
            problems.append(problem(source, 0, "empty_file", "the file holds no header row"))
        return None
    kind = kind or (kind_from_name(name) if name else None) or kind_from_headers(header)
    if kind is None:
        reason = (
            "cannot tell which table this is: name the file or sheet managers, portfolios, "
            "memberships or history (gerentes, carteiras, clientes/vínculos, histórico), or "
            f"use headers that only one of them has; headers: {', '.join(map(repr, header))}"
        )
        problems.append(problem(source, header_line, "unknown_table", reason))
        return None
    columns = _columns(source, header_line, kind, header, problems)
    body: Collection[SourceRow]
    if reopen is None:
        body = tuple(row_stream(source, lines, columns, problems, limits))
    else:
        count = sum(1 for _ in row_stream(source, lines, columns, problems, limits))
        body = FileRows(source, reopen, header_line, columns, limits, count)
    if len(problems) > found:
        return None
    layout = TableLayout(headers=tuple(zip(columns, header, strict=True)), name=name, csv=csv)
    return Table(kind=kind, source=source, columns=columns, rows=body, layout=layout)


def _stripped(lines: Iterable[tuple[int, Sequence[str]]]) -> Iterator[tuple[int, list[str]]]:
    return ((line, [cell.strip() for cell in cells]) for line, cells in lines)


def _columns(
    source: str, line: int, kind: TableKind, header: list[str], problems: list[RowProblem]
) -> tuple[str, ...]:
    """Map ``header`` to canonical columns; trailing blank headers are dropped."""
    while not header[-1]:
        header.pop()
    lookup = LOOKUP[kind]
    columns: list[str] = []
    seen: dict[str, str] = {}
    for position, text in enumerate(header, start=1):
        column = lookup.get(normalize(text), "")
        columns.append(column)
        if not column:
            what = repr(text) if text else f"column {position} (no name)"
            reason = f"{what} is not a column of {kind}; accepted: {accepted(kind)}"
            problems.append(problem(source, line, "unknown_column", reason))
        elif column in seen:
            reason = f"{seen[column]!r} and {text!r} are both the {column} column of {kind}"
            problems.append(problem(source, line, "duplicate_column", reason, column))
        else:
            seen[column] = text
    for column in REQUIRED[kind]:
        if column not in seen:
            reason = f"{kind} needs a {column} column; accepted: {accepted(kind)}"
            problems.append(problem(source, line, "missing_column", reason, column))
    if kind is TableKind.MEMBERSHIPS and not {"customer", "organization"} & seen.keys():
        reason = "memberships need a customer or an organization column"
        problems.append(problem(source, line, "missing_column", reason))
    return tuple(columns)


def row_stream(
    source: str,
    lines: Iterable[tuple[int, Sequence[str]]],
    columns: tuple[str, ...],
    problems: list[RowProblem],
    limits: ReadLimits,
) -> Iterator[SourceRow]:
    """Yield the non-blank rows after the header; missing cells are ``""``.

    Cells beyond the header's width are a ``too_many_cells`` problem unless all of them
    are blank (the trailing separators some spreadsheet programs write).
    """
    width = len(columns)
    strip = str.strip
    longest, most = limits.max_cell, limits.max_rows
    # Blank rows count too: a tiny workbook can claim row 2,000,000,000, and reading the
    # empty rows up to it would take as long as reading full ones.
    for seen, (line, raw) in enumerate(lines, 1):  # the hot loop: kept lean on purpose
        if seen > most:
            reason = f"the table has more than {most} rows, the most a read takes"
            problems.append(problem(source, line, "too_many_rows", reason))
            break
        cells = list(map(strip, raw))
        if len(cells) != width:
            cells = _fitted(cells, width, source, line, problems)
        if not any(cells):
            continue
        if max(map(len, cells)) > longest:
            _too_long(source, line, columns, cells, longest, problems)
            continue
        yield SourceRow(line, dict(zip(columns, cells, strict=True)))


def _too_long(
    source: str,
    line: int,
    columns: tuple[str, ...],
    cells: list[str],
    longest: int,
    problems: list[RowProblem],
) -> None:
    for column, cell in zip(columns, cells, strict=True):
        if len(cell) > longest:
            reason = f"the cell holds {len(cell)} characters, more than {longest}"
            problems.append(problem(source, line, "cell_too_long", reason, column))


def _fitted(
    cells: list[str], width: int, source: str, line: int, problems: list[RowProblem]
) -> list[str]:
    """Pad ``cells`` to ``width`` with blanks, or cut blank ones beyond it."""
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    if any(cells[width:]):
        reason = f"the row has {len(cells)} cells but the header has {width}"
        problems.append(problem(source, line, "too_many_cells", reason))
    return cells[:width]


class FileRows(Collection[SourceRow]):
    """A table's rows, read again from their file each time they are iterated (WA-8, ER-2).

    What [`read_dataset`][carteira.spreadsheets.read_dataset] gives with ``stream=True``: every
    row was checked when the file was read and none is held, so memory does not grow with
    the file. The file must not change meanwhile; reading it after it did raises
    [`SpreadsheetError`][carteira.spreadsheets.SpreadsheetError] coded ``file_changed``.
    """

    __slots__ = ("_columns", "_count", "_header_line", "_limits", "_reopen", "_source")

    def __init__(
        self,
        source: str,
        reopen: Reopen,
        header_line: int,
        columns: tuple[str, ...],
        limits: ReadLimits,
        count: int,
    ) -> None:
        self._source = source
        self._reopen = reopen
        self._header_line = header_line
        self._columns = columns
        self._limits = limits
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[SourceRow]:
        problems: list[RowProblem] = []
        read = 0
        try:
            with self._reopen(problems) as records:
                lines = iter(records)
                for line, _ in lines:
                    if line >= self._header_line:
                        break
                rows = row_stream(self._source, lines, self._columns, problems, self._limits)
                for row in rows:
                    read += 1
                    yield row
        except OSError as error:
            raise SpreadsheetError([unreadable(self._source, error)]) from error
        if problems or read != self._count:
            raise file_changed(self._source)

    def __contains__(self, row: object) -> bool:
        return any(row == mine for mine in self)

    def __repr__(self) -> str:
        return f"FileRows({self._source!r}, {self._count} rows)"


def file_changed(source: str) -> SpreadsheetError:
    """Return the error of a file that changed after it was checked (WA-8)."""
    reason = "the file changed after it was read; read it again"
    return SpreadsheetError.single(source, "file_changed", reason)
