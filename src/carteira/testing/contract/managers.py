"""The contract of the manager repository port (MG-1, MG-5, TN-1, ST-3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import partial

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira.domain.absence import Absence
from carteira.domain.errors import ConcurrencyError
from carteira.domain.manager import Manager
from carteira.domain.permissions import Permission, Profile, Role
from carteira.ports.unit_of_work import UnitOfWork
from carteira.testing.contract.base import (
    CONTRACT_SETTINGS,
    HEAVY_SETTINGS,
    OTHER_TENANT,
    TENANT,
    assert_stored,
)
from carteira.testing.contract.shapes import RepositoryContract
from carteira.testing.strategies import managers

__all__ = ["ManagerRepositoryContract"]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BRASILIA = timezone(timedelta(hours=-3))


def _look_everywhere(backup: str) -> Callable[[UnitOfWork], object]:
    """Return a look at manager ``m1`` through every look-up, backups of ``backup``."""

    def look(uow: UnitOfWork) -> object:
        repo = uow.managers
        return (
            repo.get("m1"),
            dict(repo.get_many(["m1"])),
            list(repo.list()),
            list(repo.backed_up_by(backup)),
        )

    return look


def _page_of_managers(
    after: str | None, limit: int, active: bool | None, uow: UnitOfWork
) -> list[Manager]:
    return list(uow.managers.page(after=after, limit=limit, active=active))


def _away(absence_id: str, backup: str, hours: int = 0) -> Absence:
    start = START + timedelta(hours=hours)
    return Absence(absence_id, start, start + timedelta(hours=2), backup)


class ManagerRepositoryContract(RepositoryContract[Manager]):
    """What every adapter's ``ManagerRepository`` does (MG-1, MG-5, TN-1, ST-3).

    ``list`` and ``backed_up_by`` run by id, by code point; ``get_many`` gives the
    managers found among the ids asked, by id. A taken id is a
    [`Conflict`][carteira.Conflict] with code ``manager_exists``.
    """

    _repository = "managers"
    _kind = "manager"

    def _taken_id_rows(self) -> tuple[Manager, Manager]:
        return Manager(TENANT, "m1", "Ana"), Manager(TENANT, "m1", "Outra")

    def _ids(self, tenant: str = TENANT) -> list[str]:
        return self.read(tenant, lambda uow: [m.id for m in uow.managers.list()])

    def test_a_missing_manager_is_none_everywhere(self) -> None:
        """Nothing stored: ``get`` gives ``None``, ``get_many`` and the listings nothing."""
        assert self.read(TENANT, _look_everywhere("m1")) == (None, {}, [], [])

    @CONTRACT_SETTINGS
    @given(managers())
    def test_a_manager_reads_back_as_added_at_version_1(self, drawn: Manager) -> None:
        """Roles, permissions, profile, default portfolio and absences round-trip (MG-1, MG-5)."""
        tenant, expected = self._check_round_trip(drawn)
        assert self.read(tenant, lambda uow: dict(uow.managers.get_many([expected.id]))) == {
            expected.id: expected
        }
        assert self.read(tenant, lambda uow: list(uow.managers.list())) == [expected]

    def test_edge_cases_read_back_as_added(self) -> None:
        """No role, an empty role, every permission, long ids, absences in another zone."""
        rows = [
            Manager(TENANT, "x" * 255, "\U0001f600" * 40),
            Manager(TENANT, "empty-role", "Vazio", roles=frozenset({Role("nada")})),
            Manager(
                TENANT,
                "admin",
                "Administradora",
                profile=Profile.ADMINISTRATOR,
                roles=frozenset({Role.administrator(), Role("vendas", {Permission.ASSIGN_SELF})}),
                default_portfolio="sul",
            ),
            Manager(TENANT, "inactive", "Inativo", active=False, profile=Profile.ANALYST),
            Manager(
                TENANT,
                "away",
                "Ausente",
                absences=(
                    Absence("a2", START.astimezone(BRASILIA), START + timedelta(days=1), "m1"),
                    Absence("a1", START, START + timedelta(minutes=1), "m1"),
                ),
            ),
        ]
        self._check_reads_back(rows)

    def test_st3_update_stores_every_field_and_moves_the_version_by_one(self) -> None:
        """``update`` over the version read stores the new value at that version plus one."""
        self.add(TENANT, Manager(TENANT, "m1", "Ana", version=4))
        first = self._must("m1")
        assert first.version == 1
        changed = attrs.evolve(
            first,
            name="Ana Maria",
            profile=Profile.ANALYST,
            roles=frozenset({Role("vendas", {Permission.VIEW_ALL})}),
            active=False,
            default_portfolio="sul",
            absences=(_away("a1", "m2"),),
        )
        self.write(TENANT, lambda uow: uow.managers.update(changed))
        assert_stored(attrs.evolve(changed, version=2), self._get("m1"))

    def test_st3_a_stale_update_or_remove_fails_and_changes_nothing(self) -> None:
        """A write based on a version that moved on, or on a removed row, fails (ST-3)."""
        self.add(TENANT, Manager(TENANT, "m1", "Ana"))
        stale = self._must("m1")
        self.write(TENANT, lambda uow: uow.managers.update(attrs.evolve(stale, name="Bia")))
        current = self._must("m1")
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError) as caught:
            uow.managers.update(attrs.evolve(stale, active=False))
        assert caught.value.code == "stale_version"
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
            uow.managers.remove(stale)
        assert self._get("m1") == current
        self.write(TENANT, lambda uow: uow.managers.remove(current))
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
            uow.managers.update(current)
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
            uow.managers.remove(current)
        assert self._ids() == []

    def test_remove_frees_the_id(self) -> None:
        """A removed manager is gone from every look-up; its id can be reused."""
        self.add(TENANT, Manager(TENANT, "m1", "Ana", absences=(_away("a", "m2"),)))
        stored = self._must("m1")
        self.write(TENANT, lambda uow: uow.managers.remove(stored))
        assert self.read(TENANT, _look_everywhere("m2")) == (None, {}, [], [])
        self.add(TENANT, Manager(TENANT, "m1", "Ana de novo"))
        assert self._must("m1").version == 1

    def test_list_runs_by_id_by_code_point(self) -> None:
        """``list`` orders by id comparing code points, not by a collation."""
        ids = ["b", "B", "a10", "a2", "\u00e7", "c\u0327", "\uffff", "\U0001f600", "a"]
        self.add(TENANT, *(Manager(TENANT, i, i) for i in ids))
        assert self._ids() == sorted(ids)

    def test_get_many_gives_those_found(self) -> None:
        """``get_many`` ignores missing ids and repeats, and gives each manager once."""
        self.add(TENANT, Manager(TENANT, "m1", "Ana"), Manager(TENANT, "m2", "Bia"))
        self.add(OTHER_TENANT, Manager(OTHER_TENANT, "m3", "Caio"))
        found = self.read(TENANT, lambda uow: dict(uow.managers.get_many(["m2", "m9", "m2", "m3"])))
        assert found == {"m2": Manager(TENANT, "m2", "Bia", version=1)}
        assert self.read(TENANT, lambda uow: dict(uow.managers.get_many([]))) == {}

    def test_mg5_backed_up_by_lists_each_absent_manager_once_by_id(self) -> None:
        """MG-5: the managers with an absence naming the backup, once each, by id."""
        self.add(
            TENANT,
            Manager(TENANT, "m3", "C", absences=(_away("a", "bk"), _away("b", "bk", hours=5))),
            Manager(TENANT, "m1", "A", absences=(_away("a", "other"), _away("b", "bk", hours=9))),
            Manager(TENANT, "m2", "B", absences=(_away("a", "other"),)),
            Manager(TENANT, "bk", "Backup"),
        )

        def backed(backup: str) -> list[str]:
            return self.read(TENANT, lambda uow: [m.id for m in uow.managers.backed_up_by(backup)])

        assert backed("bk") == ["m1", "m3"]
        assert backed("other") == ["m1", "m2"]
        assert backed("m1") == []

    def test_mg5_backed_up_by_follows_changes_of_absences(self) -> None:
        """Cancelling an absence takes the manager off his backup's list, in the unit too."""
        self.add(TENANT, Manager(TENANT, "m1", "A", absences=(_away("a", "bk"),)))
        stored = self._must("m1")

        def cancel(uow: UnitOfWork) -> None:
            uow.managers.update(attrs.evolve(stored, absences=(_away("b", "bk2"),)))
            assert list(uow.managers.backed_up_by("bk")) == []

        self.write(TENANT, cancel)
        assert self.read(TENANT, lambda uow: [m.id for m in uow.managers.backed_up_by("bk2")]) == [
            "m1"
        ]

    @HEAVY_SETTINGS
    @given(st.lists(managers(), max_size=6, unique_by=lambda m: m.id))
    def test_listings_hold_exactly_what_their_definition_says(self, drawn: list[Manager]) -> None:
        """``list`` is every manager by id; ``backed_up_by`` those naming the backup, by id."""
        tenant, rows = self._check_lists_by_id(drawn)
        backups = {a.backup for m in rows for a in m.absences} | {"nobody"}
        found = self.read(
            tenant, lambda uow: {b: list(uow.managers.backed_up_by(b)) for b in backups}
        )
        assert found == {
            b: [m for m in rows if any(a.backup == b for a in m.absences)] for b in backups
        }

    @HEAVY_SETTINGS
    @given(
        st.lists(managers(), max_size=7, unique_by=lambda m: m.id),
        st.integers(1, 3),
        st.sampled_from([None, True, False]),
    )
    def test_st4_pages_walk_the_managers_by_id(
        self, drawn: list[Manager], limit: int, active: bool | None
    ) -> None:
        """ST-4: ``page`` walks the managers by id, ``active`` keeping those that are or are not.

        Each page starts after the last id of the one before; another tenant's never appear.
        """
        tenant, rows = self._check_lists_by_id(drawn)
        stranger = self.new_tenant()
        self.add(stranger, Manager(stranger, "\U0010ffff", "Other"))
        walked: list[Manager] = []
        after: str | None = None
        while True:
            found = self.read(tenant, partial(_page_of_managers, after, limit, active))
            assert len(found) <= limit
            walked += found
            if len(found) < limit:
                break
            after = found[-1].id
        assert walked == [m for m in rows if active is None or m.active is active]

    def test_tn1_a_manager_of_another_tenant_does_not_exist(self) -> None:
        """TN-1: nothing of tenant A shows through tenant B's unit of work."""
        self.add(TENANT, Manager(TENANT, "m1", "Ana", absences=(_away("a", "m2"),)))
        assert self.read(OTHER_TENANT, _look_everywhere("m2")) == (None, {}, [], [])

    def test_tn1_the_same_id_lives_in_two_tenants_apart(self) -> None:
        """TN-1: one id in two tenants is two managers, each versioned alone."""
        self.add(TENANT, Manager(TENANT, "m1", "Ana"))
        self.add(OTHER_TENANT, Manager(OTHER_TENANT, "m1", "Ana"))
        mine = self._must("m1")
        self.write(TENANT, lambda uow: uow.managers.update(attrs.evolve(mine, active=False)))
        theirs = self._must("m1", OTHER_TENANT)
        assert theirs == Manager(OTHER_TENANT, "m1", "Ana", version=1)
        self.write(OTHER_TENANT, lambda uow: uow.managers.remove(theirs))
        assert self._get("m1") == Manager(TENANT, "m1", "Ana", active=False, version=2)
        assert self._get("m1", OTHER_TENANT) is None
