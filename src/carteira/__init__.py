"""carteira: customer portfolios as an embeddable domain library.

Everything a host application needs is importable from here; the submodules are the
implementation and may move.
"""

from carteira.adapters.clock import ManualClock, SystemClock
from carteira.adapters.memory import InMemoryStore
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
from carteira.domain.events import (
    CustomerRegistered,
    CustomerUpdated,
    DefaultPortfolioChanged,
    Event,
    LeaveMode,
    LeaveReason,
    ManagerLeft,
    ManagerRegistered,
    ManagerRemoved,
    ManagerUpdated,
    MembershipChanged,
    OrganizationRegistered,
    OrganizationUpdated,
    PortfolioCreated,
    PortfolioDeleted,
    PortfolioEdited,
    SettingsChanged,
)
from carteira.domain.manager import Manager
from carteira.domain.names import MAX_NAME_LENGTH, name_key
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.permissions import ALL_PERMISSIONS, Permission, Profile, Role
from carteira.domain.portfolio import Journey, Portfolio
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.settings import TenantSettings
from carteira.policies.eligibility import Eligibility, EligibilityPolicy, ProfileEligibility
from carteira.policies.visibility import Clause, Visibility
from carteira.serialization import make_converter
from carteira.services.app import Carteira
from carteira.services.queries import CustomerView, PortfolioSummary
from carteira.services.results import UNCHANGED, Page, Result, Unchanged

__all__ = [
    "ALL_PERMISSIONS",
    "MAX_NAME_LENGTH",
    "UNCHANGED",
    "Carteira",
    "CarteiraError",
    "Clause",
    "ConcurrencyError",
    "Conflict",
    "Customer",
    "CustomerRegistered",
    "CustomerUpdated",
    "CustomerView",
    "DefaultPortfolioChanged",
    "Eligibility",
    "EligibilityPolicy",
    "Event",
    "FieldError",
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
    "NotFound",
    "Organization",
    "OrganizationRegistered",
    "OrganizationUpdated",
    "Ownership",
    "Page",
    "Permission",
    "PermissionDenied",
    "Portfolio",
    "PortfolioCreated",
    "PortfolioDeleted",
    "PortfolioEdited",
    "PortfolioSummary",
    "Principal",
    "PrincipalKind",
    "Profile",
    "ProfileEligibility",
    "Result",
    "Role",
    "RuleViolation",
    "SettingsChanged",
    "StorageError",
    "SubjectKind",
    "SystemClock",
    "TenantSettings",
    "Unchanged",
    "Visibility",
    "Way",
    "make_converter",
    "name_key",
]
