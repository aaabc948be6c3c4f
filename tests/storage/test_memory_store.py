"""The in-memory adapter: atomic units of work (ST-1) and version checks (ST-3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pytest

from carteira import (
    Carteira,
    ConcurrencyError,
    Customer,
    InMemoryStore,
    Organization,
    Principal,
    Profile,
    StorageError,
)
from carteira.adapters.memory.table import Table

TENANT = "acme"


class Boom(Exception):
    """The injected failure."""


@contextmanager
def failing_at(write: int) -> Iterator[list[int]]:
    """Make the ``write``-th row write of the in-memory store raise (fault injection)."""
    original = Table._write
    seen = [0]

    def faulty(self: Table[Any], row_id: str, row: Any) -> None:
        seen[0] += 1
        if seen[0] == write:
            raise Boom(f"injected at write {write}")
        original(self, row_id, row)

    Table._write = faulty  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Table._write = original  # type: ignore[method-assign]


def _world(app: Carteira, host: Principal) -> None:
    for manager in ("ana", "bia", "caio"):
        app.register_manager(host, manager, manager.title(), profile=Profile.ANALYST)
    app.create_portfolio(host, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.create_portfolio(host, "Norte", managers=["ana"], portfolio_id="norte")
    app.set_default_portfolio(host, "ana", "sul")
    app.register_organization(host, "org", "Org")
    app.set_organization_portfolio(host, "org", "sul")
    for customer in ("c1", "c2", "c3"):
        app.register_customer(host, customer, customer.upper(), organization="org")
    app.update_settings(host, max_account_managers=2)
    app.assign_customer(host, "c1", "ana")
    # bia manages Sul alone: assigning would place c2 there (MG-6); it stays with org
    app.set_customer_membership(host, "c2", account_managers=["bia"])
    app.assign_customer(host, "c3", "ana", portfolio="norte")


COMMANDS: dict[str, Callable[[Carteira, Principal], object]] = {
    "delete_portfolio": lambda app, host: app.delete_portfolio(host, "sul"),
    "transfer": lambda app, host: app.deactivate_manager(host, "ana", transfer_to="bia"),
    "keep": lambda app, host: app.remove_manager(host, "ana", keep=True),
    "organization_move": lambda app, host: app.set_organization_portfolio(host, "org", "norte"),
}


def _writes(command: Callable[[Carteira, Principal], object]) -> int:
    store = InMemoryStore()
    app = Carteira(store.unit_of_work)
    host = Principal.system(TENANT)
    _world(app, host)
    with failing_at(10**9) as seen:
        command(app, host)
    return seen[0]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_st1_a_failure_at_any_write_leaves_the_store_exactly_as_it_was(name: str) -> None:
    """ST-1 and invariant 8: all of a command applies, or none of it."""
    command = COMMANDS[name]
    writes = _writes(command)
    assert writes >= 2, "the command should write several rows to make this test mean much"
    for write in range(1, writes + 1):
        store = InMemoryStore()
        app = Carteira(store.unit_of_work)
        host = Principal.system(TENANT)
        _world(app, host)
        before = store.snapshot()
        with failing_at(write), pytest.raises(Boom):
            command(app, host)
        assert before == store.snapshot(), f"{name} left a change behind when write {write} failed"


def test_st1_a_unit_of_work_left_without_commit_applies_nothing() -> None:
    store = InMemoryStore()
    app = Carteira(store.unit_of_work)
    _world(app, Principal.system(TENANT))
    before = store.snapshot()
    with store.unit_of_work(TENANT) as uow:
        customer = uow.customers.get("c1")
        assert customer is not None
        uow.customers.update_many([attrs.evolve(customer, name="changed")])
    assert before == store.snapshot()


def test_st1_a_repository_used_outside_its_unit_of_work_is_refused() -> None:
    store = InMemoryStore()
    uow = store.unit_of_work(TENANT)
    with pytest.raises(StorageError):
        uow.customers.get("c1")


def test_st3_a_write_based_on_a_stale_version_is_refused() -> None:
    store = InMemoryStore()
    app = Carteira(store.unit_of_work)
    _world(app, Principal.system(TENANT))
    with store.unit_of_work(TENANT) as uow:
        stale = uow.customers.get("c1")
    assert stale is not None
    with store.unit_of_work(TENANT) as uow:
        uow.customers.update_many([attrs.evolve(stale, name="first")])
        uow.commit()
    before = store.snapshot()
    with store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError) as caught:
        uow.customers.update_many([attrs.evolve(stale, name="second")])
    assert (caught.value.code, caught.value.rule) == ("stale_version", "ST-3")
    assert before == store.snapshot()


def test_st3_every_stored_write_moves_the_version_on() -> None:
    store = InMemoryStore()
    app = Carteira(store.unit_of_work)
    host = Principal.system(TENANT)
    """ST-3: commands return what is now stored, version included."""
    registered = app.register_customer(host, "c1", "C1").value
    renamed = app.update_customer(host, "c1", name="C one").value
    assigned = app.set_customer_membership(host, "c1", account_managers=[]).value
    with store.unit_of_work(TENANT) as uow:
        stored = uow.customers.get("c1")
    assert (registered.version, renamed.version) == (1, 2)
    assert stored == renamed == assigned


def test_st5_add_many_failing_at_any_write_keeps_none_of_the_batch_even_if_committed() -> None:
    """ST-5 all or none: a batch cut short by a failure is undone at once, not at rollback."""
    batch = [Customer(TENANT, f"n{n}", f"N{n}", account_managers=("ana",)) for n in range(4)]
    for write in range(1, len(batch) + 1):
        store = InMemoryStore()
        app = Carteira(store.unit_of_work)
        _world(app, Principal.system(TENANT))
        before = store.snapshot()
        with store.unit_of_work(TENANT) as uow:
            with failing_at(write), pytest.raises(Boom):
                uow.customers.add_many(batch)
            assert uow.customers.get_many([c.id for c in batch]) == {}
            uow.commit()
        assert before == store.snapshot(), f"write {write} left part of the batch behind"


def test_st1_add_many_in_a_unit_left_without_commit_applies_nothing() -> None:
    store = InMemoryStore()
    app = Carteira(store.unit_of_work)
    _world(app, Principal.system(TENANT))
    before = store.snapshot()
    with store.unit_of_work(TENANT) as uow:
        uow.customers.add_many([Customer(TENANT, "n1", "N1"), Customer(TENANT, "n2", "N2")])
        uow.organizations.add_many([Organization(TENANT, "o9", "O9", portfolio="sul")])
        assert list(uow.customers.get_many(["n2", "n1"])) == ["n2", "n1"]
    assert before == store.snapshot()
