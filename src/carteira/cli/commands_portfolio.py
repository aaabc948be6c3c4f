"""``carteira portfolio``: create, edit, list, show and delete portfolios (PF, MB-2, MG-2)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from carteira.cli import shapes
from carteira.cli.base import given, given_or_cleared, leaf, need_change, noun, pages, reply
from carteira.cli.errors import NotConfirmed, UsageError
from carteira.cli.output import names
from carteira.domain.errors import NotFound
from carteira.domain.events import PortfolioDeleted
from carteira.domain.names import name_key
from carteira.domain.portfolio import Journey
from carteira.services.queries import PortfolioSummary
from carteira.services.results import UNCHANGED, Unchanged

if TYPE_CHECKING:
    from carteira.app import Carteira
    from carteira.cli.base import Commands
    from carteira.cli.output import Output
    from carteira.cli.session import Session

__all__ = ["find_portfolio", "register", "state_of"]


def register(commands: Commands) -> None:
    """Add ``portfolio`` and its commands."""
    sub = noun(
        commands,
        "portfolio",
        summary="create, edit, list, show and delete portfolios",
        description="Portfolios: named groups of customers and organizations served by "
        "their managers (PF).\nA portfolio is named by its id or by its name (any casing).",
    )
    create = leaf(
        sub,
        "create",
        _create,
        summary="create a portfolio",
        description="Create a portfolio (PF-1..PF-3, PF-6). Its name is unique ignoring "
        "case; with no\nactive manager it is unavailable and takes no customer (MB-2).",
        examples=[
            'carteira portfolio create "São Paulo" --id sp --manager lucia',
            'carteira portfolio create "Rio de Janeiro" --description "Zona sul"',
        ],
    )
    create.add_argument("name", metavar="NAME", help="the portfolio's name (PF-1)")
    create.add_argument(
        "--id", dest="portfolio_id", metavar="ID", help="its id (default: a new random id)"
    )
    _add_fields(create)

    edit = leaf(
        sub,
        "edit",
        _edit,
        summary="change a portfolio's name, description, journey or managers",
        description="Edit a portfolio (PF-4, PF-6). Only what you give changes; "
        "--manager replaces the\nwhole list of managers.",
        examples=[
            "carteira portfolio edit sp --name 'São Paulo capital'",
            "carteira portfolio edit 'são paulo' --manager lucia --manager rafael",
            "carteira portfolio edit sp --description ''  # clears it",
        ],
    )
    edit.add_argument("portfolio", metavar="ID_OR_NAME", help="the portfolio")
    edit.add_argument("--name", metavar="NAME", help="its new name (PF-1, PF-4)")
    _add_fields(edit, editing=True)

    listing = leaf(
        sub,
        "list",
        _list,
        reads=True,
        summary="list portfolios, each available, unavailable or orphaned",
        description="List the tenant's portfolios by name (PF-3): available (an active "
        "manager), unavailable\n(none), or orphaned (none, and it holds customers: MB-2, MG-3).",
        examples=["carteira portfolio list", "carteira portfolio list --manager lucia --json"],
    )
    which = listing.add_mutually_exclusive_group()
    which.add_argument(
        "--manager", metavar="M", help="only those M manages, his default first (MG-2)"
    )
    which.add_argument("--orphaned", action="store_true", help="only orphaned portfolios (MB-2)")

    show = leaf(
        sub,
        "show",
        _show,
        reads=True,
        summary="show a portfolio and its customers",
        description="Show a portfolio and the customers in it, own or through their "
        "organization (MB-1);\nacting --as a manager, only those he may see (VS-3).",
        examples=["carteira portfolio show sp"],
    )
    show.add_argument("portfolio", metavar="ID_OR_NAME", help="the portfolio")

    delete = leaf(
        sub,
        "delete",
        _delete,
        summary="delete a portfolio for good",
        description="Delete a portfolio (PF-5, PF-6). This is final: there is no undo. "
        "Its customers and\norganizations are not deleted: they go outside portfolio. "
        "Asks to confirm unless --yes;\nwithout a terminal to ask on, refuses unless --yes.",
        examples=["carteira portfolio delete cps", "carteira portfolio delete Campinas --yes"],
    )
    delete.add_argument("portfolio", metavar="ID_OR_NAME", help="the portfolio")
    delete.add_argument("--yes", action="store_true", help="confirm: delete it for good")


def _add_fields(parser: argparse.ArgumentParser, *, editing: bool = False) -> None:
    parser.add_argument(
        "--description",
        metavar="TEXT",
        help="a description (PF-2)" + ("; '' clears it" if editing else ""),
    )
    parser.add_argument("--journey", metavar="ID", help="the journey it follows (PF-2)")
    parser.add_argument(
        "--journey-name", metavar="NAME", help="the journey's name (default: its id)"
    )
    managers = parser.add_mutually_exclusive_group() if editing else parser
    managers.add_argument(
        "--manager",
        dest="managers",
        metavar="M",
        action="append",
        help="a manager, repeatable" + (": the new list" if editing else " (MG-1)"),
    )
    if editing:
        managers.add_argument("--no-managers", action="store_true", help="take every manager off")
        parser.add_argument("--no-journey", action="store_true", help="drop its journey")


def find_portfolio(app: Carteira, session: Session, key: str) -> PortfolioSummary:
    """Return the portfolio whose id is ``key``, else whose name is ``key`` (PF-1)."""
    wanted = name_key(key)
    named = None
    for found in pages(lambda a, n: app.list_portfolios(session.principal, after=a, limit=n), None):
        if found.portfolio.id == key:
            return found
        if named is None and found.portfolio.key == wanted:
            named = found
    if named is not None:
        return named
    raise NotFound("portfolio", key)


def state_of(found: PortfolioSummary) -> str:
    """Say whether a portfolio is available, unavailable or orphaned (PF-3, MB-2)."""
    if found.orphaned:
        return "orphaned"
    return "available" if found.available else "unavailable"


def _journey(args: argparse.Namespace) -> Journey | None:
    if args.journey is None:
        if args.journey_name is not None:
            raise UsageError("--journey-name needs --journey ID")
        return None
    return Journey(str(args.journey), str(args.journey_name or args.journey))


def _description(text: str | None) -> str | None:
    return text if text is not None and text.strip() else None


def _create(session: Session, out: Output, args: argparse.Namespace) -> int:
    app = session.app()
    result = app.create_portfolio(
        session.principal,
        args.name,
        description=_description(args.description),
        journey=_journey(args),
        managers=args.managers or (),
        portfolio_id=args.portfolio_id,
    )
    created = result.value
    state = "available" if created.managers else "unavailable: it has no manager yet (PF-3)"
    return reply(
        out,
        result,
        "portfolio",
        f"Created portfolio {created.name} ({created.id}), "
        f"managed by {names(created.managers)}; {state}.",
    )


def _edit(session: Session, out: Output, args: argparse.Namespace) -> int:
    app = session.app()
    found = find_portfolio(app, session, args.portfolio)
    if args.no_journey and args.journey is not None:
        raise UsageError("--journey and --no-journey do not go together")
    journey: Journey | Unchanged | None = (
        UNCHANGED if args.journey is None and not args.no_journey else _journey(args)
    )
    managers: Sequence[str] | Unchanged = given_or_cleared(
        args.managers, clear=args.no_managers, cleared=()
    )
    description: str | Unchanged | None = (
        UNCHANGED if args.description is None else _description(args.description)
    )
    name: str | Unchanged = given(args.name)
    need_change(
        name, description, journey, managers, give="--name, --description, --journey or --manager"
    )
    result = app.edit_portfolio(
        session.principal,
        found.portfolio.id,
        name=name,
        description=description,
        journey=journey,
        managers=managers,
    )
    edited = result.value
    return reply(
        out,
        result,
        "portfolio",
        f"Edited portfolio {edited.name} ({edited.id}), managed by {names(edited.managers)}.",
    )


def _list(session: Session, out: Output, args: argparse.Namespace) -> int:
    app = session.app()
    principal = session.principal
    found: list[PortfolioSummary]
    if args.manager is not None:
        found = list(
            pages(
                lambda a, n: app.portfolios_of_manager(principal, args.manager, after=a, limit=n),
                None,
            )
        )
    elif args.orphaned:
        found = app.orphaned_portfolios(principal)
    else:
        found = list(pages(lambda a, n: app.list_portfolios(principal, after=a, limit=n), None))
    rows = [
        (
            s.portfolio.id,
            s.portfolio.name + (" (default)" if s.default else ""),
            state_of(s),
            names(m + (" (default)" if m in s.defaults else "") for m in s.portfolio.managers),
            None if s.portfolio.journey is None else s.portfolio.journey.name,
            s.portfolio.description,
        )
        for s in found
    ]
    out.table(
        ["id", "name", "state", "managers", "journey", "description"],
        rows,
        [shapes.summary(s) for s in found],
        empty="No portfolios.",
    )
    return 0


def _show(session: Session, out: Output, args: argparse.Namespace) -> int:
    app = session.app()
    found = find_portfolio(app, session, args.portfolio)
    portfolio = found.portfolio
    customers = list(
        pages(
            lambda a, n: app.customers_of_portfolio(
                session.principal, portfolio.id, after=a, limit=n
            ),
            None,
        )
    )
    out.record(
        [
            ("id", portfolio.id),
            ("name", portfolio.name),
            ("state", state_of(found)),
            ("managers", names(portfolio.managers)),
            ("journey", None if portfolio.journey is None else portfolio.journey.name),
            ("description", portfolio.description),
            ("customers", len(customers)),
        ],
        {**shapes.summary(found), "customers": shapes.listed(customers)},
    )
    if customers and not out.json:
        out.line()
        out.table(
            ["customer", "name", "organization", "account managers"],
            [(c.id, c.name, c.organization, names(c.account_managers)) for c in customers],
            None,
            empty="",
        )
    return 0


def _delete(session: Session, out: Output, args: argparse.Namespace) -> int:
    app = session.app()
    found = find_portfolio(app, session, args.portfolio)
    portfolio = found.portfolio
    if not args.yes:
        question = (
            f"Delete portfolio {portfolio.name!r} ({portfolio.id}) for good? Its customers and "
            "organizations go outside portfolio, and there is no undo (PF-5)."
        )
        if not session.interactive:
            raise UsageError(
                "deleting a portfolio is final and there is no terminal to ask on: "
                "run it again with --yes to confirm [PF-5]"
            )
        if not session.ask(question, out):
            raise NotConfirmed(f"portfolio {portfolio.name!r} was not deleted")
    result = app.delete_portfolio(session.principal, portfolio.id)
    deleted = next(e for e in result.events if isinstance(e, PortfolioDeleted))
    return reply(
        out,
        result,
        "portfolio",
        f"Deleted portfolio {deleted.name} ({deleted.portfolio_id}) for good (PF-5).",
        f"Customers now outside portfolio: {names(deleted.customers)}.",
        f"Organizations now outside portfolio: {names(deleted.organizations)}.",
    )
