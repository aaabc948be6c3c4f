"""The routing port's contract: owners and candidates as plain gets define them (RT-2, RT-7).

``uow.routing.owners(customer)`` must give the customer's account managers and its
effective portfolio's managers (MB-1), ``opening(customer, department)`` the same with the
department's record; ``uow.routing.candidates(department, ids, at)`` the
records of the asked managers and of the backups their first absence covering ``at``
names (MG-5), each with its open tickets in the department and its latest assignment
among them (RT-1, RT-2). The reference below computes both from ``get`` calls and
the tickets of the world as drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs
from hypothesis import given
from hypothesis import strategies as st

from carteira.domain.routing_facts import Candidates, Opening, Owners
from carteira.domain.ticket import Department, Ticket
from carteira.ports.unit_of_work import UnitOfWork
from carteira.testing.contract.base import HEAVY_SETTINGS, StorageContract, add_rows
from carteira.testing.contract.worlds import DEPARTMENTS, START, worlds

__all__ = ["RoutingContract"]

_INSTANTS = st.integers(min_value=-1, max_value=24).map(lambda n: START + timedelta(hours=n))


def _owners(uow: UnitOfWork, customer_id: str) -> Owners | None:
    customer = uow.customers.get(customer_id)
    if customer is None:
        return None
    org_id = customer.organization
    organization = None if org_id is None else uow.organizations.get(org_id)
    effective = customer.effective_portfolio(organization)
    portfolio = None if effective is None else uow.portfolios.get(effective)
    return Owners(customer.account_managers, () if portfolio is None else portfolio.managers)


def _candidates(
    uow: UnitOfWork,
    tickets: Sequence[Ticket],
    department: str,
    asked: Sequence[str],
    at: datetime,
) -> Candidates:
    found = {i: m for i in dict.fromkeys(asked) if (m := uow.managers.get(i)) is not None}
    for manager in list(found.values()):
        backup = manager.backup_at(at)
        if backup is not None and backup not in found:
            record = uow.managers.get(backup)
            if record is not None:
                found[backup] = record
    serving = [t for t in tickets if t.department == department and t.open]
    loads = {i: sum(1 for t in serving if t.assignee == i) for i in found}
    busy = {}
    for i in found:
        times = [t.assigned_at for t in serving if t.assignee == i and t.assigned_at is not None]
        if times:
            busy[i] = max(times)
    return Candidates(found, loads, busy)


class RoutingContract(StorageContract):
    """The routing port (``uow.routing``) reads what plain gets define (RT-2, RT-4, RT-7)."""

    @HEAVY_SETTINGS
    @given(data=st.data())
    def test_rt2_owners_and_candidates_equal_their_definition(self, data: st.DataObject) -> None:
        """RT-2, RT-7, MB-1, MG-5, TN-1: every customer, every department, any instant."""
        tenant, other = self.new_tenant(), self.new_tenant()
        # This test stores its own departments: d1 here, d2 in the other tenant.
        world = attrs.evolve(data.draw(worlds(tenant)), departments=())
        self.assume_storable(world)
        stranger = attrs.evolve(data.draw(worlds(other)), departments=())
        self.assume_storable(stranger)
        self.write(tenant, lambda uow: add_rows(uow, world.rows))
        self.write(other, lambda uow: add_rows(uow, stranger.rows))
        # d1 is stored in this tenant, d2 only in the other one (TN-1).
        self.write(tenant, lambda uow: uow.departments.add(Department(tenant, "d1", "One")))
        self.write(other, lambda uow: uow.departments.add(Department(other, "d2", "Two")))
        at = data.draw(_INSTANTS)
        managers = [m.id for m in world.managers] + ["ghost"]
        with self.store.unit_of_work(tenant) as uow:
            for customer in [*(c.id for c in world.customers), "ghost"]:
                owners = _owners(uow, customer)
                assert uow.routing.owners(customer) == owners, customer
                for department in [*DEPARTMENTS, "ghost"]:
                    opened = (
                        None if owners is None else Opening(uow.departments.get(department), owners)
                    )
                    assert uow.routing.opening(customer, department) == opened, (
                        customer,
                        department,
                    )
            for department in DEPARTMENTS:
                asked = data.draw(st.lists(st.sampled_from(managers), max_size=4))
                expected = _candidates(uow, world.tickets, department, asked, at)
                actual = uow.routing.candidates(department, asked, at)
                assert (department, asked, actual) == (department, asked, expected)
