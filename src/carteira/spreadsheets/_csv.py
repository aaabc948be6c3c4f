"""CSV files: decoding, the separator, reading rows with their lines, writing (WA-8)."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from carteira.spreadsheets._layout import header_row
from carteira.spreadsheets._limits import ReadLimits
from carteira.spreadsheets._problems import SpreadsheetError, problem, too_large
from carteira.spreadsheets._tables import Opener, Records, build_table
from carteira.spreadsheets.dataset import CsvFormat, RowProblem, Table, TableKind

__all__ = ["csv_format", "parse_csv", "parse_csv_stream", "read_csv", "write_csv"]

_BLOCK = 1 << 20  # bytes (or characters) read at a time

_LIMITS = ReadLimits()
_SEPARATORS = (";", ",", "\t")  # on a tie, the first wins: Brazilian Excel writes ";"
_EXPORT = CsvFormat()  # what a table without a layout is written as
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
    and blank lines counted; cells are stripped of surrounding whitespace. The table's ``layout``
    records the header words, separator, encoding, byte-order mark and line end (issue 15). Raises
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
    return parse_csv_stream(
        lambda: io.BytesIO(data), source, problems, kind=kind, name=name, limits=limits
    )


def parse_csv_stream(
    opener: Opener,
    source: str,
    problems: list[RowProblem],
    *,
    kind: TableKind | None = None,
    name: str | None = None,
    limits: ReadLimits = _LIMITS,
    stream: bool = False,
) -> Table | None:
    """Return the table of the CSV ``opener`` opens, or ``None`` having added ``problems``.

    The file is read a block at a time: once to tell its encoding, once for the separator
    and once for the rows. With ``stream`` the rows are not kept: the table reads them
    again through ``opener`` each time they are iterated.
    """
    found = _encoding(opener, source, problems)
    if found is None:
        return None
    encoding, skip = found
    with _text(opener, encoding, skip) as text:
        separator, line_end = _separator(_chars(text))
    form = CsvFormat(separator, encoding, bool(skip), line_end)

    @contextlib.contextmanager
    def reopen(more: list[RowProblem]) -> Iterator[Records]:
        with _text(opener, encoding, skip) as again:
            yield _records(again, separator, source, more)

    with reopen(problems) as records:
        return build_table(
            source,
            records,
            problems,
            kind=kind,
            name=name,
            limits=limits,
            reopen=reopen if stream else None,
            csv=form,
        )


def _encoding(opener: Opener, source: str, problems: list[RowProblem]) -> tuple[str, int] | None:
    """Return the file's encoding and the length of its byte-order mark, or add why not."""
    with opener() as raw:
        head = raw.read(4)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            what = f"{encoding.upper()}, as its byte-order mark says"
            decodes = _decodes(opener, len(bom), encoding, what, source, problems)
            return (encoding, len(bom)) if decodes else None
    line = _nul_line(opener)
    if line is not None:  # no text in the encodings below holds NUL
        reason = "the file holds NUL bytes: it is not a text file (or it is UTF-16 without a BOM)"
        problems.append(problem(source, line, "bad_encoding", reason))
        return None
    if _decodes(opener, 0, "utf-8", "UTF-8", source, []):
        return "utf-8", 0
    what = "UTF-8 or Latin-1 (Windows-1252)"
    return ("cp1252", 0) if _decodes(opener, 0, "cp1252", what, source, problems) else None


def _nul_line(opener: Opener) -> int | None:
    """Return the line of the file's first NUL byte, if it holds one."""
    lines = 0
    with opener() as raw:
        while block := raw.read(_BLOCK):
            at = block.find(b"\x00")
            if at >= 0:
                return lines + block.count(b"\n", 0, at) + 1
            lines += block.count(b"\n")
    return None


def _decodes(
    opener: Opener, start: int, encoding: str, what: str, source: str, problems: list[RowProblem]
) -> bool:
    """Tell whether the file decodes after its first ``start`` bytes, or add where it fails."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = start, 0
    with opener() as raw:
        raw.seek(start)
        while True:
            block = raw.read(_BLOCK)
            pending = len(decoder.getstate()[0])
            try:
                lines += decoder.decode(block, final=not block).count("\n")
            except UnicodeDecodeError as error:
                # error.object is what the decoder held back, then this block
                at = offset - pending + error.start
                before = error.object[: error.start].decode(encoding, errors="replace")
                line = lines + before.count("\n") + 1
                byte = error.object[error.start : error.start + 1].hex()
                reason = f"byte 0x{byte} (offset {at}) is not valid {what}"
                problems.append(problem(source, line, "bad_encoding", reason))
                return False
            if not block:
                return True
            offset += len(block)


@contextlib.contextmanager
def _text(opener: Opener, encoding: str, skip: int) -> Iterator[TextIO]:
    with opener() as raw:
        raw.seek(skip)
        yield io.TextIOWrapper(raw, encoding=encoding, newline="")


def _chars(text: TextIO) -> Iterator[str]:
    for block in iter(lambda: text.read(_BLOCK), ""):
        yield from block


def _separator(chars: Iterable[str]) -> tuple[str, str]:
    """Return the separator the first non-blank row holds most of, outside quotes, and its end.

    The end is the line end after that row: CR LF, LF or CR (LF when the file ends there).
    """
    counts = dict.fromkeys(_SEPARATORS, 0)
    quoted = started = False
    line_end = "\n"
    stream = iter(chars)
    for char in stream:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            if started:
                if char == "\r":
                    line_end = "\r\n" if next(stream, "") == "\n" else "\r"
                break
        elif char in counts:
            counts[char] += 1
            started = True
        elif not char.isspace():
            started = True
    best = max(_SEPARATORS, key=counts.__getitem__)
    return (best if counts[best] else ","), line_end


def _records(
    text: TextIO, separator: str, source: str, problems: list[RowProblem]
) -> Iterator[tuple[int, list[str]]]:
    """Yield each record with the line it starts on; a malformed one stops the reading."""
    reader = csv.reader(text, delimiter=separator, skipinitialspace=True, strict=True)
    line = 1
    try:
        for record in reader:
            yield line, [_unguarded(cell).strip() for cell in record]
            line = reader.line_num + 1
    except csv.Error as error:
        reason = f"the CSV is malformed from this line on ({error}); is a quote left open?"
        problems.append(problem(source, line, "malformed_csv", reason))
    except UnicodeDecodeError as error:  # only when the file changed since it was checked
        reason = f"the file no longer decodes ({error.reason})"
        problems.append(problem(source, line, "bad_encoding", reason))


def write_csv(table: Table, out: TextIO) -> None:
    r"""Write ``table`` as CSV text, laid out as the file it was read from (WA-8, issue 15).

    A table with a layout keeps its file's header words (a problem column it lacked is
    named in their language: ``problema`` or ``problem``), delimiter and line end; one
    without (an export) is written with the canonical column names in ``table.columns``
    order, ``,`` and ``\n``. The encoding is the caller's (``out``). A cell is quoted when it
    holds the delimiter, ``"`` or a line break. Wherever a spreadsheet could start a formula
    (``=``, ``+``, ``-``, ``@``, a tab or a carriage return, after any ``'``, at the cell's
    start or after a ``;``, ``,`` or tab, since a spreadsheet may split lines on another
    separator than ours), a ``'`` is put first, which spreadsheets show as text and
    `read_csv` takes off again (CWE-1236). Rows whose cells are all blank are left out,
    since a reader skips them.
    """
    form = csv_format(table)
    quote = re.compile(f'[{re.escape(form.delimiter)}"\r\n]')
    delimiter, end = form.delimiter, form.line_end
    out.write(delimiter.join(_quoted(c, quote) for c in header_row(table)) + end)
    columns = table.columns
    for row in table.rows:
        cells = [row.values.get(column, "") for column in columns]
        if any(c.strip() for c in cells):
            out.write(delimiter.join(_quoted(c, quote) for c in cells) + end)


def csv_format(table: Table) -> CsvFormat:
    """Return the format ``table`` is written in as CSV: its file's, else an export's (WA-8)."""
    layout = table.layout
    return layout.csv if layout is not None and layout.csv is not None else _EXPORT


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


def _quoted(cell: str, quote: re.Pattern[str]) -> str:
    cell = _guarded(cell)
    if quote.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell
