"""carteira: customer portfolios as an embeddable domain library.

What a newcomer needs is importable from here: the `Carteira` facade and the `Principal`
who calls it, the stores, clocks and other adapters, the error tree, the entities and
value objects, and what the facade returns. The rest lives in public namespaces, each
imported by its own path:

- `carteira.events`: the domain events (``TicketOpened``, ``MembershipChanged``...);
- `carteira.policies`: routing, visibility and eligibility decisions (``route``,
  ``RoutingDecision``, ``scope_of``, ``ProfileEligibility``...);
- `carteira.ports`: the protocols adapters implement (``Store``, ``Outbox``,
  ``AttachmentStore``...) and the search and name rules stores answer by;
- `carteira.spreadsheets`: CSV and XLSX files, the ``DataSet`` an import reads and an
  export writes, ``ImportRefused``;
- `carteira.testing`: the storage contract suite and Hypothesis strategies;
- `carteira.aio`: ``AsyncCarteira``, for hosts on asyncio.

The modules beneath them are the implementation and may move.
"""

from typing import TYPE_CHECKING

from carteira._lazy import __dir__ as __dir__
from carteira._lazy import __getattr__ as __getattr__

# Read by type checkers, editors and the API reference; at run time each name is imported
# on first use, from these very lines (carteira/_lazy.py), so `import carteira` is cheap.
if TYPE_CHECKING:
    __version__: str
    from carteira.adapters.attachments import FileSystemAttachmentStore, InMemoryAttachmentStore
    from carteira.adapters.clock import ManualClock, SystemClock
    from carteira.adapters.memory import InMemoryStore
    from carteira.adapters.presence import EveryoneOnline, InMemoryPresence
    from carteira.adapters.registry import adapter_names, open_store
    from carteira.app import Carteira
    from carteira.domain.absence import Absence
    from carteira.domain.customer import Customer, Organization
    from carteira.domain.errors import (
        CarteiraError,
        ConcurrencyError,
        Conflict,
        FieldError,
        InvalidInput,
        NotFound,
        PermissionDenied,
        RuleViolation,
        StorageError,
    )
    from carteira.domain.manager import Manager
    from carteira.domain.ownership import Ownership, SubjectKind, Way
    from carteira.domain.permissions import ALL_PERMISSIONS, Permission, Profile, Role
    from carteira.domain.portal import Attachment, Message, MoveKind, PortalFilter, StageMove
    from carteira.domain.portfolio import Journey, Portfolio
    from carteira.domain.principal import Principal, PrincipalKind
    from carteira.domain.settings import TenantSettings
    from carteira.domain.ticket import ChoiceMode, Department, RoutingMode, Ticket, TicketStatus
    from carteira.domain.workflow import (
        ExtraField,
        FieldAccess,
        FieldKind,
        FieldValue,
        Responsible,
        Stage,
        TicketType,
    )
    from carteira.relay import Relay
    from carteira.serialization import make_converter
    from carteira.services.customer_portal import CustomerPortal
    from carteira.services.imports import ImportReport
    from carteira.services.portal import PortalTicket
    from carteira.services.queries import CustomerView, PortfolioSummary
    from carteira.services.results import UNCHANGED, Page, Result, Unchanged
    from carteira.services.visibility import Subject

__all__ = [
    "ALL_PERMISSIONS",
    "UNCHANGED",
    "Absence",
    "Attachment",
    "Carteira",
    "CarteiraError",
    "ChoiceMode",
    "ConcurrencyError",
    "Conflict",
    "Customer",
    "CustomerPortal",
    "CustomerView",
    "Department",
    "EveryoneOnline",
    "ExtraField",
    "FieldAccess",
    "FieldError",
    "FieldKind",
    "FieldValue",
    "FileSystemAttachmentStore",
    "ImportReport",
    "InMemoryAttachmentStore",
    "InMemoryPresence",
    "InMemoryStore",
    "InvalidInput",
    "Journey",
    "Manager",
    "ManualClock",
    "Message",
    "MoveKind",
    "NotFound",
    "Organization",
    "Ownership",
    "Page",
    "Permission",
    "PermissionDenied",
    "PortalFilter",
    "PortalTicket",
    "Portfolio",
    "PortfolioSummary",
    "Principal",
    "PrincipalKind",
    "Profile",
    "Relay",
    "Responsible",
    "Result",
    "Role",
    "RoutingMode",
    "RuleViolation",
    "Stage",
    "StageMove",
    "StorageError",
    "Subject",
    "SubjectKind",
    "SystemClock",
    "TenantSettings",
    "Ticket",
    "TicketStatus",
    "TicketType",
    "Unchanged",
    "Way",
    "adapter_names",
    "make_converter",
    "open_store",
]

# Deprecated (issue 17): names that moved from here to their namespaces. Each still
# imports from `carteira`, the very same object, with a DeprecationWarning naming its
# home, the module of its line below (carteira/_lazy.py); type checkers still see them.
# They are not in __all__: `from carteira import *` does not offer them. To be removed.
if TYPE_CHECKING:
    from carteira.events import AbsenceCancelled as AbsenceCancelled
    from carteira.events import AbsenceScheduled as AbsenceScheduled
    from carteira.events import AttachmentAdded as AttachmentAdded
    from carteira.events import CustomerRegistered as CustomerRegistered
    from carteira.events import CustomerUpdated as CustomerUpdated
    from carteira.events import DefaultPortfolioChanged as DefaultPortfolioChanged
    from carteira.events import DepartmentSaved as DepartmentSaved
    from carteira.events import Event as Event
    from carteira.events import LeaveMode as LeaveMode
    from carteira.events import LeaveReason as LeaveReason
    from carteira.events import ManagerLeft as ManagerLeft
    from carteira.events import ManagerRegistered as ManagerRegistered
    from carteira.events import ManagerRemoved as ManagerRemoved
    from carteira.events import ManagerUpdated as ManagerUpdated
    from carteira.events import MembershipChanged as MembershipChanged
    from carteira.events import MessagePosted as MessagePosted
    from carteira.events import OrganizationRegistered as OrganizationRegistered
    from carteira.events import OrganizationUpdated as OrganizationUpdated
    from carteira.events import PortfolioCreated as PortfolioCreated
    from carteira.events import PortfolioDeleted as PortfolioDeleted
    from carteira.events import PortfolioEdited as PortfolioEdited
    from carteira.events import SettingsChanged as SettingsChanged
    from carteira.events import TicketAssigned as TicketAssigned
    from carteira.events import TicketCancelled as TicketCancelled
    from carteira.events import TicketClosed as TicketClosed
    from carteira.events import TicketDeleted as TicketDeleted
    from carteira.events import TicketFieldsChanged as TicketFieldsChanged
    from carteira.events import TicketMoved as TicketMoved
    from carteira.events import TicketOpened as TicketOpened
    from carteira.events import TicketReplied as TicketReplied
    from carteira.events import TicketTypeSaved as TicketTypeSaved
    from carteira.policies import Candidate as Candidate
    from carteira.policies import Clause as Clause
    from carteira.policies import Eligibility as Eligibility
    from carteira.policies import EligibilityPolicy as EligibilityPolicy
    from carteira.policies import Exclusion as Exclusion
    from carteira.policies import Outcome as Outcome
    from carteira.policies import ProfileEligibility as ProfileEligibility
    from carteira.policies import Reason as Reason
    from carteira.policies import RoutingDecision as RoutingDecision
    from carteira.policies import RoutingInput as RoutingInput
    from carteira.policies import Scope as Scope
    from carteira.policies import Step as Step
    from carteira.policies import TieBreak as TieBreak
    from carteira.policies import Viewer as Viewer
    from carteira.policies import Visibility as Visibility
    from carteira.policies import customer_visibility as customer_visibility
    from carteira.policies import fewest_open_then_longest_idle as fewest_open_then_longest_idle
    from carteira.policies import organization_visibility as organization_visibility
    from carteira.policies import queues_of as queues_of
    from carteira.policies import route as route
    from carteira.policies import scope_of as scope_of
    from carteira.policies import ticket_visibility as ticket_visibility
    from carteira.ports import MAX_NAME_LENGTH as MAX_NAME_LENGTH
    from carteira.ports import AttachmentStore as AttachmentStore
    from carteira.ports import Claim as Claim
    from carteira.ports import Outbox as Outbox
    from carteira.ports import Presence as Presence
    from carteira.ports import name_key as name_key
    from carteira.ports import search_matches as search_matches
    from carteira.ports import search_terms as search_terms
    from carteira.ports import search_words as search_words
    from carteira.spreadsheets import DataSet as DataSet
    from carteira.spreadsheets import ImportRefused as ImportRefused
    from carteira.spreadsheets import RowProblem as RowProblem
    from carteira.spreadsheets import SourceRow as SourceRow
    from carteira.spreadsheets import Table as Table
    from carteira.spreadsheets import TableKind as TableKind
