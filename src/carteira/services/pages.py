"""Page windows: how large a page of a listing may be, and where it starts (ER-2, ST-4).

Every paged query checks its ``after`` and ``limit`` here, so they are refused alike: a
``limit`` that is not a whole number from 1 to `MAX_PAGE`, an ``after`` that is not text
every store keeps, are [`InvalidInput`][carteira.InvalidInput] naming ``$.limit`` or
``$.after``.
"""

from __future__ import annotations

from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.inputs import check_optional_text

__all__ = ["MAX_PAGE", "check_limit", "page_window"]

MAX_PAGE = 500
"""The largest page a listing returns (ST-4)."""


def check_limit(limit: object) -> int:
    """Return ``limit`` if it is a whole number from 1 to `MAX_PAGE`, else refuse it (ER-2)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("page", [FieldError("$.limit", f"must be from 1 to {MAX_PAGE}")])
    return limit


def page_window(
    after: object, limit: object, *, longest: int | None = None
) -> tuple[str | None, int]:
    """Return a listing's ``after`` and ``limit`` once checked (ER-2, ST-4).

    ``after`` is the key of the last row of the page before (``None`` for the first
    page), at most ``longest`` characters (by default, the longest id or name).
    """
    checked_limit = check_limit(limit)  # the limit first: a page with both wrong names it
    if longest is None:
        return check_optional_text("page", after, path="$.after"), checked_limit
    return check_optional_text("page", after, path="$.after", max_length=longest), checked_limit
