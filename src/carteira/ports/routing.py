"""The routing port: a decision's inputs read in two calls (RT-2, RT-4, RT-7)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from carteira.domain.routing_facts import Candidates, Opening, Owners

__all__ = ["RoutingReader"]


class RoutingReader(Protocol):
    """Reads what routing needs; SQL stores answer each method with one statement."""

    def owners(self, customer_id: str) -> Owners | None:
        """Return the customer's owners, or ``None`` when the tenant has no such customer.

        The effective portfolio is the customer's own, else its organization's (MB-1).
        """
        ...

    def opening(self, customer_id: str, department_id: str) -> Opening | None:
        """Return the department and the customer's owners together, ``None`` with no customer.

        What `Carteira.route` reads before the candidates: one statement on SQL.
        """
        ...

    def candidates(
        self, department_id: str, manager_ids: Sequence[str], at: datetime
    ) -> Candidates:
        """Return the records of ``manager_ids``, of their backups at ``at``, and their loads.

        Loads count the open tickets each serves in ``department_id``; ``busy_since`` is
        the latest ``assigned_at`` among them (RT-1, RT-2, MG-5).
        """
        ...
