"""The unit of work ports: one command or query, one transaction, one tenant (ST-1, ST-6, TN-1)."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from carteira.ports.customers import (
    CustomerReader,
    CustomerRepository,
    OrganizationReader,
    OrganizationRepository,
)
from carteira.ports.history import (
    EventLog,
    EventLogReader,
    OwnershipHistory,
    OwnershipHistoryReader,
)
from carteira.ports.managers import ManagerReader, ManagerRepository
from carteira.ports.portfolios import PortfolioReader, PortfolioRepository
from carteira.ports.routing import RoutingReader
from carteira.ports.settings import SettingsReader, SettingsRepository
from carteira.ports.tickets import (
    DepartmentReader,
    DepartmentRepository,
    TicketReader,
    TicketRepository,
    TicketTypeReader,
    TicketTypeRepository,
)
from carteira.ports.visibility import VisibilityReader

__all__ = [
    "ReadUnitOfWork",
    "ReadUnitOfWorkFactory",
    "UnitOfWork",
    "UnitOfWorkFactory",
]


class ReadUnitOfWork(Protocol):
    """A read-only transaction over one tenant's repositories: what queries run in (ST-6).

    Every read inside it sees one consistent snapshot; it takes no write lock and never
    waits for a writer, nor makes one wait. Its repositories expose reading methods only,
    and an adapter refuses a write attempted through it anyway
    ([`StorageError`][carteira.StorageError] with code ``read_only``). Leaving the ``with``
    block ends it; there is nothing to commit. A record of another tenant is
    indistinguishable from a missing one (TN-1).
    """

    @property
    def tenant(self) -> str:
        """The tenant every repository of this unit of work is scoped to."""
        ...

    @property
    def portfolios(self) -> PortfolioReader:
        """The tenant's portfolios."""
        ...

    @property
    def managers(self) -> ManagerReader:
        """The tenant's managers."""
        ...

    @property
    def customers(self) -> CustomerReader:
        """The tenant's customers."""
        ...

    @property
    def organizations(self) -> OrganizationReader:
        """The tenant's organizations."""
        ...

    @property
    def tickets(self) -> TicketReader:
        """The tenant's tickets."""
        ...

    @property
    def departments(self) -> DepartmentReader:
        """The tenant's departments."""
        ...

    @property
    def ticket_types(self) -> TicketTypeReader:
        """The tenant's ticket types and their workflows (TK-2)."""
        ...

    @property
    def history(self) -> OwnershipHistoryReader:
        """The tenant's ownership history."""
        ...

    @property
    def events(self) -> EventLogReader:
        """The tenant's event log (outbox)."""
        ...

    @property
    def settings(self) -> SettingsReader:
        """The tenant's settings."""
        ...

    @property
    def visibility(self) -> VisibilityReader:
        """Who sees which of the tenant's records, answered by the store (ST-7)."""
        ...

    @property
    def routing(self) -> RoutingReader:
        """What a routing decision reads: owners and candidates, two calls (RT-2, RT-4)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWork(ReadUnitOfWork, Protocol):
    """A transaction over the repositories of exactly one tenant: what commands run in.

    Its repositories see only that tenant's records, so a record of another tenant is
    indistinguishable from a missing one (TN-1). Leaving the ``with`` block without
    `commit` rolls everything back (ST-1). Units of work do not nest: a thread
    opens the next one after leaving the last (the services never nest them).
    A unit of work can stand wherever a `ReadUnitOfWork`
    is wanted.
    """

    @property
    def portfolios(self) -> PortfolioRepository:
        """The tenant's portfolios."""
        ...

    @property
    def managers(self) -> ManagerRepository:
        """The tenant's managers."""
        ...

    @property
    def customers(self) -> CustomerRepository:
        """The tenant's customers."""
        ...

    @property
    def organizations(self) -> OrganizationRepository:
        """The tenant's organizations."""
        ...

    @property
    def tickets(self) -> TicketRepository:
        """The tenant's tickets."""
        ...

    @property
    def departments(self) -> DepartmentRepository:
        """The tenant's departments."""
        ...

    @property
    def ticket_types(self) -> TicketTypeRepository:
        """The tenant's ticket types and their workflows (TK-2)."""
        ...

    @property
    def history(self) -> OwnershipHistory:
        """The tenant's ownership history."""
        ...

    @property
    def events(self) -> EventLog:
        """The tenant's event log (outbox)."""
        ...

    @property
    def settings(self) -> SettingsRepository:
        """The tenant's settings."""
        ...

    def commit(self) -> None:
        """Make every change of this unit of work durable, all at once."""
        ...

    def rollback(self) -> None:
        """Undo every change of this unit of work."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work for one tenant; services receive one of these."""

    def __call__(self, tenant: str) -> UnitOfWork:
        """Return a new unit of work scoped to ``tenant``."""
        ...


class ReadUnitOfWorkFactory(Protocol):
    """Opens a read-only unit of work for one tenant; queries run in these (ST-6)."""

    def __call__(self, tenant: str) -> ReadUnitOfWork:
        """Return a new read-only unit of work scoped to ``tenant``."""
        ...
