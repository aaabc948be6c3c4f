"""Absences: a manager away for a period, with a named backup (MG-5)."""

from __future__ import annotations

from datetime import datetime

import attrs

from carteira.domain.errors import FieldError, InvalidInput

__all__ = ["Absence"]


def _aware(instance: Absence, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(
            "absence", [FieldError(f"$.{attribute.name}", "must be a timezone-aware datetime")]
        )


def _after_start(instance: Absence, attribute: attrs.Attribute[datetime], end: datetime) -> None:
    _aware(instance, attribute, end)
    if end <= instance.start:
        raise InvalidInput(
            "absence", [FieldError("$.end", "must come after the start")], rule="MG-5"
        )


@attrs.frozen
class Absence:
    """A period ``[start, end)`` when a manager is away and ``backup`` stands in (MG-5).

    Nothing in membership changes: routing and visibility that came through the absent
    manager go to the backup while the period lasts, and come back by themselves.
    """

    id: str
    start: datetime = attrs.field(validator=_aware)
    end: datetime = attrs.field(validator=_after_start)
    backup: str

    def covers(self, instant: datetime) -> bool:
        """Tell whether ``instant`` falls inside the absence."""
        return self.start <= instant < self.end
