"""The visibility port: who sees which records, answered by the store itself (VS-2, ST-7)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from carteira.domain.principal import Principal
from carteira.domain.scope import Scope
from carteira.domain.visibility_rule import Seen, Subject

__all__ = ["VisibilityCheck", "VisibilityReader"]


class VisibilityReader(Protocol):
    """Answers the visibility rules of `carteira.domain.visibility_rule` over stored rows.

    A store answers a check, or a batch of them, by itself: in SQL one statement that also
    reads the principal's active flag and roles, whom he stands in for at ``at`` and the
    tenant's switches, so a change to any of them counts at the next call (MG-4, MG-5,
    ST-7). Answers must equal the policy's
    ([`customer_visibility`][carteira.customer_visibility] and its siblings) for the same rows.
    """

    def seen(
        self, principal: Principal, subject: Subject, ids: Sequence[str], at: datetime
    ) -> Seen:
        """Return whether ``principal`` may ask at all, and which of ``ids`` he sees at ``at``.

        A system principal is admitted and sees every stored record of the tenant; a
        manager is admitted while he is stored and active (MG-4); a customer principal is
        not admitted (his own tickets come through the portal, VS-4). Ids of records that
        do not exist, or belong to another tenant, are not seen (TN-1).
        """
        ...

    def check(
        self, principal: Principal, subject: Subject, object_id: str, at: datetime
    ) -> bool | None:
        """Tell whether ``principal`` sees one record at ``at``; ``None`` if he may not ask.

        The single form of `seen`, for the hottest call there is: the same answer as
        ``object_id in seen(principal, subject, [object_id], at).ids`` when admitted.
        """
        ...

    def scope(self, principal: Principal, at: datetime) -> Scope | None:
        """Return what ``principal`` sees at ``at`` as a listing walks it, or ``None``.

        ``None`` when he may not ask (an unknown or inactive manager, MG-4; a customer,
        VS-4). Otherwise [`scope_of`][carteira.scope_of] of his record, whom he stands in
        for at ``at``, the portfolios any of them manages and the tenant's switches, read
        together (SQL: one statement) (VS-2, VS-3, MG-5).
        """
        ...


class VisibilityCheck(Protocol):
    """One visibility check in a snapshot of its own, with no unit of work around it.

    What `VisibilityReader.check`
    answers inside a read-only unit of work, for a store that can answer it more cheaply
    alone (ST-6, ST-7): the same answer, ``None`` for a principal who may not ask. A store
    offers one as its ``check_visible`` method; [`Carteira.can_view`][carteira.Carteira.can_view]
    uses it when the store of its read-only units of work has one.
    """

    def __call__(
        self, principal: Principal, subject: Subject, object_id: str, at: datetime
    ) -> bool | None:
        """Tell whether ``principal`` sees one record at ``at``; ``None`` if he may not ask."""
        ...
