"""A table written as the file it was read from: its header words and name (WA-8, issue 15).

The readers record a table's layout (`TableLayout`); the writers use it, so that an import's
error file speaks the input's language. A table without one (an export) is written with the
canonical column names, each sheet or file named by its kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from carteira.spreadsheets._aliases import problem_header
from carteira.spreadsheets._tables import kind_from_headers, kind_from_name
from carteira.spreadsheets.dataset import PROBLEM_COLUMN, Table

__all__ = ["header_row", "table_names"]

# A name that is both a sheet name (at most 31 characters, none of []:*?/\) and a file
# stem on every system; a name that is not is replaced by the table's kind.
_PLAIN_NAME = re.compile(r"[^\[\]:*?/\\<>\"|'\x00-\x1f]{1,31}")


def header_row(table: Table) -> list[str]:
    """Return the header ``table`` is written with, one text per column (WA-8, issue 15).

    Each column gets the header its file gave it; the problem column of an error file, which
    the input lacked, is named in the language of the input's headers (``problema`` or
    ``problem``, see `problem_header`); any other column, and every column of a table
    without a layout, gets its canonical name.
    """
    layout = table.layout
    if layout is None or not layout.headers:
        return list(table.columns)
    problem = problem_header(text for _, text in layout.headers)
    texts = []
    for column in table.columns:
        text = layout.header(column)
        texts.append(text or (problem if column == PROBLEM_COLUMN else column))
    return texts


def table_names(tables: Iterable[Table]) -> list[str]:
    """Name each table's sheet or file: its file's name, else its kind (WA-8, issue 15).

    The name from the table's layout (the stem or sheet name it was read from) is kept when
    reading it back gives the same kind (it names that kind, or names none and the header
    does), when it is a plain name (a sheet's 31 characters, nothing a file name may not
    hold) and when no earlier table took it, case aside.
    """
    names: list[str] = []
    taken: set[str] = set()
    for table in tables:
        name = str(table.kind)
        kept = table.layout.name if table.layout is not None else None
        if kept and kept.casefold() not in taken and _reads_back(kept, table):
            name = kept
        taken.add(name.casefold())
        names.append(name)
    return names


def _reads_back(name: str, table: Table) -> bool:
    if not _PLAIN_NAME.fullmatch(name) or name != name.strip() or name.startswith("."):
        return False
    named = kind_from_name(name)
    if named is not None:
        return named is table.kind
    return kind_from_headers(header_row(table)) is table.kind
