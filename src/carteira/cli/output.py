"""What the command line prints: aligned tables, ``key: value`` records, JSON, progress."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

__all__ = ["Output", "names", "render_table"]

Cell = str | int | bool | None


def _text(cell: Cell) -> str:
    if cell is None:
        return "-"
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    return str(cell)


def names(ids: Iterable[str]) -> str:
    """Return ids joined by commas, or ``-`` when there are none."""
    listed = list(ids)
    return ", ".join(listed) if listed else "-"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[str]:
    """Return the lines of a table whose columns line up; the last column is not padded."""
    cells = [[h.upper() for h in headers], *([_text(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]


class Output:
    """Where a command writes: ``out`` for results, ``err`` for problems and progress.

    With ``json`` set, listings and records print as JSON instead of tables, and a
    command's plain sentences are left out so that the output parses as one document.
    """

    def __init__(self, out: TextIO, err: TextIO, *, json: bool = False) -> None:
        self.out = out
        self.err = err
        self.json = json

    def line(self, text: str = "") -> None:
        """Print one line of human text (left out with ``--json``)."""
        if not self.json:
            print(text, file=self.out)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        data: Any,
        *,
        empty: str,
    ) -> None:
        """Print ``rows`` as an aligned table, or ``data`` as JSON; ``empty`` when none."""
        if self.json:
            self.dump(data)
        elif not rows:
            print(empty, file=self.out)
        else:
            for text in render_table(headers, rows):
                print(text, file=self.out)

    def record(self, pairs: Sequence[tuple[str, Cell]], data: Any) -> None:
        """Print one record as aligned ``key: value`` lines, or ``data`` as JSON."""
        if self.json:
            self.dump(data)
            return
        width = max(len(key) for key, _ in pairs) + 1
        for key, value in pairs:
            print(f"{key + ':':<{width}} {_text(value)}", file=self.out)

    def dump(self, data: Any) -> None:
        """Print ``data`` as indented JSON (UTF-8 text, not escaped)."""
        print(json.dumps(data, ensure_ascii=False, indent=2), file=self.out)

    def problem(self, text: str) -> None:
        """Print one line on stderr."""
        print(text, file=self.err)
