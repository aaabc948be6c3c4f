"""``import`` and ``export``: managers, portfolios and memberships as spreadsheets (WA-8).

An import is all or nothing unless ``--partial``; either way every bad row is printed
on stderr as ``file:line [column]: reason (code, rule)`` and the exit code is 3. ``-``
reads CSV from standard input (import) or writes one table as CSV to standard output
(export), for pipes.
"""

from __future__ import annotations

import argparse
import codecs
import functools
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from carteira.cli.base import leaf
from carteira.cli.errors import MISSING_EXTRA, ExitCode, UsageError
from carteira.cli.progress import ProgressBar, elapsed
from carteira.spreadsheets import DataSet, ImportRefused, RowProblem, TableKind

if TYPE_CHECKING:
    from carteira.cli.base import Commands
    from carteira.cli.output import Output
    from carteira.cli.session import Session

__all__ = ["register"]

# The FILE or PATH that means standard input (import) or standard output (export).
_STDIO = "-"
# How standard input is named in an import's problems and report.
_STDIN = "<stdin>"
# The first bytes of a zip archive, which an .xlsx workbook is.
_ZIP = b"PK\x03\x04"
_KINDS = [kind.value for kind in TableKind]
_ONE_OF = "managers, portfolios, memberships or history"


def register(commands: Commands) -> None:
    """Add ``import`` and ``export``."""
    load = leaf(
        commands,
        "import",
        _import,
        summary="import managers, portfolios and memberships from a spreadsheet",
        description="Import rows from FILE: a .csv file, an .xlsx workbook (one sheet per "
        "table) or a directory\nof .csv files (WA-8). Every row is checked first and every "
        "bad row printed on stderr as\n'file:line [column]: reason (code, rule)'. All or "
        "nothing by default: one bad row and\nnothing applies (exit 3). With --partial the "
        "good rows apply and the bad ones are\nreported (exit 3 when there were any). "
        "--errors writes the bad rows to ERROR_FILE\n(.csv, .xlsx or a directory) with a "
        "'problem' column, to fix and import again,\nlaid out as FILE: its header words and, "
        "for CSV, its delimiter and encoding.\nA progress bar shows on stderr when it "
        "is a terminal (or with --progress); the\nelapsed time ends the report. Importing "
        "the same file twice changes nothing.\nFILE - reads one CSV table from standard "
        "input (an .xlsx workbook is read from its path);\nits headers tell which table it "
        "is, or --table does.",
        examples=[
            "carteira import carteiras.xlsx",
            "carteira import clientes.csv --partial --errors erros.csv",
            "carteira export - --table memberships | carteira --db other.db import -",
        ],
    )
    load.add_argument(
        "file",
        metavar="FILE",
        help="the spreadsheet: .csv, .xlsx, a directory, or - for CSV on standard input",
    )
    load.add_argument(
        "--table",
        choices=_KINDS,
        metavar="TABLE",
        help=f"what a single .csv (or -) holds when neither its name nor its headers tell: "
        f"{_ONE_OF}",
    )
    load.add_argument(
        "--partial", action="store_true", help="apply the good rows even when some are bad"
    )
    load.add_argument(
        "--errors",
        metavar="ERROR_FILE",
        help="write the bad rows here, each with a 'problem' column, laid out as FILE",
    )
    load.add_argument(
        "--progress",
        action="store_true",
        help="show the progress bar even when stderr is not a terminal",
    )

    save = leaf(
        commands,
        "export",
        _export,
        reads=True,
        summary="export managers, portfolios, memberships and history",
        description="Write the tenant's managers, portfolios, memberships and ownership "
        "history (MB-6) to PATH:\nan .xlsx workbook (one sheet per table; needs "
        "carteira[xlsx]) or a directory of .csv\nfiles, one per table (any PATH not ending "
        "in .xlsx or .csv; created if needed). What\nexport writes, import reads. With "
        "--table only that table is written, which a .csv\nPATH needs, and so does PATH -: "
        "the table as CSV on standard output, and nothing else.",
        examples=[
            "carteira export carteiras.xlsx",
            "carteira export backup/",
            "carteira export - --table memberships > clientes.csv",
        ],
    )
    save.add_argument(
        "path",
        metavar="PATH",
        help="an .xlsx workbook, a directory, a .csv file or - (standard output) with --table",
    )
    save.add_argument(
        "--table", choices=_KINDS, metavar="TABLE", help=f"write this table only: {_ONE_OF}"
    )


def _import(session: Session, out: Output, args: argparse.Namespace) -> int:
    from carteira.services.imports import rejected_rows  # noqa: PLC0415
    from carteira.spreadsheets import SpreadsheetError, read_dataset  # noqa: PLC0415

    started = time.monotonic()
    kind = None if args.table is None else TableKind(args.table)
    if args.errors == _STDIO:
        raise UsageError("--errors names a file: standard output carries the import's report")
    source = args.file
    try:
        if args.file == _STDIO:
            source = _STDIN
            dataset = _read_stdin(session, kind)
        else:
            dataset = read_dataset(args.file, kind=kind, stream=True)
    except SpreadsheetError as error:
        return _refused_file(out, error.problems, error.code, source)
    bar = ProgressBar(out.err, shown=args.progress or _is_terminal(out.err))
    try:
        result = session.app().import_dataset(
            session.principal, dataset, partial=args.partial, progress=bar
        )
    except ImportRefused as refused:
        bar.done()
        _print_problems(out, refused.problems)
        bad_rows = functools.partial(rejected_rows, dataset, refused.problems)
        written = _write_errors(out, refused.problems, bad_rows, args.errors)
        out.problem(f"carteira: {refused} ({refused.code})")
        if out.json:
            out.dump(_report(0, 0, refused.problems, written, started))
        return ExitCode.BAD_ROWS
    bar.done()
    report = result.value
    _print_problems(out, report.problems)
    written = _write_errors(out, report.problems, report.bad_rows, args.errors)
    bad = len({(p.source, p.line) for p in report.problems})
    out.line(
        f"Imported {source}: {report.applied} row(s) applied, {report.unchanged} "
        f"unchanged, {bad} bad, in {elapsed(started)} (WA-8)."
    )
    if out.json:
        out.dump(_report(report.applied, report.unchanged, report.problems, written, started))
    return ExitCode.BAD_ROWS if report.problems else ExitCode.OK


def _read_stdin(session: Session, kind: TableKind | None) -> DataSet:
    """Read one CSV table from standard input, at most as many bytes as a file (WA-8).

    The bytes are read as a file's are: encoding, separator and table told from them. A
    workbook (a zip archive) is refused: an .xlsx is read from its path. A terminal is
    refused too, rather than waiting for a person to type a spreadsheet.
    """
    from carteira.spreadsheets import ReadLimits, SpreadsheetError, read_csv  # noqa: PLC0415

    if session.interactive:
        raise UsageError(
            "import -: standard input is a terminal: pipe a CSV file into it, "
            "as in 'carteira import - < clientes.csv'"
        )
    stdin, limits = session.stdin, ReadLimits()
    raw = getattr(stdin, "buffer", None)
    if raw is not None:
        data: bytes = raw.read(limits.max_bytes + 1)
    else:  # a text stream without bytes beneath it (a test's)
        data = b"" if stdin is None else stdin.read(limits.max_bytes + 1).encode("utf-8")
    if data.startswith(_ZIP):
        reason = "standard input takes CSV: read an .xlsx workbook from its path"
        raise SpreadsheetError.single(_STDIN, "unsupported_format", reason)
    try:
        table = read_csv(data, source=_STDIN, kind=kind, limits=limits)
    except SpreadsheetError as error:  # a table told by its name: standard input has none
        told = f"; standard input has no name: give --table {_ONE_OF}"
        problems = [
            attrs.evolve(p, reason=p.reason + told) if p.code == "unknown_table" else p
            for p in error.problems
        ]
        raise SpreadsheetError(problems, code=error.code) from error
    return DataSet((table,))


def _export(session: Session, out: Output, args: argparse.Namespace) -> int:
    from carteira.spreadsheets import write_dataset  # noqa: PLC0415

    kind = None if args.table is None else TableKind(args.table)
    if args.path == _STDIO and kind is None:
        raise UsageError(f"export -: standard output takes one table: give --table {_ONE_OF}")
    started = time.monotonic()
    dataset = session.app().export_dataset(session.principal)
    if kind is not None:
        dataset = DataSet(tuple(t for t in dataset.tables if t.kind is kind))
    if args.path == _STDIO:
        _write_stdout(dataset, out.out)
        return ExitCode.OK
    files = write_dataset(dataset, args.path)
    rows = {t.kind.value: len(t.rows) for t in dataset.tables}
    counts = ", ".join(f"{n} {kind}" for kind, n in rows.items())
    out.line(f"Exported {counts} to {', '.join(str(f) for f in files)} in {elapsed(started)}.")
    if out.json:
        out.dump({"files": [str(f) for f in files], "rows": rows})
    return ExitCode.OK


def _write_stdout(dataset: DataSet, stream: TextIO) -> None:
    r"""Write the data set's one table to ``stream`` as an export's CSV file holds it (WA-8).

    Written to a file first, so that it is checked as any export is, then copied: its
    bytes when the stream has them beneath it (UTF-8, ``\n``), else its text.
    """
    from carteira.spreadsheets import write_dataset  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="carteira-export-") as folder:
        (written,) = write_dataset(dataset, Path(folder) / "table.csv")
        stream.flush()
        raw = getattr(stream, "buffer", None)
        with written.open("rb") as data:
            if raw is not None:
                shutil.copyfileobj(data, raw)
                raw.flush()
            else:
                shutil.copyfileobj(codecs.getreader("utf-8")(data), stream)


def _refused_file(out: Output, problems: Sequence[RowProblem], code: str, source: str) -> int:
    """Report a file that cannot be read: every problem, then one summary line."""
    _print_problems(out, problems)
    out.problem(
        f"carteira: {source} cannot be imported: {len(problems)} problem(s); "
        f"nothing was applied [WA-8] ({code})"
    )
    return ExitCode.STORAGE if code == MISSING_EXTRA else ExitCode.BAD_ROWS


def _print_problems(out: Output, problems: Sequence[RowProblem]) -> None:
    for problem in problems:
        out.problem(str(problem))


def _write_errors(
    out: Output,
    problems: Sequence[RowProblem],
    bad_rows: Callable[[], DataSet],
    path: str | None,
) -> str | None:
    """Write the bad rows to ``path`` with a ``problem`` column; say where (WA-8).

    The file is laid out as the input was: its header words, and for CSV its delimiter,
    encoding and line end (issue 15); a change of encoding is said on stderr.
    """
    if path is None or not problems:
        return None
    from carteira.spreadsheets import SpreadsheetError, write_dataset  # noqa: PLC0415

    try:
        rows = bad_rows()
        if not rows.tables:
            out.problem(f"carteira: no row to write to {path}: the problems are the file's own")
            return None
        files = write_dataset(rows, path, warn=lambda note: out.problem(f"carteira: {note}"))
    except SpreadsheetError as error:
        out.problem(f"carteira: the bad rows were not written: {error}")
        return None
    written = ", ".join(str(f) for f in files)
    out.problem(f"carteira: the bad rows, with a 'problem' column, are in {written}")
    return written


def _report(
    applied: int,
    unchanged: int,
    problems: Sequence[RowProblem],
    errors_file: str | None,
    started: float,
) -> dict[str, Any]:
    return {
        "applied": applied,
        "unchanged": unchanged,
        "problems": [
            {
                "source": p.source,
                "line": p.line,
                "column": p.column,
                "code": p.code,
                "reason": p.reason,
                "rule": p.rule,
            }
            for p in problems
        ],
        "errors_file": errors_file,
        "seconds": round(time.monotonic() - started, 3),
    }


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return callable(isatty) and bool(isatty())
