"""What a portal ticket carries besides its status: moves, messages, attachments (TK-2..TK-7).

These are values appended to a [`Ticket`][carteira.Ticket], never changed
once there: the stage history (TK-2), the discussion (TK-5) and the attachments'
metadata (TK-4, the content lives behind the attachment-store port). ``PortalFilter``
names the portal's five views of a customer's tickets (TK-7).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from carteira.domain.principal import PrincipalKind

__all__ = ["Attachment", "Message", "MoveKind", "PortalFilter", "StageMove"]


class MoveKind(enum.StrEnum):
    """Why a ticket's stage changed (TK-1, TK-2, TK-6, TK-8)."""

    OPENED = "opened"
    MOVED = "moved"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@attrs.frozen
class StageMove:
    """One entry of a ticket's stage history: from, to, who, when, why (TK-2).

    ``source`` is ``None`` for the entry made when the ticket was opened; a
    cancellation keeps the stage (``source == target``).
    """

    source: str | None
    target: str
    actor: str
    actor_kind: PrincipalKind
    at: datetime
    kind: MoveKind = MoveKind.MOVED
    note: str = ""


@attrs.frozen
class Message:
    """One message of a ticket's discussion (TK-5).

    An ``internal`` note is written by the service side for itself: the customer never
    sees it (TK-7).
    """

    id: str
    author: str
    author_kind: PrincipalKind
    at: datetime
    text: str
    internal: bool = False


@attrs.frozen
class Attachment:
    """The metadata of one file attached to a ticket (TK-4); the bytes are stored apart."""

    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    added_by: str
    added_by_kind: PrincipalKind
    at: datetime


class PortalFilter(enum.StrEnum):
    """The portal's views of the signed-in customer's tickets (TK-7, seed 004).

    ``MINE``: open and awaiting his action; ``AWAITING``: open and with the service
    side; ``COMPLETED`` and ``CANCELLED``: finished, read-only; ``ALL``: every one.
    """

    ALL = "all"
    MINE = "under_my_responsibility"
    AWAITING = "awaiting_return"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
