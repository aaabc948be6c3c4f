"""Bounded input (issue 14, row 5; ER-1, ER-2, WA-8).

The campaign's reproducers: a 196 KB XLSX with a 200-million-character cell ended in
``MemoryError``; a 50 KB file took 2 GB and stored a 50-million-character name; one
140,000-character customer name made every export fail. A read now refuses a file past
its bytes (an ``.xlsx`` workbook's counted unzipped, before it is parsed), a table past
its rows and a cell past its characters, with a coded problem; names stop at 255.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from carteira import Carteira, InvalidInput, Principal
from carteira.spreadsheets import ReadLimits, SpreadsheetError, TableKind, read_csv, read_dataset

HEADER = "id,name\n"


def _managers_book(path: Path, rows: dict[int, tuple[str, str]]) -> Path:
    """Save a workbook of one ``managers`` sheet: the header, then ``rows`` by number."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "managers"
    sheet.append(["id", "name"])
    for number, cells in rows.items():
        for column, value in enumerate(cells, 1):
            sheet.cell(row=number, column=column, value=value)
    book.save(path)
    return path


def _codes(error: SpreadsheetError) -> list[tuple[str, int, str | None]]:
    return [(p.code, p.line, p.column) for p in error.problems]


def test_er2_row5_an_xlsx_that_inflates_past_the_limit_is_refused_unparsed(
    tmp_path: Path,
) -> None:
    """ER-2: a small workbook whose parts unzip past ``max_bytes`` is never parsed."""
    path = _managers_book(tmp_path / "bomb.xlsx", {2: ("m1", "a" * 30_000)})
    with zipfile.ZipFile(path) as archive:
        inflated = sum(i.file_size for i in archive.infolist())
    assert path.stat().st_size < inflated
    limits = ReadLimits(max_bytes=path.stat().st_size + 1_000)
    assert path.stat().st_size < limits.max_bytes < inflated
    with pytest.raises(SpreadsheetError) as refused:
        read_dataset(path, limits=limits)
    assert _codes(refused.value) == [("file_too_large", 0, None)]
    assert read_dataset(path).tables[0].rows[0].values["name"] == "a" * 30_000


def test_er2_row5_a_file_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """ER-2: the size is read from the file system, not from the bytes."""
    path = tmp_path / "managers.csv"
    path.write_text(HEADER + "m1,Ana\n" * 100, encoding="utf-8")
    with pytest.raises(SpreadsheetError) as refused:
        read_dataset(path, limits=ReadLimits(max_bytes=100))
    assert _codes(refused.value) == [("file_too_large", 0, None)]


def test_er2_row5_a_cell_past_its_characters_is_named_by_line_and_column() -> None:
    """ER-2: 32,767 characters, Excel's own limit, by default."""
    data = (HEADER + "m1,Ana\n" + "m2," + "x" * 40_000 + "\n").encode()
    with pytest.raises(SpreadsheetError) as refused:
        read_csv(data, source="managers.csv", kind=TableKind.MANAGERS)
    assert _codes(refused.value) == [("cell_too_long", 3, "name")]


def test_er2_row5_blank_rows_count_so_a_workbook_cannot_claim_a_far_row(
    tmp_path: Path,
) -> None:
    """ER-2: a 5 KB workbook whose one row sits at row 1,000,000 is refused after 1,000."""
    # A crafted file may claim a row far lower than openpyxl lets us write.
    path = _managers_book(tmp_path / "far.xlsx", {1_000_000: ("m1", "Ana")})
    with pytest.raises(SpreadsheetError) as refused:
        read_dataset(path, limits=ReadLimits(max_rows=1_000))
    assert [p.code for p in refused.value.problems] == ["too_many_rows"]


def test_er2_row5_a_table_past_its_rows_is_refused() -> None:
    """ER-2: the first row past ``max_rows`` is named and reading stops there."""
    data = (HEADER + "".join(f"m{n},N{n}\n" for n in range(10))).encode()
    with pytest.raises(SpreadsheetError) as refused:
        read_csv(data, source="m.csv", kind=TableKind.MANAGERS, limits=ReadLimits(max_rows=4))
    assert _codes(refused.value) == [("too_many_rows", 6, None)]
    assert len(read_csv(data, source="managers.csv", kind=TableKind.MANAGERS).rows) == 10


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "10"])
def test_er2_limits_are_whole_numbers_from_one(value: Any) -> None:
    """ER-2: a limit that is not a positive whole number is refused at once."""
    with pytest.raises(ValueError, match="whole number"):
        ReadLimits(max_rows=value)


def test_er2_row5_a_name_of_140000_characters_is_refused_so_exports_stay_writable(
    app: Carteira, store: Any, system: Principal
) -> None:
    """ER-2, WA-8: names stop at 255 characters on every store."""
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        app.register_customer(system, "c1", "N" * 140_000)
    assert refused.value.errors[0].path == "$.name"
    assert store.snapshot() == before


def test_er2_review_a_directory_of_csvs_is_one_read(tmp_path: Path) -> None:
    """ER-2: files each under the limit, together over it, are refused before reading."""
    for kind in ("managers", "portfolios"):
        (tmp_path / f"{kind}.csv").write_text("id,name\n" + "x,y\n" * 40, encoding="utf-8")
    with pytest.raises(SpreadsheetError) as refused:
        read_dataset(tmp_path, limits=ReadLimits(max_bytes=250))
    assert _codes(refused.value) == [("file_too_large", 0, None)]


def test_er2_review_blank_rows_before_the_header_count_too() -> None:
    """ER-2: a file of blank rows with a header far down is refused, not searched."""
    data = ("\n" * 2_000 + HEADER + "m1,Ana\n").encode()
    with pytest.raises(SpreadsheetError) as refused:
        read_csv(data, source="m.csv", kind=TableKind.MANAGERS, limits=ReadLimits(max_rows=1_000))
    assert [p.code for p in refused.value.problems] == ["too_many_rows"]
    assert len(read_csv(data, source="m.csv", kind=TableKind.MANAGERS).rows) == 1
