"""Pages everywhere a list can grow (issue 14, row 8; ST-4, VS-3).

The campaign's reproducer: one 50-item page of ``customers_of_portfolio`` loaded and
checked every customer of the portfolio (65-94 s at 100,000). A page now comes from the
store's index walk: the portfolio's customers when the caller sees the whole portfolio,
else the customers he serves, kept when they are the portfolio's. Either way it equals
the oracle's list of the portfolio's customers he sees, page by page.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carteira import Carteira, InvalidInput, ManualClock, Principal, Profile
from carteira.ports import name_key
from test_visibility_properties import Plan, build, plans

_TENANTS = itertools.count()


@settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(plan=plans(), limit=st.integers(1, 4))
def test_st4_vs3_row8_customers_of_portfolio_pages_equal_the_oracle(
    store: Any, plan: Plan, limit: int
) -> None:
    """ST-4, VS-3, MB-1: every page, every viewer, every portfolio."""
    clock = ManualClock()
    app = Carteira(store.unit_of_work, clock=clock)
    tenant = f"t{next(_TENANTS)}"  # a tenant per example: one store serves them all
    _, world = build(plan, app, clock, tenant)
    for portfolio in world.portfolios:
        for viewer in sorted(v for v, active in world.active.items() if active):
            expected = sorted(
                c
                for c in world.customers
                if world.effective(c) == portfolio and world.customer_grants(viewer, c)
            )
            assert _walk(app, Principal.manager(tenant, viewer), portfolio, limit) == expected


def _walk(app: Carteira, principal: Principal, portfolio: str, limit: int) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = app.customers_of_portfolio(principal, portfolio, after=after, limit=limit)
        assert len(page.items) <= limit
        ids += [c.id for c in page.items]
        if page.next_after is None:
            return ids
        after = page.next_after


@pytest.mark.parametrize("after", [5, ["x"], "x" * 256])
def test_er2_row7_a_page_after_something_not_an_id_is_invalid_input(
    app: Carteira, system: Principal, after: Any
) -> None:
    """ER-2: ``after=5`` was a bare TypeError."""
    app.create_portfolio(system, "Sul", portfolio_id="sul")
    with pytest.raises(InvalidInput) as refused:
        app.customers_of_portfolio(system, "sul", after=after)
    assert refused.value.errors[0].path == "$.after"


@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_st4_mg2_row8_portfolio_listings_page_by_name_default_first(
    app: Carteira, system: Principal, limit: int
) -> None:
    """ST-4, PF-3, MG-2: pages of ``list_portfolios`` walk every portfolio by name; those
    of ``portfolios_of_manager`` open with his default, then the others by name."""
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    names = ["Sul", "norte", "Ásia", "Leste", "oeste", "Centro"]
    for n, name in enumerate(names):
        managers = ["ana"] if n % 2 == 0 or name == "Leste" else []
        app.create_portfolio(system, name, managers=managers, portfolio_id=f"p{n}")
    app.set_default_portfolio(system, "ana", "p0")  # Sul: neither his first name nor his last
    every = [
        s.portfolio.id for s in _pages(lambda a: app.list_portfolios(system, after=a, limit=limit))
    ]
    keyed = sorted(range(len(names)), key=lambda n: name_key(names[n]))
    assert every == [f"p{n}" for n in keyed]
    mine = list(_pages(lambda a: app.portfolios_of_manager(system, "ana", after=a, limit=limit)))
    assert [s.portfolio.id for s in mine] == ["p0", "p3", "p4", "p2"]  # Sul, then by key
    assert [s.default for s in mine] == [True, False, False, False]
    assert all(s.available for s in mine)


def _pages(fetch: Any) -> Iterator[Any]:
    after = None
    while True:
        page = fetch(after)
        yield from page
        if page.next_after is None:
            return
        after = page.next_after


def test_st4_review_a_cursor_longer_than_an_id_still_pages(
    app: Carteira, system: Principal
) -> None:
    """ST-4, PF-1: "ﬃ" folds to "ffi": a name key may outgrow 255 characters, and the
    cursor made of it must be taken back."""
    app.create_portfolio(system, "\ufb03" * 100, portfolio_id="long")
    app.create_portfolio(system, "zz", portfolio_id="zz")
    first = app.list_portfolios(system, limit=1)
    assert first.next_after is not None
    assert len(first.next_after) > 255
    second = app.list_portfolios(system, after=first.next_after, limit=1)
    assert [s.portfolio.id for s in [*first, *second]] == ["long", "zz"]
