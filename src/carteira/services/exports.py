"""Exporting managers, portfolios, memberships and ownership history as tables (WA-8, MB-6).

The tables are the ones an import reads (`carteira.services.imports`): exporting
and importing the result into an empty database gives the same managers, portfolios
and memberships. The history table is the record of every membership change (MB-6);
an import skips it. Records are read page by page through the adapter's indexes
(ST-4), never all at once by a single query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from carteira.domain.customer import Customer, Organization
from carteira.domain.events import MembershipChanged
from carteira.domain.portfolio import Portfolio
from carteira.domain.scope import Scope
from carteira.services.context import ReadContext
from carteira.services.import_rows import require_full_view
from carteira.spreadsheets.cells import format_flag, format_list, format_roles
from carteira.spreadsheets.dataset import (
    COLUMNS,
    PROBLEM_COLUMN,
    DataSet,
    SourceRow,
    Table,
    TableKind,
)

__all__ = ["export_dataset"]

_PAGE = 1_000
_EVERYTHING = Scope(everything=True)
R = TypeVar("R", Customer, Organization)


def export_dataset(context: ReadContext) -> DataSet:
    """Return every manager, portfolio, membership and ownership change of the tenant.

    Needs to see everything (VIEW_ALL, the host, or segmentation off): an export of
    part of the tenant would read, on import, as customers leaving (VS-3).
    """
    require_full_view(context, "export")
    portfolios = sorted(context.uow.portfolios.list(), key=lambda p: p.id)
    names = {p.id: p.name for p in portfolios}
    return DataSet(
        (
            _table(TableKind.MANAGERS, _manager_rows(context, names)),
            _table(TableKind.PORTFOLIOS, _portfolio_rows(portfolios)),
            _table(TableKind.MEMBERSHIPS, _membership_rows(context, names)),
            _table(TableKind.HISTORY, _history_rows(context, names)),
        )
    )


def _table(kind: TableKind, rows: Iterator[dict[str, str]]) -> Table:
    columns = tuple(c for c in COLUMNS[kind] if c != PROBLEM_COLUMN)
    return Table(
        kind,
        kind.value,
        columns,
        tuple(SourceRow(line, values) for line, values in enumerate(rows, start=2)),
    )


def _manager_rows(context: ReadContext, names: dict[str, str]) -> Iterator[dict[str, str]]:
    for manager in context.uow.managers.list():
        default = manager.default_portfolio
        yield {
            "id": manager.id,
            "name": manager.name,
            "profile": manager.profile.value,
            "active": format_flag(manager.active),
            "roles": format_roles(manager.roles),
            "default_portfolio": "" if default is None else names[default],
        }


def _portfolio_rows(portfolios: Sequence[Portfolio]) -> Iterator[dict[str, str]]:
    for portfolio in portfolios:
        journey = portfolio.journey
        yield {
            "id": portfolio.id,
            "name": portfolio.name,
            "description": portfolio.description or "",
            "journey": "" if journey is None else journey.id,
            "journey_name": "" if journey is None else journey.name,
            "managers": format_list(portfolio.managers),
        }


def _membership_rows(context: ReadContext, names: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every organization, then every customer: the order an import applies them in."""
    uow = context.uow
    organization_names: dict[str, str] = {}
    for organization in _all(uow.organizations.in_scope):
        organization_names[organization.id] = organization.name
        yield {
            "customer": "",
            "customer_name": "",
            "organization": organization.id,
            "organization_name": organization.name,
            "portfolio": _name(names, organization.portfolio),
            "managers": "",
        }
    for customer in _all(uow.customers.in_scope):
        org = customer.organization
        yield {
            "customer": customer.id,
            "customer_name": customer.name,
            "organization": org or "",
            "organization_name": "" if org is None else organization_names[org],
            "portfolio": _name(names, customer.portfolio),
            "managers": format_list(customer.account_managers),
        }


def _all(listing: Callable[..., Sequence[R]]) -> Iterator[R]:
    """Walk a listing of everything, one keyset page at a time (ST-4)."""
    after: str | None = None
    while True:
        page = listing(_EVERYTHING, after=after, limit=_PAGE, search=None)
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1].id


def _history_rows(context: ReadContext, names: dict[str, str]) -> Iterator[dict[str, str]]:
    after = 0
    while True:
        page = context.uow.events.read(after=after, limit=_PAGE)
        for position, event in page:
            after = position
            if isinstance(event, MembershipChanged):
                yield {
                    "at": event.at.isoformat(),
                    "subject_kind": event.subject.value,
                    "subject": event.subject_id,
                    "way": event.way.value,
                    "rule": event.way.rule,
                    "actor": event.actor,
                    "portfolio_before": _name(names, event.before.portfolio),
                    "managers_before": format_list(event.before.account_managers),
                    "portfolio_after": _name(names, event.after.portfolio),
                    "managers_after": format_list(event.after.account_managers),
                }
        if len(page) < _PAGE:
            return


def _name(names: dict[str, str], portfolio: str | None) -> str:
    """Return a portfolio's name; a deleted one's id, since its name is gone with it (PF-5)."""
    if portfolio is None:
        return ""
    return names.get(portfolio, portfolio)
