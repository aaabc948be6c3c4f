"""Spreadsheet files for import and export: CSV and XLSX to and from data sets (WA-8).

[`read_dataset`][carteira.spreadsheets.read_dataset] turns a ``.csv`` file, an ``.xlsx`` workbook or
a directory of CSVs into a [`DataSet`][carteira.spreadsheets.DataSet] of text cells, each row
keeping its line;
[`write_dataset`][carteira.spreadsheets.write_dataset] writes one back. Headers may be English or
Portuguese. Cells are not interpreted here: the import service reads them. Every problem with a file
is collected into one [`SpreadsheetError`][carteira.spreadsheets.SpreadsheetError]. XLSX needs the
``xlsx`` extra (``pip install 'carteira[xlsx]'``)::

    from carteira.spreadsheets import read_dataset, write_dataset

    dataset = read_dataset("carteiras.xlsx")
    huge = read_dataset("clientes.csv", stream=True)  # rows read again when iterated
    write_dataset(dataset, "export/")  # export/managers.csv, export/portfolios.csv...

The tables themselves, what an import reads and an export writes whatever the file, are
here too (`carteira.spreadsheets.dataset`): `DataSet`, `Table`, `TableKind`, `SourceRow`,
`TableLayout`, `CsvFormat`, a bad row's `RowProblem` and the import's all-or-nothing
refusal `ImportRefused`. How each value is written in a cell is
`carteira.spreadsheets.cells`. Both modules are public; the rest (``_csv``, ``_xlsx``...)
is not.

Importing this package loads the tables only: the readers and writers load on first use
(PEP 562), so a service that speaks of a `DataSet` does not load the CSV and XLSX code.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from carteira.spreadsheets.dataset import (
    CsvFormat,
    DataSet,
    ImportRefused,
    RowProblem,
    SourceRow,
    Table,
    TableKind,
    TableLayout,
)

if TYPE_CHECKING:
    from carteira.spreadsheets._csv import read_csv
    from carteira.spreadsheets._files import read_dataset, write_dataset
    from carteira.spreadsheets._limits import ReadLimits
    from carteira.spreadsheets._problems import SpreadsheetError
    from carteira.spreadsheets._tables import FileRows

__all__ = [
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

# Where each name the TYPE_CHECKING block imports lives: loaded on first use.
_LAZY = {
    "FileRows": "carteira.spreadsheets._tables",
    "ReadLimits": "carteira.spreadsheets._limits",
    "SpreadsheetError": "carteira.spreadsheets._problems",
    "read_csv": "carteira.spreadsheets._csv",
    "read_dataset": "carteira.spreadsheets._files",
    "write_dataset": "carteira.spreadsheets._files",
}


def __getattr__(name: str) -> object:
    """Return the reader or writer ``name``, importing its module on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Return the package's names: what it holds now and every public name."""
    return sorted(set(globals()) | set(__all__))
