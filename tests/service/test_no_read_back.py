"""No command reads back a record it has just written: the write ports return it (issue 17).

The agreement machine drives every command through `Carteira` on an in-memory store whose
units of work are watched: once a repository has written a record (``add``, ``update``,
``update_many``, ``put``), a ``get`` of that same record in the same unit of work fails the
run. The write itself returned the record as stored (ST-3), so a second look would only
cost a read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import settings

from carteira import Customer, InMemoryStore
from carteira.testing.agreement import AgreementMachine

WRITES = {"add", "update", "update_many", "put"}


class _Watched:
    """A repository of one unit of work, remembering what it wrote."""

    def __init__(self, kind: str, inner: Any, written: set[tuple[str, object]]) -> None:
        self._kind = kind
        self._inner = inner
        self._written = written

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name in WRITES:
            return self._writing(found)
        if name in ("get", "get_many"):
            return self._reading(name, found)
        return found

    def _writing(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def watched(value: Any) -> Any:
            rows = list(value) if isinstance(value, Iterable) else [value]
            stored = write(rows if isinstance(value, Iterable) else value)
            self._written.update((self._kind, getattr(r, "id", None)) for r in rows)
            return stored

        return watched

    def _reading(self, name: str, read: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any) -> Any:
            asked = list(args[0]) if name == "get_many" else list(args[:1])
            again = [a for a in asked if (self._kind, a) in self._written]
            assert not again, f"{self._kind}.{name}({again}) reads back what this unit wrote"
            return read(*args)

        return watched


class _WatchedUnit:
    """A unit of work whose repositories remember their writes."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._written: set[tuple[str, object]] = set()

    def __enter__(self) -> _WatchedUnit:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._inner.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name in {"portfolios", "managers", "customers", "organizations", "tickets"} | {
            "departments",
            "ticket_types",
            "settings",
        }:
            return _Watched(name, found, self._written)
        return found


class _WatchedStore:
    """The in-memory store, its units of work watched for read-backs."""

    def __init__(self) -> None:
        self.inner = InMemoryStore()

    def unit_of_work(self, tenant: str) -> Any:
        return _WatchedUnit(self.inner.unit_of_work(tenant))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class NoReadBack(AgreementMachine):
    def make_store(self) -> Any:
        return _WatchedStore()


TestNoReadBack = NoReadBack.TestCase
TestNoReadBack.settings = settings(
    settings.default, max_examples=60, stateful_step_count=25, deadline=None
)


def test_the_watch_catches_a_read_back() -> None:
    """The watched unit fails a ``get`` of what it wrote: the guard above can fail."""
    store = _WatchedStore()
    with store.unit_of_work("acme") as uow:
        uow.customers.add(Customer("acme", "c1", "Ana"))
        uow.customers.get("c2")  # another record: fine
        with pytest.raises(AssertionError, match="reads back"):
            uow.customers.get("c1")
