"""What routing decided for a new ticket, as the ticket and its event keep it (RT-3, RT-6, RT-7).

``Outcome``, ``Reason`` and ``Step`` are the machine-readable words of a routing
decision (RT-4); the [routing policy][carteira.route] produces them and
[`TicketOpened`][carteira.TicketOpened] records them. A ``Routed`` says where a new
ticket goes once routing (and, for a portal ticket, the portal's attendant) decided.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["Outcome", "Reason", "Routed", "Step"]


class Outcome(enum.StrEnum):
    """What the decision does with the conversation (RT-3)."""

    ASSIGN = "assign"
    OFFER = "offer"
    QUEUE = "queue"


class Step(enum.StrEnum):
    """The links of the owner chain, in the order they are tried (RT-7)."""

    PRIMARY = "primary_account_manager"
    ACCOUNT_MANAGERS = "other_account_managers"
    #: Where the customer chooses, all his account managers at once (RT-1, seed 002).
    ALL_ACCOUNT_MANAGERS = "account_managers"
    BACKUPS = "backups_of_absent_account_managers"
    PORTFOLIO = "portfolio_managers"
    QUEUE = "queue"


class Reason(enum.StrEnum):
    """Why the decision came out as it did (RT-3, RT-4)."""

    ONE_CANDIDATE = "one_candidate"
    CUSTOMER_CHOOSES = "customer_chooses"
    TIE_BREAK = "tie_break"
    QUEUE_MODE = "department_routes_by_queue"
    NONE_ASSIGNED = "none_assigned"
    ALL_OFFLINE = "all_offline"
    ALL_AT_CAPACITY = "all_at_capacity"
    NONE_AVAILABLE = "none_available"


@attrs.frozen
class Routed:
    """Where a new ticket goes: to whom, offered to whom, or the queue, and why (RT-3, RT-6).

    ``assignee`` serves it from the start; ``offered`` are the agents its customer
    chooses among (RT-1); with neither it waits in its department's queue. ``attendant``
    says the portal's default attendant took it, nothing else assigning it (RT-6).
    """

    outcome: Outcome = Outcome.QUEUE
    reason: Reason = Reason.NONE_ASSIGNED
    step: Step = Step.QUEUE
    assignee: str | None = None
    offered: tuple[str, ...] = ()
    attendant: bool = False

    @property
    def queued(self) -> bool:
        """Tell whether the ticket would wait in the queue: no one serves it, no one is offered."""
        return self.assignee is None and not self.offered
