"""Tickets and departments: what routing and visibility need of them (RT, VS-2, WA).

A ticket is one request or conversation of a customer; a department is where it waits
when no owner takes it. A ticket opened in the portal also has a type, whose workflow
it follows: its stage, who is responsible there, its extra fields' values, its stage
history, its discussion and its attachments (TK-1..TK-9).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from carteira.domain.portal import Attachment, Message, PortalFilter, StageMove
from carteira.domain.workflow import FieldValue, Responsible

__all__ = ["ChoiceMode", "Department", "RoutingMode", "Ticket", "TicketStatus", "queues_of"]


def _values(value: Mapping[str, FieldValue]) -> Mapping[str, FieldValue]:
    return MappingProxyType(dict(value))


class TicketStatus(enum.StrEnum):
    """Whether a ticket is still being served (TK-9).

    ``CLOSED`` is a conversation closed or a portal ticket completed; closed and
    cancelled tickets are read-only.
    """

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RoutingMode(enum.StrEnum):
    """How a department routes new conversations (RT-1)."""

    QUEUE = "queue"
    PORTFOLIO = "portfolio"


class ChoiceMode(enum.StrEnum):
    """What happens when several owners could take a conversation (RT-1)."""

    CUSTOMER_CHOOSES = "customer_chooses"
    AUTOMATIC = "automatic"


def _members(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _capacities(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Department:
    """Where unassigned conversations wait, and how it routes them (RT-1, RT-2).

    ``members`` is ``None`` when the department does not list its members (anyone may
    serve it); ``capacity`` caps open tickets per manager, ``capacities`` overrides it
    per manager; ``account_managers_only`` keeps portfolio managers out of the owner
    chain (RT-2).
    """

    tenant: str
    id: str
    name: str
    routing: RoutingMode = RoutingMode.PORTFOLIO
    choice: ChoiceMode = ChoiceMode.AUTOMATIC
    members: frozenset[str] | None = attrs.field(default=None, converter=_members)
    capacity: int | None = None
    capacities: Mapping[str, int] = attrs.field(
        factory=dict, converter=_capacities, eq=attrs.cmp_using(eq=lambda a, b: dict(a) == dict(b))
    )
    account_managers_only: bool = False
    version: int = 0

    def admits(self, manager_id: str) -> bool:
        """Tell whether ``manager_id`` may serve this department (RT-2)."""
        return self.members is None or manager_id in self.members

    def capacity_of(self, manager_id: str) -> int | None:
        """Return how many open tickets ``manager_id`` may hold here, or ``None``."""
        return self.capacities.get(manager_id, self.capacity)


def queues_of(manager_id: str, departments: Iterable[Department]) -> frozenset[str]:
    """Return the ids of those of ``departments`` whose queue ``manager_id`` sees (VS-7).

    The departments that admit him (`Department.admits`): he is a member, or the
    department lists no members.
    """
    return frozenset(d.id for d in departments if d.admits(manager_id))


@attrs.frozen
class Ticket:
    """One request or conversation of a customer (VS-2, RT, WA-1/2/4/6, PM-3).

    ``assignee`` is the manager serving it now (since ``assigned_at``), or ``None``
    while it waits in its department's queue; ``offered`` lists the candidates a
    customer may choose among (RT-1).

    A portal ticket names its ``type`` and carries ``subject`` and ``request`` (TK-1),
    its current ``stage`` and who is ``responsible`` there, its extra fields'
    ``values`` (TK-3), and three append-only logs: ``history`` (TK-2), ``discussion``
    (TK-5) and ``attachments`` (TK-4). A conversation has no type and no stage, and
    is the service side's responsibility.
    """

    tenant: str
    id: str
    customer: str
    department: str
    opened_at: datetime
    status: TicketStatus = TicketStatus.OPEN
    assignee: str | None = None
    assigned_at: datetime | None = None
    offered: tuple[str, ...] = ()
    last_activity: datetime | None = None
    type: str | None = None
    subject: str = ""
    request: str = ""
    stage: str | None = None
    responsible: Responsible = Responsible.SERVICE
    values: Mapping[str, FieldValue] = attrs.field(
        factory=dict, converter=_values, eq=attrs.cmp_using(eq=lambda a, b: dict(a) == dict(b))
    )
    history: tuple[StageMove, ...] = ()
    discussion: tuple[Message, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    version: int = 0

    @property
    def open(self) -> bool:
        """Tell whether the ticket is still open."""
        return self.status is TicketStatus.OPEN

    @property
    def queued(self) -> bool:
        """Tell whether it waits in its department's queue (VS-7, RT-3, RT-8).

        Open, with no assignee, and offered to no one: a ticket whose customer is choosing
        among the agents offered (RT-1) is not in the queue, so no one takes it from him.
        """
        return self.status is TicketStatus.OPEN and self.assignee is None and not self.offered

    @property
    def portal_filter(self) -> PortalFilter:
        """The one portal view, besides *All*, that shows this ticket (TK-7)."""
        if self.status is TicketStatus.CLOSED:
            return PortalFilter.COMPLETED
        if self.status is TicketStatus.CANCELLED:
            return PortalFilter.CANCELLED
        if self.responsible is Responsible.CUSTOMER:
            return PortalFilter.MINE
        return PortalFilter.AWAITING
