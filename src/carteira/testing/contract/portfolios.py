"""The contract of the portfolio repository port (PF-1, PF-4, TN-1, TN-2, ST-3)."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira.domain.errors import ConcurrencyError, Conflict
from carteira.domain.names import name_key
from carteira.domain.portfolio import Journey, Portfolio
from carteira.ports.unit_of_work import UnitOfWork
from carteira.testing.contract.base import (
    CONTRACT_SETTINGS,
    HEAVY_SETTINGS,
    OTHER_TENANT,
    TENANT,
    assert_stored,
)
from carteira.testing.contract.shapes import RepositoryContract
from carteira.testing.strategies import portfolios

__all__ = ["PortfolioRepositoryContract"]

SAME_NAMES = (
    ("S\u00e3o Paulo", "S\u00c3O PAULO"),
    ("Stra\u00dfe", "STRASSE"),
    ("\u2126mega", "\u03a9mega"),
    ("\ufb01nance", "finance"),
    ("Sul", " sul "),
)
"""Pairs of names with one comparison key (PF-1)."""
APART_NAMES = (("alpha", "\u0430lpha"), ("\u0131stanbul", "\u0130stanbul"), ("Sul", "Sul 2"))
"""Pairs of names that only look alike: two keys (PF-1)."""


Looks = tuple[Portfolio | None, Portfolio | None, list[Portfolio], list[Portfolio]]


def _look(portfolio_id: str, key: str, manager: str) -> Callable[[UnitOfWork], Looks]:
    def look(uow: UnitOfWork) -> Looks:
        repo = uow.portfolios
        found = repo.get(portfolio_id), repo.by_key(key)
        return (*found, list(repo.list()), list(repo.managed_by(manager)))

    return look


class PortfolioRepositoryContract(RepositoryContract[Portfolio]):
    """What every adapter's ``PortfolioRepository`` does (PF-1, PF-4, TN-1, TN-2, ST-3).

    Listings run by name key (PF-1's comparison, [`name_key`][carteira.name_key]) then id,
    comparing strings by code point. ``add`` stores version 1; ``update`` and
    ``remove`` take the value as read and fail with [`ConcurrencyError`][carteira.ConcurrencyError]
    when the stored version moved on or the row is gone. A taken id is a
    [`Conflict`][carteira.Conflict] with code ``portfolio_exists``, a taken name key one
    with code ``portfolio_name_taken``.
    """

    _repository = "portfolios"
    _kind = "portfolio"

    def test_a_missing_portfolio_is_none_everywhere(self) -> None:
        """Nothing stored: ``get`` and ``by_key`` give ``None``, the listings nothing."""
        assert self.read(TENANT, _look("sul", "sul", "m1")) == (None, None, [], [])

    @CONTRACT_SETTINGS
    @given(portfolios())
    def test_a_portfolio_reads_back_as_added_at_version_1(self, drawn: Portfolio) -> None:
        """Every field round-trips; the stored version is 1 whatever the value said (ST-3)."""
        tenant, expected = self._check_round_trip(drawn)
        for manager in (*expected.managers, "nobody"):
            got, by_key, listed, managed = self.read(
                tenant, _look(expected.id, expected.key, manager)
            )
            assert_stored(expected, got)
            assert_stored(expected, by_key)
            assert listed == [expected]
            assert managed == ([] if manager == "nobody" else [expected])

    def test_edge_cases_read_back_as_added(self) -> None:
        """Longest ids and names, astral characters, ``None`` apart from ``""``, managers' order."""
        rows = [
            Portfolio(TENANT, "x" * 255, "n" * 128),
            Portfolio(TENANT, "\U0001f600" * 255, "\u00e7\u00e3\U0001f600" * 42),
            Portfolio(TENANT, "none", "Sem descri\u00e7\u00e3o", description=None),
            Portfolio(TENANT, "empty", "Descri\u00e7\u00e3o vazia", description=""),
            Portfolio(
                TENANT, "journey", "Jornada", journey=Journey("j\u00f4", "Onboarding \u2713")
            ),
            Portfolio(TENANT, "blank-journey", "Jornada vazia", journey=Journey("j", "")),
            Portfolio(TENANT, "ordered", "Ordem", managers=("m3", "m1", "M2", "m\u00e7")),
            Portfolio(TENANT, "S\u00e3o Paulo", "S\u00e3o Paulo", description="\u00c1rea\n\t2"),
        ]
        self._check_reads_back(rows)

    def test_st3_update_stores_every_field_and_moves_the_version_by_one(self) -> None:
        """``update`` over the version read stores the new value at that version plus one."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul", version=7))
        first = self._must("sul")
        assert first.version == 1
        changed = attrs.evolve(
            first,
            name="Sul e Sudeste",
            description="d",
            journey=Journey("j", "J"),
            managers=("m2", "m1"),
        )
        self.write(TENANT, lambda uow: uow.portfolios.update(changed))
        assert_stored(attrs.evolve(changed, version=2), self._get("sul"))
        again = attrs.evolve(changed, version=2, description=None, journey=None, managers=())
        self.write(TENANT, lambda uow: uow.portfolios.update(again))
        assert_stored(attrs.evolve(again, version=3), self._get("sul"))

    def test_st3_a_stale_update_or_remove_fails_and_changes_nothing(self) -> None:
        """A write based on a version that moved on is a ``ConcurrencyError`` (ST-3)."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul"))
        stale = self._must("sul")
        self.write(TENANT, lambda uow: uow.portfolios.update(attrs.evolve(stale, name="Sul 2")))
        current = self._get("sul")
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError) as caught:
            uow.portfolios.update(attrs.evolve(stale, description="lost"))
        assert caught.value.code == "stale_version"
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
            uow.portfolios.remove(stale)
        assert self._get("sul") == current

    def test_st3_writing_a_portfolio_that_is_not_stored_is_stale(self) -> None:
        """Updating or removing a portfolio never added, or removed meanwhile, fails (ST-3)."""
        ghost = Portfolio(TENANT, "ghost", "Ghost", version=1)
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
            uow.portfolios.update(ghost)
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
            uow.portfolios.remove(ghost)
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul"))
        stored = self._must("sul")
        self.write(TENANT, lambda uow: uow.portfolios.remove(stored))
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
            uow.portfolios.update(stored)
        assert self.read(TENANT, lambda uow: list(uow.portfolios.list())) == []

    def test_a_taken_id_is_a_conflict(self) -> None:
        """Adding an id in use fails with ``portfolio_exists``, even with a taken name too.

        Not the shared shape: a second name that is also taken must not turn the
        conflict into ``portfolio_name_taken`` (PF-1).
        """
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul"))
        for name in ("Outra", "SUL"):
            with self.store.unit_of_work(TENANT) as uow, pytest.raises(Conflict) as caught:
                uow.portfolios.add(Portfolio(TENANT, "sul", name))
            assert caught.value.code == "portfolio_exists"
        stored = self.read(TENANT, lambda uow: list(uow.portfolios.list()))
        assert stored == [Portfolio(TENANT, "sul", "Sul", version=1)]

    @pytest.mark.parametrize(("first", "second"), SAME_NAMES)
    def test_pf1_a_taken_name_key_is_a_conflict(self, first: str, second: str) -> None:
        """Adding or renaming to a name key in use fails with ``portfolio_name_taken``."""
        self.add(TENANT, Portfolio(TENANT, "p1", first), Portfolio(TENANT, "p2", "Outra"))
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(Conflict) as caught:
            uow.portfolios.add(Portfolio(TENANT, "p3", second))
        assert caught.value.code == "portfolio_name_taken"
        other = self._must("p2")
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(Conflict) as caught:
            uow.portfolios.update(attrs.evolve(other, name=second))
        assert caught.value.code == "portfolio_name_taken"
        listed = self.read(TENANT, lambda uow: [(p.id, p.name) for p in uow.portfolios.list()])
        assert sorted(listed) == sorted(
            [("p1", Portfolio(TENANT, "p1", first).name), ("p2", "Outra")]
        )
        assert self.read(TENANT, lambda uow: uow.portfolios.by_key(name_key(second))) is not None

    @pytest.mark.parametrize(("first", "second"), APART_NAMES)
    def test_pf1_names_that_only_look_alike_are_both_stored(self, first: str, second: str) -> None:
        """Two keys are two names: a Cyrillic a (U+0430) is not a Latin one (PF-1)."""
        self.add(TENANT, Portfolio(TENANT, "p1", first), Portfolio(TENANT, "p2", second))
        found = self.read(TENANT, lambda uow: uow.portfolios.by_key(name_key(second)))
        assert isinstance(found, Portfolio)
        assert found.id == "p2"

    def test_pf4_renaming_to_another_casing_of_its_own_name_is_allowed(self) -> None:
        """PF-4: the name key a portfolio holds is not taken from itself."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul"))
        stored = self._must("sul")
        self.write(TENANT, lambda uow: uow.portfolios.update(attrs.evolve(stored, name="SUL")))
        found = self.read(TENANT, lambda uow: uow.portfolios.by_key(name_key("sul")))
        assert isinstance(found, Portfolio)
        assert (found.name, found.version) == ("SUL", 2)

    def test_a_rename_frees_the_old_name_at_once(self) -> None:
        """After a rename the old key finds nothing and is free, within the same unit."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul"))
        stored = self._must("sul")

        def rename_and_reuse(uow: UnitOfWork) -> None:
            uow.portfolios.update(attrs.evolve(stored, name="Sudeste"))
            assert uow.portfolios.by_key(name_key("Sul")) is None
            uow.portfolios.add(Portfolio(TENANT, "novo", "Sul"))

        self.write(TENANT, rename_and_reuse)
        listed = self.read(TENANT, lambda uow: [(p.id, p.version) for p in uow.portfolios.list()])
        assert listed == [("sul", 2), ("novo", 1)]

    def test_remove_frees_the_id_and_the_name(self) -> None:
        """A removed portfolio is gone from every look-up; its id and name can be reused."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul", managers=("m1",)))
        stored = self._must("sul")
        self.write(TENANT, lambda uow: uow.portfolios.remove(stored))
        assert self.read(TENANT, _look("sul", "sul", "m1")) == (None, None, [], [])
        self.add(TENANT, Portfolio(TENANT, "sul", "SUL"))
        assert self._get("sul") == Portfolio(TENANT, "sul", "SUL", version=1)

    def test_listings_run_by_name_key_then_id(self) -> None:
        """``list`` and ``managed_by`` order by the name key, by code point, not by the name."""
        names = {
            "p1": "b",
            "p2": "A",
            "p3": "\u00df",
            "p4": "Z",
            "p5": "\u00c4",
            "p6": "\U0001f600",
        }
        self.add(TENANT, *(Portfolio(TENANT, i, n, managers=("m1",)) for i, n in names.items()))
        expected = ["p2", "p1", "p3", "p4", "p5", "p6"]
        assert self.read(TENANT, lambda uow: [p.id for p in uow.portfolios.list()]) == expected
        managed = self.read(TENANT, lambda uow: [p.id for p in uow.portfolios.managed_by("m1")])
        assert managed == expected

    @HEAVY_SETTINGS
    @given(st.lists(portfolios(), max_size=6, unique_by=(lambda p: p.id, lambda p: p.key)))
    def test_listings_hold_exactly_what_their_definition_says(self, drawn: list[Portfolio]) -> None:
        """``list`` is every portfolio, ``managed_by`` those naming the manager, both in order."""
        self.assume_storable(drawn)
        tenant = self.new_tenant()
        rows = [attrs.evolve(p, tenant=tenant, version=1) for p in drawn]
        self.add(tenant, *rows)
        ordered = sorted(rows, key=lambda p: (p.key, p.id))
        managers = {m for p in rows for m in p.managers} | {"nobody"}
        assert self.read(tenant, lambda uow: list(uow.portfolios.list())) == ordered
        managed = self.read(
            tenant, lambda uow: {m: list(uow.portfolios.managed_by(m)) for m in managers}
        )
        assert managed == {m: [p for p in ordered if m in p.managers] for m in managers}
        counted = self.read(tenant, lambda uow: dict(uow.portfolios.count_managed(managers)))
        expected = {m: sum(m in p.managers for p in rows) for m in managers}
        assert counted == {m: n for m, n in expected.items() if n}, "count_managed (MG-6)"

    @HEAVY_SETTINGS
    @given(
        st.lists(portfolios(), max_size=7, unique_by=(lambda p: p.id, lambda p: p.key)),
        st.integers(1, 3),
    )
    def test_st4_pages_walk_the_listings_in_order(self, drawn: list[Portfolio], limit: int) -> None:
        """ST-4: ``page`` walks ``list`` in name-key order, ``managed_by`` with ``manager``.

        Each page starts after the last key of the one before; another tenant's portfolios
        never appear.
        """
        self.assume_storable(drawn)
        tenant = self.new_tenant()
        rows = [attrs.evolve(p, tenant=tenant, version=1) for p in drawn]
        self.add(tenant, *rows)
        stranger = self.new_tenant()
        self.add(stranger, Portfolio(stranger, "zz-other", "\U0010ffff other", managers=("m",)))
        ordered = sorted(rows, key=lambda p: p.key)
        for manager in [*sorted({m for p in rows for m in p.managers} | {"nobody"}), None]:
            wanted = [p for p in ordered if manager is None or manager in p.managers]
            assert (manager, self._walk(tenant, manager, limit)) == (manager, wanted)

    def _walk(self, tenant: str, manager: str | None, limit: int) -> list[Portfolio]:
        walked: list[Portfolio] = []
        after: str | None = None

        def page(uow: UnitOfWork) -> list[Portfolio]:
            return list(uow.portfolios.page(after=after, limit=limit, manager=manager))

        while True:
            found = self.read(tenant, page)
            assert len(found) <= limit
            walked += found
            if len(found) < limit:
                return walked
            after = found[-1].key

    def test_st5_update_many_writes_all_or_none(self) -> None:
        """ST-3, ST-5: every portfolio is version-checked; one stale refuses them all."""
        self.add(TENANT, *(Portfolio(TENANT, f"p{n}", f"P{n}") for n in range(3)))
        stored = [self._must(f"p{n}") for n in range(3)]
        renamed = [attrs.evolve(p, name=p.name + "!") for p in stored]
        self.write(TENANT, lambda uow: uow.portfolios.update_many(renamed))
        assert [self._must(f"p{n}").version for n in range(3)] == [2, 2, 2]
        stale = [attrs.evolve(self._must("p0"), name="X"), attrs.evolve(renamed[1], name="Y")]
        with pytest.raises(ConcurrencyError):
            self.write(TENANT, lambda uow: uow.portfolios.update_many(stale))
        assert [self._must(f"p{n}").name for n in range(3)] == ["P0!", "P1!", "P2!"]

    def test_mg6_count_managed_counts_per_manager_in_the_tenant_only(self) -> None:
        """MG-6: how many portfolios each manager manages, in his tenant, none left out."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul", managers=("m1", "m2")))
        self.add(TENANT, Portfolio(TENANT, "norte", "Norte", managers=("m1",)))
        stranger = self.new_tenant()
        self.add(stranger, Portfolio(stranger, "sul", "Sul", managers=("m2", "m3")))
        counted = self.read(
            TENANT, lambda uow: dict(uow.portfolios.count_managed(["m1", "m2", "m3", "m1"]))
        )
        assert counted == {"m1": 2, "m2": 1}
        assert self.read(TENANT, lambda uow: dict(uow.portfolios.count_managed([]))) == {}

    def test_managed_by_follows_changes_of_managers(self) -> None:
        """A portfolio leaves ``managed_by`` of a manager taken off it, in the same unit too."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul", managers=("m1", "m2")))
        stored = self._must("sul")

        def change(uow: UnitOfWork) -> None:
            uow.portfolios.update(attrs.evolve(stored, managers=("m2", "m3")))
            assert [p.id for p in uow.portfolios.managed_by("m1")] == []

        self.write(TENANT, change)
        found = self.read(
            TENANT,
            lambda uow: [[p.id for p in uow.portfolios.managed_by(m)] for m in ("m1", "m2", "m3")],
        )
        assert found == [[], ["sul"], ["sul"]]

    def test_tn1_a_portfolio_of_another_tenant_does_not_exist(self) -> None:
        """TN-1: nothing of tenant A shows through tenant B's unit of work."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul", managers=("m1",)))
        assert self.read(OTHER_TENANT, _look("sul", "sul", "m1")) == (None, None, [], [])

    def test_tn2_the_same_id_and_name_live_in_two_tenants_apart(self) -> None:
        """TN-1, TN-2: one id and name in two tenants are two portfolios, each versioned alone."""
        self.add(TENANT, Portfolio(TENANT, "sul", "Sul"))
        self.add(OTHER_TENANT, Portfolio(OTHER_TENANT, "sul", "Sul"))
        mine = self._must("sul")
        self.write(TENANT, lambda uow: uow.portfolios.update(attrs.evolve(mine, name="Norte")))
        theirs = self._must("sul", OTHER_TENANT)
        assert theirs == Portfolio(OTHER_TENANT, "sul", "Sul", version=1)
        self.write(OTHER_TENANT, lambda uow: uow.portfolios.remove(theirs))
        assert self._get("sul") == Portfolio(TENANT, "sul", "Norte", version=2)
        assert self._get("sul", OTHER_TENANT) is None
