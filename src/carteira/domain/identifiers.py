"""Checks for the host's identifiers and names before they enter carteira (ER-2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from carteira.domain.errors import FieldError, InvalidInput

__all__ = ["MAX_ID_LENGTH", "check_id", "check_ids", "check_text"]

MAX_ID_LENGTH = 255


def check_id(kind: str, value: object, *, path: str = "$.id") -> str:
    """Return ``value`` if it is a usable identifier: a non-blank string of at most 255."""
    # The common case first, cheaply: every repository look-up passes through here.
    if (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and not value[0].isspace()
        and not value[-1].isspace()
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


def check_text(subject: str, value: object, *, path: str) -> str:
    """Return ``value`` if it is a non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(subject, [FieldError(path, "must be a non-blank string")])
    return value
