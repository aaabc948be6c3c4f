"""The in-memory adapter passes the storage contract suite, subclassed as a plugin author would.

Each class below is what a third-party adapter's test module holds: a subclass of one
contract class with ``make_store`` and the adapter's capability flags (ST-2).
"""

from __future__ import annotations

from carteira import InMemoryStore
from carteira.testing.contract import (
    CONTRACTS,
    CustomerRepositoryContract,
    DepartmentRepositoryContract,
    EventLogContract,
    ManagerRepositoryContract,
    OrganizationRepositoryContract,
    OutboxContract,
    OwnershipHistoryContract,
    PortfolioRepositoryContract,
    RoutingContract,
    SettingsRepositoryContract,
    Store,
    TicketRepositoryContract,
    TicketTypeRepositoryContract,
    UnitOfWorkContract,
    VisibilityContract,
)


class InMemory:
    """What every in-memory contract class shares: the factory and the flags."""

    supports_concurrent_units_of_work = True
    event_positions_are_dense = True
    supports_nul_in_text = True

    def make_store(self) -> Store:
        return InMemoryStore()


class TestMemoryPortfolios(InMemory, PortfolioRepositoryContract):
    pass


class TestMemoryManagers(InMemory, ManagerRepositoryContract):
    pass


class TestMemoryCustomers(InMemory, CustomerRepositoryContract):
    pass


class TestMemoryOrganizations(InMemory, OrganizationRepositoryContract):
    pass


class TestMemoryTickets(InMemory, TicketRepositoryContract):
    pass


class TestMemoryDepartments(InMemory, DepartmentRepositoryContract):
    pass


class TestMemoryTicketTypes(InMemory, TicketTypeRepositoryContract):
    pass


class TestMemoryHistory(InMemory, OwnershipHistoryContract):
    pass


class TestMemoryEvents(InMemory, EventLogContract):
    pass


class TestMemoryOutbox(InMemory, OutboxContract):
    pass


class TestMemorySettings(InMemory, SettingsRepositoryContract):
    pass


class TestMemoryUnitOfWork(InMemory, UnitOfWorkContract):
    pass


class TestMemoryVisibility(InMemory, VisibilityContract):
    pass


class TestMemoryRouting(InMemory, RoutingContract):
    pass


def test_st2_every_contract_is_run_against_the_in_memory_adapter() -> None:
    """ST-2: no contract class is forgotten here."""
    tested = {base for cls in globals().values() if isinstance(cls, type) for base in cls.__mro__}
    assert set(CONTRACTS) <= tested
