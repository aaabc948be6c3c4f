"""The storage contract suite: abstract pytest classes every storage adapter passes (ST-2).

One class per repository port and one for the unit of work. None is collected by pytest on its own
(no name starts with ``Test``); an adapter author subclasses each and implements
[`StorageContract.make_store`][carteira.testing.contract.StorageContract.make_store]::

    class TestMyPortfolios(PortfolioRepositoryContract):
        def make_store(self) -> Store:
            return MyStore("sqlite://")

Capability flags (class attributes, documented on
[`StorageContract`][carteira.testing.contract.StorageContract]) tell the suite what the adapter does
beyond the minimum. carteira's own adapters are tested through these same classes. See
``docs/storage-adapters.md``.

Importing this package needs pytest and Hypothesis (``pip install 'carteira[testing]'
pytest``); `carteira.testing.strategies` needs Hypothesis only.
"""

from carteira.testing.contract.base import StorageContract, Store
from carteira.testing.contract.customers import (
    CustomerRepositoryContract,
    OrganizationRepositoryContract,
)
from carteira.testing.contract.logs import (
    EventLogContract,
    OwnershipHistoryContract,
    SettingsRepositoryContract,
)
from carteira.testing.contract.managers import ManagerRepositoryContract
from carteira.testing.contract.outbox import OutboxContract
from carteira.testing.contract.portfolios import PortfolioRepositoryContract
from carteira.testing.contract.routing import RoutingContract
from carteira.testing.contract.tickets import (
    DepartmentRepositoryContract,
    TicketRepositoryContract,
    TicketTypeRepositoryContract,
)
from carteira.testing.contract.unit_of_work import UnitOfWorkContract
from carteira.testing.contract.visibility import VisibilityContract

__all__ = [
    "CONTRACTS",
    "CustomerRepositoryContract",
    "DepartmentRepositoryContract",
    "EventLogContract",
    "ManagerRepositoryContract",
    "OrganizationRepositoryContract",
    "OutboxContract",
    "OwnershipHistoryContract",
    "PortfolioRepositoryContract",
    "RoutingContract",
    "SettingsRepositoryContract",
    "StorageContract",
    "Store",
    "TicketRepositoryContract",
    "TicketTypeRepositoryContract",
    "UnitOfWorkContract",
    "VisibilityContract",
]

CONTRACTS: tuple[type[StorageContract], ...] = (
    PortfolioRepositoryContract,
    ManagerRepositoryContract,
    CustomerRepositoryContract,
    OrganizationRepositoryContract,
    TicketRepositoryContract,
    DepartmentRepositoryContract,
    TicketTypeRepositoryContract,
    OwnershipHistoryContract,
    EventLogContract,
    SettingsRepositoryContract,
    UnitOfWorkContract,
    VisibilityContract,
    RoutingContract,
    OutboxContract,
)
"""Every contract class, so that a test module can check it subclasses them all."""
