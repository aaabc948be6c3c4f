"""Ownership as the history records it, and the ways it changes (MB-4, MB-6, WA)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable

import attrs

__all__ = ["Ownership", "SubjectKind", "Way"]


class SubjectKind(enum.StrEnum):
    """What a membership change is about."""

    CUSTOMER = "customer"
    ORGANIZATION = "organization"


class Way(enum.StrEnum):
    """Through which way a membership changed (WA-1..WA-8 and the rules that move it)."""

    CONVERSATION = "conversation"
    CLOSING = "closing"
    RECORD = "record"
    BULK_CLOSE = "bulk_close"
    DEACTIVATION_TRANSFER = "deactivation_transfer"
    TICKET = "ticket"
    AGENT_RECORD = "agent_record"
    IMPORT = "import"
    PORTFOLIO_DELETED = "portfolio_deleted"
    MANAGER_LEFT = "manager_left"
    ORGANIZATION_CHANGED = "organization_changed"

    @property
    def rule(self) -> str:
        """The SPEC rule that describes this way."""
        return _RULES[self]


_RULES = {
    Way.CONVERSATION: "WA-1",
    Way.CLOSING: "WA-2",
    Way.RECORD: "WA-3",
    Way.BULK_CLOSE: "WA-4",
    Way.DEACTIVATION_TRANSFER: "WA-5",
    Way.TICKET: "WA-6",
    Way.AGENT_RECORD: "WA-7",
    Way.IMPORT: "WA-8",
    Way.PORTFOLIO_DELETED: "PF-5",
    Way.MANAGER_LEFT: "MG-3",
    Way.ORGANIZATION_CHANGED: "MB-1",
}


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


@attrs.frozen
class Ownership:
    """Who owns a customer or organization at one moment (MB-6).

    ``portfolio`` is the *effective* portfolio and ``inherited`` tells whether it
    came through the organization; ``account_managers`` are in order, primary first.
    """

    portfolio: str | None = None
    account_managers: tuple[str, ...] = attrs.field(default=(), converter=_unique)
    inherited: bool = False

    @property
    def in_portfolio(self) -> bool:
        """In portfolio: an effective portfolio or at least one account manager (MB-4)."""
        return self.portfolio is not None or bool(self.account_managers)


def effective_portfolio(
    own: str | None, organization_portfolio: str | Callable[[], str | None] | None
) -> str | None:
    """Return the portfolio a customer belongs to: its own, else its organization's (MB-1).

    The one statement of MB-1 in Python; every other place asks a `Customer` (its
    ``effective_portfolio`` or ``ownership``), which asks this. ``organization_portfolio``
    may be a function, asked only for a customer without a portfolio of his own, so that a
    caller reads the organization only when MB-1 needs it.
    """
    if own is not None:
        return own
    return organization_portfolio() if callable(organization_portfolio) else organization_portfolio
