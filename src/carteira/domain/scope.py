"""What a viewer sees, as sets storage indexes can answer (VS-2, VS-3, VS-7, ST-4)."""

from __future__ import annotations

from collections.abc import Collection

import attrs

from carteira.domain.ticket import Ticket

__all__ = ["Scope"]


@attrs.frozen
class Scope:
    """Everything a viewer sees, described as sets that storage indexes answer (VS-3).

    A customer is in scope when ``everything``; or its effective portfolio is in
    ``portfolios``; or one of its account managers is in ``account_managers``; or
    ``outside`` and it is outside portfolio. A ticket is in scope when its customer is,
    or its assignee is in ``assignees``, or it waits in the queue of one of ``queues``
    (departments, VS-7). Organizations use ``everything``,
    ``portfolios`` and ``outside``. An empty scope sees nothing.
    """

    everything: bool = False
    portfolios: frozenset[str] = frozenset()
    account_managers: frozenset[str] = frozenset()
    outside: bool = False
    assignees: frozenset[str] = frozenset()
    queues: frozenset[str] = frozenset()

    def sees_customer(self, portfolio: str | None, account_managers: Collection[str]) -> bool:
        """Tell whether a customer is in scope, given its effective portfolio and owners.

        ``portfolio`` is the customer's effective portfolio (MB-1), ``None`` for none; a
        customer with neither is outside portfolio (MB-4). The check a store makes once it
        holds the scope, equal to `customer_visibility` by construction (VS-2, VS-3).
        """
        if self.everything or (portfolio is not None and portfolio in self.portfolios):
            return True
        if account_managers and not self.account_managers.isdisjoint(account_managers):
            return True
        return self.outside and portfolio is None and not account_managers

    def sees_organization(self, portfolio: str | None) -> bool:
        """Tell whether an organization placed in ``portfolio`` is in scope (VS-2, VS-3)."""
        if self.everything or (portfolio is not None and portfolio in self.portfolios):
            return True
        return self.outside and portfolio is None

    def sees_ticket(self, customer_seen: bool, ticket: Ticket) -> bool:
        """Tell whether ``ticket`` is in scope (VS-2, VS-7).

        ``customer_seen`` says whether its customer is; else one of ``assignees`` serves
        it, or it waits in the queue of one of ``queues`` (`Ticket.queued`).
        """
        if customer_seen or (ticket.assignee is not None and ticket.assignee in self.assignees):
            return True
        return ticket.queued and ticket.department in self.queues
