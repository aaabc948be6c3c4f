"""Test shapes every repository contract shares, written once (ST-2, ST-3, ST-5, TN-1).

Internal to the contract suite: adapter authors subclass the contract classes in
[`carteira.testing.contract`][carteira.testing.contract], never these. A contract class names its
repository on the unit of work (``_repository = "customers"``) and the noun of its errors
(``_kind = "customer"``, giving the code ``customer_exists``), and answers the hooks its shapes ask
for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

import attrs
import pytest
from hypothesis import strategies as st

from carteira.domain.errors import ConcurrencyError, Conflict
from carteira.domain.scope import Scope
from carteira.ports.unit_of_work import UnitOfWork
from carteira.testing.contract.base import (
    BIG_PAGE,
    TENANT,
    StorageContract,
    assert_keyset_pages,
    assert_stored,
)
from carteira.testing.contract.worlds import World, worlds

__all__ = ["BatchContract", "RepositoryContract", "assert_scope_parity"]


class Row(Protocol):
    """What the shapes read of a stored row: its id and its version."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


E = TypeVar("E", bound=Row)
Option = TypeVar("Option")


def _evolve(row: E, **changes: object) -> E:
    """``attrs.evolve`` for a row typed by `Row` (every entity is an attrs class)."""
    changed: E = attrs.evolve(cast(Any, row), **changes)
    return changed


def _row_id(row: Row) -> str:
    return row.id


def assert_scope_parity(
    cases: Iterable[tuple[Scope, Option]],
    stored: Mapping[str, Any],
    picks: Callable[[Scope, Option, Any], bool],
    fetcher: Callable[[Scope, Option], Callable[[str | None, int], Sequence[Any]]],
) -> None:
    """List/check parity (VS-3, ST-4): each listing holds exactly the stored rows it picks.

    For each ``(scope, option)`` case, the rows of ``stored`` that ``picks`` keeps, by
    id, are what ``fetcher(scope, option)`` lists in one page and in every page size.
    """
    for scope, option in cases:
        expected = sorted(i for i, row in stored.items() if picks(scope, option, row))
        fetch = fetcher(scope, option)
        assert list(fetch(None, BIG_PAGE)) == [stored[i] for i in expected], (scope, option)
        assert_keyset_pages(fetch, expected)


class RepositoryContract(StorageContract, Generic[E]):
    """The base of a repository's contract: look-ups, round trips, a taken id.

    ``_repository`` is the attribute of the unit of work holding the repository,
    ``_kind`` the noun of its conflict codes. `_taken_id_rows` gives two rows
    with one id, the first stored and the second refused.
    """

    _repository: ClassVar[str]
    _kind: ClassVar[str]

    def _repo(self, uow: UnitOfWork) -> Any:
        """Return the repository under test in ``uow``."""
        return getattr(uow, self._repository)

    def _get(self, entity_id: str, tenant: str = TENANT) -> E | None:
        found: E | None = self.read(tenant, lambda uow: self._repo(uow).get(entity_id))
        return found

    def _must(self, entity_id: str, tenant: str = TENANT) -> E:
        found = self._get(entity_id, tenant)
        assert found is not None, f"{self._kind} {entity_id!r} is not stored"
        return found

    def _taken_id_rows(self) -> tuple[E, E]:
        """Return a row to store and another with its id, to be refused."""
        raise NotImplementedError

    def _check_round_trip(self, drawn: E) -> tuple[str, E]:
        """Store ``drawn`` in a fresh tenant; assert it reads back at version 1 (ST-3).

        Return the tenant and the row as stored, for further checks.
        """
        self.assume_storable(drawn)
        tenant = self.new_tenant()
        row = _evolve(drawn, tenant=tenant)
        self.add(tenant, row)
        expected: E = _evolve(row, version=1)
        assert_stored(expected, self._get(row.id, tenant))
        return tenant, expected

    def _check_reads_back(self, rows: Sequence[E]) -> None:
        """Store ``rows`` in `TENANT`; assert each reads back at version 1."""
        self.add(TENANT, *rows)
        for row in rows:
            assert_stored(_evolve(row, version=1), self._get(row.id))

    def _check_lists_by_id(self, drawn: Sequence[E]) -> tuple[str, list[E]]:
        """Store ``drawn`` in a fresh tenant; assert ``list`` gives every row by id.

        Return the tenant and the rows as stored, by id, for further checks.
        """
        self.assume_storable(drawn)
        tenant = self.new_tenant()
        rows = sorted((_evolve(row, tenant=tenant, version=1) for row in drawn), key=_row_id)
        self.add(tenant, *rows)
        assert self.read(tenant, lambda uow: list(self._repo(uow).list())) == rows
        return tenant, rows

    def _draw_world(self, data: st.DataObject) -> tuple[str, World]:
        """Store a world drawn for a fresh tenant; return the tenant and the world."""
        tenant = self.new_tenant()
        world: World = data.draw(worlds(tenant))
        self.add(tenant, *world.rows)
        return tenant, world

    def _get_and_list(self, tenant: str, entity_id: str) -> tuple[E | None, list[E]]:
        """Return ``get(entity_id)`` and ``list()`` as ``tenant`` sees them."""
        return self.read(
            tenant, lambda uow: (self._repo(uow).get(entity_id), list(self._repo(uow).list()))
        )

    def test_a_taken_id_is_a_conflict(self) -> None:
        """Adding a taken id fails with ``<kind>_exists`` and keeps the first (ST-3)."""
        first, second = self._taken_id_rows()
        self.add(TENANT, first)
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(Conflict) as caught:
            self._repo(uow).add(second)
        assert caught.value.code == f"{self._kind}_exists"
        assert self._get(first.id) == _evolve(first, version=1)


class BatchContract(RepositoryContract[E]):
    """Shapes of a repository with ``update_many`` (ST-3, ST-5).

    `_batch_rows` are stored first; `_batch_ids` names two of them and
    `_lost_change` is a change to the first that must never be seen.
    """

    _batch_ids: ClassVar[tuple[str, str]]
    _lost_change: ClassVar[dict[str, object]]

    def _batch_rows(self) -> Sequence[object]:
        """Return the rows (of any aggregate) stored before a batch test."""
        raise NotImplementedError

    def test_st5_a_refused_batch_leaves_the_unit_of_work_as_it_was(self) -> None:
        """ST-5 "all or none": after a refused batch, even its own unit sees none of it."""
        self.add(TENANT, *self._batch_rows())
        first, second = (self._must(i) for i in self._batch_ids)
        stale = _evolve(second, version=second.version + 5)

        def refuse_then_look(uow: UnitOfWork) -> E | None:
            with pytest.raises(ConcurrencyError):
                self._repo(uow).update_many([_evolve(first, **self._lost_change), stale])
            found: E | None = self._repo(uow).get(self._batch_ids[0])
            return found

        assert self.read(TENANT, refuse_then_look) == first
