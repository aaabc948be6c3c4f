"""Checks for the flags, choices, instants and texts a host passes in (ER-2).

Identifiers and names have theirs in `carteira.domain.identifiers`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TypeVar

from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.identifiers import MAX_TEXT_LENGTH, NOT_STORABLE, storable

__all__ = [
    "MAX_COUNT",
    "check_choice",
    "check_count",
    "check_flag",
    "check_instant",
    "check_optional_text",
]

MAX_COUNT = 2**31 - 1
"""The largest count carteira takes (capacities, caps, byte limits): every store keeps it."""

E = TypeVar("E", bound=enum.Enum)


def check_flag(subject: str, value: object, *, path: str) -> bool:
    """Return ``value`` if it is a ``bool`` (a truthy list is a mistake, not a yes)."""
    if not isinstance(value, bool):
        raise InvalidInput(subject, [FieldError(path, "must be true or false")])
    return value


def check_choice(kind: type[E], value: object, *, path: str) -> E:
    """Return the member of ``kind`` that ``value`` is or names; else list the choices."""
    if isinstance(value, kind):
        return value
    for member in kind:
        if isinstance(value, str) and value == member.value:
            return member
    choices = ", ".join(str(m.value) for m in kind)
    raise InvalidInput(kind.__name__, [FieldError(path, f"must be one of {choices}")])


def check_instant(subject: str, value: object, *, path: str, rule: str | None = None) -> datetime:
    """Return ``value`` if it is a timezone-aware ``datetime``."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(
            subject, [FieldError(path, "must be a timezone-aware datetime")], rule=rule
        )
    return value


def check_optional_text(
    subject: str, value: object, *, path: str, max_length: int = MAX_TEXT_LENGTH
) -> str | None:
    """Return ``value`` if it is ``None`` or a storable string of at most ``max_length``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(subject, [FieldError(path, "must be a string")])
    if len(value) > max_length:
        raise InvalidInput(subject, [FieldError(path, f"is longer than {max_length}")])
    if not storable(value):
        problem = NOT_STORABLE
        raise InvalidInput(subject, [FieldError(path, problem)])
    return value


def check_count(
    subject: str, value: object, *, path: str, least: int = 0, rule: str | None = None
) -> int:
    """Return ``value`` if it is a whole number from ``least`` to `MAX_COUNT` (ER-2)."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_COUNT:
        problem = f"must be a whole number from {least} to {MAX_COUNT}"
        raise InvalidInput(subject, [FieldError(path, problem)], rule=rule)
    return value
