"""Spreadsheet files to data sets and back: CSV, XLSX, directories (WA-8)."""

from __future__ import annotations

import ast
import datetime
import os
import re
import sys
import tempfile
from pathlib import Path

import attrs
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import carteira.spreadsheets
from carteira.domain.errors import CarteiraError
from carteira.spreadsheets import (
    FileRows,
    ReadLimits,
    SpreadsheetError,
    read_csv,
    read_dataset,
    write_dataset,
)
from carteira.spreadsheets.dataset import (
    COLUMNS,
    REQUIRED,
    DataSet,
    SourceRow,
    Table,
    TableKind,
)

M, P, S, H = TableKind.MANAGERS, TableKind.PORTFOLIOS, TableKind.MEMBERSHIPS, TableKind.HISTORY


def refused(data: bytes, *, kind: TableKind | None = None) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as caught:
        read_csv(data, source="in.csv", kind=kind)
    return caught.value


def codes(error: SpreadsheetError) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in error.problems]


def values(table: Table) -> list[dict[str, str]]:
    return [dict(row.values) for row in table.rows]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.worksheets[0])
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# --- encodings -----------------------------------------------------------------------


def test_utf8_without_a_bom_reads() -> None:
    """WA-8: plain UTF-8 text, accents included."""
    table = read_csv("Cliente;Gerente;Nome do cliente\nc1;ana;Conceição\n".encode(), source="x")
    assert values(table) == [{"customer": "c1", "managers": "ana", "customer_name": "Conceição"}]


def test_utf8_with_a_bom_reads_and_the_bom_is_not_part_of_the_header() -> None:
    """WA-8: Excel's "CSV UTF-8" starts with a byte-order mark."""
    data = "\ufeffcliente,carteira\nc1,Ouro\n".encode()
    assert values(read_csv(data, source="in.csv")) == [{"customer": "c1", "portfolio": "Ouro"}]


def test_latin1_reads_when_the_bytes_are_not_utf8() -> None:
    """WA-8: a Latin-1 file from a Portuguese Excel: ç and ã read right."""
    data = "Cliente;Gerente;Nome do cliente\nc1;João;Açaí Comércio\n".encode("latin-1")
    table = read_csv(data, source="in.csv")
    assert table.kind is S
    assert values(table) == [
        {"customer": "c1", "managers": "João", "customer_name": "Açaí Comércio"}
    ]


def test_windows_1252_punctuation_reads_as_windows_writes_it() -> None:
    """WA-8: the Latin-1 fallback is Windows-1252, so curly quotes and € are not controls."""
    text = "“Café” \u2013 10 €"  # curly quotes, an en dash, the euro: 0x93 0x94 0x96 0x80
    data = f"cliente;nome\nc1;{text}\n".encode("cp1252")
    assert values(read_csv(data, source="in.csv"))[0]["customer_name"] == text


def test_utf16_with_a_bom_reads() -> None:
    """WA-8: Excel's "Unicode text" is UTF-16 with a BOM, tab-separated."""
    data = "cliente\tnome\nc1\tJoão\n".encode("utf-16")
    assert values(read_csv(data, source="in.csv")) == [{"customer": "c1", "customer_name": "João"}]


def test_bytes_neither_utf8_nor_latin1_are_bad_encoding_at_their_line() -> None:
    """WA-8: 0x81 is undefined in Windows-1252; the problem names the line it is on."""
    error = refused(b"cliente;nome\nc1;ok\nc2;\x81\xff\n")
    assert codes(error) == [(3, "bad_encoding")]
    assert "0x81" in error.problems[0].reason


def test_nul_bytes_are_bad_encoding() -> None:
    """WA-8: a binary file (or UTF-16 without a BOM) is not read as text."""
    assert codes(refused("cliente\n".encode("utf-16-le"))) == [(1, "bad_encoding")]


def test_a_utf8_bom_with_invalid_bytes_after_it_is_bad_encoding_not_latin1() -> None:
    """WA-8: the BOM says UTF-8, so broken UTF-8 is not silently read as Latin-1."""
    assert codes(refused(b"\xef\xbb\xbfcliente\nc\xe7\n")) == [(2, "bad_encoding")]


# --- separators and quoting ----------------------------------------------------------


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_the_separator_is_the_one_the_header_holds(separator: str) -> None:
    """WA-8: ; (Brazilian Excel), , or tab, told from the header row."""
    data = separator.join(["cliente", "nome", "carteira"]) + "\nc1" + separator + "Ana, Bia; Cia\n"
    table = read_csv(data.encode(), source="in.csv")
    assert table.columns == ("customer", "customer_name", "portfolio")
    assert values(table)[0]["customer"] == "c1"


def test_a_one_column_header_reads_and_other_separators_in_cells_stay_text() -> None:
    """WA-8: a header with a single column has no separator to find."""
    table = read_csv(b"cliente\nc1;x\nc2\tb\n", source="in.csv")
    assert values(table) == [{"customer": "c1;x"}, {"customer": "c2\tb"}]
    assert codes(refused(b"cliente\nc1,x\n")) == [(2, "too_many_cells")]  # "," by default


def test_quoted_cells_hold_separators_quotes_and_line_breaks() -> None:
    """WA-8: quoted cells keep ;, doubled quotes and line breaks; the row's line is its first."""
    data = (
        b'cliente;nome;carteira\nc1;"Silva; Filhos";"a ""b"""\nc2;"one\r\ntwo\nthree";x\nc3;z;y\n'
    )
    table = read_csv(data, source="in.csv")
    assert values(table) == [
        {"customer": "c1", "customer_name": "Silva; Filhos", "portfolio": 'a "b"'},
        {"customer": "c2", "customer_name": "one\r\ntwo\nthree", "portfolio": "x"},
        {"customer": "c3", "customer_name": "z", "portfolio": "y"},
    ]
    assert [row.line for row in table.rows] == [2, 3, 6]


def test_separators_inside_quoted_headers_do_not_count() -> None:
    """WA-8: the separator count skips quoted text."""
    error = refused(b'cliente;"nome, do, cliente"\nc1;Ana\n')
    assert codes(error) == [(1, "unknown_column")]
    assert "'nome, do, cliente' is not a column of memberships" in error.problems[0].reason


def test_a_quote_left_open_is_malformed_csv_at_the_row_that_opens_it() -> None:
    """WA-8: an open quote would swallow the rest of the file; it is refused instead."""
    assert codes(refused(b'cliente;nome\nc1;ok\nc2;"open\nc3;x\n')) == [(3, "malformed_csv")]


# --- lines, blanks, cells ----------------------------------------------------------


def test_blank_rows_are_skipped_and_later_lines_stay_true() -> None:
    """WA-8: header is line 1; blank lines (and rows of blank cells) count but yield no row."""
    data = b"\ngerente;nome\n\nana;Ana\n;\n  ;  \nbia;Bia\n"
    table = read_csv(data, source="in.csv")
    assert [(row.line, row.values["id"]) for row in table.rows] == [(4, "ana"), (7, "bia")]


def test_cells_are_stripped_and_short_rows_padded() -> None:
    """WA-8: surrounding whitespace goes; missing cells are ""."""
    table = read_csv(b" gerente ; nome ; perfil \n  ana  ;  Ana Lima \nbia\n", source="in.csv")
    assert values(table) == [
        {"id": "ana", "name": "Ana Lima", "profile": ""},
        {"id": "bia", "name": "", "profile": ""},
    ]


def test_a_row_with_more_cells_than_the_header_is_a_problem() -> None:
    """WA-8: too_many_cells names the row's line; trailing blank cells are tolerated."""
    error = refused(b"gerente;nome\nana;Ana;;\nbia;Bia;extra\n")
    assert codes(error) == [(3, "too_many_cells")]
    assert "3 cells" in error.problems[0].reason


def test_trailing_blank_header_cells_are_ignored() -> None:
    """WA-8: Excel often writes trailing separators on every row, header included."""
    table = read_csv(b"gerente;nome;;\nana;Ana;;\n", source="in.csv")
    assert table.columns == ("id", "name")


# --- headers -------------------------------------------------------------------------

BRIEF_ALIASES = {
    M: {
        "id": ["id", "manager", "manager_id", "gerente", "id do gerente", "codigo"],
        "name": ["name", "nome"],
        "profile": ["profile", "perfil"],
        "active": ["active", "ativo"],
        "roles": ["roles", "papeis", "papéis", "grupos de permissoes"],
        "default_portfolio": ["default portfolio", "carteira padrao"],
    },
    P: {
        "id": ["id", "portfolio_id", "codigo"],
        "name": ["name", "nome", "portfolio", "carteira"],
        "description": ["description", "descricao"],
        "journey": ["journey", "jornada"],
        "journey_name": ["journey name", "nome da jornada"],
        "managers": ["managers", "gerentes", "gerentes de sucesso"],
    },
    S: {
        "customer": ["customer", "customer_id", "client", "cliente", "id do cliente"],
        "customer_name": ["customer name", "nome do cliente", "nome"],
        "organization": [
            "organization",
            "organisation",
            "company",
            "organizacao",
            "organização",
            "empresa",
        ],
        "organization_name": ["organization name", "nome da organizacao"],
        "portfolio": ["portfolio", "carteira"],
        "managers": [
            "manager",
            "managers",
            "account manager",
            "account managers",
            "account manager(s)",
            "responsible",
            "gerente",
            "gerentes",
            "gerente de sucesso",
            "responsavel",
            "responsável",
            "atendente",
            "vendedor",
        ],
    },
    H: {column: [column] for column in COLUMNS[H]},
}
CASES = [
    (kind, column, alias)
    for kind, columns in BRIEF_ALIASES.items()
    for column, aliases in columns.items()
    for alias in aliases
]


def _spelled(alias: str) -> list[str]:
    return [alias, alias.upper().replace(" ", "_"), f"  {alias.title()}  "]


@pytest.mark.parametrize(("kind", "column", "alias"), CASES)
def test_every_header_name_of_the_issue_maps_to_its_column(
    kind: TableKind, column: str, alias: str
) -> None:
    """WA-8: English and Portuguese; case, spaces and underscores aside."""
    others = [c for c in REQUIRED[kind] if c != column]
    if kind is S and column not in {"customer", "organization"}:
        others.append("customer")
    for header in _spelled(alias):
        table = read_csv(";".join([header, *others]).encode(), source="in.csv", kind=kind)
        assert table.columns[0] == column


def test_accents_do_not_matter_in_headers() -> None:
    """WA-8: "Organizacao" and "Organização", "Responsavel" and "RESPONSÁVEL" are one."""
    table = read_csv("Organizacao;RESPONSÁVEL;Nome_da_Organização\n".encode(), source="x")
    assert table.columns == ("organization", "managers", "organization_name")


def test_every_canonical_column_is_accepted_as_written() -> None:
    """WA-8: an export's headers are the canonical names; they must read back."""
    for kind, columns in COLUMNS.items():
        table = read_csv(",".join(columns).encode(), source="in.csv", kind=kind)
        assert table.columns == columns


def test_an_unknown_header_is_named_with_the_accepted_ones() -> None:
    """WA-8: unknown_column says which header and lists what the kind accepts."""
    error = refused(b"gerente;nome;telefone\n")
    assert codes(error) == [(1, "unknown_column")]
    reason = error.problems[0].reason
    assert "'telefone'" in reason
    assert "managers" in reason
    assert "id (id, manager, manager id, gerente" in reason
    assert "default_portfolio (default_portfolio, carteira padrao)" in reason


def test_a_blank_header_between_named_ones_is_an_unknown_column() -> None:
    """WA-8: a column without a name cannot be placed."""
    error = refused(b"gerente;;nome\n")
    assert codes(error) == [(1, "unknown_column")]
    assert "column 2 (no name)" in error.problems[0].reason


def test_the_same_column_twice_is_a_duplicate_column() -> None:
    """WA-8: "nome" and "Name" are both managers' name."""
    error = refused(b"gerente;nome;Name\n")
    assert [(p.code, p.column) for p in error.problems] == [("duplicate_column", "name")]


@pytest.mark.parametrize(
    ("data", "kind", "column"),
    [
        (b"nome;perfil\n", M, "id"),
        (b"id;descricao\n", P, "name"),
        (b"nome do cliente;carteira\n", S, None),
    ],
)
def test_a_required_column_missing_is_a_problem(
    data: bytes, kind: TableKind, column: str | None
) -> None:
    """WA-8: managers need id, portfolios name, memberships customer or organization."""
    error = refused(data)
    assert [(p.code, p.column) for p in error.problems] == [("missing_column", column)]
    assert kind.value in error.problems[0].reason


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    """WA-8: problems are collected, not raised one at a time."""
    error = refused(b"nome;perfil;perfil;cor\nana;x;y;z;w\n")
    assert sorted(p.code for p in error.problems) == [
        "duplicate_column",
        "missing_column",
        "too_many_cells",
        "unknown_column",
    ]
    assert error.code == "spreadsheet_invalid"
    assert error.rule == "WA-8"
    assert isinstance(error, CarteiraError)
    assert "in.csv:1" in str(error)
    assert "[WA-8]" in str(error)


def test_an_empty_file_is_a_problem() -> None:
    """WA-8: no bytes, or only blank lines, is empty_file."""
    assert codes(refused(b"")) == [(0, "empty_file")]
    assert codes(refused(b"\r\n \n;;\n")) == [(0, "empty_file")]


def test_a_header_only_file_is_an_empty_table() -> None:
    """WA-8: an export of no rows reads back."""
    assert read_csv(b"gerente,nome\n", source="in.csv").rows == ()


# --- table kinds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Gerente;Id do cliente", S),
        ("empresa;gerentes", S),
        ("cliente", S),
        ("gerente;nome;perfil", M),
        ("manager_id;name", M),
        ("id;nome;ativo", M),
        ("id;nome;descricao", P),
        ("carteira;gerentes de sucesso", P),
        ("nome;jornada", P),
        ("at;subject;way", H),
        ("subject_kind;managers_after", H),
    ],
)
def test_the_kind_comes_from_the_headers(header: str, kind: TableKind) -> None:
    """WA-8: customer or organization → memberships; manager id and no portfolio → managers."""
    assert read_csv(header.encode(), source="in.csv").kind is kind


def test_headers_that_fit_no_single_kind_are_an_unknown_table() -> None:
    """WA-8: "id;nome" fits managers and portfolios alike: name the file instead."""
    error = refused(b"id;nome\n1;Ana\n")
    assert codes(error) == [(1, "unknown_table")]
    assert "gerentes, carteiras" in error.problems[0].reason


def test_the_kind_argument_wins_over_the_headers() -> None:
    """WA-8: read_csv(kind=...) settles an ambiguous table."""
    assert read_csv(b"id;nome\n1;Ouro\n", source="in.csv", kind=P).kind is P


@pytest.mark.parametrize(
    ("stem", "kind"),
    [
        ("managers", M),
        ("GERENTES", M),
        ("Carteiras", P),
        ("portfolios", P),
        ("memberships", S),
        ("clientes", S),
        ("Vínculos", S),
        ("vinculos", S),
        ("history", H),
        ("Histórico", H),
    ],
)
def test_the_kind_comes_from_the_file_name(tmp_path: Path, stem: str, kind: TableKind) -> None:
    """WA-8: file stems in English or Portuguese, case and accents aside."""
    header = {M: "id", P: "nome", S: "cliente", H: "at"}[kind]
    (tmp_path / f"{stem}.csv").write_text(f"{header}\n", encoding="utf-8")
    dataset = read_dataset(tmp_path / f"{stem}.csv")
    assert [table.kind for table in dataset.tables] == [kind]


# --- files and directories -------------------------------------------------------------


def test_a_missing_path_is_file_not_found(tmp_path: Path) -> None:
    """WA-8: a SpreadsheetError, never a bare OSError."""
    for missing in (tmp_path / "nope.csv", tmp_path / "nope"):
        with pytest.raises(SpreadsheetError) as caught:
            read_dataset(missing)
        assert caught.value.code == "file_not_found"
        assert codes(caught.value) == [(0, "file_not_found")]


def test_an_unknown_file_format_is_refused(tmp_path: Path) -> None:
    """WA-8: .ods, .xls and others are not read."""
    (tmp_path / "book.ods").write_bytes(b"x")
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(tmp_path / "book.ods")
    assert caught.value.code == "unsupported_format"


def test_the_kind_argument_is_for_a_single_csv(tmp_path: Path) -> None:
    """WA-8: a directory or workbook names its tables itself."""
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(tmp_path, kind=M)
    assert caught.value.code == "kind_not_applicable"


def test_a_single_csv_takes_the_kind_argument(tmp_path: Path) -> None:
    """WA-8: read_dataset(path, kind=...) for a file whose name says nothing."""
    (tmp_path / "export.csv").write_bytes(b"id;nome\n1;Ouro\n")
    assert read_dataset(tmp_path / "export.csv", kind=P).tables[0].kind is P


def test_a_directory_reads_every_csv_by_name(tmp_path: Path) -> None:
    """WA-8: every *.csv, sorted by name; other files are left alone."""
    (tmp_path / "b_gerentes.csv").write_bytes(b"gerente;nome\nana;Ana\n")
    (tmp_path / "a.csv").write_bytes(b"cliente;gerente\nc1;ana\n")
    (tmp_path / "notes.txt").write_bytes(b"ignored")
    dataset = read_dataset(tmp_path)
    assert [(t.kind, Path(t.source).name) for t in dataset.tables] == [
        (S, "a.csv"),
        (M, "b_gerentes.csv"),
    ]


def test_problems_of_every_file_of_a_directory_are_reported_together(tmp_path: Path) -> None:
    """WA-8: one error lists the problems of all files, each with its source."""
    (tmp_path / "managers.csv").write_bytes(b"nome\nAna\n")
    (tmp_path / "portfolios.csv").write_bytes(b"nome;cor\n")
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(tmp_path)
    assert [(Path(p.source).name, p.code) for p in caught.value.problems] == [
        ("managers.csv", "missing_column"),
        ("portfolios.csv", "unknown_column"),
    ]


def test_two_tables_of_one_kind_are_a_duplicate_table(tmp_path: Path) -> None:
    """WA-8: managers.csv and gerentes.csv cannot both be the managers."""
    (tmp_path / "gerentes.csv").write_bytes(b"gerente\nana\n")
    (tmp_path / "managers.csv").write_bytes(b"id\nbia\n")
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(tmp_path)
    assert [(Path(p.source).name, p.code) for p in caught.value.problems] == [
        ("managers.csv", "duplicate_table")
    ]
    assert "gerentes.csv" in caught.value.problems[0].reason


def test_an_empty_directory_is_an_empty_file(tmp_path: Path) -> None:
    """WA-8: nothing to import is a problem, not an empty import."""
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(tmp_path)
    assert codes(caught.value) == [(0, "empty_file")]


def test_a_file_that_cannot_be_read_is_unreadable(tmp_path: Path) -> None:
    """WA-8: a damaged workbook is a problem, not a zipfile error."""
    (tmp_path / "book.xlsx").write_bytes(b"not a zip")
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(tmp_path / "book.xlsx")
    assert codes(caught.value) == [(0, "unreadable_file")]


# --- XLSX ----------------------------------------------------------------------------


def test_a_workbook_reads_one_table_per_sheet_with_sheet_row_lines(tmp_path: Path) -> None:
    """WA-8: sheet names give kinds; line = the sheet's row number, blank rows counted."""
    path = workbook(
        tmp_path / "book.xlsx",
        {
            "Gerentes": [
                ["Gerente", "Nome", "Ativo"],
                ["ana", "Ana", True],
                [],
                ["bia", None, False],
            ],
            "Clientes": [["Cliente", "Carteira"], [123.0, "Ouro"], [7, 1.5]],
        },
    )
    dataset = read_dataset(path)
    managers, members = dataset.tables
    assert (managers.kind, members.kind) == (M, S)
    assert managers.source == f"{path}[Gerentes]"
    assert [(r.line, dict(r.values)) for r in managers.rows] == [
        (2, {"id": "ana", "name": "Ana", "active": "yes"}),
        (4, {"id": "bia", "name": "", "active": "no"}),
    ]
    assert values(members) == [
        {"customer": "123", "portfolio": "Ouro"},
        {"customer": "7", "portfolio": "1.5"},
    ]


def test_workbook_dates_read_as_iso_8601(tmp_path: Path) -> None:
    """WA-8: a date typed in a cell is ISO 8601; a time of day is kept when there is one."""
    path = workbook(
        tmp_path / "book.xlsx",
        {
            "history": [
                ["at", "subject"],
                [datetime.datetime(2024, 3, 1), "c1"],  # noqa: DTZ001 - Excel has no zones
                [datetime.datetime(2024, 3, 1, 13, 5), "c2"],  # noqa: DTZ001
                [datetime.date(2024, 3, 2), "c3"],
            ]
        },
    )
    at = [row.values["at"] for row in read_dataset(path).tables[0].rows]
    assert at == ["2024-03-01", "2024-03-01T13:05:00", "2024-03-02"]


def test_blank_and_hidden_sheets_are_skipped_and_headers_may_start_lower(tmp_path: Path) -> None:
    """WA-8: the default blank sheet and a template's hidden lists are not tables."""
    book = openpyxl.Workbook()
    book.worksheets[0].title = "Planilha1"
    lists = book.create_sheet("listas")
    lists.append(["Ouro", "Prata"])
    lists.sheet_state = "hidden"
    sheet = book.create_sheet("Carteiras")
    sheet.cell(row=3, column=1, value="Carteira")
    sheet.cell(row=5, column=1, value="Ouro")
    book.save(tmp_path / "book.xlsx")
    (table,) = read_dataset(tmp_path / "book.xlsx").tables
    assert (table.kind, [(r.line, r.values["name"]) for r in table.rows]) == (P, [(5, "Ouro")])


def test_a_workbook_of_blank_sheets_is_an_empty_file(tmp_path: Path) -> None:
    """WA-8: nothing to import."""
    openpyxl.Workbook().save(tmp_path / "book.xlsx")
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(tmp_path / "book.xlsx")
    assert codes(caught.value) == [(0, "empty_file")]


def test_an_unnamed_sheet_takes_its_kind_from_its_headers(tmp_path: Path) -> None:
    """WA-8: "Sheet1" with customer headers is the memberships."""
    path = workbook(tmp_path / "book.xlsx", {"Sheet1": [["Id do cliente", "Responsável"]]})
    assert read_dataset(path).tables[0].kind is S


def test_workbook_problems_name_the_sheet(tmp_path: Path) -> None:
    """WA-8: source is "book.xlsx[sheet]"."""
    path = workbook(tmp_path / "book.xlsx", {"gerentes": [["nome"], ["Ana", "x"]]})
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(path)
    assert [(p.source, p.line, p.code) for p in caught.value.problems] == [
        (f"{path}[gerentes]", 1, "missing_column"),
        (f"{path}[gerentes]", 2, "too_many_cells"),
    ]


def test_written_workbook_cells_stay_text(tmp_path: Path) -> None:
    """WA-8: "=1+1", "#N/A", control characters, CR and "_x0041_" all come back as written."""
    cells = ["=1+1", "#N/A", "a\x01b\x1fc", "one\rtwo\r\nthree", "_x0041_", "0012", "x\uffff"]
    table = Table(
        kind=S,
        source="",
        columns=("customer",),
        rows=tuple(SourceRow(line, {"customer": text}) for line, text in enumerate(cells, 2)),
    )
    write_dataset(DataSet((table,)), tmp_path / "out.xlsx")
    assert values(read_dataset(tmp_path / "out.xlsx").tables[0]) == [
        {"customer": text} for text in cells
    ]
    raw = openpyxl.load_workbook(tmp_path / "out.xlsx")["memberships"]
    assert [cell.data_type for (cell,) in raw.iter_rows(min_row=2)] == ["s"] * len(cells)


def test_an_openpyxl_failure_while_writing_is_cannot_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WA-8: IllegalCharacterError (or any openpyxl error) never escapes bare."""
    from openpyxl.utils.exceptions import IllegalCharacterError  # noqa: PLC0415

    def fail(*_: object) -> None:
        raise IllegalCharacterError("\x01 cannot be used in worksheets.")

    monkeypatch.setattr(openpyxl.Workbook, "save", fail)
    with pytest.raises(SpreadsheetError) as caught:
        write_dataset(_managers("ana"), tmp_path / "out.xlsx")
    assert caught.value.code == "cannot_write"
    assert "IllegalCharacterError" in caught.value.problems[0].reason


def test_without_openpyxl_xlsx_is_refused_with_the_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WA-8: openpyxl is the optional extra carteira[xlsx]."""
    path = workbook(tmp_path / "book.xlsx", {"managers": [["id"], ["ana"]]})
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    for act in (lambda: read_dataset(path), lambda: write_dataset(_managers("a"), path)):
        with pytest.raises(SpreadsheetError) as caught:
            act()
        assert caught.value.code == "xlsx_unavailable"
        assert "pip install 'carteira[xlsx]'" in str(caught.value)
    assert read_csv(b"gerente\nana\n", source="in.csv").kind is M  # CSV needs nothing


# --- writing -------------------------------------------------------------------------


def _managers(*ids: str) -> DataSet:
    rows = tuple(SourceRow(line, {"id": i, "name": ""}) for line, i in enumerate(ids, 2))
    return DataSet((Table(kind=M, source="", columns=("id", "name"), rows=rows),))


def _portfolios() -> Table:
    return Table(kind=P, source="", columns=("name",), rows=(SourceRow(2, {"name": "Ouro"}),))


def test_a_csv_is_written_as_utf8_with_commas_minimal_quoting_and_newlines(tmp_path: Path) -> None:
    """WA-8: the header is the canonical columns in the table's order."""
    rows = (
        SourceRow(2, {"name": "Ouro, Prata", "id": "p1", "managers": "ana|bia"}),
        SourceRow(3, {"name": 'Diz "sim"', "id": "p2", "managers": ""}),
        SourceRow(4, {"name": "Açaí\nnorte", "id": "p3", "managers": "x;y"}),
        SourceRow(5, {"name": "", "id": "", "managers": ""}),
    )
    table = Table(kind=P, source="", columns=("name", "id", "managers"), rows=rows)
    (path,) = write_dataset(DataSet((table,)), tmp_path / "carteiras.csv")
    assert path == tmp_path / "carteiras.csv"
    assert (
        path.read_bytes()
        == (
            'name,id,managers\n"Ouro, Prata",p1,ana|bia\n"Diz ""sim""",p2,\n"Açaí\nnorte",p3,x;y\n'
        ).encode()
    )


def test_a_directory_gets_one_csv_per_kind_and_is_created(tmp_path: Path) -> None:
    """WA-8: <kind>.csv for each table, in the data set's order."""
    members = Table(
        kind=S, source="", columns=("customer",), rows=(SourceRow(2, {"customer": "c"}),)
    )
    dataset = DataSet((_managers("ana").tables[0], members))
    written = write_dataset(dataset, tmp_path / "new" / "export")
    assert [p.name for p in written] == ["managers.csv", "memberships.csv"]
    again = read_dataset(tmp_path / "new" / "export")
    assert [(t.kind, values(t)) for t in again.tables] == [
        (M, [{"id": "ana", "name": ""}]),
        (S, [{"customer": "c"}]),
    ]


@pytest.mark.parametrize(
    ("dataset", "target", "reason"),
    [
        (DataSet(), "out.xlsx", "no table"),
        (DataSet((Table(kind=H, source="", columns=(), rows=()),)), "out", "no columns"),
        (DataSet(_managers("a").tables * 2), "out", "two managers tables"),
        (DataSet((_managers("a").tables[0], _portfolios())), "out.csv", "one table, not 2"),
        (
            DataSet((Table(kind=M, source="", columns=("name", "colour"), rows=()),)),
            "out",
            "'colour' is not a column of managers",
        ),
        (
            DataSet((Table(kind=M, source="", columns=("name",), rows=()),)),
            "out",
            "no id column",
        ),
        (
            DataSet((Table(kind=S, source="", columns=("portfolio",), rows=()),)),
            "out",
            "no customer or organization",
        ),
        (
            DataSet((Table(kind=M, source="", columns=("id", "id"), rows=()),)),
            "out",
            "names a column twice",
        ),
        (
            DataSet((Table(M, "", ("id",), (SourceRow(2, {"id": "a", "name": "A"}),)),)),
            "out",
            "no such column",
        ),
        (
            DataSet((Table(M, "", ("id",), (SourceRow(2, {"id": "a\x00"}),)),)),
            "out",
            "NUL",
        ),
        (
            DataSet((Table(M, "", ("id",), (SourceRow(2, {"id": "x" * 200_000}),)),)),
            "out",
            "longer than a CSV reader takes",
        ),
        (
            DataSet((Table(M, "", ("id",), (SourceRow(2, {"id": "\x01" * 5000}),)),)),
            "out.xlsx",
            "longer than an XLSX cell",
        ),
    ],
)
def test_what_would_not_read_back_is_not_written(
    tmp_path: Path, dataset: DataSet, target: str, reason: str
) -> None:
    """WA-8: cannot_write before any file is made."""
    with pytest.raises(SpreadsheetError) as caught:
        write_dataset(dataset, tmp_path / target)
    assert caught.value.code == "cannot_write"
    assert {p.code for p in caught.value.problems} == {"cannot_write"}
    assert reason in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", ["out.csv", "out.xlsx", "out"])
def test_an_unwritable_path_is_cannot_write(tmp_path: Path, target: str) -> None:
    """WA-8: an OSError becomes a SpreadsheetError."""
    (tmp_path / "file").write_text("a file, not a directory")
    with pytest.raises(SpreadsheetError) as caught:
        write_dataset(_managers("ana"), tmp_path / "file" / target)
    assert caught.value.code == "cannot_write"


# --- the round trip --------------------------------------------------------------------

_PIECES = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(
        # the last four: a formula's first characters, and the guard against them
        [
            ",",
            ";",
            "\t",
            '"',
            "\n",
            "\r",
            "\r\n",
            " ",
            "ç",
            "ã",
            "É",
            "=",
            "_x000D_",
            "+",
            "-",
            "@",
            "'",
        ]
    ),
)


def _cells(*, nul: bool) -> st.SearchStrategy[str]:
    text = st.lists(_PIECES, max_size=8).map("".join).map(str.strip)
    return text if nul else text.map(lambda t: t.replace("\x00", "")).map(str.strip)


@st.composite
def _tables(draw: st.DrawFn, kind: TableKind, *, nul: bool) -> Table:
    optional = [c for c in COLUMNS[kind] if c not in REQUIRED[kind]]
    least = 0 if REQUIRED[kind] or kind is S else 1
    chosen = draw(st.lists(st.sampled_from(optional), min_size=least, unique=True))
    columns = [*REQUIRED[kind], *chosen]
    if kind is S and not {"customer", "organization"} & set(columns):
        columns.append(draw(st.sampled_from(["customer", "organization"])))
    columns = draw(st.permutations(columns))
    width = len(columns)
    row = st.lists(_cells(nul=nul), min_size=width, max_size=width).filter(any)
    rows = draw(st.lists(row, max_size=4))
    return Table(
        kind=kind,
        source="",
        columns=tuple(columns),
        rows=tuple(SourceRow(0, dict(zip(columns, cells, strict=True))) for cells in rows),
    )


def _datasets(*, nul: bool) -> st.SearchStrategy[DataSet]:
    kinds = st.lists(st.sampled_from(list(TableKind)), min_size=1, unique=True)
    return kinds.flatmap(lambda ks: st.tuples(*(_tables(k, nul=nul) for k in ks)).map(DataSet))


def _laid_out(table: Table, source: str, *, csv: bool) -> Table:
    """The table as a reader gives it back: its source and the lines the writer laid out."""
    rows, line = [], 2
    for row in table.rows:
        rows.append(SourceRow(line, row.values))
        breaks = sum(len(re.findall(r"\r\n|\r|\n", text)) for text in row.values.values())
        line += 1 + (breaks if csv else 0)
    return Table(kind=table.kind, source=source, columns=table.columns, rows=tuple(rows))


@given(_datasets(nul=False))
def test_a_directory_of_csvs_reads_back_equal(dataset: DataSet) -> None:
    """WA-8: what write_dataset writes, read_dataset reads back (CSV lines: row starts)."""
    with tempfile.TemporaryDirectory() as directory:
        written = write_dataset(dataset, directory)
        expected = {
            t.kind: _laid_out(t, str(Path(directory, f"{t.kind}.csv")), csv=True)
            for t in dataset.tables
        }
        again = read_dataset(directory)
        streamed = held(read_dataset(directory, stream=True))
    assert [p.name for p in written] == [f"{t.kind}.csv" for t in dataset.tables]
    assert again == DataSet(tuple(expected[kind] for kind in sorted(expected)))
    assert streamed == again


@given(_datasets(nul=True))
def test_a_workbook_reads_back_equal(dataset: DataSet) -> None:
    """WA-8: XLSX round trip, control characters included (written as _xHHHH_)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "book.xlsx")
        write_dataset(dataset, path)
        again = read_dataset(path)
        streamed = held(read_dataset(path, stream=True))
    expected = tuple(_laid_out(t, f"{path}[{t.kind}]", csv=False) for t in dataset.tables)
    assert again == DataSet(expected)
    assert streamed == again


def held(dataset: DataSet) -> DataSet:
    """The data set with each table's rows read into a tuple, as a plain read keeps them."""
    return DataSet(tuple(attrs.evolve(t, rows=tuple(t.rows)) for t in dataset.tables))


# --- streamed reads (ER-2) ---------------------------------------------------------------


def test_er2_a_streamed_table_keeps_no_row_and_reads_them_again_each_time(
    tmp_path: Path,
) -> None:
    """ER-2: stream=True checks every row, keeps none, and gives the same rows each time."""
    path = tmp_path / "clientes.csv"
    path.write_text("cliente;nome\nc1;Um\n\nc2;Dois\n", encoding="cp1252")
    table = read_dataset(path, stream=True).tables[0]
    assert isinstance(table.rows, FileRows)
    assert len(table.rows) == 2
    assert repr(table.rows) == f"FileRows({str(path)!r}, 2 rows)"
    first, second = list(table.rows), list(table.rows)
    assert first == second == list(read_dataset(path).tables[0].rows)
    assert SourceRow(4, {"customer": "c2", "customer_name": "Dois"}) in table.rows
    assert SourceRow(3, {"customer": "c2", "customer_name": "Dois"}) not in table.rows


def test_er2_a_streamed_read_reports_every_problem_before_returning(tmp_path: Path) -> None:
    """ER-2: streaming defers no check: a long cell on the last row refuses the file at once."""
    path = tmp_path / "clientes.csv"
    path.write_text("cliente,nome\nc1,ok\nc2," + "x" * 40 + "\n", encoding="utf-8")
    with pytest.raises(SpreadsheetError) as caught:
        read_dataset(path, stream=True, limits=ReadLimits(max_cell=30))
    assert codes(caught.value) == [(3, "cell_too_long")]


@pytest.mark.parametrize("change", ["append", "rewrite", "workbook", "delete"])
def test_er2_a_file_changed_after_a_streamed_read_is_refused_when_read_again(
    tmp_path: Path, change: str
) -> None:
    """ER-2: the rows read later must be the rows checked: a changed file is file_changed."""
    path = tmp_path / "clientes.csv"
    path.write_text("cliente,nome\nc1,Um\n", encoding="utf-8")
    table = read_dataset(path, stream=True).tables[0]
    if change == "append":
        with path.open("a", encoding="utf-8") as out:
            out.write("c2,Dois\n")
    elif change == "rewrite":  # the same size, the modification time put back
        before = path.stat()
        path.write_text("cliente,nome\nc9,Xy\n", encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert path.stat().st_size == before.st_size
    elif change == "workbook":
        path = workbook(path.with_suffix(".xlsx"), {"clientes": [["cliente"], ["c1"]]})
        table = read_dataset(path, stream=True).tables[0]
        path.write_bytes(bytes(path.stat().st_size))
    else:
        path.unlink()
    with pytest.raises(SpreadsheetError) as caught:
        list(table.rows)
    assert caught.value.code == "file_changed"


def test_er2_a_streamed_workbook_reads_its_sheet_again(tmp_path: Path) -> None:
    """ER-2: an .xlsx sheet streams too, read-only, one row at a time."""
    path = workbook(tmp_path / "book.xlsx", {"clientes": [["cliente", "nome"], ["c1", "Um"]]})
    table = read_dataset(path, stream=True).tables[0]
    assert isinstance(table.rows, FileRows)
    assert (
        list(table.rows)
        == list(table.rows)
        == [SourceRow(2, {"customer": "c1", "customer_name": "Um"})]
    )


_MIB = 1 << 20


def test_er2_a_character_across_two_blocks_still_reads_as_utf8() -> None:
    """ER-2: the file is decoded a block at a time; a ç split between blocks is still UTF-8."""
    lines = "cliente,nome\n" + "".join(f"c{n},{'a' * 90}\n" for n in range(10_800))
    filler = len(lines.encode()) % _MIB
    pad = _MIB - filler - len("c,") - 1  # the ç's two bytes are the last of block 1, first of 2
    data = (lines + "c," + "b" * pad + "ç\nc2,Conceição\n").encode()
    assert data[_MIB - 1 : _MIB + 1] == "ç".encode()
    rows = values(read_csv(data, source="x"))
    assert rows[-1] == {"customer": "c2", "customer_name": "Conceição"}
    assert rows[-2]["customer_name"].endswith("bç")


def test_er2_bad_bytes_and_nul_past_the_first_block_name_their_line_and_offset() -> None:
    """ER-2: a problem after the first block keeps its true line and byte offset."""
    body = "".join(f"c{n},{'x' * 20}\n" for n in range(60_000)).encode()
    bom = b"\xef\xbb\xbf"
    data = bom + b"cliente,nome\n" + body + b"c,\xff\n"
    assert len(data) > _MIB
    error = refused(data)
    assert codes(error) == [(60_002, "bad_encoding")]
    assert f"offset {len(data) - 2}" in error.problems[0].reason
    assert codes(refused(b"cliente,nome\n" + body + b"c,\x00\n")) == [(60_002, "bad_encoding")]


# --- the package's place ---------------------------------------------------------------


def test_the_package_imports_only_the_domain_the_standard_library_and_openpyxl_lazily() -> None:
    """WA-8 lives at the edge: no service, adapter or storage import; openpyxl on demand;
    attrs for the tables' values (``dataset.py``, moved from the domain in issue 17)."""
    package = Path(carteira.spreadsheets.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert (
                    top in sys.stdlib_module_names
                    or top == "attrs"
                    or name.startswith(("carteira.domain", "carteira.spreadsheets"))
                ), f"{path.name} imports {name} at module level"


def test_the_public_names_are_exported_and_name_the_rule() -> None:
    """WA-8: every public name says which rule it serves."""
    assert carteira.spreadsheets.__all__ == [
        "CsvFormat",
        "DataSet",
        "FileRows",
        "ImportRefused",
        "ReadLimits",
        "RowProblem",
        "SourceRow",
        "SpreadsheetError",
        "Table",
        "TableKind",
        "TableLayout",
        "read_csv",
        "read_dataset",
        "write_dataset",
    ]
    for name in carteira.spreadsheets.__all__:
        assert "WA-8" in (getattr(carteira.spreadsheets, name).__doc__ or "")
