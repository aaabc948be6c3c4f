"""What services hand back: a command's result with its events, and pages of listings."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

import attrs

from carteira.domain.events import Event

__all__ = ["UNCHANGED", "Page", "Result", "Unchanged"]

T = TypeVar("T")


class Unchanged(enum.Enum):
    """Marks an argument of an edit command that the caller leaves as it is."""

    UNCHANGED = "UNCHANGED"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = Unchanged.UNCHANGED


@attrs.frozen
class Result(Generic[T]):
    """A command's value and the domain events it produced, in order (EV-1)."""

    value: T
    events: tuple[Event, ...]


@attrs.frozen
class Page(Generic[T]):
    """One page of a listing; pass ``next_after`` back as ``after`` for the next one.

    A page iterates, counts and indexes as its ``items`` do; ``next_after`` is ``None``
    on the last page.
    """

    items: Sequence[T]
    next_after: str | None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]
