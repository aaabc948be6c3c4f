"""CSV files: decoding, the separator, reading rows with their lines, writing (WA-8)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import TextIO

from carteira.domain.dataset import RowProblem, Table, TableKind
from carteira.spreadsheets._limits import ReadLimits
from carteira.spreadsheets._problems import SpreadsheetError, problem, too_large
from carteira.spreadsheets._tables import build_table

__all__ = ["parse_csv", "read_csv", "write_csv"]

_LIMITS = ReadLimits()
_SEPARATORS = (";", ",", "\t")  # on a tie, the first wins: Brazilian Excel writes ";"
_QUOTE = re.compile(r'[,"\r\n]')
# Where a cell could start, in any separator's reading: the start, or after ; , or tab.
# Leading quotes count, so "'=x" is written "''=x" and reading gives "'=x" back.
# A line break counts as a separator: a reader splitting on another separator than ours
# treats our quotes as text, so a quoted line break ends its row. Quote characters before
# the formula count too, for the same reader.
_FORMULA_AT = re.compile(r"""(?:^|(?<=[;,\t\r\n]))(?=['"]*[=+\-@\t\r])""")
_GUARD_AT = re.compile(r"""(?:^|(?<=[;,\t\r\n]))'(?=['"]*[=+\-@\t\r])""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_csv(
    data: bytes, *, source: str, kind: TableKind | None = None, limits: ReadLimits = _LIMITS
) -> Table:
    """Read one table from the bytes of a CSV file (WA-8).

    The text is UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
    mark, or else Windows-1252, the Latin-1 that Windows spreadsheets write (it reads
    every Latin-1 letter the same and ``€``, curly quotes and dashes besides). The
    separator is ``;``, ``,`` or tab, whichever the header row holds most of outside
    quotes (``,`` for a one-column header). Quoted cells may hold separators, doubled
    quotes and line breaks. The kind is ``kind``, else told from the headers (see
    [`carteira.spreadsheets.read_dataset`][carteira.spreadsheets.read_dataset]).

    A row's ``line`` is the physical line of the file where the row starts, the header being line 1
    and blank lines counted; cells are stripped of surrounding whitespace. Raises
    [`SpreadsheetError`][carteira.spreadsheets.SpreadsheetError] listing every problem of the file.
    """
    problems: list[RowProblem] = []
    table = parse_csv(data, source, problems, kind=kind, limits=limits)
    if table is None or problems:
        raise SpreadsheetError(problems)
    return table


def parse_csv(
    data: bytes,
    source: str,
    problems: list[RowProblem],
    *,
    kind: TableKind | None = None,
    name: str | None = None,
    limits: ReadLimits = _LIMITS,
) -> Table | None:
    """Return the table of a CSV file's bytes, or ``None`` having added ``problems``."""
    if len(data) > limits.max_bytes:
        problems.append(too_large(source, len(data), limits))
        return None
    text = _decode(data, source, problems)
    if text is None:
        return None
    records = _records(text, source, problems)
    return build_table(source, records, problems, kind=kind, name=name, limits=limits)


def _decode(data: bytes, source: str, problems: list[RowProblem]) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            what = f"{encoding.upper()}, as its byte-order mark says"
            return _decoded(data, len(bom), encoding, what, source, problems)
    if b"\x00" in data:  # no text in the encodings below holds NUL
        reason = "the file holds NUL bytes: it is not a text file (or it is UTF-16 without a BOM)"
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        problems.append(problem(source, line, "bad_encoding", reason))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decoded(data, 0, "cp1252", "UTF-8 or Latin-1 (Windows-1252)", source, problems)


def _decoded(
    data: bytes, start: int, encoding: str, what: str, source: str, problems: list[RowProblem]
) -> str | None:
    """Decode ``data`` after its first ``start`` bytes, or add where it fails."""
    try:
        return data[start:].decode(encoding)
    except UnicodeDecodeError as error:
        at = start + error.start
        line = data[start:at].decode(encoding, errors="replace").count("\n") + 1
        reason = f"byte 0x{data[at : at + 1].hex()} (offset {at}) is not valid {what}"
        problems.append(problem(source, line, "bad_encoding", reason))
        return None


def _separator(text: str) -> str:
    """Return the separator the first non-blank row holds most of, outside quotes."""
    counts = dict.fromkeys(_SEPARATORS, 0)
    quoted = started = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            if started:
                break
        elif char in counts:
            counts[char] += 1
            started = True
        elif not char.isspace():
            started = True
    best = max(_SEPARATORS, key=counts.__getitem__)
    return best if counts[best] else ","


def _records(text: str, source: str, problems: list[RowProblem]) -> Iterator[tuple[int, list[str]]]:
    """Yield each record with the line it starts on; a malformed one stops the reading."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=_separator(text),
        skipinitialspace=True,
        strict=True,
    )
    line = 1
    try:
        for record in reader:
            yield line, [_unguarded(cell).strip() for cell in record]
            line = reader.line_num + 1
    except csv.Error as error:
        reason = f"the CSV is malformed from this line on ({error}); is a quote left open?"
        problems.append(problem(source, line, "malformed_csv", reason))


def write_csv(table: Table, out: TextIO) -> None:
    r"""Write ``table`` as UTF-8 CSV text: ``,``, minimal quoting, ``\n`` (WA-8).

    The header holds the canonical column names in ``table.columns`` order; a cell is
    quoted when it holds ``,``, ``"`` or a line break. Wherever a spreadsheet could start
    a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return, after any ``'``, at
    the cell's start or after a ``;``, ``,`` or tab, since a spreadsheet may split lines
    on another separator than ours), a ``'`` is put first, which spreadsheets show as
    text and `read_csv` takes off again (CWE-1236). Rows whose cells are all blank are left out,
    since a reader skips them.
    """
    columns = table.columns
    out.write(",".join(columns) + "\n")
    for row in table.rows:
        cells = [row.values.get(column, "") for column in columns]
        if any(c.strip() for c in cells):
            out.write(",".join(_quoted(c) for c in cells) + "\n")


def _guarded(cell: str) -> str:
    """Put ``'`` wherever a spreadsheet could start a formula in ``cell`` (CWE-1236).

    At the cell's start and after every ``;``, ``,`` and tab: a spreadsheet that splits
    lines on another separator than ours (Brazilian Excel splits on ``;``) starts a cell
    there too.
    """
    return _FORMULA_AT.sub("'", cell)


def _unguarded(cell: str) -> str:
    """Take off exactly the ``'`` that `_guarded` put there; the inverse of it."""
    return _GUARD_AT.sub("", cell)


def _quoted(cell: str) -> str:
    cell = _guarded(cell)
    if _QUOTE.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell
