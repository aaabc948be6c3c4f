"""Ports: the ``typing.Protocol`` interfaces adapters implement and hosts pass in. Public.

A storage adapter implements [`Store`][carteira.ports.Store] (a factory of units of work
holding one repository per aggregate, and optionally an [`Outbox`][carteira.ports.Outbox]
handing out [`Claim`][carteira.ports.Claim]s); a host may pass its own
[`Clock`][carteira.ports.Clock], [`Presence`][carteira.ports.Presence] and
[`AttachmentStore`][carteira.ports.AttachmentStore] to [`Carteira`][carteira.Carteira].
A store answers by the same rules as the in-memory reference, re-exported here: searches
by [`search_words`][carteira.ports.search_words], `search_terms` and `search_matches`
(VS-8), names by [`name_key`][carteira.ports.name_key] and `MAX_NAME_LENGTH` (PF-1), and
what it writes comes back at the version [`stored_new`][carteira.ports.stored_new] or
`stored_over` gives it (ST-3). What a viewer's `Scope` holds is in `carteira.policies`.
The contract suite that checks an adapter is `carteira.testing.contract`
(docs/storage-adapters.md).

Import them from here; the modules beneath are the implementation and may move.
"""

from carteira.domain.names import MAX_NAME_LENGTH, name_key
from carteira.domain.outbox import Claim
from carteira.domain.search import search_matches, search_terms, search_words
from carteira.domain.versions import stored_new, stored_over
from carteira.ports.attachments import AttachmentStore
from carteira.ports.clock import Clock
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
from carteira.ports.outbox import Outbox
from carteira.ports.portfolios import PortfolioReader, PortfolioRepository
from carteira.ports.presence import Presence
from carteira.ports.routing import RoutingReader
from carteira.ports.settings import SettingsReader, SettingsRepository
from carteira.ports.store import Store
from carteira.ports.tickets import (
    DepartmentReader,
    DepartmentRepository,
    TicketReader,
    TicketRepository,
    TicketTypeReader,
    TicketTypeRepository,
)
from carteira.ports.unit_of_work import (
    ReadUnitOfWork,
    ReadUnitOfWorkFactory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from carteira.ports.visibility import VisibilityCheck, VisibilityReader

__all__ = [
    "MAX_NAME_LENGTH",
    "AttachmentStore",
    "Claim",
    "Clock",
    "CustomerReader",
    "CustomerRepository",
    "DepartmentReader",
    "DepartmentRepository",
    "EventLog",
    "EventLogReader",
    "ManagerReader",
    "ManagerRepository",
    "OrganizationReader",
    "OrganizationRepository",
    "Outbox",
    "OwnershipHistory",
    "OwnershipHistoryReader",
    "PortfolioReader",
    "PortfolioRepository",
    "Presence",
    "ReadUnitOfWork",
    "ReadUnitOfWorkFactory",
    "RoutingReader",
    "SettingsReader",
    "SettingsRepository",
    "Store",
    "TicketReader",
    "TicketRepository",
    "TicketTypeReader",
    "TicketTypeRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "VisibilityCheck",
    "VisibilityReader",
    "name_key",
    "search_matches",
    "search_terms",
    "search_words",
    "stored_new",
    "stored_over",
]
