"""XLSX workbooks through openpyxl, imported only when one is read or written (WA-8).

openpyxl comes with the optional extra ``carteira[xlsx]``. Text that XML cannot hold
(control characters, a carriage return) is written with the OOXML escape ``_xHHHH_``
that Excel itself uses, and read back through it, so every cell survives the trip.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

from carteira.spreadsheets._layout import header_row, table_names
from carteira.spreadsheets._limits import ReadLimits
from carteira.spreadsheets._problems import SpreadsheetError, problem, too_large
from carteira.spreadsheets._tables import Opener, Records, Reopen, build_table, file_changed
from carteira.spreadsheets.dataset import DataSet, RowProblem, Table

if TYPE_CHECKING:
    from openpyxl.cell import Cell
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = ["XLSX_LONGEST", "cell_text", "parse_xlsx", "write_xlsx", "xlsx_text"]

_INSTALL = "pip install 'carteira[xlsx]'"
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
# What XML 1.0 cannot hold, a carriage return (XML reads it as a line feed), and the
# "_" of a literal "_xHHHH_", which Excel writes as "_x005F_xHHHH_".
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
#: Characters one XLSX cell holds (Excel's limit; openpyxl cuts longer text short).
XLSX_LONGEST = 32_767


_LIMITS = ReadLimits()


def _unavailable(source: str, doing: str) -> SpreadsheetError:
    reason = f"{doing} an .xlsx workbook needs openpyxl: {_INSTALL}"
    return SpreadsheetError.single(source, "xlsx_unavailable", reason)


def parse_xlsx(
    opener: Opener,
    source: str,
    problems: list[RowProblem],
    limits: ReadLimits = _LIMITS,
    *,
    stream: bool = False,
) -> list[Table]:
    """Return one table per visible, non-blank sheet, adding ``problems`` (WA-8).

    A sheet's kind comes from its name, else from its headers; a row's ``line`` is its row number in
    the sheet. With ``stream`` the rows are not kept: each table reads its sheet again through
    ``opener`` each time its rows are iterated. Raises
    [`SpreadsheetError`][carteira.spreadsheets.SpreadsheetError] (``xlsx_unavailable``) when
    openpyxl is not installed.
    """
    found = len(problems)
    inflated = _unzipped_size(opener)
    if inflated > limits.max_bytes:
        problems.append(too_large(source, inflated, limits))
        return []
    tables: list[Table] = []
    with contextlib.ExitStack() as stack:
        try:
            workbook = stack.enter_context(_workbook(opener, source))
        except (SpreadsheetError, OSError):
            raise
        except Exception as error:  # a damaged or foreign file: openpyxl's errors vary
            reason = f"not a readable .xlsx workbook ({type(error).__name__}: {error})"
            problems.append(problem(source, 0, "unreadable_file", reason))
            return []
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":  # lists behind a template's drop-downs
                continue
            where = f"{source}[{sheet.title}]"
            reopen = _reopen(opener, source, sheet.title, where) if stream else None
            # load_workbook(read_only=True) makes only read-only sheets
            rows = _sheet_rows(cast("ReadOnlyWorksheet", sheet), where, problems)
            table = build_table(
                where,
                rows,
                problems,
                name=sheet.title,
                report_empty=False,
                limits=limits,
                reopen=reopen,
            )
            if table is not None:
                tables.append(table)
    if not tables and len(problems) == found:
        problems.append(problem(source, 0, "empty_file", "the workbook has no sheet with rows"))
    return tables


@contextlib.contextmanager
def _workbook(opener: Opener, source: str) -> Iterator[Workbook]:
    """Open the workbook read-only: its sheets are read from the file as they are iterated."""
    try:
        import openpyxl  # noqa: PLC0415 - an optional extra, imported when needed
    except ImportError as error:
        raise _unavailable(source, "reading") from error
    with opener() as raw:
        workbook = openpyxl.load_workbook(raw, read_only=True, data_only=True)
        try:
            yield workbook
        finally:
            workbook.close()


def _reopen(opener: Opener, source: str, title: str, where: str) -> Reopen:
    """Return how to read the sheet ``title`` again, from the start of its workbook."""

    @contextlib.contextmanager
    def reopen(problems: list[RowProblem]) -> Iterator[Records]:
        with contextlib.ExitStack() as stack:
            try:
                workbook = stack.enter_context(_workbook(opener, source))
                sheet = cast("ReadOnlyWorksheet", workbook[title])
            except SpreadsheetError:
                raise
            except Exception as error:  # read before, so the file changed: openpyxl's errors vary
                raise file_changed(where) from error
            yield _sheet_rows(sheet, where, problems)

    return reopen


def _unzipped_size(opener: Opener) -> int:
    """Return the workbook's unzipped size as its directory says (0 for no zip)."""
    try:
        with opener() as raw, zipfile.ZipFile(raw) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return 0


def _sheet_rows(
    sheet: ReadOnlyWorksheet, source: str, problems: list[RowProblem]
) -> Iterator[tuple[int, list[str]]]:
    sheet.reset_dimensions()  # a writer's stated size may be wrong; read every row
    line = 0
    try:  # sheet.values starts at row 1 and yields blank rows too, so lines stay true
        for line, values in enumerate(sheet.values, start=1):
            yield line, [cell_text(value) for value in values]
    except Exception as error:  # a damaged sheet: openpyxl's errors vary
        reason = f"the sheet cannot be read after row {line} ({type(error).__name__}: {error})"
        problems.append(problem(source, line + 1, "unreadable_file", reason))


def cell_text(value: object) -> str:
    """Return the text of a cell's value as a CSV would hold it (WA-8).

    ``None`` is ``""``; whole numbers lose their ``.0`` (an id typed as 123 is
    ``"123"``); booleans are ``"yes"``/``"no"``; dates and times are ISO 8601, a
    date-time at midnight as its date alone; text loses its ``_xHHHH_`` escapes.
    """
    if isinstance(value, str):
        return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), value) if "_x" in value else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.date | datetime.time):
        return _iso(value)
    return "" if value is None else str(value)


def _midnight(value: datetime.datetime) -> bool:
    return value.time() == datetime.time()  # a time is true even at midnight


def _iso(value: datetime.date | datetime.time) -> str:
    if isinstance(value, datetime.datetime) and value.tzinfo is None and _midnight(value):
        return value.date().isoformat()
    return value.isoformat()


def write_xlsx(dataset: DataSet, path: Path) -> None:
    """Write one sheet per table, named by its kind, every cell as text (WA-8).

    A table read from a file keeps its header words and, where it reads back as its kind,
    its sheet or file name (issue 15). A cell starting with ``=`` stays text, never a
    formula. Rows whose cells are all blank are left out, since a reader skips them.
    """
    try:
        import openpyxl  # noqa: PLC0415 - an optional extra, imported when needed
    except ImportError as error:
        raise _unavailable(str(path), "writing") from error
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    workbook = openpyxl.Workbook(write_only=True)
    buffer = io.BytesIO()  # a bad path then fails in our hands, not openpyxl's mid-stream
    try:
        for table, title in zip(dataset.tables, table_names(dataset.tables), strict=True):
            sheet = workbook.create_sheet(title=title)
            sheet.append([xlsx_text(text) for text in header_row(table)])
            for row in table.rows:
                texts = [row.values.get(column, "") for column in table.columns]
                if not any(text.strip() for text in texts):
                    continue
                cells: list[Cell | None] = []
                for text in map(xlsx_text, texts):
                    cell = WriteOnlyCell(sheet, value=text) if text else None
                    if cell is not None:
                        cell.data_type = "s"  # "=1+1" or "#N/A" too: text, no formula or error
                    cells.append(cell)
                sheet.append(cells)
        workbook.save(buffer)
    except Exception as error:  # openpyxl's IllegalCharacterError, ValueError...
        for unfinished in workbook.worksheets:  # end their streams now, not when collected
            with contextlib.suppress(Exception):
                cast("WriteOnlyWorksheet", unfinished).close()
        reason = f"cannot write the workbook ({type(error).__name__}: {error})"
        raise SpreadsheetError.single(str(path), "cannot_write", reason) from error
    try:
        path.write_bytes(buffer.getvalue())
    except OSError as error:
        reason = f"cannot write the file ({error.strerror or error})"
        raise SpreadsheetError.single(str(path), "cannot_write", reason) from error


def xlsx_text(text: str) -> str:
    """Return ``text`` as an XLSX cell holds it, with ``_xHHHH_`` escapes (WA-8)."""
    return _UNSAFE.sub(lambda m: f"_x{ord(m[0]):04X}_", text) if text else text
