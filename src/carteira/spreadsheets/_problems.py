"""The error a spreadsheet file raises, listing every problem found in it (WA-8)."""

from __future__ import annotations

from collections.abc import Iterable

from carteira.domain.errors import CarteiraError
from carteira.spreadsheets._limits import ReadLimits
from carteira.spreadsheets.dataset import RowProblem

__all__ = ["SpreadsheetError", "problem", "too_large", "unreadable"]

_SHOWN = 3  # problems quoted in the message; all of them are in ``problems``


def problem(
    source: str, line: int, code: str, reason: str, column: str | None = None
) -> RowProblem:
    """Return a [`RowProblem`][carteira.spreadsheets.RowProblem] of a spreadsheet file (WA-8)."""
    return RowProblem(source=source, line=line, column=column, code=code, reason=reason)


def too_large(source: str, size: int, limits: ReadLimits) -> RowProblem:
    """Return the problem of a file (or a workbook's content) past ``limits.max_bytes``."""
    reason = f"it holds {size} bytes, more than the {limits.max_bytes} a read takes"
    return problem(source, 0, "file_too_large", reason)


def unreadable(source: str, error: OSError) -> RowProblem:
    """Return the problem of a file the system would not let us read."""
    reason = f"the file cannot be read ({error.strerror or error})"
    return problem(source, 0, "unreadable_file", reason)


class SpreadsheetError(CarteiraError):
    """A spreadsheet cannot be read or written; ``problems`` lists every reason (WA-8).

    ``code`` is ``"spreadsheet_invalid"`` when the files hold problems (each with its
    own stable code: ``unknown_column``, ``missing_column``, ``bad_encoding``...);
    ``"file_not_found"``, ``"xlsx_unavailable"`` or ``"cannot_write"`` when the path or
    the environment is at fault. Each problem names its source, line and column.
    """

    default_code = "spreadsheet_invalid"

    def __init__(self, problems: Iterable[RowProblem], *, code: str | None = None) -> None:
        listed = tuple(problems)
        shown = "; ".join(str(p) for p in listed[:_SHOWN])
        more = f"; and {len(listed) - _SHOWN} more" if len(listed) > _SHOWN else ""
        sources = tuple(dict.fromkeys(p.source for p in listed))
        super().__init__(
            f"{', '.join(sources)}: {len(listed)} problem(s): {shown}{more}",
            code=code,
            rule="WA-8",
            details={"problems": len(listed), "sources": sources},
        )
        self.problems = listed

    @classmethod
    def single(cls, source: str, code: str, reason: str) -> SpreadsheetError:
        """Return the error of one whole-file problem (line 0) whose ``code`` it takes."""
        return cls((problem(source, 0, code, reason),), code=code)
