"""The SPEC invariants over what one tenant stores, checked the same way everywhere (STYLE 7).

Plain functions that raise `AssertionError` with a message naming the rule; the
agreement machine (`carteira.testing.agreement`) and carteira's own stateful tests
call them after every step. Most take a `TenantRows`, read once from a unit of
work (`TenantRows.read`, any adapter) or from one tenant of
[`InMemoryStore.snapshot()`][carteira.InMemoryStore.snapshot]
(`TenantRows.from_memory`)::

    with store.unit_of_work("acme") as uow:
        rows = TenantRows.read(uow)
    check_names(rows)
    check_account_managers(rows)

The checks restate the rules rather than call the library's own, so that a bug there
cannot hide from them. Needs nothing beyond carteira itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from carteira.domain.customer import Customer, Organization
from carteira.domain.events import Event, LeaveMode, ManagerLeft, MembershipChanged
from carteira.domain.manager import Manager
from carteira.domain.names import MAX_NAME_LENGTH
from carteira.domain.ownership import Ownership, SubjectKind
from carteira.domain.portfolio import Portfolio
from carteira.domain.scope import Scope
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import Ticket, TicketStatus
from carteira.policies.eligibility import EligibilityPolicy, ProfileEligibility
from carteira.ports.unit_of_work import UnitOfWork

__all__ = [
    "TenantRows",
    "check_account_managers",
    "check_entries",
    "check_event_log",
    "check_events_of_tenant",
    "check_history",
    "check_names",
    "check_nothing_lost",
    "check_orphaning",
    "check_other_tenants_untouched",
    "check_portfolio_managers",
    "check_refusal_changed_nothing",
    "check_tickets",
    "orphaned",
]

History = Mapping[tuple[SubjectKind, str], Sequence[MembershipChanged]]


@attrs.frozen
class TenantRows:
    """The rows of one tenant that the invariants speak of, each table keyed by id."""

    portfolios: Mapping[str, Portfolio] = attrs.field(factory=dict)
    managers: Mapping[str, Manager] = attrs.field(factory=dict)
    customers: Mapping[str, Customer] = attrs.field(factory=dict)
    organizations: Mapping[str, Organization] = attrs.field(factory=dict)
    settings: TenantSettings = attrs.field(factory=TenantSettings)
    history: History = attrs.field(factory=dict)
    """The ownership history (MB-6) of every stored customer and organization."""

    @classmethod
    def read(cls, uow: UnitOfWork) -> TenantRows:
        """Read the rows through the ports of an open unit of work, walking every page."""
        everything = Scope(everything=True)
        customers: list[Customer] = _every(
            lambda a: uow.customers.in_scope(everything, after=a, limit=100, search=None)
        )
        organizations: list[Organization] = _every(
            lambda a: uow.organizations.in_scope(everything, after=a, limit=100, search=None)
        )
        subjects = [(SubjectKind.CUSTOMER, c.id) for c in customers] + [
            (SubjectKind.ORGANIZATION, o.id) for o in organizations
        ]
        return cls(
            portfolios={p.id: p for p in uow.portfolios.list()},
            managers={m.id: m for m in uow.managers.list()},
            customers={c.id: c for c in customers},
            organizations={o.id: o for o in organizations},
            settings=uow.settings.get(),
            history={s: tuple(uow.history.of(*s)) for s in subjects},
        )

    @classmethod
    def from_memory(cls, tenant: Mapping[str, Any]) -> TenantRows:
        """Take the rows from one tenant of ``InMemoryStore.snapshot()``; ``{}`` is no rows."""
        if not tenant:
            return cls()
        return cls(
            portfolios=dict(tenant["portfolios"][0]),
            managers=dict(tenant["managers"][0]),
            customers=dict(tenant["customers"][0]),
            organizations=dict(tenant["organizations"][0]),
            settings=tenant["settings"],
            history=dict(tenant["history"]),
        )

    def effective(self, customer: Customer) -> Portfolio | None:
        """Return the customer's own portfolio, else its organization's (MB-1); both must exist."""
        organization = None
        if customer.organization is not None:
            organization = self.organizations.get(customer.organization)
            assert organization is not None, (
                f"invariant 4: {customer.id} belongs to missing organization "
                f"{customer.organization}"
            )
        own = customer.effective_portfolio(organization)
        if own is None:
            return None
        portfolio = self.portfolios.get(own)
        assert portfolio is not None, f"MB-1: {customer.id} is in missing portfolio {own}"
        return portfolio

    def active_managers(self, portfolio: Portfolio) -> list[str]:
        """Return the portfolio's managers that exist and are active (MB-2)."""
        return [m for m in portfolio.managers if m in self.managers and self.managers[m].active]


def _every(fetch: Callable[[str | None], Sequence[Any]]) -> list[Any]:
    """Every row of a listing paged by id, asked for a hundred at a time."""
    rows: list[Any] = []
    while True:
        page = list(fetch(rows[-1].id if rows else None))
        rows += page
        if len(page) < 100:
            return rows


def _keys(name: str) -> tuple[str, str]:
    """PF-1's comparison, restated so that the check does not trust the library.

    Two readings of "after normalization and case folding": trimmed last (as the library
    does) and trimmed first; names must be unique under both.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    trimmed_first = unicodedata.normalize("NFKC", name.strip()).casefold()
    return (
        unicodedata.normalize("NFKC", folded).strip(),
        unicodedata.normalize("NFKC", trimmed_first),
    )


def check_names(rows: TenantRows) -> None:
    """Invariant 2 (PF-1, TN-2): portfolio names non-blank, short, unique under PF-1."""
    names = [p.name for p in rows.portfolios.values()]
    for reading in (0, 1):
        keys = [_keys(n)[reading] for n in names]
        assert len(keys) == len(set(keys)), f"invariant 2 (PF-1): names collide: {names}"
    for name in names:
        assert name.strip(), f"invariant 2 (PF-1): blank name {name!r}"
        assert len(name) <= MAX_NAME_LENGTH, f"invariant 2 (PF-1): {len(name)} characters"


def check_account_managers(rows: TenantRows) -> None:
    """Invariant 3 (MB-3): account managers exist, are active, manage the portfolio, capped.

    "The portfolio" is the customer's effective one, when it has one.
    """
    cap = rows.settings.max_account_managers
    for customer in rows.customers.values():
        chosen = customer.account_managers
        assert len(chosen) <= cap, f"invariant 3 (MB-3): {customer.id} has {chosen}, cap {cap}"
        effective = rows.effective(customer)
        for manager_id in chosen:
            manager = rows.managers.get(manager_id)
            assert manager is not None, (
                f"invariant 3 (MB-3): {customer.id} is owned by removed manager {manager_id}"
            )
            assert manager.active, (
                f"invariant 3 (MB-3): {customer.id} is owned by inactive {manager_id}"
            )
            assert effective is None or manager_id in effective.managers, (
                f"invariant 3 (MB-3): {customer.id}'s {manager_id} does not manage {effective.id}"
            )


def check_portfolio_managers(
    rows: TenantRows, eligibility: EligibilityPolicy | None = None
) -> None:
    """MG-1, MG-3: every portfolio manager exists and is eligible (by default, active).

    ``eligibility`` is the policy the application was built with; by default
    [`ProfileEligibility`][carteira.ProfileEligibility].
    """
    eligible = eligibility or ProfileEligibility()
    for portfolio in rows.portfolios.values():
        for manager_id in portfolio.managers:
            manager = rows.managers.get(manager_id)
            assert manager is not None, f"MG-3: {portfolio.id} is managed by removed {manager_id}"
            decision = eligible(manager)
            assert decision.eligible, f"MG-1: {portfolio.id} has {manager_id}: {decision}"


def check_history(rows: TenantRows) -> None:
    """MB-6: each customer's and organization's last recorded ownership is where it stands."""
    for customer in rows.customers.values():
        effective = rows.effective(customer)
        now = Ownership(
            None if effective is None else effective.id,
            customer.account_managers,
            customer.portfolio is None and effective is not None,
        )
        _check_last(rows, SubjectKind.CUSTOMER, customer.id, now)
    for organization in rows.organizations.values():
        now = Ownership(organization.portfolio)
        _check_last(rows, SubjectKind.ORGANIZATION, organization.id, now)


def _check_last(rows: TenantRows, kind: SubjectKind, subject: str, now: Ownership) -> None:
    records = rows.history.get((kind, subject), ())
    last = records[-1].after if records else Ownership()
    assert last == now, f"MB-6: {kind.value} {subject} stands at {now}, history ends at {last}"


def check_nothing_lost(most: int, count: int) -> int:
    """Invariant 4: ``count`` customers and organizations, never fewer than ``most`` before.

    Return the new ``most``, to pass at the next check.
    """
    assert count >= most, f"invariant 4: {most - count} customers or organizations lost"
    return count


def check_entries(after: TenantRows, events: Iterable[Event]) -> None:
    """Invariant 1 (MB-2): whatever entered a portfolio entered one with an active manager.

    ``after`` are the rows once the command that gave ``events`` applied.
    """
    for change in events:
        if not isinstance(change, MembershipChanged):
            continue
        entered = change.after.portfolio
        if entered is None or entered == change.before.portfolio:
            continue
        portfolio = after.portfolios.get(entered)
        assert portfolio is not None, (
            f"invariant 1 (MB-2): {change.subject_id} entered missing {entered}"
        )
        assert after.active_managers(portfolio), (
            f"invariant 1 (MB-2): {change.subject_id} entered {entered}, "
            "which has no active manager"
        )


def orphaned(rows: TenantRows) -> set[str]:
    """Return the portfolios holding customers or organizations but no active manager (MB-2)."""
    held = {c.portfolio for c in rows.customers.values()} | {
        o.portfolio for o in rows.organizations.values()
    }
    return {p.id for p in rows.portfolios.values() if p.id in held and not rows.active_managers(p)}


def check_orphaning(before: TenantRows, after: TenantRows, events: Iterable[Event]) -> None:
    """MB-2, MG-3: a command orphans a portfolio only through an explicit *keep*.

    ``before`` and ``after`` are the rows around the command that gave ``events``.
    """
    kept = {
        p
        for e in events
        if isinstance(e, ManagerLeft) and e.mode is LeaveMode.KEEP
        for p in e.portfolios
    }
    newly = orphaned(after) - orphaned(before)
    assert newly <= kept, f"MB-2: orphaned without an explicit keep: {sorted(newly - kept)}"


def check_tickets(before: Iterable[Ticket], after: Iterable[Ticket]) -> None:
    """Invariant 7 (TK-2, TK-9): stage histories only grow; finished tickets never change.

    A ticket may vanish only when it was cancelled (TK-8 deletes only those).
    """
    now = {t.id: t for t in after}
    for ticket in before:
        later = now.get(ticket.id)
        if later is None:
            assert ticket.status is TicketStatus.CANCELLED, f"TK-8: {ticket.id} deleted uncancelled"
            continue
        assert later.history[: len(ticket.history)] == ticket.history, (
            f"invariant 7 (TK-2): {ticket.id}'s stage history was rewritten"
        )
        if not ticket.open:
            assert later == ticket, f"invariant 7 (TK-9): finished {ticket.id} changed"


def check_refusal_changed_nothing(before: object, after: object) -> None:
    """Invariant 8 (PM-2, ER-1, ST-1): a refused command leaves storage as it was."""
    assert before == after, "invariant 8: a refused command changed storage"


def check_other_tenants_untouched(
    before: Mapping[str, object], after: Mapping[str, object], tenant: str
) -> None:
    """Invariant 9 (TN-1): a command of ``tenant`` changed no other tenant's data.

    ``before`` and ``after`` map each tenant to what it stores (any comparable form); a
    tenant absent from one of them stores nothing there.
    """
    for other in sorted(before.keys() | after.keys()):
        if other != tenant:
            assert before.get(other) == after.get(other), (
                f"invariant 9 (TN-1): a command of {tenant} changed {other}"
            )


def check_events_of_tenant(events: Iterable[Event], tenant: str) -> None:
    """Invariant 9 (TN-1): a command of ``tenant`` tells only of ``tenant``."""
    strangers = [e for e in events if e.tenant != tenant]
    assert not strangers, f"invariant 9 (TN-1): {tenant} gave events of others: {strangers}"


def check_event_log(stored: Sequence[tuple[int, Event]], expected: Sequence[Event]) -> None:
    """EV-1: the log holds exactly the events of the commands that applied, in order.

    ``stored`` are the log's ``(position, event)`` pairs; positions only grow.
    """
    positions = [p for p, _ in stored]
    assert positions == sorted(set(positions)), "EV-1: event positions must grow"
    assert [e for _, e in stored] == list(expected), "EV-1: events lost or added"
