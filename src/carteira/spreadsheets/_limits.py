"""How much of a spreadsheet a read takes before it refuses the file (ER-2, WA-8)."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["ReadLimits"]


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what [`read_dataset`][carteira.spreadsheets.read_dataset] reads (WA-8, ER-2).

    ``max_bytes`` bounds a file (a directory's CSVs together), and an ``.xlsx``
    workbook's content once unzipped, so a small file that inflates to gigabytes is
    refused before it is parsed; ``max_rows`` the rows of one table, blank ones
    included (a workbook may claim a row far below the last one it fills);
    ``max_cell`` the characters of one cell (32,767 is what Excel itself holds). Past
    any of them the file is refused with a problem coded ``file_too_large``,
    ``too_many_rows`` or ``cell_too_long``, and nothing is imported.
    """

    max_bytes: int = 256 * 1024 * 1024
    max_rows: int = 2_000_000
    max_cell: int = 32_767

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ReadLimits.{field.name} must be a whole number >= 1")
