"""The memberships table of an import: customers and organizations placed as sets (WA-8, ST-5).

The rows are taken a chunk at a time (organizations first, then customers). What a chunk
names is read once (its customers and organizations by id; every portfolio and manager
once for the whole import), each row is checked against what the rows before it made of
the world (MB-1..MB-3), and the chunk's changes and events are written with one call per
repository: the statements grow with the chunks, not the rows. Memory does not grow with
the file but for one id per row (to refuse a second row for it) and, for each stored
organization a row moves, its portfolio before; the customers who follow a moved
organization are moved one organization at a time.

A row with a customer places that customer; a row with an organization and no customer
places the organization (organization rows apply first). A column the table lacks
leaves that field as it is; an empty cell clears it (no portfolio of its own, no
account managers, no organization). Unknown customers and organizations are
registered: the host owns them, the file names them. Portfolios are named by name
(PF-1's comparison) or by id; managers by id.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs

from carteira.domain import refusals
from carteira.domain.customer import Customer, Organization, Placement
from carteira.domain.errors import CarteiraError, FieldError, InvalidInput, NotFound
from carteira.domain.events import Event
from carteira.domain.identifiers import check_id, check_text
from carteira.domain.manager import Manager
from carteira.domain.names import name_key
from carteira.domain.ownership import Ownership, SubjectKind, Way, effective_portfolio
from carteira.domain.portfolio import Portfolio
from carteira.policies import membership
from carteira.services.context import Context
from carteira.services.import_rows import Problems, Progress, problem_of, text
from carteira.services.ownership import (
    Move,
    apply_moves,
    membership_changed,
    resettle,
)
from carteira.spreadsheets.cells import parse_list
from carteira.spreadsheets.dataset import SourceRow, Table

__all__ = ["import_memberships"]


_CHUNK = 2_000


@attrs.define
class _Import:
    """What one import keeps from chunk to chunk: the cast, and what the rows named so far."""

    context: Context
    portfolios: dict[str, Portfolio]
    by_key: dict[str, Portfolio]
    managers: Mapping[str, Manager]
    cap: int
    #: The line of each customer and organization given so far, by id.
    seen: dict[SubjectKind, dict[str, int]] = attrs.field(
        factory=lambda: {SubjectKind.CUSTOMER: {}, SubjectKind.ORGANIZATION: {}}
    )
    #: The portfolio, before the import, of each stored organization it moved.
    moved: dict[str, str | None] = attrs.field(factory=dict)


@attrs.define
class _World:
    """What one chunk's rows are checked against: the records as the rows before left them."""

    run: _Import
    customers: dict[str, Customer]
    organizations: dict[str, Organization]
    new_customers: dict[str, Customer] = attrs.field(factory=dict)
    new_organizations: dict[str, Organization] = attrs.field(factory=dict)
    stored_organizations: dict[str, Organization] = attrs.field(factory=dict)

    @property
    def context(self) -> Context:
        """The command the import runs in."""
        return self.run.context

    def portfolio_named(self, text_: str) -> Portfolio:
        """Return the portfolio of that name (PF-1's comparison), else of that id."""
        found = self.run.by_key.get(name_key(text_)) or self.run.portfolios.get(text_)
        if found is None:
            raise NotFound("portfolio", text_)
        return found

    def org_portfolio(self, organization: str | None) -> str | None:
        """Return the portfolio of ``organization`` as the rows so far left it."""
        return None if organization is None else self.organizations[organization].portfolio

    def require_available(self, portfolio: str, subject: str) -> None:
        """Refuse to place ``subject`` in a portfolio with no active manager (MB-2)."""
        membership.require_available(self.run.portfolios[portfolio], self.run.managers, subject)


def import_memberships(
    context: Context, table: Table, problems: Problems, progress: Progress | None
) -> int:
    """Check and apply the memberships table; return how many rows changed something."""
    run = _start(context)
    total = len(table.rows) - problems.excluded_from(table)
    applied = done = 0
    for customers in (False, True):  # organizations first: customers may follow them
        rows = (
            r
            for r in table.rows
            if bool(text(r, "customer")) is customers and not problems.refused(table, r)
        )
        for chunk in _chunks(rows, _CHUNK):
            applied += _import_chunk(run, table, chunk, problems)
            context.flush()
            done += len(chunk)
            if progress is not None and done < total:
                progress(done, total)
    for followers in _followers(run):
        apply_moves(context, followers, Way.ORGANIZATION_CHANGED)
        context.flush()
    if progress is not None:
        progress(total, total)
    return applied


def _import_chunk(run: _Import, table: Table, rows: Sequence[SourceRow], problems: Problems) -> int:
    """Check and apply one chunk of rows; return how many changed something."""
    world = _read_world(run, rows)
    moves: dict[str, Move] = {}
    applied = 0
    for row in rows:
        try:
            _check_repeat(run, row)
            if text(row, "customer"):
                changed = _customer_row(world, table, row, moves)
            else:
                changed = _organization_row(world, table, row)
        except CarteiraError as error:
            problems.add(table, row, *problem_of(error, table, row))
        else:
            applied += changed
    _write(world, moves)
    return applied


def _chunks(rows: Iterable[SourceRow], size: int) -> Iterator[tuple[SourceRow, ...]]:
    it = iter(rows)
    while chunk := tuple(itertools.islice(it, size)):
        yield chunk


def _start(context: Context) -> _Import:
    """Read once the portfolios and managers every row may name (ST-5)."""
    uow = context.uow
    portfolios = {p.id: p for p in uow.portfolios.list()}
    managers = {m.id: m for m in uow.managers.list()}
    return _Import(
        context=context,
        portfolios=portfolios,
        by_key={p.key: p for p in portfolios.values()},
        managers=managers,
        cap=context.settings.max_account_managers,
    )


def _read_world(run: _Import, rows: Sequence[SourceRow]) -> _World:
    """Read once the customers and organizations one chunk names (ST-5)."""
    uow = run.context.uow
    customers = dict(uow.customers.get_many(text(r, "customer") for r in rows))
    named = {text(r, "organization") for r in rows} | {
        c.organization for c in customers.values() if c.organization is not None
    }
    organizations = dict(uow.organizations.get_many(o for o in named if o))
    return _World(
        run=run,
        customers=customers,
        organizations=organizations,
        stored_organizations=dict(organizations),
    )


def _check_repeat(run: _Import, row: SourceRow) -> None:
    subject = text(row, "customer")
    kind = SubjectKind.CUSTOMER if subject else SubjectKind.ORGANIZATION
    subject = subject or text(row, "organization")
    seen = run.seen[kind]
    if subject in seen:
        raise refusals.duplicate_row(kind.value, subject, seen[subject])
    seen[subject] = row.line


def _organization_row(world: _World, table: Table, row: SourceRow) -> int:
    """Register or rename an organization and set its portfolio (MB-1, MB-2)."""
    if "organization" not in table.columns:  # a blank customer cell, not an organization row
        raise InvalidInput(
            "row",
            [FieldError("customer", "is required on every row of this table")],
            rule="WA-8",
        )
    organization_id = _id(table, row, "organization")
    membership.check_organization_managers(organization_id, parse_list(text(row, "managers")))
    current = _organization(world, row, organization_id)
    changed = current
    name = _name(row, "organization_name", "organization")
    if name and name != current.name:
        changed = changed.renamed(name)
    if "portfolio" in table.columns:
        named = text(row, "portfolio")
        target = world.portfolio_named(named).id if named else None
        if target is not None and target != current.portfolio:
            world.require_available(target, f"organization {organization_id!r}")
        changed = changed.with_portfolio(target)
        if organization_id in world.stored_organizations and target != current.portfolio:
            world.run.moved.setdefault(organization_id, current.portfolio)
    new = organization_id not in world.organizations
    _keep_organization(world, organization_id, changed)
    return 1 if new or changed != current else 0


def _customer_row(world: _World, table: Table, row: SourceRow, moves: dict[str, Move]) -> int:
    """Register or change a customer and place it (MB-1..MB-3, MG-1)."""
    customer_id = _id(table, row, "customer")
    stored = world.customers.get(customer_id)
    name = _name(row, "customer_name", "customer")
    current = stored or Customer(world.context.stamp.tenant, customer_id, name or customer_id)
    organization = current.organization
    if "organization" in table.columns:
        organization = text(row, "organization") or None
    created: Organization | None = None
    if organization is not None:
        check_id("organization", organization, path="organization")
        if organization not in world.organizations:
            created = Organization(
                world.context.stamp.tenant,
                organization,
                _name(row, "organization_name", "organization") or organization,
            )
    own = current.portfolio
    if "portfolio" in table.columns:
        named = text(row, "portfolio")
        own = world.portfolio_named(named).id if named else None
    org_portfolio = None if created is not None else world.org_portfolio(organization)
    effective = effective_portfolio(own, org_portfolio)
    within = None if effective is None else world.run.portfolios[effective]
    if "managers" in table.columns:
        account_managers = parse_list(text(row, "managers"))
    else:
        account_managers = current.account_managers_within(within)
    membership.check_account_managers(
        customer_id, account_managers, within, world.run.managers, world.run.cap
    )
    placed = (
        current.renamed(name or current.name)
        .joining(organization)
        .placed(Placement(own, account_managers))
    )
    before = _before(world, stored)
    after = placed.ownership(org_portfolio)
    if after.portfolio is not None and after.portfolio != before.portfolio:
        world.require_available(after.portfolio, f"customer {customer_id!r}")
    if created is not None:
        world.organizations[created.id] = created
        world.new_organizations[created.id] = created
    if stored is None:
        world.new_customers[customer_id] = placed
    world.customers[customer_id] = placed
    original = stored or placed
    moves[customer_id] = Move(original, placed, before, after)
    return 1 if stored is None or placed != stored else 0


def _before(world: _World, stored: Customer | None) -> Ownership:
    """Who owned the customer before the import (outside portfolio if it is new)."""
    if stored is None:
        return Ownership()
    organization = stored.organization
    if organization is None:
        return stored.ownership(None)
    if organization in world.run.moved:
        return stored.ownership(world.run.moved[organization])
    held = world.stored_organizations.get(organization)
    return stored.ownership(None if held is None else held.portfolio)


def _organization(world: _World, row: SourceRow, organization_id: str) -> Organization:
    found = world.organizations.get(organization_id)
    if found is not None:
        return found
    name = _name(row, "organization_name", "organization") or organization_id
    return Organization(world.context.stamp.tenant, organization_id, name)


def _keep_organization(world: _World, organization_id: str, changed: Organization) -> None:
    if organization_id not in world.stored_organizations:
        world.new_organizations[organization_id] = changed
    world.organizations[organization_id] = changed


def _name(row: SourceRow, column: str, kind: str) -> str:
    """Return a name cell checked as the commands check a name, ``""`` when empty (ER-2, ER-3).

    A name no store can keep (a NUL, a lone surrogate an XLSX cell may escape as
    ``_xD800_``) or longer than a command takes is the row's problem, in that column.
    """
    name = text(row, column)
    return check_text(kind, name, path=column) if name else ""


def _id(table: Table, row: SourceRow, column: str) -> str:
    return check_id(column, text(row, column), path=column)


def _followers(run: _Import) -> Iterator[list[Move]]:
    """Yield, one moved organization at a time, its customers not in the file (MB-1, MB-3)."""
    uow = run.context.uow
    given = run.seen[SubjectKind.CUSTOMER]
    for organization_id, before in sorted(run.moved.items()):
        after = run.context.organization(organization_id).portfolio
        yield [
            resettle(
                customer,
                before_org_portfolio=before,
                after_org_portfolio=after,
                managers_of=lambda p: run.portfolios[p].managers,
            )
            for customer in uow.customers.of_organization(organization_id)
            if customer.id not in given
        ]


def _write(world: _World, moves: dict[str, Move]) -> None:
    """Write one chunk's changes with one call per repository, and record each (MB-6, EV-1)."""
    context = world.context
    uow = context.uow
    stamp = context.stamp
    new_orgs = list(world.new_organizations.values())
    changed_orgs = [
        (stored, world.organizations[o])
        for o, stored in world.stored_organizations.items()
        if world.organizations[o] != stored
    ]
    uow.organizations.add_many(new_orgs)
    uow.organizations.update_many(after for _, after in changed_orgs)
    new = [m.customer for m in moves.values() if m.customer.id in world.new_customers]
    changed = [m for m in moves.values() if m.customer.id not in world.new_customers]
    uow.customers.add_many(new)
    uow.customers.update_many(m.customer for m in changed if m.customer != m.original)
    # Each record's own events are its aggregate's to make: a registration as the rows
    # left it, and the change from the stored record to it (EV-1).
    events: list[Event] = []
    events.extend(e for o in new_orgs for e in Organization.register(o.id, o.name, stamp).events)
    events.extend(e for b, a in changed_orgs for e in b.rename(a.name, stamp).events)
    events.extend(
        membership_changed(
            context,
            SubjectKind.ORGANIZATION,
            a.id,
            Way.IMPORT,
            Ownership(b.portfolio),
            Ownership(a.portfolio),
        )
        for b, a in [*((_outside(o), o) for o in new_orgs), *changed_orgs]
        if a.portfolio != b.portfolio
    )
    events.extend(
        e for c in new for e in Customer.register(c.id, c.name, c.organization, stamp).events
    )
    events.extend(
        e
        for m in changed
        for e in m.original.update(
            name=m.customer.name, organization=m.customer.organization, stamp=stamp
        ).events
    )
    events.extend(
        membership_changed(
            context, SubjectKind.CUSTOMER, m.customer.id, Way.IMPORT, m.before, m.after
        )
        for m in moves.values()
        if m.before != m.after
    )
    context.emit(*events)


def _outside(organization: Organization) -> Organization:
    return organization.with_portfolio(None)
