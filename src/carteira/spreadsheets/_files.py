"""Data sets from and to paths: a CSV file, an XLSX workbook or a directory of CSVs (WA-8)."""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from carteira.domain import refusals
from carteira.spreadsheets._aliases import LOOKUP, normalize
from carteira.spreadsheets._csv import csv_format, parse_csv_stream, write_csv
from carteira.spreadsheets._layout import header_row, table_names
from carteira.spreadsheets._limits import ReadLimits
from carteira.spreadsheets._problems import SpreadsheetError, problem, too_large, unreadable
from carteira.spreadsheets._tables import Opener, file_changed
from carteira.spreadsheets._xlsx import XLSX_LONGEST, parse_xlsx, write_xlsx, xlsx_text
from carteira.spreadsheets.dataset import COLUMNS, REQUIRED, DataSet, RowProblem, Table, TableKind

__all__ = ["read_dataset", "write_dataset"]


_LIMITS = ReadLimits()


def read_dataset(
    path: str | os.PathLike[str],
    *,
    kind: TableKind | None = None,
    limits: ReadLimits = _LIMITS,
    stream: bool = False,
) -> DataSet:
    """Read the tables of a spreadsheet import (WA-8).

    ``path`` is a ``.csv`` file (one table), an ``.xlsx`` workbook (one table per
    visible sheet; blank sheets are skipped) or a directory (every ``*.csv`` in it, by
    name). A table's kind is, in order: ``kind`` (for a single CSV only); the file stem
    or sheet name (``managers``/``gerentes``, ``portfolios``/``carteiras``,
    ``memberships``/``clientes``/``vinculos``, ``history``/``historico``; case and
    accents aside); else its headers: a customer or organization column makes
    memberships; else a column only history has makes history; else a column only
    managers have (``gerente``, ``manager_id``, ``perfil``, ``ativo``...) and none
    only portfolios have makes managers; else a column only portfolios have
    (``carteira``, ``descricao``, ``jornada``, ``gerentes``...) makes portfolios.

    Headers may be English or Portuguese (the alias table is ``carteira.spreadsheets._aliases``). A
    table's ``source`` is the CSV's path or ``book.xlsx[sheet]``; each row keeps its line (CSV: the
    line where it starts, the header being line 1; XLSX: its row number in the sheet). Raises
    [`SpreadsheetError`][carteira.spreadsheets.SpreadsheetError] listing every problem of every
    file, ``code`` ``"file_not_found"`` for a missing path, ``"xlsx_unavailable"`` without openpyxl.
    ``limits`` ([`ReadLimits`][carteira.spreadsheets.ReadLimits]) bound the bytes of a file (an
    ``.xlsx`` workbook's once unzipped), the rows of a table and the characters of a cell. Each
    table's ``layout`` records its header words, its file stem or sheet name and, for a CSV, its
    delimiter, encoding, byte-order mark and line end, for `write_dataset` to write the same
    (issue 15).

    Files are read a block at a time. By default the rows are kept, in tuples. With ``stream``
    every row is checked as above but none is kept: each table's rows are a
    [`FileRows`][carteira.spreadsheets.FileRows], read from the file again each time they are
    iterated, so that importing a file of any size takes memory for the import's own bookkeeping
    only (ER-2). The files must then stay as they are until the import is over.
    """
    where = Path(path)
    source = str(path)
    if not where.exists():
        raise SpreadsheetError.single(source, "file_not_found", "no such file or directory")
    if kind is not None and (where.is_dir() or _suffix(where) != ".csv"):
        reason = "a table kind can be given for a single .csv file only"
        raise SpreadsheetError.single(source, "kind_not_applicable", reason)
    problems: list[RowProblem] = []
    tables: list[Table] = []
    if where.is_dir():
        files = sorted(f for f in where.iterdir() if _suffix(f) == ".csv" and f.is_file())
        if not files:
            problems.append(problem(source, 0, "empty_file", "the directory holds no .csv file"))
        total = sum(f.stat().st_size for f in files)
        if total > limits.max_bytes:  # the whole directory is one read
            problems.append(too_large(source, total, limits))
            files = []
        for file in files:
            table = _read_csv_file(file, problems, kind=None, limits=limits, stream=stream)
            tables += [table] if table is not None else []
    elif _suffix(where) == ".csv":
        table = _read_csv_file(where, problems, kind=kind, limits=limits, stream=stream)
        tables += [table] if table is not None else []
    elif _suffix(where) == ".xlsx":
        tables += _read_xlsx_file(where, problems, limits=limits, stream=stream)
    else:
        reason = "read a .csv file, an .xlsx workbook or a directory of .csv files"
        raise SpreadsheetError.single(source, "unsupported_format", reason)
    problems += _duplicates(tables)
    if problems:
        raise SpreadsheetError(problems)
    return DataSet(tables=tuple(tables))


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _opener(path: Path, problems: list[RowProblem], limits: ReadLimits) -> Opener | None:
    """Return what opens ``path`` while it stays as it is now, or add why it cannot be read."""
    try:
        first = path.stat()
    except OSError as error:
        problems.append(unreadable(str(path), error))
        return None
    if first.st_size > limits.max_bytes:  # refused before a byte of it is read
        problems.append(too_large(str(path), first.st_size, limits))
        return None

    def opener() -> BinaryIO:
        try:
            handle = path.open("rb")
        except FileNotFoundError as error:  # gone, or moved away
            raise file_changed(str(path)) from error
        if _identity(os.fstat(handle.fileno())) != _identity(first):
            handle.close()
            raise file_changed(str(path))
        return handle

    return opener


def _identity(status: os.stat_result) -> tuple[int, ...]:
    """Return what changes when a file is replaced or written: its inode, size and times.

    The change time cannot be set back by a program (``os.utime`` sets the other two), so
    a rewrite of the same size that keeps the modification time is caught too.
    """
    return (
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    )


def _read_csv_file(
    path: Path,
    problems: list[RowProblem],
    *,
    kind: TableKind | None,
    limits: ReadLimits,
    stream: bool,
) -> Table | None:
    opener = _opener(path, problems, limits)
    if opener is None:
        return None
    try:
        return parse_csv_stream(
            opener, str(path), problems, kind=kind, name=path.stem, limits=limits, stream=stream
        )
    except OSError as error:
        problems.append(unreadable(str(path), error))
    except SpreadsheetError as error:  # it changed while read: told with the other files'
        problems.extend(error.problems)
    return None


def _read_xlsx_file(
    path: Path, problems: list[RowProblem], *, limits: ReadLimits, stream: bool
) -> list[Table]:
    opener = _opener(path, problems, limits)
    if opener is None:
        return []
    try:
        return parse_xlsx(opener, str(path), problems, limits, stream=stream)
    except OSError as error:
        problems.append(unreadable(str(path), error))
    except SpreadsheetError as error:
        if error.code == "xlsx_unavailable":
            raise
        problems.extend(error.problems)
    return []


def _duplicates(tables: list[Table]) -> list[RowProblem]:
    first: dict[TableKind, Table] = {}
    found = []
    for table in tables:
        if table.kind in first:
            reason = f"a second {table.kind} table; the first is {first[table.kind].source}"
            found.append(problem(table.source, 0, "duplicate_table", reason))
        first.setdefault(table.kind, table)
    return found


def write_dataset(
    dataset: DataSet,
    path: str | os.PathLike[str],
    *,
    warn: Callable[[str], None] | None = None,
) -> list[Path]:
    r"""Write ``dataset`` as spreadsheet files and return the files written (WA-8).

    ``path`` is a directory (any path not ending in ``.csv`` or ``.xlsx``; created if
    needed; one ``<kind>.csv`` per table, replacing one already there), a
    ``.csv`` file (when the data set has exactly one table) or an ``.xlsx`` workbook
    (one sheet per table, named by its kind). CSV is UTF-8 without a byte-order mark,
    ``,``-separated, quoted only where needed, with ``\n`` line ends; the header
    holds the canonical column names in ``Table.columns`` order.

    A table read from a file (one with a ``layout``, such as an import's bad rows) is written
    as that file was (issue 15): its header words, the problem column named in their language
    (``problema`` or ``problem``), its sheet or file name when that reads back as its kind
    (else its kind), and as CSV its delimiter, encoding, byte-order mark and line end. When
    that encoding cannot hold a cell, the whole file is UTF-8 with a byte-order mark instead;
    a character no encoding holds (an unpaired surrogate) is written as a ``\uXXXX`` escape.
    Either way ``warn``, if given, is called with a sentence saying so.

    Reading the files back gives an equal data set when its cells carry no surrounding whitespace
    and no row is all blank (the reader strips cells and skips blank rows, so the writer leaves
    those rows out): same kinds, columns and cells; lines are laid out afresh (XLSX: 2 for the first
    row, then one per row; CSV: the line where each row starts, which a cell's line breaks push
    down). Raises [`SpreadsheetError`][carteira.spreadsheets.SpreadsheetError] (``cannot_write``)
    for a table a reader would refuse or a path that cannot be written, before writing anything in
    the first case.
    """
    where = Path(path)
    suffix = _suffix(where)
    _check(dataset, str(path), xlsx=suffix == ".xlsx")
    if suffix == ".xlsx":
        write_xlsx(dataset, where)
        return [where]
    if suffix == ".csv":
        if len(dataset.tables) != 1:
            reason = f"a .csv file holds one table, not {len(dataset.tables)}: write a directory"
            raise SpreadsheetError.single(str(path), "cannot_write", reason)
        return [_write_csv_file(dataset.tables[0], where, warn)]
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = f"cannot make the directory ({error.strerror or error})"
        raise SpreadsheetError.single(str(path), "cannot_write", reason) from error
    names = table_names(dataset.tables)
    return [
        _write_csv_file(table, where / f"{name}.csv", warn)
        for table, name in zip(dataset.tables, names, strict=True)
    ]


_UTF = frozenset({"utf-8", "utf-16-le", "utf-16-be"})  # what a byte-order mark belongs to


def _write_csv_file(table: Table, path: Path, warn: Callable[[str], None] | None) -> Path:
    form = csv_format(table)
    try:
        note = _write_encoded(table, path, form.encoding, bom=form.bom)
    except OSError as error:
        reason = f"cannot write the file ({error.strerror or error})"
        raise SpreadsheetError.single(str(path), "cannot_write", reason) from error
    if note is not None and warn is not None:
        warn(f"{path}: {note} (WA-8)")
    return path


def _write_encoded(table: Table, path: Path, encoding: str, *, bom: bool) -> str | None:
    """Write ``table`` to ``path`` in ``encoding``, else as lossless as can be; say how if so."""
    trouble = _written(table, path, encoding, bom=bom)
    if trouble is None:
        return None
    if codecs.lookup(encoding).name not in _UTF:
        if _written(table, path, "utf-8", bom=True) is None:
            return (
                f"{encoding}, the input's encoding, {trouble}; "
                "the file is written as UTF-8 with a byte-order mark instead"
            )
        encoding, bom = "utf-8", True
    _write_text(table, path, encoding, bom=bom, errors="backslashreplace")
    return "a character no encoding holds (an unpaired surrogate) is written as its \\uXXXX escape"


def _written(table: Table, path: Path, encoding: str, *, bom: bool) -> str | None:
    """Write ``table`` to ``path``; return why it would not read back as written, if so."""
    try:
        _write_text(table, path, encoding, bom=bom)
    except UnicodeEncodeError as error:
        char = error.object[error.start]
        return f"cannot hold {char!r} (U+{ord(char):04X})"
    if codecs.lookup(encoding).name not in _UTF and _misread(path):
        return "would be read back as UTF-8"  # its bytes are UTF-8 too, as "Ã©" is "é"
    return None


def _misread(path: Path) -> bool:
    """Tell whether a file written in a legacy encoding would be read back as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    ascii_only = True
    with path.open("rb") as raw:
        while block := raw.read(1 << 20):
            ascii_only = ascii_only and block.isascii()
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return not ascii_only  # ASCII reads the same either way


def _write_text(
    table: Table, path: Path, encoding: str, *, bom: bool, errors: str = "strict"
) -> None:
    with path.open("w", encoding=encoding, errors=errors, newline="") as out:
        if bom and codecs.lookup(encoding).name in _UTF:
            out.write("\ufeff")
        write_csv(table, out)


def _check(dataset: DataSet, source: str, *, xlsx: bool) -> None:
    """Refuse (``cannot_write``) what would not read back as written."""
    problems: list[RowProblem] = []
    if not dataset.tables:
        problems.append(problem(source, 0, "cannot_write", "the data set has no table"))
    kinds = [table.kind for table in dataset.tables]
    for kind in sorted({kind for kind in kinds if kinds.count(kind) > 1}):
        problems.append(problem(source, 0, "cannot_write", f"the data set has two {kind} tables"))
    for table in dataset.tables:
        problems += _table_problems(table, source)
        problems += _cell_problems(table, source, xlsx=xlsx)
        problems += _header_problems(table, source)
        problems += [] if xlsx else _format_problems(table, source)
    if problems:
        raise SpreadsheetError(problems, code=refusals.CANNOT_WRITE.code)


def _table_problems(table: Table, source: str) -> list[RowProblem]:
    kind, columns = table.kind, table.columns
    found = [
        problem(source, 0, "cannot_write", f"{column!r} is not a column of {kind}", column)
        for column in dict.fromkeys(columns)
        if column not in COLUMNS[kind]
    ]
    if not columns:
        found.append(problem(source, 0, "cannot_write", f"the {kind} table has no columns"))
    if len(set(columns)) < len(columns):
        reason = f"the {kind} table names a column twice: {', '.join(columns)}"
        found.append(problem(source, 0, "cannot_write", reason))
    found += [
        problem(source, 0, "cannot_write", f"the {kind} table has no {column} column", column)
        for column in REQUIRED[kind]
        if column not in columns
    ]
    if kind is TableKind.MEMBERSHIPS and not {"customer", "organization"} & set(columns):
        reason = "the memberships table has no customer or organization column"
        found.append(problem(source, 0, "cannot_write", reason))
    return found


def _header_problems(table: Table, source: str) -> list[RowProblem]:
    """Refuse a header word that would not read back as its column (a hand-made layout)."""
    lookup = LOOKUP[table.kind]
    found = []
    for column, text in zip(table.columns, header_row(table), strict=True):
        if column in COLUMNS[table.kind] and lookup.get(normalize(text)) != column:
            reason = f"the header {text!r} would not read back as the {column} column"
            found.append(problem(source, 0, "cannot_write", reason, column))
    return found


def _format_problems(table: Table, source: str) -> list[RowProblem]:
    """Refuse a CSV format `read_csv` would not read back as written (a hand-made layout)."""
    form = csv_format(table)
    found = []
    if form.delimiter not in _DELIMITERS:
        reason = f"the {table.kind} table's delimiter {form.delimiter!r} is not ; , or tab"
        found.append(problem(source, 0, "cannot_write", reason))
    if form.line_end not in _LINE_ENDS:
        reason = f"the {table.kind} table's line end {form.line_end!r} is not LF, CR LF or CR"
        found.append(problem(source, 0, "cannot_write", reason))
    try:
        encoding = codecs.lookup(form.encoding).name
    except LookupError:
        encoding = ""
    if encoding not in _READABLE or (encoding.startswith("utf-16") and not form.bom):
        reason = (
            f"the {table.kind} table's encoding {form.encoding!r} is not one a reader takes: "
            "UTF-8, Windows-1252 or UTF-16 with a byte-order mark"
        )
        found.append(problem(source, 0, "cannot_write", reason))
    return found


_DELIMITERS = (";", ",", "\t")
_READABLE = frozenset({*_UTF, "cp1252"})  # what read_csv tells apart
_LINE_ENDS = ("\n", "\r\n", "\r")


def _cell_problems(table: Table, source: str, *, xlsx: bool) -> list[RowProblem]:
    found = []
    for row in table.rows:
        for column, text in row.values.items():
            if column not in table.columns:
                reason = f"a {table.kind} row has a {column} value but the table no such column"
            elif "\x00" in text and not xlsx:
                reason = f"a {table.kind} cell holds a NUL character, which CSV cannot"
            elif len(text) > csv.field_size_limit() and not xlsx:
                reason = f"a {table.kind} cell is longer than a CSV reader takes"
            elif xlsx and len(xlsx_text(text)) > XLSX_LONGEST:
                reason = (
                    f"a {table.kind} cell is longer than an XLSX cell ({XLSX_LONGEST} characters)"
                )
            else:
                continue
            found.append(problem(source, row.line, "cannot_write", reason, column))
    return found
