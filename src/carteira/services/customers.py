"""Customers and organizations: their records and where they stand (MB-1..MB-5, MG-2, WA-3)."""

from __future__ import annotations

from collections.abc import Sequence

from carteira.domain import refusals
from carteira.domain.customer import Customer, Organization, Placement
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.identifiers import check_id, check_ids, check_text
from carteira.domain.ownership import Way, effective_portfolio
from carteira.domain.permissions import Permission
from carteira.domain.portfolio import Portfolio
from carteira.domain.visibility import id_taken
from carteira.policies import membership
from carteira.services.context import Context
from carteira.services.ownership import (
    Move,
    apply_moves,
    apply_organization_moves,
    check_account_managers,
    relink,
    require_available,
    resettle,
)
from carteira.services.results import UNCHANGED, Unchanged
from carteira.services.visibility import (
    customer_visibility,
    organization_visibility,
    visible_customer,
    visible_organization,
)

__all__ = [
    "assign_customer",
    "give_to",
    "giving",
    "place_customer",
    "placement",
    "register_customer",
    "register_organization",
    "set_customer_membership",
    "set_organization_portfolio",
    "take_from",
    "taking",
    "unassign_customer",
    "update_customer",
    "update_organization",
]

_RECORDS = "change customer and organization records"


def register_customer(
    context: Context, customer_id: str, name: str, organization: str | None
) -> Customer:
    """Make a host's customer known, outside portfolio unless its organization is in one."""
    context.actor.require(Permission.SET_PORTFOLIO, _RECORDS, "WA-3")
    check_id("customer", customer_id)
    name = _name("customer", name)
    existing = context.uow.customers.get(customer_id)
    if existing is not None:
        seen = customer_visibility(context, existing).granted
        raise id_taken(refusals.customer_exists(customer_id), "customer", customer_id, seen=seen)
    # An organization he may not see does not exist for him (VS-3): no oracle, no way in.
    org = None if organization is None else visible_organization(context, organization)
    org_portfolio = None if org is None else org.portfolio
    if org_portfolio is not None:
        require_available(context, context.portfolio(org_portfolio), f"customer {customer_id!r}")
    registered = Customer.register(customer_id, name, organization, context.stamp)
    customer = context.uow.customers.add(registered.value)
    context.emit(*registered.events)
    before = customer.joining(None)
    (standing,) = apply_moves(
        context,
        [
            Move(
                customer,
                customer,
                before.ownership(None),
                customer.ownership(org_portfolio),
            )
        ],
        Way.ORGANIZATION_CHANGED,
    )
    return standing


def update_customer(
    context: Context,
    customer_id: str,
    name: str | Unchanged,
    organization: str | Unchanged | None,
) -> Customer:
    """Rename a customer or move it to another organization (MB-1).

    A new organization may change its effective portfolio: the new one must be
    available (MB-2), and account managers who do not manage it go (MB-3).
    """
    context.actor.require(Permission.SET_PORTFOLIO, _RECORDS, "WA-3")
    customer = visible_customer(context, customer_id)
    new_name = customer.name if name is UNCHANGED else _name("customer", name)
    new_organization = customer.organization
    if organization is not UNCHANGED and organization != customer.organization:
        if organization is not None:
            visible_organization(context, organization)  # VS-3: a hidden one does not exist
        new_organization = organization
    updated = customer.update(name=new_name, organization=new_organization, stamp=context.stamp)
    changed = updated.value
    before_org = _org_portfolio(context, customer.organization)
    after_org = _org_portfolio(context, changed.organization)
    move = resettle(
        changed,
        before_org_portfolio=before_org,
        after_org_portfolio=after_org,
        managers_of=lambda p: context.portfolio(p).managers,
    )
    _require_entry(context, move, f"customer {customer_id!r}")
    moved = Move(customer, move.customer, move.before, move.after)
    (stored,) = apply_moves(context, [moved], Way.ORGANIZATION_CHANGED)
    context.emit(*updated.events)
    return stored


def register_organization(context: Context, organization_id: str, name: str) -> Organization:
    """Make a host's organization known, outside portfolio."""
    context.actor.require(Permission.SET_PORTFOLIO, _RECORDS, "WA-3")
    check_id("organization", organization_id)
    name = _name("organization", name)
    existing = context.uow.organizations.get(organization_id)
    if existing is not None:
        seen = organization_visibility(context, existing).granted
        raise id_taken(
            refusals.organization_exists(organization_id),
            "organization",
            organization_id,
            seen=seen,
        )
    registered = Organization.register(organization_id, name, context.stamp)
    organization = context.uow.organizations.add(registered.value)
    context.emit(*registered.events)
    return organization


def update_organization(context: Context, organization_id: str, name: str) -> Organization:
    """Rename an organization."""
    context.actor.require(Permission.SET_PORTFOLIO, _RECORDS, "WA-3")
    organization = visible_organization(context, organization_id)
    renamed = organization.rename(_name("organization", name), context.stamp)
    if not renamed.events:
        return organization
    (stored,) = context.uow.organizations.update_many([renamed.value])
    context.emit(*renamed.events)
    return stored


def set_organization_portfolio(
    context: Context, organization_id: str, portfolio_id: str | None
) -> Organization:
    """Put an organization in a portfolio, or take it out (WA-3, MB-1, MB-2).

    Its customers without a portfolio of their own follow it; their account managers
    who do not manage the new portfolio go (MB-3).
    """
    context.actor.require(Permission.SET_PORTFOLIO, "set an organization's portfolio", "WA-3")
    organization = visible_organization(context, organization_id)
    if portfolio_id == organization.portfolio:
        return organization
    if portfolio_id is not None:
        require_available(
            context, context.portfolio(portfolio_id), f"organization {organization_id!r}"
        )
    moved = organization.with_portfolio(portfolio_id)
    members = [
        resettle(
            c,
            before_org_portfolio=organization.portfolio,
            after_org_portfolio=portfolio_id,
            managers_of=lambda p: context.portfolio(p).managers,
        )
        for c in context.uow.customers.of_organization(organization_id)
    ]
    (stored,) = apply_organization_moves(context, [(organization, moved)], Way.RECORD)
    apply_moves(context, members, Way.ORGANIZATION_CHANGED)
    return stored


def set_customer_membership(
    context: Context,
    customer_id: str,
    portfolio: str | Unchanged | None,
    account_managers: Sequence[str] | Unchanged,
    way: Way = Way.RECORD,
) -> Customer:
    """Set a customer's own portfolio and/or account managers from its record (WA-3).

    Left unchanged, the account managers keep only those who manage the new effective
    portfolio.
    """
    context.actor.require(Permission.SET_PORTFOLIO, "set a customer's portfolio", "WA-3")
    customer = visible_customer(context, customer_id)
    target = customer.portfolio if portfolio is UNCHANGED else portfolio
    if account_managers is UNCHANGED:
        managers = customer.account_managers_within(_effective(context, customer, target))
    else:
        if isinstance(account_managers, str):
            raise InvalidInput(
                "account managers", [FieldError("$.account_managers", "must be a list of ids")]
            )
        managers = tuple(check_ids("manager", account_managers, path="$.account_managers"))
    return place_customer(context, customer, target, managers, way)


def assign_customer(
    context: Context, customer_id: str, manager_id: str, portfolio: str | None, way: Way
) -> Customer:
    """Make ``manager_id`` an account manager of a customer he may see (WA-3, MG-2)."""
    context.actor.require(Permission.SET_PORTFOLIO, "assign customers", way.rule)
    customer = visible_customer(context, customer_id)
    return give_to(context, customer, manager_id, portfolio, way)


def give_to(
    context: Context, customer: Customer, manager_id: str, portfolio: str | None, way: Way
) -> Customer:
    """Make ``manager_id`` an account manager of ``customer``; callers check the actor."""
    (given,) = apply_moves(context, [giving(context, customer, manager_id, portfolio)], way)
    return given


def giving(context: Context, customer: Customer, manager_id: str, portfolio: str | None) -> Move:
    """Check and return the move making ``manager_id`` an account manager of ``customer``.

    MG-2, MG-6, MB-3: without a named portfolio the customer goes to the manager's default
    portfolio (the one he marked, else the only one he manages); without one it keeps its
    own. With a cap of one the manager replaces the current account manager; otherwise he
    is added after them.
    """
    manager = context.manager(manager_id)
    if portfolio is not None:
        chosen = context.portfolio(portfolio)
        membership.check_manages(manager_id, chosen, chosen.name)
        target: str | None = portfolio
    else:
        target = context.default_portfolio(manager) or customer.portfolio
    effective = _effective(context, customer, target)
    cap = context.settings.max_account_managers
    managers = customer.account_managers_assigning(manager_id, effective, cap)
    return placement(context, customer, target, managers)


def unassign_customer(context: Context, customer_id: str, manager_id: str, way: Way) -> Customer:
    """Remove ``manager_id`` from a customer's account managers; its portfolio stays (MB-3)."""
    context.actor.require(Permission.SET_PORTFOLIO, "unassign customers", way.rule)
    return take_from(context, visible_customer(context, customer_id), manager_id, way)


def take_from(context: Context, customer: Customer, manager_id: str, way: Way) -> Customer:
    """Remove ``manager_id`` from ``customer``'s account managers; callers check the actor."""
    (taken,) = apply_moves(context, [taking(context, customer, manager_id)], way)
    return taken


def taking(context: Context, customer: Customer, manager_id: str) -> Move:
    """Check and return the move taking ``manager_id`` off ``customer``'s account managers."""
    if manager_id not in customer.account_managers:
        return relink(context, customer, customer.account_managers)  # nothing to take
    managers = tuple(m for m in customer.account_managers if m != manager_id)
    return placement(context, customer, customer.portfolio, managers)


def place_customer(
    context: Context,
    customer: Customer,
    portfolio: str | None,
    account_managers: tuple[str, ...],
    way: Way,
) -> Customer:
    """Check and write a customer's new own portfolio and account managers (MB-2, MB-3)."""
    (placed,) = apply_moves(
        context, [placement(context, customer, portfolio, account_managers)], way
    )
    return placed


def placement(
    context: Context, customer: Customer, portfolio: str | None, account_managers: tuple[str, ...]
) -> Move:
    """Check and return the move giving a customer its own portfolio and account managers."""
    org_portfolio = _org_portfolio(context, customer.organization)
    effective = _effective(context, customer, portfolio)
    check_account_managers(context, customer.id, account_managers, effective)
    placed = customer.placed(Placement(portfolio, account_managers))
    move = Move(
        customer, placed, customer.ownership(org_portfolio), placed.ownership(org_portfolio)
    )
    _require_entry(context, move, f"customer {customer.id!r}")
    return move


def _require_entry(context: Context, move: Move, subject: str) -> None:
    entering = move.after.portfolio
    if entering is not None and entering != move.before.portfolio:
        require_available(context, context.portfolio(entering), subject)


def _effective(context: Context, customer: Customer, own: str | None) -> Portfolio | None:
    effective = effective_portfolio(own, lambda: _org_portfolio(context, customer.organization))
    return None if effective is None else context.portfolio(effective)


def _org_portfolio(context: Context, organization: str | None) -> str | None:
    return None if organization is None else context.organization(organization).portfolio


def _name(kind: str, name: object) -> str:
    return check_text(kind, name, path="$.name")
