"""Deprecated: spreadsheet tables moved to `carteira.spreadsheets.dataset` (issue 17).

They are not domain. `DataSet`, `Table`, `TableKind`, `SourceRow`, `RowProblem`,
`ImportRefused`, `TableLayout` and `CsvFormat` are exported by `carteira.spreadsheets`;
`COLUMNS`, `REQUIRED`, `PROBLEM_COLUMN` and `LIST_SEPARATOR` live in
`carteira.spreadsheets.dataset`. Each name still reads from here, the very same object,
with a `DeprecationWarning` naming its new place; this module will be removed.
"""

from __future__ import annotations

import warnings

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


def __getattr__(name: str) -> object:
    """Return ``name`` from its new module, warning that this path is deprecated."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import carteira.spreadsheets as namespace  # noqa: PLC0415 (a deprecated door, opened on use)

    moved = namespace.dataset
    home = namespace.__name__ if name in namespace.__all__ else moved.__name__
    warnings.warn(
        f"{__name__}.{name} is deprecated: import {name} from {home} (issue 17)",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(moved, name)
