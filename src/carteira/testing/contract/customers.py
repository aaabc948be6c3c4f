"""The contract of the customer and organization repository ports (MB, VS-3, TN-1, ST-3..ST-5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, TypeVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import ConcurrencyError, Conflict
from carteira.domain.scope import Scope
from carteira.ports.unit_of_work import UnitOfWork
from carteira.testing.contract.base import (
    BIG_PAGE,
    CONTRACT_SETTINGS,
    HEAVY_SETTINGS,
    OTHER_TENANT,
    TENANT,
    assert_keyset_pages,
    assert_stored,
)
from carteira.testing.contract.shapes import BatchContract, assert_scope_parity
from carteira.testing.contract.worlds import (
    SEARCHES,
    World,
    customer_in_scope,
    customer_world,
    matches_search,
    organization_in_scope,
    scopes,
)
from carteira.testing.strategies import customers, organizations

__all__ = ["CustomerRepositoryContract", "OrganizationRepositoryContract"]

EVERYTHING = Scope(everything=True)
searches = st.none() | st.sampled_from(SEARCHES)
P = TypeVar("P", Customer, Organization)


def _scoped(
    scope: Scope, search: str | None, repository: str = "customers"
) -> Callable[[UnitOfWork], Callable[[str | None, int], Sequence[Any]]]:
    """Return the keyset fetch of ``in_scope`` of ``repository`` in a unit of work."""

    def fetcher(uow: UnitOfWork) -> Callable[[str | None, int], Sequence[Any]]:
        in_scope = getattr(uow, repository).in_scope
        return lambda after, limit: in_scope(scope, after=after, limit=limit, search=search)

    return fetcher


def _organizations_scoped(
    scope: Scope, search: str | None
) -> Callable[[UnitOfWork], Callable[[str | None, int], Sequence[Any]]]:
    return _scoped(scope, search, "organizations")


CUSTOMER_SCOPES: tuple[tuple[Scope, list[str]], ...] = (
    (Scope(), []),
    (EVERYTHING, ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]),
    (Scope(portfolios=frozenset({"p1"})), ["c1", "c2"]),
    (Scope(portfolios=frozenset({"p2", "ghost"})), ["c3", "c7"]),
    (Scope(account_managers=frozenset({"m1"})), ["c5", "c7"]),
    (Scope(outside=True), ["c4", "c6"]),
    (Scope(assignees=frozenset({"m1", "m2"})), []),
    (
        Scope(portfolios=frozenset({"p1", "p2"}), account_managers=frozenset({"m1"}), outside=True),
        ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
    ),
)
"""Scopes over `_customer_world` and the customers each holds, by id."""

CUSTOMER_SEARCHES: tuple[tuple[str, list[str]], ...] = (
    ("ana", ["c1", "c2"]),
    ("ANA mar", ["c2"]),
    ("mar ana", ["c2"]),
    ("stras", ["c3"]),
    ("STRASSE", ["c3"]),
    ("stra\u00dfe", ["c3"]),
    ("ss", []),
    ("100", ["c4"]),
    ("%", []),
    ("_", []),
    ("a b", ["c5"]),
    ("S\u00c3O", ["c6"]),
    ("sao", ["c6"]),
    ("\u00c3O", []),
    ("c7", ["c7"]),
    ("C7", ["c7"]),
    ("x c7", ["c7"]),
    ("c", ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]),
)
"""Searches over the whole of `_customer_world` (VS-8): each word of the search begins a word
of the name or the id, case and accents aside (``sao`` finds ``São``, ``straße`` and
``STRASSE`` find ``Straße``); ``%`` and ``_`` are no wildcards and, holding no word, find
nothing."""


class _PeopleContract(BatchContract[P]):
    """What customers and organizations share: scoped listings, ``get_many``, ``add_many``."""

    def _in_scope(self, scope: Scope, search: str | None = None, tenant: str = TENANT) -> list[str]:
        fetch = _scoped(scope, search, self._repository)
        return self.read(tenant, lambda uow: [row.id for row in fetch(uow)(None, BIG_PAGE)])

    def _draw_scope_cases(
        self, data: st.DataObject
    ) -> tuple[str, World, list[tuple[Scope, str | None]]]:
        """Store a drawn world in a fresh tenant; return it and the scopes and searches to try.

        The cases are a drawn scope and search, every basic scope of the world, and
        every search over everything (VS-3).
        """
        tenant, world = self._draw_world(data)
        scope, search = data.draw(scopes()), data.draw(searches)
        basic: list[Scope] = world.basic_scopes()
        cases = [
            (scope, search),
            *((s, None) for s in basic),
            *((EVERYTHING, s) for s in SEARCHES),
        ]
        return tenant, world, cases

    def _check_tenants_apart_in_batches(
        self, rows: Sequence[object], ids: list[str], theirs: list[P]
    ) -> None:
        """TN-1: ``get_many`` finds nothing of another tenant; ``add_many`` of its ids works."""
        self.add(TENANT, *rows)
        assert self.read(OTHER_TENANT, lambda uow: self._repo(uow).get_many(ids)) == {}
        self.write(OTHER_TENANT, lambda uow: self._repo(uow).add_many(theirs))
        asked = [*ids, *(row.id for row in theirs if row.id not in ids)]
        found = self.read(OTHER_TENANT, lambda uow: self._repo(uow).get_many(asked))
        assert found == {row.id: attrs.evolve(row, version=1) for row in theirs}

    def _refuse_add_many(
        self, batch: list[P], fresh: list[P], listing: Callable[[Any], Iterable[P]]
    ) -> object:
        """ST-5, ST-1: ``add_many(batch)`` must conflict; return what the unit sees after.

        That is the conflict's code and id, ``get_many`` of ``n1`` and ``n2``, the ids
        in ``listing`` of the repository, and the count once ``fresh`` is added in the
        same unit, which is then committed.
        """

        def refuse_then_go_on(uow: UnitOfWork) -> object:
            repo = self._repo(uow)
            with pytest.raises(Conflict) as caught:
                repo.add_many(batch)
            seen = (caught.value.code, caught.value.details.get("id"))
            left = repo.get_many(["n1", "n2"])
            shown = [row.id for row in listing(repo)]
            repo.add_many(fresh)
            return seen, left, shown, repo.count()

        return self.write(TENANT, refuse_then_go_on)

    def _check_in_scope(self, rows: Sequence[object], scope: Scope, expected: list[str]) -> None:
        """Store ``rows``; assert ``in_scope`` holds ``expected``, in every page size (VS-3)."""
        self.add(TENANT, *rows)
        assert self._in_scope(scope) == expected
        fetch = _scoped(scope, None, self._repository)
        self.read(TENANT, lambda uow: assert_keyset_pages(fetch(uow), expected))

    def _check_add_many_round_trip(self, drawn: list[P]) -> tuple[str, dict[str, P]]:
        """ST-5: ``add_many`` stores each at version 1; ``get_many`` reads them all back."""
        self.assume_storable(drawn)
        tenant = self.new_tenant()
        batch = [attrs.evolve(row, tenant=tenant) for row in drawn]
        self.write(tenant, lambda uow: self._repo(uow).add_many(iter(batch)))
        expected = {row.id: attrs.evolve(row, version=1) for row in batch}
        found = self.read(tenant, lambda uow: self._repo(uow).get_many(iter(list(expected))))
        assert list(found.items()) == list(expected.items())
        for row_id, row in expected.items():
            assert_stored(row, found[row_id])
        return tenant, expected

    def _check_get_many(
        self, rows: Sequence[object], asked: list[str], expected: list[str]
    ) -> None:
        """ST-5: the ones of ``asked`` that exist, in the order asked, each once."""
        self.add(TENANT, *rows)
        found = self.read(TENANT, lambda uow: self._repo(uow).get_many(asked))
        assert list(found) == expected
        assert found == {i: self._must(i) for i in expected}
        assert self.read(TENANT, lambda uow: self._repo(uow).get_many([])) == {}


class CustomerRepositoryContract(_PeopleContract[Customer]):
    """What every adapter's ``CustomerRepository`` does (MB-1, MB-3, MB-4, VS-3, TN-1, ST-3).

    Every listing runs by id, by code point. ``in_scope`` holds exactly the customers
    [`Scope`][carteira.Scope]'s docstring defines, where the effective
    portfolio is the customer's own, else its organization's *as stored now*; it pages
    by keyset (``after`` an id, ``limit``); ``search`` keeps those where each word of the
    search begins a word of the name or the id, case and accents aside
    ([`search_words`][carteira.search_words], VS-8).
    ``update_many`` writes all of its batch or none. A taken id is a
    [`Conflict`][carteira.Conflict] with code ``customer_exists``. ``get_many`` returns the
    ones that exist in the order asked; ``add_many`` stores all of its batch at version
    1 or, when an id is taken or repeated, none of it (ST-5).
    """

    _repository = "customers"
    _kind = "customer"
    _batch_ids = ("c1", "c2")
    _lost_change: ClassVar[dict[str, object]] = {"name": "lost"}

    def _taken_id_rows(self) -> tuple[Customer, Customer]:
        return Customer(TENANT, "c1", "A"), Customer(TENANT, "c1", "Outro")

    def _batch_rows(self) -> list[Customer]:
        return [Customer(TENANT, "c1", "A"), Customer(TENANT, "c2", "B")]

    def test_a_missing_customer_is_none_everywhere(self) -> None:
        """Nothing stored: ``get`` gives ``None``, counts are 0, every listing is empty."""

        def look(uow: UnitOfWork) -> object:
            repo = uow.customers
            return (
                repo.get("c1"),
                repo.count(),
                repo.most_account_managers(),
                list(repo.in_portfolio("p1")),
                list(repo.of_organization("o1")),
                list(repo.managed_by("m1")),
                list(repo.in_scope(EVERYTHING, after=None, limit=10, search=None)),
            )

        assert self.read(TENANT, look) == (None, 0, 0, [], [], [], [])

    @CONTRACT_SETTINGS
    @given(customers())
    def test_a_customer_reads_back_as_added_at_version_1(self, drawn: Customer) -> None:
        """Every field round-trips, account managers in their order (MB-3)."""
        tenant, expected = self._check_round_trip(drawn)
        listed = self.read(tenant, lambda uow: list(_scoped(EVERYTHING, None)(uow)(None, 10)))
        assert listed == [expected]

    def test_edge_cases_read_back_as_added(self) -> None:
        """Longest ids, astral characters, account managers in a non-sorted order."""
        rows = [
            Customer(TENANT, "x" * 255, "\U0001f600" * 100, organization="o" * 255),
            Customer(TENANT, "\u00e7", "precomposed", portfolio="p\u00e7"),
            Customer(TENANT, "c\u0327", "decomposed", account_managers=("m3", "m1", "m2")),
            Customer(TENANT, "blank", " "),
        ]
        self._check_reads_back(rows)

    def test_st3_update_many_stores_every_row_and_moves_each_version_by_one(self) -> None:
        """``update_many`` writes each row over its version read, at that version plus one."""
        self.add(TENANT, Customer(TENANT, "c1", "A"), Customer(TENANT, "c2", "B"))
        first, second = self._must("c1"), self._must("c2")
        changed = [
            attrs.evolve(
                first, name="A2", organization="o1", portfolio="p1", account_managers=("m2", "m1")
            ),
            attrs.evolve(second, name="B2"),
        ]
        self.write(TENANT, lambda uow: uow.customers.update_many(changed))
        assert_stored(attrs.evolve(changed[0], version=2), self._get("c1"))
        assert_stored(attrs.evolve(changed[1], version=2), self._get("c2"))
        self.write(TENANT, lambda uow: uow.customers.update_many([]))
        assert self._must("c1").version == 2

    def test_st3_a_stale_row_fails_the_whole_batch(self) -> None:
        """A batch with one stale or missing row raises ``ConcurrencyError``; none of it stays."""
        self.add(TENANT, Customer(TENANT, "c1", "A"), Customer(TENANT, "c2", "B"))
        stale = self._must("c2")
        self.write(TENANT, lambda uow: uow.customers.update_many([attrs.evolve(stale, name="B2")]))
        before = [self._must("c1"), self._must("c2")]
        batches = [
            [attrs.evolve(before[0], name="lost"), attrs.evolve(stale, name="lost")],
            [attrs.evolve(before[0], name="lost"), Customer(TENANT, "ghost", "G", version=1)],
            [attrs.evolve(before[0], name="lost"), attrs.evolve(before[0], name="twice")],
        ]
        for batch in batches:
            with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
                uow.customers.update_many(batch)
        assert [self._must("c1"), self._must("c2")] == before

    @pytest.mark.parametrize(("scope", "expected"), CUSTOMER_SCOPES)
    def test_vs3_in_scope_holds_what_the_scope_defines(
        self, scope: Scope, expected: list[str]
    ) -> None:
        """Own portfolio before the organization's; outside means neither nor any manager."""
        self._check_in_scope(customer_world(TENANT), scope, expected)

    @pytest.mark.parametrize(("search", "expected"), CUSTOMER_SEARCHES)
    def test_vs3_vs8_search_matches_words_of_names_and_ids_ignoring_case_and_accents(
        self, search: str, expected: list[str]
    ) -> None:
        """VS-8: each search word begins a word of the name or id, folded; no wildcards."""
        self.add(TENANT, *customer_world(TENANT))
        assert self._in_scope(EVERYTHING, search) == expected
        self.read(
            TENANT, lambda uow: assert_keyset_pages(_scoped(EVERYTHING, search)(uow), expected)
        )

    def test_vs3_search_never_widens_the_scope(self) -> None:
        """A search matching a customer outside the scope does not bring it in (VS-3)."""
        self.add(TENANT, *customer_world(TENANT))
        assert self._in_scope(Scope(portfolios=frozenset({"p1"})), "Stra\u00dfe") == []
        assert self._in_scope(Scope(portfolios=frozenset({"p1"})), "c3") == []

    def test_mb1_in_scope_follows_the_organizations_portfolio_as_stored_now(self) -> None:
        """Moving an organization moves its customers without a portfolio of their own (MB-1)."""
        self.add(TENANT, *customer_world(TENANT))
        organization = self.read(TENANT, lambda uow: uow.organizations.get("o1"))
        assert organization is not None

        def move(uow: UnitOfWork) -> None:
            uow.organizations.update_many([attrs.evolve(organization, portfolio="p9")])
            assert [
                c.id for c in _scoped(Scope(portfolios=frozenset({"p9"})), None)(uow)(None, 9)
            ] == ["c2"]

        self.write(TENANT, move)
        assert self._in_scope(Scope(portfolios=frozenset({"p1"}))) == ["c1"]
        assert self._in_scope(Scope(portfolios=frozenset({"p9"}))) == ["c2"]
        self.write(
            TENANT,
            lambda uow: uow.organizations.update_many(
                [attrs.evolve(organization, portfolio=None, version=2)]
            ),
        )
        assert self._in_scope(Scope(outside=True)) == ["c2", "c4", "c6"]

    def test_vs3_in_scope_follows_changes_within_the_unit_of_work(self) -> None:
        """A customer moved in a unit of work leaves and enters scopes at once in that unit."""
        self.add(TENANT, *customer_world(TENANT))
        customer = self._must("c1")
        p1 = Scope(portfolios=frozenset({"p1"}))

        def move(uow: UnitOfWork) -> None:
            uow.customers.update_many(
                [attrs.evolve(customer, portfolio=None, account_managers=("m9",))]
            )
            assert [c.id for c in _scoped(p1, None)(uow)(None, 9)] == ["c2"]
            found = _scoped(Scope(account_managers=frozenset({"m9"})), None)(uow)(None, 9)
            assert [c.id for c in found] == ["c1"]

        self.read(TENANT, move)
        assert self._in_scope(p1) == ["c1", "c2"]

    def test_listings_by_portfolio_organization_and_manager(self) -> None:
        """``in_portfolio`` is the own portfolio only; each listing by id; counts (MB-1, MB-3)."""
        self.add(TENANT, *customer_world(TENANT))

        def look(uow: UnitOfWork) -> object:
            repo = uow.customers
            return (
                [c.id for c in repo.in_portfolio("p1")],
                [c.id for c in repo.in_portfolio("p2")],
                [c.id for c in repo.of_organization("o1")],
                [c.id for c in repo.managed_by("m1")],
                [c.id for c in repo.managed_by("m2")],
                repo.count(),
                repo.most_account_managers(),
            )

        expected = (["c1"], ["c3", "c7"], ["c2", "c3"], ["c5", "c7"], ["c7"], 7, 2)
        assert self.read(TENANT, look) == expected

    @HEAVY_SETTINGS
    @given(st.data())
    def test_vs3_in_scope_equals_the_scope_definition_over_plain_gets(
        self, data: st.DataObject
    ) -> None:
        """List/check parity: ``in_scope`` holds exactly the rows the Scope definition picks.

        The expected rows come from ``get`` of every stored id and
        `customer_in_scope`, not from the
        adapter's indexes; every page size gives the same sequence (VS-3, ST-4).
        """
        tenant, world, cases = self._draw_scope_cases(data)

        def check(uow: UnitOfWork) -> None:
            rows = {c.id: uow.customers.get(c.id) for c in world.customers}
            orgs = {o.id: uow.organizations.get(o.id) for o in world.organizations}
            stored = {i: c for i, c in rows.items() if c is not None}
            known = {i: o for i, o in orgs.items() if o is not None}

            def picks(scope: Scope, search: str | None, customer: Customer) -> bool:
                return customer_in_scope(scope, customer, known) and matches_search(
                    search, customer
                )

            assert_scope_parity(cases, stored, picks, lambda s, q: _scoped(s, q)(uow))

        self.read(tenant, check)

    @HEAVY_SETTINGS
    @given(st.data())
    def test_every_listing_equals_its_definition_over_plain_gets(self, data: st.DataObject) -> None:
        """``in_portfolio``, ``of_organization``, ``managed_by``, counts: from plain ``get``s."""
        tenant, world = self._draw_world(data)

        def check(uow: UnitOfWork) -> None:
            repo = uow.customers
            rows = sorted(
                (c for c in map(repo.get, (c.id for c in world.customers)) if c), key=lambda c: c.id
            )
            for portfolio in [*(p.id for p in world.portfolios), "ghost"]:
                assert list(repo.in_portfolio(portfolio)) == [
                    c for c in rows if c.portfolio == portfolio
                ]
            for org in [*(o.id for o in world.organizations), "ghost"]:
                assert list(repo.of_organization(org)) == [c for c in rows if c.organization == org]
            for manager in [*(m.id for m in world.managers), "ghost"]:
                assert list(repo.managed_by(manager)) == [
                    c for c in rows if manager in c.account_managers
                ]
            assert repo.count() == len(rows)
            assert repo.most_account_managers() == max(
                (len(c.account_managers) for c in rows), default=0
            )

        self.read(tenant, check)

    @CONTRACT_SETTINGS
    @given(st.lists(customers(), unique_by=lambda c: c.id, max_size=6))
    def test_st5_add_many_then_get_many_reads_every_customer_back(
        self, drawn: list[Customer]
    ) -> None:
        """ST-5: ``add_many`` stores each at version 1; ``get_many`` reads them all back."""
        tenant, expected = self._check_add_many_round_trip(drawn)
        for customer_id, customer in expected.items():
            assert_stored(customer, self._get(customer_id, tenant))

    def test_st5_get_many_answers_in_the_order_asked_and_skips_missing_ids(self) -> None:
        """ST-5: the ones that exist, in the order asked; duplicates once, at their first place."""
        asked = ["c7", "ghost", "c1", "c7", "", "c3", "C1", "c1"]
        self._check_get_many(customer_world(TENANT), asked, ["c7", "c1", "c3"])
        assert self.read(TENANT, lambda uow: uow.customers.get_many(["ghost"])) == {}

    def test_st5_many_customers_in_one_call(self) -> None:
        """ST-5: thousands of ids in one call (beyond the bind-parameter caps of old SQLite)."""
        tenant = self.new_tenant()
        batch = [
            Customer(tenant, f"c{n:05d}", f"C {n}", account_managers=(f"m{n % 7}",))
            for n in range(2_500)
        ]
        self.write(tenant, lambda uow: uow.customers.add_many(batch))
        asked = [c.id for c in reversed(batch)] + ["ghost"]
        found = self.read(tenant, lambda uow: uow.customers.get_many(asked))
        assert list(found) == asked[:-1]
        assert list(found.values()) == [attrs.evolve(c, version=1) for c in reversed(batch)]
        assert self.read(tenant, lambda uow: uow.customers.count()) == 2_500

    @pytest.mark.parametrize(
        ("ids", "named"),
        [
            (["n1", "c1", "n2"], "c1"),
            (["n1", "n2", "n1"], "n1"),
            (["n1", "n1", "c1"], "n1"),
            (["c1", "n1", "n1"], "c1"),
        ],
    )
    def test_st5_a_taken_id_fails_add_many_and_stores_nothing(
        self, ids: list[str], named: str
    ) -> None:
        """ST-5 all or none: an id stored or given twice fails the batch, storing nothing.

        The conflict is ``customer_exists`` and names the first such id in the order
        given; the unit of work goes on (ST-1).
        """
        self.add(TENANT, Customer(TENANT, "c1", "A", portfolio="p1"))
        batch = [Customer(TENANT, i, f"Novo {i}", account_managers=("m1",)) for i in ids]
        fresh = [Customer(TENANT, "n3", "N3"), Customer(TENANT, "n4", "N4")]
        seen = self._refuse_add_many(batch, fresh, lambda repo: repo.managed_by("m1"))
        assert seen == (("customer_exists", named), {}, [], 3)
        assert self._get("c1") == Customer(TENANT, "c1", "A", portfolio="p1", version=1)
        assert self.read(TENANT, lambda uow: list(uow.customers.get_many(["n1", "n2", "n3"]))) == [
            "n3"
        ]

    def test_st5_add_many_of_nothing_stores_nothing(self) -> None:
        """ST-5: an empty batch is no change."""
        self.write(TENANT, lambda uow: uow.customers.add_many([]))
        assert self.read(TENANT, lambda uow: uow.customers.count()) == 0

    def test_tn1_get_many_and_add_many_see_only_their_tenant(self) -> None:
        """TN-1: another tenant's id is not returned, and adding an id it holds works."""
        ids = [f"c{n}" for n in range(1, 8)]
        theirs = [Customer(OTHER_TENANT, "c1", "Outro"), Customer(OTHER_TENANT, "c9", "Nove")]
        self._check_tenants_apart_in_batches(customer_world(TENANT), ids, theirs)
        assert self.read(TENANT, lambda uow: list(uow.customers.get_many(["c9", "c1"]))) == ["c1"]
        assert self._must("c1") == Customer(TENANT, "c1", "Ana", portfolio="p1", version=1)

    def test_tn1_a_customer_of_another_tenant_does_not_exist(self) -> None:
        """TN-1: nothing of tenant A shows through tenant B, in any listing or count."""
        self.add(TENANT, *customer_world(TENANT))

        def look(uow: UnitOfWork) -> object:
            repo = uow.customers
            return (
                repo.get("c1"),
                repo.count(),
                repo.most_account_managers(),
                list(repo.in_portfolio("p1")),
                list(repo.of_organization("o1")),
                list(repo.managed_by("m1")),
                [list(_scoped(scope, None)(uow)(None, 99)) for scope, _ in CUSTOMER_SCOPES],
                list(_scoped(EVERYTHING, "c1")(uow)(None, 99)),
            )

        assert self.read(OTHER_TENANT, look) == (None, 0, 0, [], [], [], [[]] * 8, [])

    def test_tn1_the_same_id_lives_in_two_tenants_apart(self) -> None:
        """TN-1: one id in two tenants is two customers; scopes never mix them."""
        self.add(TENANT, Customer(TENANT, "c1", "A", portfolio="p1"))
        self.add(OTHER_TENANT, Customer(OTHER_TENANT, "c1", "A"))
        mine = self._must("c1")
        self.write(TENANT, lambda uow: uow.customers.update_many([attrs.evolve(mine, name="A2")]))
        assert self._get("c1", OTHER_TENANT) == Customer(OTHER_TENANT, "c1", "A", version=1)
        assert self._in_scope(Scope(outside=True), tenant=OTHER_TENANT) == ["c1"]
        assert self._in_scope(Scope(outside=True)) == []
        assert self._in_scope(Scope(portfolios=frozenset({"p1"})), tenant=OTHER_TENANT) == []


ORGANIZATION_SCOPES: tuple[tuple[Scope, list[str]], ...] = (
    (Scope(), []),
    (EVERYTHING, ["o1", "o2", "o3"]),
    (Scope(portfolios=frozenset({"p1", "ghost"})), ["o1"]),
    (Scope(outside=True), ["o2"]),
    (Scope(portfolios=frozenset({"p2"}), outside=True), ["o2", "o3"]),
    (Scope(account_managers=frozenset({"m1"}), assignees=frozenset({"m1"})), []),
)


def _organization_world(tenant: str) -> list[Organization]:
    return [
        Organization(tenant, "o1", "Ana Ltda", portfolio="p1"),
        Organization(tenant, "o2", "100% STRASSE"),
        Organization(tenant, "o3", "a_b", portfolio="p2"),
    ]


class OrganizationRepositoryContract(_PeopleContract[Organization]):
    """What every adapter's ``OrganizationRepository`` does (MB-1, VS-3, TN-1, ST-3).

    Listings run by id, by code point; ``in_scope`` uses ``everything``, ``portfolios``
    and ``outside`` (no portfolio) of the scope, pages by keyset and searches as the
    customers' does. A taken id is a [`Conflict`][carteira.Conflict] with code
    ``organization_exists``. ``get_many`` and ``add_many`` behave as the customers'
    (ST-5).
    """

    _repository = "organizations"
    _kind = "organization"
    _batch_ids = ("o1", "o2")
    _lost_change: ClassVar[dict[str, object]] = {"name": "lost"}

    def _taken_id_rows(self) -> tuple[Organization, Organization]:
        return Organization(TENANT, "o1", "A"), Organization(TENANT, "o1", "Outra")

    def _batch_rows(self) -> list[Organization]:
        return _organization_world(TENANT)

    def test_a_missing_organization_is_none_everywhere(self) -> None:
        """Nothing stored: ``get`` gives ``None``, the count is 0, every listing is empty."""

        def look(uow: UnitOfWork) -> object:
            repo = uow.organizations
            return (
                repo.get("o1"),
                repo.count(),
                list(repo.in_portfolio("p1")),
                list(repo.in_scope(EVERYTHING, after=None, limit=10, search=None)),
            )

        assert self.read(TENANT, look) == (None, 0, [], [])

    @CONTRACT_SETTINGS
    @given(organizations())
    def test_an_organization_reads_back_as_added_at_version_1(self, drawn: Organization) -> None:
        """Every field round-trips (ST-3)."""
        self._check_round_trip(drawn)

    def test_st3_update_many_writes_all_or_none(self) -> None:
        """``update_many`` moves each version by one; a stale row fails the whole batch."""
        self.add(TENANT, *_organization_world(TENANT))
        first, second = self._must("o1"), self._must("o2")
        self.write(
            TENANT,
            lambda uow: uow.organizations.update_many(
                [
                    attrs.evolve(first, name="Ana SA", portfolio=None),
                    attrs.evolve(second, portfolio="p1"),
                ]
            ),
        )
        assert self._get("o1") == attrs.evolve(first, name="Ana SA", portfolio=None, version=2)
        assert self._get("o2") == attrs.evolve(second, portfolio="p1", version=2)
        current = self._must("o3")
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError) as caught:
            uow.organizations.update_many([attrs.evolve(current, name="lost"), first])
        assert caught.value.code == "stale_version"
        assert self._get("o3") == current

    @pytest.mark.parametrize(("scope", "expected"), ORGANIZATION_SCOPES)
    def test_vs3_in_scope_holds_what_the_scope_defines(
        self, scope: Scope, expected: list[str]
    ) -> None:
        """Organizations: everything, their portfolio, or outside; no account managers (VS-3)."""
        self._check_in_scope(_organization_world(TENANT), scope, expected)

    def test_vs3_vs8_search_matches_words_of_names_and_ids_ignoring_case_and_accents(
        self,
    ) -> None:
        """VS-8: search as for customers: words of names and ids, folded; no wildcards."""
        self.add(TENANT, *_organization_world(TENANT))
        cases = {
            "ana": ["o1"],
            "%": [],
            "\u00df": [],
            "stra\u00df": ["o2"],
            "_": [],
            "o3": ["o3"],
            "O3": ["o3"],
            "ltda ana": ["o1"],
        }
        for search, expected in cases.items():
            assert self._in_scope(EVERYTHING, search) == expected, search
        assert self._in_scope(Scope(portfolios=frozenset({"p1"})), "o3") == []

    def test_in_portfolio_runs_by_id_and_follows_moves(self) -> None:
        """``in_portfolio`` lists by id and follows an organization moved in the unit (MB-1)."""
        self.add(
            TENANT,
            *_organization_world(TENANT),
            Organization(TENANT, "\u00e7", "C", portfolio="p1"),
        )
        moved = self._must("o3")

        def move(uow: UnitOfWork) -> None:
            uow.organizations.update_many([attrs.evolve(moved, portfolio="p1")])
            assert [o.id for o in uow.organizations.in_portfolio("p2")] == []

        self.write(TENANT, move)
        found = self.read(TENANT, lambda uow: [o.id for o in uow.organizations.in_portfolio("p1")])
        assert found == ["o1", "o3", "\u00e7"]
        assert self.read(TENANT, lambda uow: uow.organizations.count()) == 4

    @HEAVY_SETTINGS
    @given(st.data())
    def test_vs3_in_scope_equals_the_scope_definition_over_plain_gets(
        self, data: st.DataObject
    ) -> None:
        """List/check parity for organizations, from plain ``get``s (VS-3, ST-4)."""
        tenant, world, cases = self._draw_scope_cases(data)

        def check(uow: UnitOfWork) -> None:
            got = {o.id: uow.organizations.get(o.id) for o in world.organizations}
            stored = {i: o for i, o in got.items() if o is not None}

            def picks(scope: Scope, search: str | None, organization: Organization) -> bool:
                return organization_in_scope(scope, organization) and matches_search(
                    search, organization
                )

            assert_scope_parity(cases, stored, picks, lambda s, q: _organizations_scoped(s, q)(uow))
            for portfolio in [*(p.id for p in world.portfolios), "ghost"]:
                listed = list(uow.organizations.in_portfolio(portfolio))
                assert listed == [
                    stored[i] for i in sorted(stored) if stored[i].portfolio == portfolio
                ]
            assert uow.organizations.count() == len(stored)

        self.read(tenant, check)

    @CONTRACT_SETTINGS
    @given(st.lists(organizations(), unique_by=lambda o: o.id, max_size=6))
    def test_st5_add_many_then_get_many_reads_every_organization_back(
        self, drawn: list[Organization]
    ) -> None:
        """ST-5: ``add_many`` stores each at version 1; ``get_many`` reads them all back."""
        self._check_add_many_round_trip(drawn)

    def test_st5_get_many_answers_in_the_order_asked_and_skips_missing_ids(self) -> None:
        """ST-5: the ones that exist, in the order asked; duplicates once, at their first place."""
        asked = ["o3", "ghost", "o1", "o3", "O1"]
        self._check_get_many(_organization_world(TENANT), asked, ["o3", "o1"])

    def test_st5_many_organizations_in_one_call(self) -> None:
        """ST-5: thousands of ids in one call, read back in the order asked."""
        tenant = self.new_tenant()
        batch = [Organization(tenant, f"o{n:05d}", f"O {n}", f"p{n % 3}") for n in range(2_500)]
        self.write(tenant, lambda uow: uow.organizations.add_many(batch))
        asked = [o.id for o in reversed(batch)]
        found = self.read(tenant, lambda uow: uow.organizations.get_many(asked))
        assert list(found.values()) == [attrs.evolve(o, version=1) for o in reversed(batch)]

    @pytest.mark.parametrize(
        ("ids", "named"),
        [(["n1", "o1", "n2"], "o1"), (["n1", "n2", "n1"], "n1"), (["o1", "n1", "n1"], "o1")],
    )
    def test_st5_a_taken_id_fails_add_many_and_stores_nothing(
        self, ids: list[str], named: str
    ) -> None:
        """ST-5 all or none: an id stored or given twice fails the batch, storing nothing.

        The conflict is ``organization_exists`` and names the first such id in the order
        given; the unit of work goes on (ST-1).
        """
        self.add(TENANT, Organization(TENANT, "o1", "A", portfolio="p1"))
        batch = [Organization(TENANT, i, f"Nova {i}", portfolio="p2") for i in ids]
        fresh = [Organization(TENANT, "n3", "N3")]
        seen = self._refuse_add_many(batch, fresh, lambda repo: repo.in_portfolio("p2"))
        assert seen == (("organization_exists", named), {}, [], 2)
        assert self._get("o1") == Organization(TENANT, "o1", "A", portfolio="p1", version=1)

    def test_tn1_get_many_and_add_many_see_only_their_tenant(self) -> None:
        """TN-1: another tenant's id is not returned, and adding an id it holds works."""
        theirs = [Organization(OTHER_TENANT, "o1", "Outra")]
        self._check_tenants_apart_in_batches(
            _organization_world(TENANT), ["o1", "o2", "o3"], theirs
        )
        assert self._must("o1") == Organization(TENANT, "o1", "Ana Ltda", portfolio="p1", version=1)

    def test_tn1_an_organization_of_another_tenant_does_not_exist(self) -> None:
        """TN-1: nothing of tenant A shows through tenant B, in any listing or count."""
        self.add(TENANT, *_organization_world(TENANT))

        def look(uow: UnitOfWork) -> object:
            repo = uow.organizations
            return (
                repo.get("o1"),
                repo.count(),
                list(repo.in_portfolio("p1")),
                [
                    list(_organizations_scoped(s, None)(uow)(None, 99))
                    for s, _ in ORGANIZATION_SCOPES
                ],
            )

        assert self.read(OTHER_TENANT, look) == (None, 0, [], [[]] * len(ORGANIZATION_SCOPES))

    def test_tn1_the_same_id_lives_in_two_tenants_apart(self) -> None:
        """TN-1: one id in two tenants is two organizations, each versioned alone."""
        self.add(TENANT, Organization(TENANT, "o1", "A", portfolio="p1"))
        self.add(OTHER_TENANT, Organization(OTHER_TENANT, "o1", "A"))
        mine = self._must("o1")
        self.write(
            TENANT, lambda uow: uow.organizations.update_many([attrs.evolve(mine, portfolio=None)])
        )
        assert self._get("o1", OTHER_TENANT) == Organization(OTHER_TENANT, "o1", "A", version=1)
        assert self._get("o1") == Organization(TENANT, "o1", "A", version=2)
