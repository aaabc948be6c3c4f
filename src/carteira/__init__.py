"""carteira: customer portfolios as an embeddable domain library.

Everything a host application needs is importable from here; the submodules are the
implementation and may move.
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
    from carteira.domain.absence import Absence
    from carteira.domain.customer import Customer, Organization
    from carteira.domain.dataset import (
        DataSet,
        ImportRefused,
        RowProblem,
        SourceRow,
        Table,
        TableKind,
    )
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
    from carteira.domain.events import (
        AbsenceCancelled,
        AbsenceScheduled,
        AttachmentAdded,
        CustomerRegistered,
        CustomerUpdated,
        DefaultPortfolioChanged,
        DepartmentSaved,
        Event,
        LeaveMode,
        LeaveReason,
        ManagerLeft,
        ManagerRegistered,
        ManagerRemoved,
        ManagerUpdated,
        MembershipChanged,
        MessagePosted,
        OrganizationRegistered,
        OrganizationUpdated,
        PortfolioCreated,
        PortfolioDeleted,
        PortfolioEdited,
        SettingsChanged,
        TicketAssigned,
        TicketCancelled,
        TicketClosed,
        TicketDeleted,
        TicketFieldsChanged,
        TicketMoved,
        TicketOpened,
        TicketReplied,
        TicketTypeSaved,
    )
    from carteira.domain.manager import Manager
    from carteira.domain.names import MAX_NAME_LENGTH, name_key
    from carteira.domain.outbox import Claim
    from carteira.domain.ownership import Ownership, SubjectKind, Way
    from carteira.domain.permissions import ALL_PERMISSIONS, Permission, Profile, Role
    from carteira.domain.portal import Attachment, Message, MoveKind, PortalFilter, StageMove
    from carteira.domain.portfolio import Journey, Portfolio
    from carteira.domain.principal import Principal, PrincipalKind
    from carteira.domain.scope import Scope
    from carteira.domain.search import search_matches, search_terms, search_words
    from carteira.domain.settings import TenantSettings
    from carteira.domain.ticket import (
        ChoiceMode,
        Department,
        RoutingMode,
        Ticket,
        TicketStatus,
        queues_of,
    )
    from carteira.domain.workflow import (
        ExtraField,
        FieldAccess,
        FieldKind,
        FieldValue,
        Responsible,
        Stage,
        TicketType,
    )
    from carteira.policies.eligibility import Eligibility, EligibilityPolicy, ProfileEligibility
    from carteira.policies.routing import (
        Candidate,
        Exclusion,
        Outcome,
        Reason,
        RoutingDecision,
        RoutingInput,
        Step,
        TieBreak,
        fewest_open_then_longest_idle,
        route,
    )
    from carteira.policies.visibility import (
        Clause,
        Viewer,
        Visibility,
        customer_visibility,
        organization_visibility,
        scope_of,
        ticket_visibility,
    )
    from carteira.ports.attachments import AttachmentStore
    from carteira.ports.outbox import Outbox
    from carteira.ports.presence import Presence
    from carteira.serialization import make_converter
    from carteira.services.app import Carteira
    from carteira.services.customer_portal import CustomerPortal
    from carteira.services.imports import ImportReport
    from carteira.services.portal import PortalTicket
    from carteira.services.queries import CustomerView, PortfolioSummary
    from carteira.services.relay import Relay
    from carteira.services.results import UNCHANGED, Page, Result, Unchanged
    from carteira.services.visibility import Subject

__all__ = [
    "ALL_PERMISSIONS",
    "MAX_NAME_LENGTH",
    "UNCHANGED",
    "Absence",
    "AbsenceCancelled",
    "AbsenceScheduled",
    "Attachment",
    "AttachmentAdded",
    "AttachmentStore",
    "Candidate",
    "Carteira",
    "CarteiraError",
    "ChoiceMode",
    "Claim",
    "Clause",
    "ConcurrencyError",
    "Conflict",
    "Customer",
    "CustomerPortal",
    "CustomerRegistered",
    "CustomerUpdated",
    "CustomerView",
    "DataSet",
    "DefaultPortfolioChanged",
    "Department",
    "DepartmentSaved",
    "Eligibility",
    "EligibilityPolicy",
    "Event",
    "EveryoneOnline",
    "Exclusion",
    "ExtraField",
    "FieldAccess",
    "FieldError",
    "FieldKind",
    "FieldValue",
    "FileSystemAttachmentStore",
    "ImportRefused",
    "ImportReport",
    "InMemoryAttachmentStore",
    "InMemoryPresence",
    "InMemoryStore",
    "InvalidInput",
    "Journey",
    "LeaveMode",
    "LeaveReason",
    "Manager",
    "ManagerLeft",
    "ManagerRegistered",
    "ManagerRemoved",
    "ManagerUpdated",
    "ManualClock",
    "MembershipChanged",
    "Message",
    "MessagePosted",
    "MoveKind",
    "NotFound",
    "Organization",
    "OrganizationRegistered",
    "OrganizationUpdated",
    "Outbox",
    "Outcome",
    "Ownership",
    "Page",
    "Permission",
    "PermissionDenied",
    "PortalFilter",
    "PortalTicket",
    "Portfolio",
    "PortfolioCreated",
    "PortfolioDeleted",
    "PortfolioEdited",
    "PortfolioSummary",
    "Presence",
    "Principal",
    "PrincipalKind",
    "Profile",
    "ProfileEligibility",
    "Reason",
    "Relay",
    "Responsible",
    "Result",
    "Role",
    "RoutingDecision",
    "RoutingInput",
    "RoutingMode",
    "RowProblem",
    "RuleViolation",
    "Scope",
    "SettingsChanged",
    "SourceRow",
    "Stage",
    "StageMove",
    "Step",
    "StorageError",
    "Subject",
    "SubjectKind",
    "SystemClock",
    "Table",
    "TableKind",
    "TenantSettings",
    "Ticket",
    "TicketAssigned",
    "TicketCancelled",
    "TicketClosed",
    "TicketDeleted",
    "TicketFieldsChanged",
    "TicketMoved",
    "TicketOpened",
    "TicketReplied",
    "TicketStatus",
    "TicketType",
    "TicketTypeSaved",
    "TieBreak",
    "Unchanged",
    "Viewer",
    "Visibility",
    "Way",
    "adapter_names",
    "customer_visibility",
    "fewest_open_then_longest_idle",
    "make_converter",
    "name_key",
    "open_store",
    "organization_visibility",
    "queues_of",
    "route",
    "scope_of",
    "search_matches",
    "search_terms",
    "search_words",
    "ticket_visibility",
]
