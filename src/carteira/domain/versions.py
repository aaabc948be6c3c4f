"""Which version a stored record carries (ST-3): the domain says it, every adapter asks.

A record never stored stands at version 0. Storing it new gives version 1; storing a
change gives the version it was read at plus one, and only while the stored record still
stands at the version read (otherwise the write is stale, ST-3). Every repository returns
the record as stored, so a command never reads back what it just wrote.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import attrs

__all__ = ["FIRST_VERSION", "Versioned", "stored_new", "stored_over"]

FIRST_VERSION = 1
"""The version of a record stored for the first time."""


class Versioned(Protocol):
    """A record stored under optimistic concurrency, carrying the version read (ST-3)."""

    @property
    def version(self) -> int:
        """The stored version this value was read at; 0 for one never stored."""
        ...


V = TypeVar("V", bound=Versioned)


def stored_new(record: V) -> V:
    """Return ``record`` as a repository stores it new: at version 1 (ST-3)."""
    stored: V = attrs.evolve(record, version=FIRST_VERSION)  # type: ignore[misc]
    return stored


def stored_over(record: V) -> V:
    """Return ``record`` as a repository stores it over the version read: one after (ST-3)."""
    stored: V = attrs.evolve(record, version=record.version + 1)  # type: ignore[misc]
    return stored
