"""WA-8, issue 15 item 5: an import's error file keeps the input's layout.

``carteira import FILE --errors ERRORS`` gives the bad rows back in a file to fix and import
again. It is written as the input was: the header words the file used for each column (plus a
problem column named in their language), and for CSV the same delimiter, encoding, byte-order
mark and line end, so that a pt-BR spreadsheet program opens it as it opened the input. The
layout travels on the data (``Table.layout``, set by the readers); nothing is guessed again.
End to end through the command line on a SQLite file, as in ``test_cli.py``.
"""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carteira.cli.errors import ExitCode
from carteira.services.imports import rejected_rows
from carteira.spreadsheets import SpreadsheetError, read_csv, read_dataset, write_dataset
from carteira.spreadsheets._aliases import problem_header
from carteira.spreadsheets._layout import table_names
from carteira.spreadsheets.dataset import (
    CsvFormat,
    DataSet,
    RowProblem,
    SourceRow,
    Table,
    TableKind,
    TableLayout,
)
from terminal import Run, built_database, clear_environment, runner

WORLD = [
    ["manager", "add", "admin", "Admin", "--profile", "administrator", "--role", "administrator"],
    ["manager", "add", "lucia", "Lúcia", "--profile", "analyst"],
    ["manager", "add", "rafael", "Rafael", "--profile", "analyst"],
    ["portfolio", "create", "São Paulo", "--id", "sp", "--manager", "lucia"],
    # Windows-1252 has no arrow: a problem naming this portfolio does not fit a cp1252 file.
    ["portfolio", "create", "Norte → Sul", "--id", "ns", "--manager", "lucia"],
    ["customer", "add", "padaria", "Padaria Estrela"],
]

# One good row (mercado) and two bad ones; a cell holds the delimiter, another a formula.
ROWS = [
    ["mercado", "Mercado Central", "São Paulo", "lucia"],
    ["oficina", "Oficina; filial", "Atlântida", ""],
    ["farmacia", "=1+1 Farmácia", "sp", "rafael"],
]
UNKNOWN = "portfolio: portfolio 'Atlântida' does not exist (unknown_portfolio)"
OUTSIDE = (
    "managers: manager 'rafael' does not manage portfolio 'São Paulo' of customer 'farmacia' "
    "(manager_outside_portfolio)"
)
BAD = [
    {
        "customer": "oficina",
        "customer_name": "Oficina; filial",
        "portfolio": "Atlântida",
        "managers": "",
        "problem": UNKNOWN,
    },
    {
        "customer": "farmacia",
        "customer_name": "=1+1 Farmácia",
        "portfolio": "sp",
        "managers": "rafael",
        "problem": OUTSIDE,
    },
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding WORLD, built once through the command line."""
    return built_database(tmp_path_factory.mktemp("template"), WORLD)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)


@pytest.fixture
def run(template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``carteira --db <a copy of the template> ARGS``; return exit code, stdout, stderr."""
    return runner(Path(shutil.copy(template, tmp_path / "carteira.db")), capsys)


def csv_bytes(
    header: list[str],
    rows: list[list[str]],
    *,
    delimiter: str,
    encoding: str,
    line_end: str = "\n",
) -> bytes:
    """A CSV file as a spreadsheet program saves it (the BOM, if any, comes with the codec)."""

    def cell(text: str) -> str:
        return f'"{text}"' if delimiter in text else text

    lines = [delimiter.join(map(cell, row)) for row in [header, *rows]]
    return "".join(line + line_end for line in lines).encode(encoding)


def imported(run: Run, source: Path, errors: Path) -> str:
    """Import ``source`` partially, writing the bad rows to ``errors``; return stderr."""
    code, out, err = run("import", str(source), "--partial", "--errors", str(errors))
    assert code == ExitCode.BAD_ROWS, (out, err)
    assert out.startswith(f"Imported {source}: 1 row(s) applied, 0 unchanged, 2 bad, in ")
    assert f"carteira: the bad rows, with a 'problem' column, are in {errors}\n" in err
    return err


def values(table: Table) -> list[dict[str, str]]:
    return [dict(row.values) for row in table.rows]


# --- CSV in, CSV out -------------------------------------------------------------------------


def test_wa8_issue15_a_cp1252_semicolon_file_gets_its_errors_as_it_was_written(
    run: Run, tmp_path: Path
) -> None:
    """WA-8, issue 15: Brazilian Excel's CSV (cp1252, ``;``, CRLF, Portuguese headers) comes back
    so: the same header words, ``Problema`` added in their language and case, a cell holding
    ``;`` quoted, a formula guarded, and ``read_dataset`` reads the same rows back."""
    source = tmp_path / "clientes.csv"
    header = ["Cliente", "Nome do cliente", "Carteira", "Gerente"]
    source.write_bytes(csv_bytes(header, ROWS, delimiter=";", encoding="cp1252", line_end="\r\n"))
    errors = tmp_path / "erros.csv"
    imported(run, source, errors)
    expected = (
        "Cliente;Nome do cliente;Carteira;Gerente;Problema\r\n"
        f'oficina;"Oficina; filial";Atlântida;;{UNKNOWN}\r\n'
        f"farmacia;'=1+1 Farmácia;sp;rafael;{OUTSIDE}\r\n"
    )
    assert errors.read_bytes() == expected.encode("cp1252")
    again = read_dataset(errors).tables[0]
    assert (again.kind, values(again)) == (TableKind.MEMBERSHIPS, BAD)
    assert again.layout is not None
    assert again.layout.csv == CsvFormat(delimiter=";", encoding="cp1252", line_end="\r\n")


@pytest.mark.parametrize(
    ("header", "delimiter", "encoding", "bom", "line_end", "problem"),
    [
        (
            ["cliente", "nome", "carteira", "gerente"],
            ",",
            "utf-8-sig",
            codecs.BOM_UTF8,
            "\n",
            "problema",
        ),
        (
            ["CLIENTE", "NOME DO CLIENTE", "CARTEIRA", "GERENTE"],
            "\t",
            "utf-8",
            b"",
            "\r\n",
            "PROBLEMA",
        ),
        (
            ["customer", "customer_name", "portfolio", "managers"],
            ";",
            "cp1252",
            b"",
            "\n",
            "problem",
        ),
        (
            ["Client ID", "Client name", "Portfolio", "Account manager"],
            ",",
            "utf-16",
            codecs.BOM_UTF16_LE,
            "\r\n",
            "Problem",
        ),
    ],
    ids=["utf8-bom-comma", "utf8-tab-crlf-upper", "cp1252-english", "utf16-bom"],
)
def test_wa8_issue15_the_errors_csv_keeps_delimiter_encoding_bom_and_headers(
    run: Run,
    tmp_path: Path,
    header: list[str],
    delimiter: str,
    encoding: str,
    bom: bytes,
    line_end: str,
    problem: str,
) -> None:
    """WA-8, issue 15: whatever the input's delimiter, encoding, BOM and header words."""
    source = tmp_path / "vinculos.csv"
    data = csv_bytes(header, ROWS, delimiter=delimiter, encoding=encoding, line_end=line_end)
    assert data.startswith(bom)
    source.write_bytes(data)
    errors = tmp_path / "erros.csv"
    imported(run, source, errors)
    written = errors.read_bytes()
    assert written.startswith(bom)
    if not bom:
        assert not written.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE))
    text = written.decode(encoding)
    assert text.split(line_end)[0] == delimiter.join([*header, problem])
    assert text.count(line_end) == 3
    assert values(read_dataset(errors).tables[0]) == BAD


def test_wa8_issue15_the_errors_file_imports_again_into_the_same_errors_file(
    run: Run, tmp_path: Path
) -> None:
    """WA-8, issue 15: importing the error file unfixed gives back the same bytes: its own
    ``Problema`` header is kept as read, the import ignores the column."""
    source = tmp_path / "clientes.csv"
    header = ["Cliente", "Nome do cliente", "Carteira", "Gerente"]
    source.write_bytes(csv_bytes(header, ROWS, delimiter=";", encoding="cp1252"))
    first, second = tmp_path / "erros.csv", tmp_path / "erros2.csv"
    imported(run, source, first)
    code, _, _ = run("import", str(first), "--partial", "--errors", str(second))
    assert code == ExitCode.BAD_ROWS
    assert second.read_bytes() == first.read_bytes()


def test_wa8_issue15_a_problem_cp1252_cannot_hold_makes_the_file_utf8_with_a_bom(
    run: Run, tmp_path: Path
) -> None:
    """WA-8, issue 15: nothing is lost: when a cell does not fit the input's encoding (here a
    problem naming the portfolio "Norte → Sul"), the whole file is UTF-8 with a byte-order mark,
    which Brazilian Excel opens too, and stderr says so. Delimiter and headers stay."""
    source = tmp_path / "clientes.csv"
    header = ["Cliente", "Carteira", "Gerente"]
    rows = [["mercado", "sp", "lucia"], ["oficina", "Atlântida", ""], ["farmacia", "ns", "rafael"]]
    source.write_bytes(csv_bytes(header, rows, delimiter=";", encoding="cp1252"))
    errors = tmp_path / "erros.csv"
    err = imported(run, source, errors)
    assert (
        f"carteira: {errors}: cp1252, the input's encoding, cannot hold '→' (U+2192); "
        "the file is written as UTF-8 with a byte-order mark instead (WA-8)\n"
    ) in err
    written = errors.read_bytes()
    assert written.startswith(codecs.BOM_UTF8)
    lines = written.decode("utf-8-sig").splitlines()
    assert lines[0] == "Cliente;Carteira;Gerente;Problema"
    assert lines[2].startswith("farmacia;ns;rafael;managers: manager 'rafael' does not manage ")
    assert "'Norte → Sul'" in lines[2]
    assert [row["customer"] for row in values(read_dataset(errors).tables[0])] == [
        "oficina",
        "farmacia",
    ]


# --- XLSX, and a suffix other than the input's -------------------------------------------------


def xlsx_file(path: Path, title: str) -> Path:
    """A workbook of one sheet holding ROWS, every cell text ("=1+1 Farmácia" too)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in [["Cliente", "Nome do Cliente", "Carteira", "Gerente"], *ROWS]:
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.data_type = "s"
    book.save(path)
    return path


def _sheet(path: Path) -> tuple[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    (sheet,) = book.worksheets
    return sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]


def test_wa8_issue15_an_xlsx_input_gets_an_xlsx_errors_file_with_its_headers(
    run: Run, tmp_path: Path
) -> None:
    """WA-8, issue 15: the workbook's header text and sheet name come back, ``Problema`` added."""
    source = xlsx_file(tmp_path / "carteiras.xlsx", "Clientes")
    errors = tmp_path / "erros.xlsx"
    imported(run, source, errors)
    title, rows = _sheet(errors)
    assert title == "Clientes"
    assert rows[0] == ["Cliente", "Nome do Cliente", "Carteira", "Gerente", "Problema"]
    assert rows[1][:3] == ["oficina", "Oficina; filial", "Atlântida"]
    assert values(read_dataset(errors).tables[0]) == BAD


def test_wa8_issue15_a_csv_input_with_an_xlsx_errors_path_keeps_the_header_words(
    run: Run, tmp_path: Path
) -> None:
    """WA-8, issue 15: the suffix of --errors decides the format; the header words stay."""
    source = tmp_path / "clientes.csv"
    header = ["cliente", "nome do cliente", "carteira", "gerente"]
    source.write_bytes(csv_bytes(header, ROWS, delimiter=";", encoding="cp1252"))
    errors = tmp_path / "erros.xlsx"
    imported(run, source, errors)
    title, rows = _sheet(errors)
    assert title == "clientes"
    assert rows[0] == [*header, "problema"]
    assert values(read_dataset(errors).tables[0]) == BAD


def test_wa8_issue15_an_xlsx_input_with_a_csv_errors_path_keeps_the_header_words(
    run: Run, tmp_path: Path
) -> None:
    """WA-8, issue 15: delimiter and encoding are a CSV's: from a workbook, ``,`` and UTF-8."""
    source = xlsx_file(tmp_path / "carteiras.xlsx", "Planilha1")  # the headers tell its kind
    errors = tmp_path / "erros.csv"
    imported(run, source, errors)
    text = errors.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == "Cliente,Nome do Cliente,Carteira,Gerente,Problema"
    assert values(read_dataset(errors).tables[0]) == BAD


def test_wa8_issue15_a_directory_gets_its_files_back_by_their_names(
    run: Run, tmp_path: Path
) -> None:
    """WA-8, issue 15: a directory of CSVs: each errors file is named and laid out as its input."""
    folder = tmp_path / "entrada"
    folder.mkdir()
    header = ["Cliente", "Nome do cliente", "Carteira", "Gerente"]
    (folder / "clientes.csv").write_bytes(
        csv_bytes(header, ROWS, delimiter=";", encoding="cp1252", line_end="\r\n")
    )
    errors = tmp_path / "erros"
    code, _, err = run("import", str(folder), "--partial", "--errors", str(errors))
    assert code == ExitCode.BAD_ROWS, err
    assert [p.name for p in errors.iterdir()] == ["clientes.csv"]
    written = (errors / "clientes.csv").read_bytes().decode("cp1252")
    assert written.startswith("Cliente;Nome do cliente;Carteira;Gerente;Problema\r\n")
    assert values(read_dataset(errors).tables[0]) == BAD


# --- export is unchanged --------------------------------------------------------------------


def test_wa8_issue15_export_writes_what_it_always_wrote(run: Run, tmp_path: Path) -> None:
    """WA-8, issue 15: a stored data set has no layout: canonical headers, ``,``, UTF-8, LF."""
    folder = tmp_path / "export"
    code, _, err = run("export", str(folder))
    assert (code, err) == (0, "")
    assert (folder / "portfolios.csv").read_bytes() == (
        "id,name,description,journey,journey_name,managers\n"
        "ns,Norte → Sul,,,,lucia\n"
        "sp,São Paulo,,,,lucia\n"
    ).encode()
    assert (
        (folder / "managers.csv")
        .read_bytes()
        .startswith(
            b"id,name,profile,active,roles,default_portfolio\nadmin,Admin,administrator,yes,"
        )
    )
    assert run("export", str(tmp_path / "book.xlsx"))[0] == 0
    book = openpyxl.load_workbook(tmp_path / "book.xlsx")
    assert book.sheetnames == ["managers", "portfolios", "memberships", "history"]
    header = next(book["memberships"].iter_rows(values_only=True))
    assert header == (
        "customer",
        "customer_name",
        "organization",
        "organization_name",
        "portfolio",
        "managers",
    )


# --- the layout on the data --------------------------------------------------------------------


def test_wa8_issue15_the_layout_is_read_kept_by_rejected_rows_and_ignored_by_equality(
    tmp_path: Path,
) -> None:
    """WA-8, issue 15: the readers set ``Table.layout``; ``rejected_rows`` keeps it; two tables
    with the same rows are equal whatever files they came from."""
    source = tmp_path / "clientes.csv"
    header = ["Cliente", "Carteira"]
    rows = [["c1", "Sul"], ["c2", "Norte"]]
    source.write_bytes(codecs.BOM_UTF8 + csv_bytes(header, rows, delimiter=";", encoding="utf-8"))
    dataset = read_dataset(source, stream=True)
    table = dataset.tables[0]
    assert table.layout == TableLayout(
        headers=(("customer", "Cliente"), ("portfolio", "Carteira")),
        name="clientes",
        csv=CsvFormat(delimiter=";", encoding="utf-8", bom=True, line_end="\n"),
    )
    bad = RowProblem(str(source), 3, "portfolio", "unknown_portfolio", "no Norte")
    (kept,) = rejected_rows(dataset, [bad]).tables
    assert kept.layout == table.layout
    assert kept.columns == ("customer", "portfolio", "problem")
    plain = Table(table.kind, table.source, table.columns, tuple(table.rows))
    assert plain.layout is None
    assert plain == Table(table.kind, table.source, table.columns, tuple(table.rows), table.layout)


def test_wa8_issue15_a_cell_no_encoding_holds_is_escaped_and_said(tmp_path: Path) -> None:
    """WA-8, issue 15: an unpaired surrogate fits no encoding; rather than fail, the file is
    UTF-8 with a BOM, the character written as ``\\udXXX``, and the writer says so."""
    layout = TableLayout(headers=(("id", "gerente"),), csv=CsvFormat(";", "cp1252"))
    rows = (SourceRow(2, {"id": "ana\ud800"}), SourceRow(3, {"id": "bia"}))
    table = Table(TableKind.MANAGERS, "gerentes.csv", ("id",), rows, layout)
    said: list[str] = []
    path = tmp_path / "erros.csv"
    write_dataset(DataSet((table,)), path, warn=said.append)
    assert path.read_bytes() == codecs.BOM_UTF8 + b"gerente\nana\\ud800\nbia\n"
    assert said == [
        f"{path}: a character no encoding holds (an unpaired surrogate) is written as its "
        "\\uXXXX escape (WA-8)"
    ]


def test_wa8_issue15_cp1252_bytes_that_read_as_utf8_are_written_as_utf8(tmp_path: Path) -> None:
    """WA-8, issue 15: "ç€€" in cp1252 is E7 80 80, valid UTF-8 for another character: a reader
    would take the file for UTF-8, so it is written as UTF-8 with a byte-order mark, and said."""
    layout = TableLayout(headers=(("id", "gerente"),), csv=CsvFormat(";", "cp1252"))
    table = Table(
        TableKind.MANAGERS, "gerentes.csv", ("id",), (SourceRow(2, {"id": "ç€€"}),), layout
    )
    said: list[str] = []
    path = tmp_path / "erros.csv"
    write_dataset(DataSet((table,)), path, warn=said.append)
    assert path.read_bytes() == codecs.BOM_UTF8 + "gerente\nç€€\n".encode()
    assert said == [
        f"{path}: cp1252, the input's encoding, would be read back as UTF-8; the file is "
        "written as UTF-8 with a byte-order mark instead (WA-8)"
    ]
    assert values(read_dataset(path, kind=TableKind.MANAGERS).tables[0]) == [{"id": "ç€€"}]


# --- the writer, given a layout ------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "a",
        "Zé",
        "ç",
        " ",
        ";",
        ",",
        "\t",
        '"',
        "'",
        "\n",
        "\r",
        "\r\n",
        "=",
        "+",
        "-",
        "@",
        "€",
        "→",
    ]
)
_CELLS = st.lists(_PIECES, max_size=6).map("".join).map(str.strip)
_COLUMNS = ("customer", "customer_name", "portfolio", "problem")
_FORMATS = st.builds(
    CsvFormat,
    delimiter=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["cp1252", "utf-8", "utf-16-le"]),
    bom=st.booleans(),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
).filter(lambda form: form.bom == (form.encoding == "utf-16-le") or form.encoding == "utf-8")
_HEADERS = (("customer", "Cliente"), ("customer_name", "Nome"), ("portfolio", "Carteira"))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    form=_FORMATS,
    rows=st.lists(st.lists(_CELLS, min_size=4, max_size=4).filter(any), max_size=4),
)
def test_wa8_issue15_every_csv_layout_reads_back_equal(
    tmp_path: Path, form: CsvFormat, rows: list[list[str]]
) -> None:
    """WA-8, issue 15: whatever the delimiter, encoding, BOM and line end, a cell holding any
    separator, quote, line break or formula start reads back as written (CWE-1236 guard kept)."""
    layout = TableLayout(headers=_HEADERS, name="clientes", csv=form)
    lines = [SourceRow(2 + n, dict(zip(_COLUMNS, row, strict=True))) for n, row in enumerate(rows)]
    table = Table(TableKind.MEMBERSHIPS, "in.csv", _COLUMNS, tuple(lines), layout)
    path = tmp_path / "erros.csv"
    said: list[str] = []
    write_dataset(DataSet((table,)), path, warn=said.append)
    again = read_dataset(path).tables[0]
    assert [dict(row.values) for row in again.rows] == [dict(row.values) for row in lines]
    assert again.layout is not None
    assert again.layout.headers == (*_HEADERS, ("problem", "Problema"))
    written = path.read_bytes()
    if said:  # the cells did not fit the encoding, or would have read back as UTF-8
        assert written.startswith(codecs.BOM_UTF8)
        assert again.layout.csv == CsvFormat(form.delimiter, "utf-8", True, form.line_end)
    elif form.encoding == "cp1252" and written.isascii():
        assert again.layout.csv == CsvFormat(form.delimiter, "utf-8", False, form.line_end)
    else:
        assert again.layout.csv == form
    assert len(said) <= 1


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["cliente", "carteira", "gerente"], "problema"),
        (["Cliente", "Nome do cliente"], "Problema"),
        (["CLIENTE", "CARTEIRA"], "PROBLEMA"),
        (["id", "nome", "perfil"], "problema"),
        (["id", "name", "profile"], "problem"),
        (["Client ID", "Account manager"], "Problem"),
        (["customer", "carteira"], "problem"),  # a tie is English, the canonical language
        (["ID"], "PROBLEM"),
    ],
)
def test_wa8_issue15_the_problem_column_is_named_in_the_headers_language(
    headers: list[str], expected: str
) -> None:
    """WA-8, issue 15: ``problema`` when most headers are Portuguese, in their case."""
    assert problem_header(headers) == expected


def test_wa8_issue15_problema_reads_as_the_problem_column() -> None:
    """WA-8, issue 15: an error file with ``problema`` imports again; the column is ignored."""
    table = read_csv(b"cliente;Problema\nc1;x\n", source="erros.csv")
    assert table.columns == ("customer", "problem")


def _named(kind: TableKind, name: str | None, *headers: tuple[str, str]) -> Table:
    columns = tuple(column for column, _ in headers)
    return Table(kind, "", columns, (), TableLayout(headers=headers, name=name))


def test_wa8_issue15_a_sheet_keeps_its_name_only_where_it_reads_back_as_its_kind() -> None:
    """WA-8, issue 15: a name naming another kind, naming none with headers that do not tell,
    not a plain name, or taken already: the kind names the sheet or file instead."""
    tables = [
        _named(TableKind.MEMBERSHIPS, "Clientes", ("customer", "Cliente")),
        _named(TableKind.PORTFOLIOS, "gerentes", ("name", "carteira")),  # names managers
        _named(TableKind.MANAGERS, "Planilha1", ("id", "codigo"), ("name", "nome")),
        _named(TableKind.HISTORY, "clientes", ("at", "quando")),  # names memberships
    ]
    assert table_names(tables) == ["Clientes", "portfolios", "managers", "history"]
    assert table_names([_named(TableKind.MANAGERS, "Planilha1", ("id", "gerente"))]) == [
        "Planilha1"
    ]
    for name in ("a/b", "x" * 32, " gerentes", ".hidden", None):
        assert table_names([_named(TableKind.MANAGERS, name, ("id", "gerente"))]) == ["managers"]


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        (CsvFormat(delimiter="|"), "delimiter '|' is not ; , or tab"),
        (CsvFormat(line_end="\n\n"), "line end '\\n\\n' is not LF, CR LF or CR"),
        (CsvFormat(encoding="klingon"), "encoding 'klingon' is not one a reader takes"),
        (CsvFormat(encoding="utf-32"), "encoding 'utf-32' is not one a reader takes"),
        (CsvFormat(encoding="utf-16-le"), "encoding 'utf-16-le' is not one a reader takes"),
    ],
)
def test_wa8_issue15_a_csv_format_no_reader_takes_is_cannot_write(
    tmp_path: Path, form: CsvFormat, reason: str
) -> None:
    """WA-8, issue 15: a hand-made layout that would not read back is refused, nothing written."""
    layout = TableLayout(headers=(("id", "gerente"),), csv=form)
    table = Table(TableKind.MANAGERS, "", ("id",), (SourceRow(2, {"id": "ana"}),), layout)
    with pytest.raises(SpreadsheetError) as caught:
        write_dataset(DataSet((table,)), tmp_path / "out.csv")
    assert caught.value.code == "cannot_write"
    (refusal,) = caught.value.problems
    assert refusal.reason.startswith(f"the managers table's {reason}")
    assert not (tmp_path / "out.csv").exists()
    write_dataset(DataSet((table,)), tmp_path / "out.xlsx")  # not a CSV: the format is moot


def test_wa8_issue15_a_header_word_that_reads_as_another_column_is_cannot_write(
    tmp_path: Path,
) -> None:
    """WA-8, issue 15: a hand-made layout whose header would not read back is refused."""
    headers = (("id", "gerente"), ("name", "perfil"))
    table = Table(TableKind.MANAGERS, "", ("id", "name"), (), TableLayout(headers=headers))
    for target in ("out.csv", "out.xlsx"):
        with pytest.raises(SpreadsheetError) as caught:
            write_dataset(DataSet((table,)), tmp_path / target)
        assert [(p.column, p.reason) for p in caught.value.problems] == [
            ("name", "the header 'perfil' would not read back as the name column")
        ]
