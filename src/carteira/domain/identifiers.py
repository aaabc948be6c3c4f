"""Checks for the host's identifiers and names before they enter carteira (ER-2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from carteira.domain.errors import FieldError, InvalidInput

__all__ = [
    "MAX_ID_LENGTH",
    "MAX_TEXT_LENGTH",
    "NOT_STORABLE",
    "check_id",
    "check_ids",
    "check_text",
    "storable",
]

MAX_ID_LENGTH = 255
"""The longest identifier, tenant or principal id carteira takes (ER-2)."""
MAX_TEXT_LENGTH = 255
"""The longest name carteira takes: managers, customers, organizations, departments (ER-2)."""

NOT_STORABLE = "must be text every store keeps (no NUL character, no lone surrogate)"
"""What a field holding text no store keeps is told (ER-3)."""


def storable(value: str) -> bool:
    """Tell whether every store can keep ``value``: no NUL, no lone surrogate (ER-2, ST-2).

    Python strings may hold NUL characters, which PostgreSQL's text refuses, and halves
    of UTF-16 pairs, which no UTF-8 database accepts; a value one store keeps and another
    refuses would make stores disagree.
    """
    if "\x00" in value:
        return False
    return value.isascii() or not any("\ud800" <= c <= "\udfff" for c in value)


def check_id(kind: str, value: object, *, path: str = "$.id") -> str:
    """Return ``value`` if it is a usable identifier: a non-blank string of at most 255."""
    # The common case first, cheaply: every repository look-up passes through here.
    if (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and value.strip() is value  # CPython hands the string back when nothing is stripped
        and value.isascii()
        and "\x00" not in value
    ):
        return value
    if not isinstance(value, str):
        raise InvalidInput(f"{kind} id", [FieldError(path, "must be a string")])
    if not value.strip() or value != value.strip():
        raise InvalidInput(
            f"{kind} id", [FieldError(path, "must be non-blank with no surrounding spaces")]
        )
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInput(f"{kind} id", [FieldError(path, f"is longer than {MAX_ID_LENGTH}")])
    if not storable(value):
        raise InvalidInput(f"{kind} id", [FieldError(path, NOT_STORABLE)])
    return value


def check_ids(kind: str, values: Iterable[object], *, path: str) -> list[str]:
    """Return ``values`` if every one is a usable identifier; else list every bad one."""
    # A string or a mapping is iterable too, but passing one here is a mistake.
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidInput(f"{kind} ids", [FieldError(path, "must be a list of identifiers")])
    checked: list[str] = []
    errors: list[FieldError] = []
    for index, value in enumerate(values):
        try:
            checked.append(check_id(kind, value, path=f"{path}[{index}]"))
        except InvalidInput as error:
            errors.extend(error.errors)
    if errors:
        raise InvalidInput(f"{kind} ids", errors)
    return checked


def check_text(subject: str, value: object, *, path: str, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Return ``value`` if it is a non-blank, storable string of at most ``max_length`` (ER-2)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(subject, [FieldError(path, "must be a non-blank string")])
    if len(value) > max_length:
        raise InvalidInput(subject, [FieldError(path, f"is longer than {max_length}")])
    if not storable(value):
        raise InvalidInput(subject, [FieldError(path, NOT_STORABLE)])
    return value
