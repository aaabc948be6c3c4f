"""Who may see a customer, an organization or a ticket: the rules answered over records.

VS-1, VS-2, VS-5, VS-7 and MG-4, MG-5. The rules themselves are data in
`carteira.domain.visibility_rule` (ST-7); these functions answer them over loaded records
and return a [`Visibility`][carteira.Visibility] naming the clause that granted or the reason
that denied, so services turn a denial into an error and hosts can show why (VS-5).
[`scope_of`][carteira.scope_of] reads the same rules as a set description that storage
adapters answer through their indexes, so listings and single checks agree (VS-3).

They live in the domain, beside the rules, so that the in-memory adapter answers a check
with this very code rather than a copy of it (ST-7); `carteira.policies.visibility`
re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime

import attrs

from carteira.domain import refusals
from carteira.domain.errors import Conflict
from carteira.domain.manager import Manager
from carteira.domain.permissions import Permission
from carteira.domain.scope import Scope
from carteira.domain.ticket import Department, Ticket
from carteira.domain.visibility_rule import (
    CUSTOMER_RULE,
    ORGANIZATION_RULE,
    TICKET_RULE,
    Answer,
    Clause,
    Rule,
    Test,
    first_grant,
)

__all__ = [
    "Clause",
    "Scope",
    "Viewer",
    "Visibility",
    "customer_visibility",
    "id_taken",
    "organization_visibility",
    "require_actionable",
    "scope_of",
    "standing_in",
    "standing_in_period",
    "ticket_visibility",
]


@attrs.frozen
class Visibility:
    """A granted or denied view, the clause that decided it, and whom it came through.

    ``via`` names the absent manager a backup stands in for when the view came through
    him (MG-5); it is ``None`` when the viewer holds the clause himself.
    """

    granted: bool
    clause: Clause
    via: str | None = None

    def __bool__(self) -> bool:
        return self.granted


@attrs.frozen
class Viewer:
    """Who is looking: a manager's id, activity, permissions and whom he stands in for.

    ``stands_in_for`` are the managers absent right now who named him their backup
    (MG-5); ``system`` marks the host application itself.
    """

    id: str
    active: bool
    permissions: frozenset[Permission]
    stands_in_for: frozenset[str] = frozenset()
    system: bool = False
    _others: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    _view_all: bool = attrs.field(init=False, eq=False, repr=False)
    _view_unassigned: bool = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Decisions run millions of times: work these out once per viewer.
        others = tuple(sorted(self.stands_in_for - {self.id}))
        object.__setattr__(self, "_others", others)
        object.__setattr__(self, "_view_all", Permission.VIEW_ALL in self.permissions)
        unassigned = Permission.VIEW_UNASSIGNED in self.permissions
        object.__setattr__(self, "_view_unassigned", unassigned)

    @property
    def identities(self) -> tuple[str, ...]:
        """His own id first, then those he stands in for, in a stable order."""
        return (self.id, *self._others)


def standing_in(manager_id: str, named_him: Iterable[Manager], at: datetime) -> frozenset[str]:
    """Return the managers absent at ``at`` whose absence names ``manager_id`` backup (MG-5).

    ``named_him`` are the managers with any absence naming him; only an absence covering
    ``at`` makes him stand in.
    """
    return frozenset(m.id for m in named_him if m.backup_at(at) == manager_id)


def standing_in_period(
    named_him: Iterable[Manager], at: datetime
) -> tuple[datetime | None, datetime | None]:
    """Return the period around ``at`` in which `standing_in` answers the same (MG-5).

    It runs from the last start or end of an absence of ``named_him`` at or before ``at``
    to the first one after it, ``None`` for an open side: a store may keep a viewer's
    stand-ins for any instant in ``[start, end)`` until a manager's record changes.
    """
    start: datetime | None = None
    end: datetime | None = None
    for manager in named_him:
        for absence in manager.absences:
            for edge in (absence.start, absence.end):
                if edge <= at:
                    start = edge if start is None or edge > start else start
                elif end is None or edge < end:
                    end = edge
    return start, end


# Answers are values: share one instance per clause instead of building one per check.
_GRANTED = {clause: Visibility(True, clause) for clause in Clause}
_DENIED = {clause: Visibility(False, clause) for clause in Clause}


def _held(viewer: Viewer, holders: Collection[str]) -> Answer:
    """Say whether the viewer, or someone he stands in for, is among ``holders`` (MG-5)."""
    if viewer.id in holders:
        return True
    for absent in viewer._others:
        if absent in holders:
            return absent
    return False


def _about_viewer(viewer: Viewer, segmentation: bool, open_access: bool, test: Test) -> bool:
    """Answer a test about the viewer and the tenant alone."""
    if test is Test.SYSTEM:
        return viewer.system
    if test is Test.ACTIVE:
        return viewer.active
    if test is Test.SEGMENTATION_OFF:
        return not segmentation
    if test is Test.OPEN_ACCESS:
        return open_access
    if test is Test.HOLDS_VIEW_ALL:
        return viewer._view_all
    if test is Test.HOLDS_VIEW_UNASSIGNED:
        return viewer._view_unassigned
    raise ValueError(f"{test} is about an object, not the viewer")


def _decided(
    rule: Rule, answer: Callable[[Test], Answer], viewer: Viewer, outside: bool
) -> Visibility:
    found = first_grant(rule, answer)
    if found is not None:
        grant, via = found
        clause = grant.clause or Clause.SYSTEM
        return _GRANTED[clause] if via is None else Visibility(True, clause, via)
    if not viewer.system and not viewer.active:
        return _DENIED[Clause.INACTIVE]
    return _DENIED[rule.denied_outside if outside else rule.denied]


def customer_visibility(
    viewer: Viewer,
    *,
    segmentation: bool,
    open_access: bool,
    portfolio_managers: Collection[str] | None,
    account_managers: Collection[str],
) -> Visibility:
    """Decide whether ``viewer`` sees a customer under `CUSTOMER_RULE` (VS-1, VS-2, VS-6, MG-4).

    ``portfolio_managers`` are the managers of the customer's effective portfolio, or
    ``None`` when it has none.
    """
    outside = portfolio_managers is None and not account_managers

    def answer(test: Test) -> Answer:
        if test is Test.MANAGES_PORTFOLIO:
            return portfolio_managers is not None and _held(viewer, portfolio_managers)
        if test is Test.ACCOUNT_MANAGER:
            return _held(viewer, account_managers)
        if test is Test.OUTSIDE_PORTFOLIO:
            return outside
        return _about_viewer(viewer, segmentation, open_access, test)

    return _decided(CUSTOMER_RULE, answer, viewer, outside)


def organization_visibility(
    viewer: Viewer,
    *,
    segmentation: bool,
    open_access: bool,
    portfolio_managers: Collection[str] | None,
) -> Visibility:
    """Decide whether ``viewer`` sees an organization under `ORGANIZATION_RULE` (VS-2, MG-4)."""
    outside = portfolio_managers is None

    def answer(test: Test) -> Answer:
        if test is Test.MANAGES_PORTFOLIO:
            return portfolio_managers is not None and _held(viewer, portfolio_managers)
        if test is Test.OUTSIDE_PORTFOLIO:
            return outside
        return _about_viewer(viewer, segmentation, open_access, test)

    return _decided(ORGANIZATION_RULE, answer, viewer, outside)


def ticket_visibility(
    viewer: Viewer, customer: Visibility, ticket: Ticket, department: Department | None
) -> Visibility:
    """Decide whether ``viewer`` sees ``ticket`` under `TICKET_RULE` (VS-2, VS-7).

    ``customer`` is his view of the ticket's customer; ``department`` is the ticket's
    department as stored (``None`` when there is none). A ticket he does not see is denied
    with the customer view's clause.
    """

    def answer(test: Test) -> Answer:
        if test is Test.SEES_CUSTOMER:
            return customer.granted
        if test is Test.SERVES_TICKET:
            return ticket.assignee is not None and ticket.assignee == viewer.id
        if test is Test.WAITS_IN_HIS_QUEUE:
            return ticket.queued and department is not None and department.admits(viewer.id)
        return _about_viewer(viewer, True, False, test)  # the ticket rule tests no switch

    found = first_grant(TICKET_RULE, answer)
    if found is None or found[0].clause is None:
        return customer
    return _GRANTED[found[0].clause]


def scope_of(
    viewer: Viewer,
    *,
    segmentation: bool,
    open_access: bool,
    managed_portfolios: Iterable[str],
    queues: Iterable[str] = (),
) -> Scope:
    """Return the viewer's scope: `TICKET_RULE` and `CUSTOMER_RULE` as sets (VS-2, VS-3, VS-7).

    Each grant whose tests about the viewer hold adds what its test about an object
    names; a grant with no such test means he sees everything. ``managed_portfolios`` are
    the portfolios managed by any of his identities; ``queues`` the departments whose
    queues he sees ([`queues_of`][carteira.queues_of]).
    """
    named: set[Test] = set()
    for grant in (*CUSTOMER_RULE.grants, *TICKET_RULE.grants):
        if not all(
            _about_viewer(viewer, segmentation, open_access, t)
            for t in grant.tests
            if t.about_viewer
        ):
            continue
        about_object = [t for t in grant.tests if not t.about_viewer]
        if not about_object:
            return Scope(everything=True)
        named.update(about_object)
    return Scope(
        portfolios=frozenset(managed_portfolios)
        if Test.MANAGES_PORTFOLIO in named
        else frozenset(),
        account_managers=frozenset(viewer.identities)
        if Test.ACCOUNT_MANAGER in named
        else frozenset(),
        outside=Test.OUTSIDE_PORTFOLIO in named,
        assignees=frozenset({viewer.id}) if Test.SERVES_TICKET in named else frozenset(),
        queues=frozenset(queues) if Test.WAITS_IN_HIS_QUEUE in named else frozenset(),
    )


def require_actionable(seen: Visibility, ticket: Ticket) -> None:
    """Refuse acting on a ticket seen only because it waits in one's queue: take it first (VS-7).

    A ticket seen that way may be taken (RT-8) and nothing else.
    """
    if seen.clause is Clause.DEPARTMENT_QUEUE:
        raise refusals.take_first(ticket.id, ticket.department)


def id_taken(exists: Conflict, kind: str, record_id: str, *, seen: bool) -> Conflict:
    """Return the refusal of a new record whose id is in use (TN-1, VS-3).

    To a caller who sees the record holding it, ``exists`` says so. To one who does not,
    it says only that the id cannot be used (``id_unavailable``): not what holds it, nor
    whose it is; the least a create with a caller-chosen id reveals.
    """
    return exists if seen else refusals.id_unavailable(kind, record_id)
