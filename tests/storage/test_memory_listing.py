"""The in-memory adapter's scope listings stay fresh while it reuses sorted scopes.

The adapter keeps the sorted ids of recent scopes (so that walking pages costs one
computation, ST-4) and must still answer every listing as if it had computed it anew:
after a revocation (VS-2, VS-3), a rollback (ST-1), a rename (search) or a closing
(``open_only``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from carteira import Conflict, InMemoryStore
from carteira.domain.customer import Customer
from carteira.domain.scope import Scope
from carteira.domain.ticket import Ticket, TicketStatus

TENANT = "acme"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SUL = Scope(portfolios=frozenset({"sul"}))


def _store(customers: int = 6) -> InMemoryStore:
    store = InMemoryStore()
    with store.unit_of_work(TENANT) as uow:
        for number in range(customers):
            uow.customers.add(Customer(TENANT, f"c{number}", f"Cliente {number}", portfolio="sul"))
            uow.tickets.add(Ticket(TENANT, f"t{number}", f"c{number}", "suporte", NOW))
        uow.commit()
    return store


def _customer_ids(store: InMemoryStore, scope: Scope = SUL, **kwargs: object) -> list[str]:
    options: dict[str, object] = {"after": None, "limit": 100, "search": None, **kwargs}
    with store.unit_of_work(TENANT) as uow:
        return [c.id for c in uow.customers.in_scope(scope, **options)]  # type: ignore[arg-type]


def _ticket_ids(store: InMemoryStore, *, open_only: bool = False) -> list[str]:
    with store.unit_of_work(TENANT) as uow:
        return [t.id for t in uow.tickets.in_scope(SUL, after=None, limit=100, open_only=open_only)]


def _walk(store: InMemoryStore, limit: int) -> list[str]:
    found: list[str] = []
    after: str | None = None
    while True:
        page = _customer_ids(store, after=after, limit=limit)
        found.extend(page)
        if len(page) < limit:
            return found
        after = page[-1]


def _move(store: InMemoryStore, customer_id: str, portfolio: str | None, commit: bool) -> None:
    with store.unit_of_work(TENANT) as uow:
        customer = uow.customers.get(customer_id)
        assert customer is not None
        uow.customers.update_many([attrs.evolve(customer, portfolio=portfolio)])
        assert (customer_id in _ids_inside(uow)) is (portfolio == "sul")
        if commit:
            uow.commit()


def _ids_inside(uow: object) -> list[str]:
    customers = uow.customers  # type: ignore[attr-defined]
    return [c.id for c in customers.in_scope(SUL, after=None, limit=100, search=None)]


def test_st4_pages_walked_one_by_one_give_the_whole_sorted_listing() -> None:
    store = _store(customers=7)
    expected = [f"c{n}" for n in range(7)]
    for limit in (1, 2, 3, 100):
        assert _walk(store, limit) == expected


def test_vs3_a_customer_moved_out_leaves_the_next_listing_at_once() -> None:
    store = _store()
    assert "c2" in _customer_ids(store)
    assert "t2" in _ticket_ids(store)
    _move(store, "c2", "norte", commit=True)
    assert "c2" not in _customer_ids(store)
    assert "t2" not in _ticket_ids(store)
    _move(store, "c2", "sul", commit=True)
    assert "c2" in _customer_ids(store)


def test_st1_a_listing_inside_a_rolled_back_unit_of_work_does_not_outlive_it() -> None:
    store = _store()
    before = _customer_ids(store)
    assert "t3" in _ticket_ids(store)
    _move(store, "c3", None, commit=False)
    assert _customer_ids(store) == before
    assert "t3" in _ticket_ids(store)


def test_st4_a_new_customer_appears_in_the_next_page_walk() -> None:
    store = _store(customers=3)
    assert _walk(store, 2) == ["c0", "c1", "c2"]
    with store.unit_of_work(TENANT) as uow:
        uow.customers.add(Customer(TENANT, "c10", "Cliente 10", portfolio="sul"))
        uow.commit()
    assert _walk(store, 2) == ["c0", "c1", "c10", "c2"]


def test_vs3_search_sees_a_rename_at_once() -> None:
    store = _store()
    assert _customer_ids(store, search="Padaria") == []
    with store.unit_of_work(TENANT) as uow:
        customer = uow.customers.get("c4")
        assert customer is not None
        uow.customers.update_many([attrs.evolve(customer, name="Padaria Pão Quente")])
        uow.commit()
    assert _customer_ids(store, search="padaria") == ["c4"]
    assert _customer_ids(store, search="padaria", after="c4") == []


def test_vs2_open_only_drops_a_ticket_closed_after_the_last_listing() -> None:
    store = _store()
    assert "t1" in _ticket_ids(store, open_only=True)
    with store.unit_of_work(TENANT) as uow:
        ticket = uow.tickets.get("t1")
        assert ticket is not None
        uow.tickets.update_many([attrs.evolve(ticket, status=TicketStatus.CLOSED)])
        uow.commit()
    assert "t1" not in _ticket_ids(store, open_only=True)
    assert "t1" in _ticket_ids(store)


def test_st4_open_only_pages_skip_closed_tickets_and_still_fill_up() -> None:
    store = _store(customers=6)
    with store.unit_of_work(TENANT) as uow:
        closed = [uow.tickets.get(f"t{n}") for n in (0, 1, 3)]
        uow.tickets.update_many(
            [attrs.evolve(t, status=TicketStatus.CLOSED) for t in closed if t is not None]
        )
        uow.commit()
    with store.unit_of_work(TENANT) as uow:
        first = uow.tickets.in_scope(SUL, after=None, limit=2, open_only=True)
        second = uow.tickets.in_scope(SUL, after=first[-1].id, limit=2, open_only=True)
    assert [t.id for t in first] == ["t2", "t4"]
    assert [t.id for t in second] == ["t5"]


def test_st4_many_scopes_in_turn_each_get_their_own_answer() -> None:
    store = _store(customers=4)
    with store.unit_of_work(TENANT) as uow:
        for number in range(4):
            customer = uow.customers.get(f"c{number}")
            assert customer is not None
            uow.customers.update_many([attrs.evolve(customer, portfolio=f"p{number}")])
        uow.commit()
    for _ in range(2):
        for number in range(100):
            scope = Scope(portfolios=frozenset({f"p{number % 4}"}))
            assert _customer_ids(store, scope) == [f"c{number % 4}"]


def test_st5_customers_added_in_bulk_appear_in_the_next_listing_and_leave_on_rollback() -> None:
    """ST-5 with VS-3: ``add_many`` moves the stamps, inside the unit and after its rollback."""
    store = _store(customers=2)
    assert _walk(store, 2) == ["c0", "c1"]
    batch = [Customer(TENANT, f"n{n}", f"Novo {n}", portfolio="sul") for n in range(3)]
    with store.unit_of_work(TENANT) as uow:
        uow.customers.add_many(batch)
        assert _ids_inside(uow) == ["c0", "c1", "n0", "n1", "n2"]
    assert _walk(store, 2) == ["c0", "c1"]
    with store.unit_of_work(TENANT) as uow:
        uow.customers.add_many(batch)
        uow.commit()
    assert _walk(store, 2) == ["c0", "c1", "n0", "n1", "n2"]
    assert _customer_ids(store, Scope(outside=True)) == []


def test_st5_a_refused_bulk_add_leaves_the_cached_listing_as_it_was() -> None:
    """ST-5: a batch refused for a taken id changes no listing, cached or recomputed."""
    store = _store(customers=2)
    assert _customer_ids(store) == ["c0", "c1"]
    with store.unit_of_work(TENANT) as uow:
        with pytest.raises(Conflict):
            uow.customers.add_many([Customer(TENANT, "n0", "N", portfolio="sul"), _c1()])
        assert _ids_inside(uow) == ["c0", "c1"]
        uow.commit()
    assert _customer_ids(store) == ["c0", "c1"]


def _c1() -> Customer:
    return Customer(TENANT, "c1", "Outro", portfolio="sul")
