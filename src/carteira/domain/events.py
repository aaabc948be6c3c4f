"""Domain events: what changed, who changed it and when (EV-1, MB-6).

Every command returns the events it produced, and storage keeps them in the same transaction as the
change. Events are values; [`carteira.make_converter`][carteira.make_converter] turns them into
tagged dicts (``{"type": "PortfolioCreated", ...}``) and back.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from carteira.domain.department import ChoiceMode, RoutingMode
from carteira.domain.journey import Journey
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.permissions import Profile, Role
from carteira.domain.principal import PrincipalKind
from carteira.domain.routing_outcome import Outcome, Reason, Step

__all__ = [
    "AbsenceCancelled",
    "AbsenceScheduled",
    "AttachmentAdded",
    "CustomerRegistered",
    "CustomerUpdated",
    "DefaultPortfolioChanged",
    "DepartmentSaved",
    "Event",
    "LeaveMode",
    "LeaveReason",
    "ManagerLeft",
    "ManagerRegistered",
    "ManagerRemoved",
    "ManagerUpdated",
    "MembershipChanged",
    "MessagePosted",
    "OrganizationRegistered",
    "OrganizationUpdated",
    "PortfolioCreated",
    "PortfolioDeleted",
    "PortfolioEdited",
    "SettingsChanged",
    "TicketAssigned",
    "TicketCancelled",
    "TicketClosed",
    "TicketDeleted",
    "TicketFieldsChanged",
    "TicketMoved",
    "TicketOpened",
    "TicketReplied",
    "TicketTypeSaved",
]


class LeaveReason(enum.StrEnum):
    """Why a manager left his portfolios and customers (MG-3)."""

    DEACTIVATED = "deactivated"
    REMOVED = "removed"
    INELIGIBLE = "ineligible"


class LeaveMode(enum.StrEnum):
    """What happened to what he owned (MG-3).

    ``TRANSFER`` and ``KEEP`` are the caller's explicit choices; ``RELEASE`` is what
    happens with neither choice when no portfolio would be orphaned: he is simply taken
    off his customers and portfolios.
    """

    TRANSFER = "transfer"
    KEEP = "keep"
    RELEASE = "release"


@attrs.frozen(kw_only=True)
class Event:
    """Base of every domain event: the tenant, the acting principal and the instant.

    ``actor_kind`` tells a manager, the host application and a portal customer apart.
    """

    tenant: str
    actor: str
    at: datetime
    actor_kind: PrincipalKind = PrincipalKind.MANAGER


@attrs.frozen(kw_only=True)
class PortfolioCreated(Event):
    """A portfolio was created (PF-1..PF-3)."""

    portfolio_id: str
    name: str
    description: str | None
    journey: Journey | None
    managers: tuple[str, ...]


@attrs.frozen(kw_only=True)
class PortfolioEdited(Event):
    """A portfolio's name, description, journey or managers changed; the new state (PF-4)."""

    portfolio_id: str
    name: str
    description: str | None
    journey: Journey | None
    managers: tuple[str, ...]


@attrs.frozen(kw_only=True)
class PortfolioDeleted(Event):
    """A portfolio was deleted; every customer and organization it left outside (PF-5)."""

    portfolio_id: str
    name: str
    customers: tuple[str, ...]
    organizations: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ManagerRegistered(Event):
    """The host made a manager known to carteira (MG-1)."""

    manager_id: str
    name: str
    profile: Profile
    roles: frozenset[Role]
    active: bool


@attrs.frozen(kw_only=True)
class ManagerUpdated(Event):
    """A manager's name, profile, roles or active flag changed; the new state (MG-1)."""

    manager_id: str
    name: str
    profile: Profile
    roles: frozenset[Role]
    active: bool


@attrs.frozen(kw_only=True)
class ManagerLeft(Event):
    """A manager left his customers and portfolios, by transfer or keep (MG-3)."""

    manager_id: str
    reason: LeaveReason
    mode: LeaveMode
    successor: str | None
    customers: tuple[str, ...]
    portfolios: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ManagerRemoved(Event):
    """The host deleted a manager; his record is gone (MG-3)."""

    manager_id: str


@attrs.frozen(kw_only=True)
class DefaultPortfolioChanged(Event):
    """A manager's default portfolio changed (MG-2)."""

    manager_id: str
    portfolio_id: str | None


@attrs.frozen(kw_only=True)
class CustomerRegistered(Event):
    """The host made a customer known to carteira."""

    customer_id: str
    name: str
    organization: str | None


@attrs.frozen(kw_only=True)
class CustomerUpdated(Event):
    """A customer's name or organization changed; the new state."""

    customer_id: str
    name: str
    organization: str | None


@attrs.frozen(kw_only=True)
class OrganizationRegistered(Event):
    """The host made an organization known to carteira."""

    organization_id: str
    name: str


@attrs.frozen(kw_only=True)
class OrganizationUpdated(Event):
    """An organization's name changed."""

    organization_id: str
    name: str


@attrs.frozen(kw_only=True)
class MembershipChanged(Event):
    """A customer's or organization's ownership changed: the record of MB-6.

    The ownership history of a subject is the sequence of these events about it.
    """

    subject: SubjectKind
    subject_id: str
    way: Way
    before: Ownership
    after: Ownership


@attrs.frozen(kw_only=True)
class SettingsChanged(Event):
    """The tenant's settings changed; the new values (VS-1, VS-6, MB-3, PM-3)."""

    segmentation: bool
    max_account_managers: int
    owner_only: bool
    portal_attendant: str | None = None
    attachment_max_bytes: int | None = None
    attachment_types: tuple[str, ...] = ()
    open_access: bool = False


@attrs.frozen(kw_only=True)
class DepartmentSaved(Event):
    """A department was created or changed; its routing setup (RT-1, RT-2)."""

    department_id: str
    name: str
    routing: RoutingMode
    choice: ChoiceMode
    members: frozenset[str] | None
    capacity: int | None
    account_managers_only: bool


def _outcome(value: Outcome | str) -> Outcome:
    return Outcome(value)


def _reason(value: Reason | str) -> Reason:
    return Reason(value)


def _step(value: Step | str) -> Step:
    return Step(value)


@attrs.frozen(kw_only=True)
class TicketOpened(Event):
    """A ticket was opened and routed: to whom, or why to the queue (RT-3, RT-7).

    ``outcome``, ``reason`` and ``step`` are the routing decision's words; they serialize
    as the same strings they always did, and a string given for one becomes its member.
    """

    ticket_id: str
    customer_id: str
    department_id: str
    outcome: Outcome = attrs.field(converter=_outcome)
    reason: Reason = attrs.field(converter=_reason)
    step: Step = attrs.field(converter=_step)
    assignee: str | None
    offered: tuple[str, ...]
    #: The portal ticket's type and first stage (TK-1); ``None`` for a conversation.
    ticket_type: str | None = None
    stage: str | None = None
    #: Whether the portal's default attendant took it, nothing else assigning it (RT-6).
    attendant: bool = False


@attrs.frozen(kw_only=True)
class TicketAssigned(Event):
    """A ticket changed hands: chosen by the customer, or reassigned (RT-1, PM-3)."""

    ticket_id: str
    assignee: str | None
    previous: str | None


@attrs.frozen(kw_only=True)
class TicketReplied(Event):
    """Someone replied on an open ticket (PM-3)."""

    ticket_id: str


@attrs.frozen(kw_only=True)
class TicketClosed(Event):
    """A ticket was closed; membership did not change because of it (MB-5)."""

    ticket_id: str


@attrs.frozen(kw_only=True)
class TicketTypeSaved(Event):
    """A ticket type was created or changed: its group, name and stage ids (TK-2)."""

    ticket_type: str
    group: str
    name: str
    stages: tuple[str, ...]


@attrs.frozen(kw_only=True)
class TicketMoved(Event):
    """A portal ticket changed stage, by hand or by an approval decision (TK-2, TK-6)."""

    ticket_id: str
    source: str | None
    target: str
    kind: str
    note: str


@attrs.frozen(kw_only=True)
class TicketFieldsChanged(Event):
    """Extra fields of a portal ticket were filled or cleared: which ones (TK-3)."""

    ticket_id: str
    fields: tuple[str, ...]


@attrs.frozen(kw_only=True)
class MessagePosted(Event):
    """A message joined a ticket's discussion; ``internal`` if for the service side (TK-5)."""

    ticket_id: str
    message_id: str
    internal: bool


@attrs.frozen(kw_only=True)
class AttachmentAdded(Event):
    """A file was attached to a ticket (TK-4)."""

    ticket_id: str
    attachment_id: str
    name: str
    content_type: str
    size: int


@attrs.frozen(kw_only=True)
class TicketCancelled(Event):
    """The customer cancelled a ticket under his responsibility (TK-8)."""

    ticket_id: str
    reason: str


@attrs.frozen(kw_only=True)
class TicketDeleted(Event):
    """An administrator deleted a cancelled ticket; what it was, for the audit (TK-8)."""

    ticket_id: str
    customer_id: str
    ticket_type: str | None
    subject: str


@attrs.frozen(kw_only=True)
class AbsenceScheduled(Event):
    """A manager will be away, with a backup standing in (MG-5)."""

    manager_id: str
    absence_id: str
    start: datetime
    end: datetime
    backup: str


@attrs.frozen(kw_only=True)
class AbsenceCancelled(Event):
    """A scheduled absence was withdrawn (MG-5)."""

    manager_id: str
    absence_id: str


EVENT_TYPES: tuple[type[Event], ...] = (
    PortfolioCreated,
    PortfolioEdited,
    PortfolioDeleted,
    ManagerRegistered,
    ManagerUpdated,
    ManagerLeft,
    ManagerRemoved,
    DefaultPortfolioChanged,
    CustomerRegistered,
    CustomerUpdated,
    OrganizationRegistered,
    OrganizationUpdated,
    MembershipChanged,
    SettingsChanged,
    DepartmentSaved,
    TicketOpened,
    TicketAssigned,
    TicketReplied,
    TicketClosed,
    AbsenceScheduled,
    AbsenceCancelled,
    TicketTypeSaved,
    TicketMoved,
    TicketFieldsChanged,
    MessagePosted,
    AttachmentAdded,
    TicketCancelled,
    TicketDeleted,
)
