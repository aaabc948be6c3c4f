"""``carteira customer`` and ``carteira organization``: records and membership (MB, WA-3)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from carteira.cli import shapes, values
from carteira.cli.base import given, given_or_cleared, leaf, need_change, noun, pages, reply
from carteira.cli.errors import UsageError
from carteira.cli.output import names
from carteira.domain.customer import Customer
from carteira.domain.events import MembershipChanged
from carteira.domain.ownership import Ownership
from carteira.services.results import Result

if TYPE_CHECKING:
    from carteira.cli.base import Commands
    from carteira.cli.output import Output
    from carteira.cli.session import Session

__all__ = ["describe", "register"]


def register(commands: Commands) -> None:
    """Add ``customer`` and ``organization`` and their commands."""
    _register_customer(commands)
    _register_organization(commands)


def _register_customer(commands: Commands) -> None:
    sub = noun(
        commands,
        "customer",
        summary="add customers, assign them, show who owns them",
        description="Customers: the host's customers, each in at most one portfolio, own "
        "or through its\norganization, with zero or more account managers (MB-1, MB-3).",
    )
    add = leaf(
        sub,
        "add",
        _add,
        summary="make a customer known",
        description="Register a customer; it starts outside portfolio unless its "
        "organization is in one (MB-4).",
        examples=[
            "carteira customer add padaria 'Padaria Estrela'",
            "carteira customer add diego Diego --organization andes",
        ],
    )
    add.add_argument("customer", metavar="ID", help="the host's id for it")
    add.add_argument("name", metavar="NAME", help="its display name")
    add.add_argument("--organization", metavar="ORG", help="the organization it belongs to")

    edit = leaf(
        sub,
        "edit",
        _edit,
        summary="rename a customer or change its organization",
        description="Rename a customer or move it to another organization (MB-1).",
        examples=[
            "carteira customer edit diego --organization mercantil",
            "carteira customer edit diego --no-organization",
        ],
    )
    edit.add_argument("customer", metavar="ID", help="the customer")
    edit.add_argument("--name", metavar="NAME", help="its new name")
    org = edit.add_mutually_exclusive_group()
    org.add_argument("--organization", metavar="ORG", help="its new organization")
    org.add_argument(
        "--no-organization", action="store_true", help="take it out of its organization"
    )

    assign = leaf(
        sub,
        "assign",
        _assign,
        summary="make a manager one of a customer's account managers",
        description="Assign a customer to a manager (WA-3, MB-3, MG-2): he becomes its "
        "account manager, in\n--portfolio or else in his default portfolio. Where the tenant "
        "allows one account manager,\nhe replaces the one it had.",
        examples=[
            "carteira customer assign padaria lucia",
            "carteira customer assign farmacia lucia --portfolio sp",
        ],
    )
    _add_customer(assign)
    assign.add_argument("manager", metavar="MANAGER", help="the manager")
    assign.add_argument("--portfolio", metavar="P", help="one of the manager's portfolios (its id)")

    unassign = leaf(
        sub,
        "unassign",
        _unassign,
        summary="take a manager off a customer's account managers",
        description="Unassign a customer from a manager (MB-3); its portfolio stays.",
        examples=["carteira customer unassign padaria lucia"],
    )
    _add_customer(unassign)
    unassign.add_argument("manager", metavar="MANAGER", help="the manager")

    place = leaf(
        sub,
        "set",
        _set,
        summary="set a customer's portfolio and/or account managers",
        description="Set a customer's portfolio and/or its account managers from its record "
        "(WA-3, MB-2, MB-3).\nOnly what you give changes; --manager replaces the whole list.",
        examples=[
            "carteira customer set mariana --portfolio sul",
            "carteira customer set clara --manager lia --manager otavio",
            "carteira customer set mariana --no-portfolio --no-managers",
        ],
    )
    _add_customer(place)
    _add_portfolio_or_none(place, required=False)
    managers = place.add_mutually_exclusive_group()
    managers.add_argument(
        "--manager",
        dest="managers",
        metavar="M",
        action="append",
        help="an account manager, repeatable, primary first",
    )
    managers.add_argument(
        "--no-managers", action="store_true", help="take every account manager off"
    )

    show = leaf(
        sub,
        "show",
        _show,
        reads=True,
        summary="show a customer and who owns it",
        description="Show a customer: its organization, effective portfolio (own or through "
        "its organization)\nand account managers (MB-1, MB-4). Acting --as a manager, only a "
        "customer he sees (VS-2).",
        examples=["carteira customer show diego", "carteira --as ana customer show diego --json"],
    )
    _add_customer(show)

    listing = leaf(
        sub,
        "list",
        _list,
        reads=True,
        summary="list customers, as the acting principal sees them",
        description="List customers by id: every one for the host, or those a manager sees "
        "acting --as him (VS-2, VS-3).",
        examples=[
            "carteira customer list",
            "carteira customer list --search pad",
            "carteira --as ana customer list --portfolio sul",
        ],
    )
    listing.add_argument(
        "--search",
        metavar="TEXT",
        help="only customers with words of name or id starting with TEXT's words, case "
        "and accents aside (VS-8)",
    )
    listing.add_argument(
        "--portfolio", metavar="P", help="only the customers of portfolio P (its id)"
    )
    listing.add_argument("--limit", type=values.positive, help="list at most this many")


def _register_organization(commands: Commands) -> None:
    sub = noun(
        commands,
        "organization",
        summary="add organizations and put them in portfolios",
        description="Organizations: a customer's company. An organization in a portfolio "
        "takes its customers\nwith it (MB-1).",
    )
    add = leaf(
        sub,
        "add",
        _org_add,
        summary="make an organization known",
        description="Register an organization; it starts outside portfolio.",
        examples=["carteira organization add andes 'Andes Ltda'"],
    )
    add.add_argument("organization", metavar="ID", help="the host's id for it")
    add.add_argument("name", metavar="NAME", help="its display name")

    place = leaf(
        sub,
        "set",
        _org_set,
        summary="put an organization in a portfolio or take it out",
        description="Set an organization's portfolio (WA-3, MB-1, MB-2); its customers "
        "without a portfolio of\ntheir own follow it.",
        examples=[
            "carteira organization set andes --portfolio sul",
            "carteira organization set andes --no-portfolio",
        ],
    )
    place.add_argument("organization", metavar="ID", help="the organization")
    _add_portfolio_or_none(place, required=True)

    show = leaf(
        sub,
        "show",
        _org_show,
        reads=True,
        summary="show an organization's record",
        description="Show an organization: its name and portfolio (MB-1). Acting --as a "
        "manager, only one he\nsees (VS-3); any other does not exist for him (TN-1).",
        examples=["carteira organization show andes", "carteira --as ana organization show andes"],
    )
    show.add_argument("organization", metavar="ID", help="the organization")

    listing = leaf(
        sub,
        "list",
        _org_list,
        reads=True,
        summary="list organizations, as the acting principal sees them",
        description="List organizations by id (VS-2, VS-3).",
        examples=["carteira organization list --json"],
    )
    listing.add_argument(
        "--search",
        metavar="TEXT",
        help="only those with words of name or id starting with TEXT's words (VS-8)",
    )


def _add_customer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("customer", metavar="CUSTOMER", help="the customer")


def _add_portfolio_or_none(parser: argparse.ArgumentParser, *, required: bool) -> None:
    target = parser.add_mutually_exclusive_group(required=required)
    target.add_argument("--portfolio", metavar="P", help="its portfolio (its id)")
    target.add_argument("--no-portfolio", action="store_true", help="take it out of its portfolio")


def describe(ownership: Ownership) -> str:
    """Describe an ownership in words (MB-4)."""
    if not ownership.in_portfolio:
        return "outside portfolio"
    managers = ownership.account_managers
    owner = f"account manager {names(managers)}" if managers else '"no manager"'
    if ownership.portfolio is None:
        return f"in portfolio: {owner}"
    through = " via its organization" if ownership.inherited else ""
    return f"in portfolio {ownership.portfolio}{through}, {owner}"


def _changed(out: Output, result: Result[Customer]) -> int:
    customer = result.value
    moved = [
        e for e in result.events if isinstance(e, MembershipChanged) and e.subject_id == customer.id
    ]
    if moved:
        said = f"Customer {customer.id} is now {describe(moved[-1].after)}."
    else:
        said = f"Customer {customer.id}: nothing changed."
    return reply(out, result, "customer", said)


def _add(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().register_customer(
        session.principal, args.customer, args.name, organization=args.organization
    )
    return reply(
        out, result, "customer", f"Added customer {result.value.id} ({result.value.name})."
    )


def _edit(session: Session, out: Output, args: argparse.Namespace) -> int:
    name = given(args.name)
    organization = given_or_cleared(args.organization, clear=args.no_organization, cleared=None)
    need_change(name, organization, give="--name, --organization or --no-organization")
    result = session.app().update_customer(
        session.principal, args.customer, name=name, organization=organization
    )
    edited = result.value
    return reply(
        out,
        result,
        "customer",
        f"Edited customer {edited.id} ({edited.name}), organization {edited.organization or '-'}.",
    )


def _assign(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().assign_customer(
        session.principal, args.customer, args.manager, portfolio=args.portfolio
    )
    return _changed(out, result)


def _unassign(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().unassign_customer(session.principal, args.customer, args.manager)
    return _changed(out, result)


def _set(session: Session, out: Output, args: argparse.Namespace) -> int:
    portfolio = given_or_cleared(args.portfolio, clear=args.no_portfolio, cleared=None)
    managers = given_or_cleared(args.managers, clear=args.no_managers, cleared=())
    need_change(portfolio, managers, give="--portfolio, --no-portfolio, --manager or --no-managers")
    result = session.app().set_customer_membership(
        session.principal, args.customer, portfolio=portfolio, account_managers=managers
    )
    return _changed(out, result)


def _show(session: Session, out: Output, args: argparse.Namespace) -> int:
    view = session.app().customer(session.principal, args.customer)
    customer, ownership = view.customer, view.ownership
    out.record(
        [
            ("id", customer.id),
            ("name", customer.name),
            ("organization", customer.organization),
            ("portfolio", ownership.portfolio),
            (
                "through",
                "its organization"
                if ownership.inherited
                else ("its own record" if ownership.portfolio else None),
            ),
            ("account managers", names(ownership.account_managers)),
            ("state", describe(ownership)),
        ],
        shapes.customer_view(view),
    )
    return 0


def _org_show(session: Session, out: Output, args: argparse.Namespace) -> int:
    found = session.app().organization(session.principal, args.organization)
    out.record(
        [
            ("id", found.id),
            ("name", found.name),
            ("portfolio", found.portfolio),
            ("state", "outside portfolio" if found.portfolio is None else "in portfolio"),
        ],
        shapes.plain(found),
    )
    return 0


def _list(session: Session, out: Output, args: argparse.Namespace) -> int:
    app, principal = session.app(), session.principal
    if args.portfolio is not None:
        if args.search is not None:
            raise UsageError("--search and --portfolio do not go together")
        found = list(
            pages(
                lambda a, n: app.customers_of_portfolio(
                    principal, args.portfolio, after=a, limit=n
                ),
                args.limit,
            )
        )
    else:
        found = list(
            pages(
                lambda a, n: app.visible_customers(principal, search=args.search, after=a, limit=n),
                args.limit,
            )
        )
    out.table(
        ["id", "name", "organization", "portfolio", "account managers"],
        [(c.id, c.name, c.organization, c.portfolio, names(c.account_managers)) for c in found],
        shapes.listed(found),
        empty="No customers.",
    )
    return 0


def _org_add(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().register_organization(session.principal, args.organization, args.name)
    added = result.value
    return reply(out, result, "organization", f"Added organization {added.id} ({added.name}).")


def _org_set(session: Session, out: Output, args: argparse.Namespace) -> int:
    portfolio = None if args.no_portfolio else args.portfolio
    result = session.app().set_organization_portfolio(
        session.principal, args.organization, portfolio
    )
    where = f"in portfolio {portfolio}" if portfolio else "outside portfolio"
    return reply(out, result, "organization", f"Organization {result.value.id} is now {where}.")


def _org_list(session: Session, out: Output, args: argparse.Namespace) -> int:
    app, principal = session.app(), session.principal
    found = list(
        pages(
            lambda a, n: app.visible_organizations(principal, search=args.search, after=a, limit=n),
            None,
        )
    )
    out.table(
        ["id", "name", "portfolio"],
        [(o.id, o.name, o.portfolio) for o in found],
        shapes.listed(found),
        empty="No organizations.",
    )
    return 0
