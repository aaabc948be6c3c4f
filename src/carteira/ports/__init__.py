"""Ports: the ``typing.Protocol`` interfaces storage and clock adapters implement."""

from carteira.ports.clock import Clock
from carteira.ports.customers import CustomerRepository, OrganizationRepository
from carteira.ports.history import EventLog, OwnershipHistory
from carteira.ports.managers import ManagerRepository
from carteira.ports.portfolios import PortfolioRepository
from carteira.ports.presence import Presence
from carteira.ports.routing import RoutingReader
from carteira.ports.settings import SettingsRepository
from carteira.ports.store import Store
from carteira.ports.tickets import DepartmentRepository, TicketRepository
from carteira.ports.unit_of_work import (
    ReadUnitOfWork,
    ReadUnitOfWorkFactory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from carteira.ports.visibility import VisibilityCheck, VisibilityReader

__all__ = [
    "Clock",
    "CustomerRepository",
    "DepartmentRepository",
    "EventLog",
    "ManagerRepository",
    "OrganizationRepository",
    "OwnershipHistory",
    "PortfolioRepository",
    "Presence",
    "ReadUnitOfWork",
    "ReadUnitOfWorkFactory",
    "RoutingReader",
    "SettingsRepository",
    "Store",
    "TicketRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "VisibilityCheck",
    "VisibilityReader",
]
