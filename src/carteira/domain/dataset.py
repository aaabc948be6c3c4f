"""Deprecated: spreadsheet tables moved to `carteira.spreadsheets.dataset` (issue 17).

They are not domain. `DataSet`, `Table`, `TableKind`, `SourceRow`, `RowProblem`,
`ImportRefused`, `TableLayout` and `CsvFormat` are exported by `carteira.spreadsheets`;
`COLUMNS`, `REQUIRED`, `PROBLEM_COLUMN` and `LIST_SEPARATOR` live in
`carteira.spreadsheets.dataset`. Each name still reads from here, the very same object,
with a `DeprecationWarning` naming its new place; this module will be removed.
"""

from __future__ import annotations

from carteira._moved import moved_to

# What this module held; ``from carteira.domain.dataset import *`` still gets them, warned.
__all__ = [  # noqa: F822 - each is read through __getattr__
    "COLUMNS",
    "LIST_SEPARATOR",
    "PROBLEM_COLUMN",
    "REQUIRED",
    "CsvFormat",
    "DataSet",
    "ImportRefused",
    "RowProblem",
    "SourceRow",
    "Table",
    "TableKind",
    "TableLayout",
]


__getattr__ = moved_to(
    "carteira.spreadsheets.dataset", __name__, __all__, public="carteira.spreadsheets"
)
