"""The unit of work port: one command, one transaction, one tenant (ST-1, TN-1)."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from carteira.ports.customers import CustomerRepository, OrganizationRepository
from carteira.ports.history import EventLog, OwnershipHistory
from carteira.ports.managers import ManagerRepository
from carteira.ports.portfolios import PortfolioRepository
from carteira.ports.settings import SettingsRepository
from carteira.ports.tickets import DepartmentRepository, TicketRepository, TicketTypeRepository

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]


class UnitOfWork(Protocol):
    """A transaction over the repositories of exactly one tenant.

    Its repositories see only that tenant's records, so a record of another tenant is
    indistinguishable from a missing one (TN-1). Leaving the ``with`` block without
    `commit` rolls everything back (ST-1). Units of work do not nest: a thread
    opens the next one after leaving the last (the services never nest them).
    """

    @property
    def tenant(self) -> str:
        """The tenant every repository of this unit of work is scoped to."""
        ...

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

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

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
