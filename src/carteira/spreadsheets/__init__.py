"""Spreadsheet files for import and export: CSV and XLSX to and from data sets (WA-8).

[`read_dataset`][carteira.spreadsheets.read_dataset] turns a ``.csv`` file, an ``.xlsx`` workbook or
a directory of CSVs into a [`DataSet`][carteira.DataSet] of text cells, each row keeping its line;
[`write_dataset`][carteira.spreadsheets.write_dataset] writes one back. Headers may be English or
Portuguese. Cells are not interpreted here: the import service reads them. Every problem with a file
is collected into one [`SpreadsheetError`][carteira.spreadsheets.SpreadsheetError]. XLSX needs the
``xlsx`` extra (``pip install 'carteira[xlsx]'``)::

    from carteira.spreadsheets import read_dataset, write_dataset

    dataset = read_dataset("carteiras.xlsx")
    huge = read_dataset("clientes.csv", stream=True)  # rows read again when iterated
    write_dataset(dataset, "export/")  # export/managers.csv, export/portfolios.csv...
"""

from carteira.spreadsheets._csv import read_csv
from carteira.spreadsheets._files import read_dataset, write_dataset
from carteira.spreadsheets._limits import ReadLimits
from carteira.spreadsheets._problems import SpreadsheetError
from carteira.spreadsheets._tables import FileRows

__all__ = [
    "FileRows",
    "ReadLimits",
    "SpreadsheetError",
    "read_csv",
    "read_dataset",
    "write_dataset",
]
