"""The domain events: what changed, who changed it and when (EV-1, MB-6). Public.

Every command returns the events it produced, and storage keeps them with the change, in
the same transaction; [`Relay`][carteira.Relay] hands them on. Each is a frozen value
deriving from [`Event`][carteira.events.Event] (tenant, acting principal, instant);
[`make_converter`][carteira.make_converter] turns them into tagged dicts
(``{"type": "PortfolioCreated", ...}``) and back. By area:

- portfolios: `PortfolioCreated`, `PortfolioEdited`, `PortfolioDeleted`;
- managers: `ManagerRegistered`, `ManagerUpdated`, `ManagerLeft` (with the enums
  `LeaveReason` and `LeaveMode`), `ManagerRemoved`, `DefaultPortfolioChanged`,
  `AbsenceScheduled`, `AbsenceCancelled`;
- customers and organizations: `CustomerRegistered`, `CustomerUpdated`,
  `OrganizationRegistered`, `OrganizationUpdated`, and `MembershipChanged`, the record of
  an ownership change (MB-6);
- settings: `SettingsChanged`;
- routing and conversations: `DepartmentSaved`, `TicketOpened`, `TicketAssigned`,
  `TicketReplied`, `TicketClosed`;
- the customer portal: `TicketTypeSaved`, `TicketMoved`, `TicketFieldsChanged`,
  `MessagePosted`, `AttachmentAdded`, `TicketCancelled`, `TicketDeleted`.

Import them from here (``from carteira.events import TicketOpened``); the module that
defines them, ``carteira.domain.events``, is the implementation and may move. Until
issue 17 they were importable from `carteira` itself, which still answers with a
`DeprecationWarning`.
"""

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
