"""``carteira manager``: add, edit, list, deactivate, reactivate, remove, absences (MG)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from carteira.cli import shapes, values
from carteira.cli.base import given, given_or_cleared, leaf, need_change, noun, pages, reply
from carteira.cli.output import names
from carteira.domain.events import Event, ManagerLeft
from carteira.domain.manager import Manager
from carteira.services.results import Result

if TYPE_CHECKING:
    from carteira.cli.base import Commands
    from carteira.cli.output import Output
    from carteira.cli.session import Session

__all__ = ["register"]

_ROLE_HELP = (
    "a role, repeatable: 'administrator' (every permission) or "
    "NAME[=PERMISSION,...], e.g. agent=view_unassigned,assign_self (PM-1)"
)


def register(commands: Commands) -> None:
    """Add ``manager`` and its commands."""
    sub = noun(
        commands,
        "manager",
        summary="add, list, deactivate managers; absences with a backup",
        description="Managers: the host's staff who serve customers (MG). Only an active "
        "manager with an\neligible profile (analyst or administrator by default) joins a "
        "portfolio (MG-1).",
    )
    add = leaf(
        sub,
        "add",
        _add,
        summary="make a staff member known as a manager",
        description="Register a manager (MG-1) with a profile and roles. The roles give "
        "the permissions\nhe acts with when you run commands --as him (PM-1, PM-2).",
        examples=[
            "carteira manager add admin 'Ana Admin' --profile administrator --role administrator",
            "carteira manager add lucia Lúcia --profile analyst",
            "carteira manager add davi Davi --role agent=view_unassigned",
        ],
    )
    add.add_argument("manager", metavar="ID", help="the host's id for him")
    add.add_argument("name", metavar="NAME", help="his display name")
    add.add_argument(
        "--profile",
        type=values.profile,
        default=None,
        help="agent (default), analyst or administrator",
    )
    add.add_argument("--role", dest="roles", action="append", type=values.role, help=_ROLE_HELP)
    add.add_argument("--inactive", action="store_true", help="register him inactive")

    edit = leaf(
        sub,
        "edit",
        _edit,
        summary="change a manager's name, profile or roles",
        description="Change a manager (MG-1). --role replaces his roles. If the change "
        "makes him ineligible,\nhe leaves his portfolios as --transfer-to or --keep says (MG-3).",
        examples=["carteira manager edit tiago --profile analyst"],
    )
    edit.add_argument("manager", metavar="ID", help="the manager")
    edit.add_argument("--name", metavar="NAME", help="his new display name")
    edit.add_argument("--profile", type=values.profile, help="his new profile")
    roles = edit.add_mutually_exclusive_group()
    roles.add_argument("--role", dest="roles", action="append", type=values.role, help=_ROLE_HELP)
    roles.add_argument("--no-roles", action="store_true", help="take every role off")
    _add_leave(edit)

    listing = leaf(
        sub,
        "list",
        _list,
        reads=True,
        summary="list the managers",
        description="List the tenant's managers by id: profile, activity, roles, default "
        "portfolio (MG-2)\nand absences (MG-5). Needs MANAGE_MANAGERS or MANAGE_PORTFOLIOS.",
        examples=[
            "carteira manager list",
            "carteira manager list --active --can-manage",
            "carteira manager list --portfolio sp --json",
        ],
    )
    activity = listing.add_mutually_exclusive_group()
    activity.add_argument("--active", dest="active", action="store_true", default=None)
    activity.add_argument("--inactive", dest="active", action="store_false")
    eligibility = listing.add_mutually_exclusive_group()
    eligibility.add_argument(
        "--can-manage",
        dest="can_manage",
        action="store_true",
        default=None,
        help="only those eligible to manage portfolios (MG-1)",
    )
    eligibility.add_argument(
        "--cannot-manage",
        dest="can_manage",
        action="store_false",
        help="only those not eligible to manage portfolios",
    )
    listing.add_argument("--portfolio", metavar="P", help="only the managers of portfolio P")
    listing.add_argument("--limit", type=values.positive, help="list at most this many")

    deactivate = leaf(
        sub,
        "deactivate",
        _deactivate,
        summary="deactivate a manager: transfer, keep, or refuse to orphan",
        description="Deactivate a manager (MG-3, MG-4). --transfer-to M: M takes his place "
        "as account manager\nand portfolio manager (WA-5). --keep: customers stay in their "
        'portfolios with "no manager".\nWith neither, refused if he is the last active '
        "manager of a portfolio holding customers.",
        examples=[
            "carteira manager deactivate maria --transfer-to pedro",
            "carteira manager deactivate lucia --keep",
        ],
    )
    deactivate.add_argument("manager", metavar="ID", help="the manager")
    _add_leave(deactivate)

    reactivate = leaf(
        sub,
        "reactivate",
        _reactivate,
        summary="reactivate a manager",
        description="Reactivate a manager; what he left stays where it went (MG-3).",
        examples=["carteira manager reactivate maria"],
    )
    reactivate.add_argument("manager", metavar="ID", help="the manager")

    remove = leaf(
        sub,
        "remove",
        _remove,
        summary="delete a manager's record",
        description="Delete a manager's record after he leaves as --transfer-to or --keep "
        "says (MG-3).\nHis customers are never deleted.",
        examples=["carteira manager remove tiago --keep"],
    )
    remove.add_argument("manager", metavar="ID", help="the manager")
    _add_leave(remove)

    absent = leaf(
        sub,
        "absent",
        _absent,
        summary="schedule a period away with a backup",
        description="Schedule an absence (MG-5): from --from until --until (exclusive) "
        "--backup takes his\nconversations and sees what he sees; nothing in membership "
        "changes, and everything\nreturns to him by itself when it ends. A date alone means "
        "00:00 UTC that day.",
        examples=[
            "carteira manager absent otavio --from 2026-03-02 --until 2026-03-09 --backup rui",
            "carteira manager absent otavio --from 2026-03-02T13:00-03:00 "
            "--until 2026-03-03 --backup rui --id dentist",
        ],
    )
    absent.add_argument("manager", metavar="ID", help="the absent manager")
    absent.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        required=True,
        type=values.instant,
        help="when it starts",
    )
    absent.add_argument(
        "--until",
        dest="end",
        metavar="DATE",
        required=True,
        type=values.instant,
        help="when it ends (exclusive)",
    )
    absent.add_argument("--backup", metavar="B", required=True, help="who stands in for him")
    absent.add_argument(
        "--id",
        dest="absence_id",
        metavar="ABSENCE_ID",
        help="the absence's id (default: a new random id)",
    )

    cancel = leaf(
        sub,
        "cancel-absence",
        _cancel_absence,
        summary="withdraw a scheduled absence",
        description="Withdraw one of a manager's absences (MG-5); `manager list` shows their ids.",
        examples=["carteira manager cancel-absence otavio dentist"],
    )
    cancel.add_argument("manager", metavar="ID", help="the manager")
    cancel.add_argument("absence", metavar="ABSENCE_ID", help="the absence")

    default = leaf(
        sub,
        "default",
        _default,
        summary="mark one of a manager's portfolios as his default",
        description="Mark the portfolio a manager's customers go to when an assignment "
        "names none (MG-2).",
        examples=["carteira manager default lucia cps", "carteira manager default lucia --clear"],
    )
    default.add_argument("manager", metavar="ID", help="the manager")
    target = default.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "portfolio", metavar="PORTFOLIO", nargs="?", help="one of his portfolios (its id)"
    )
    target.add_argument("--clear", action="store_true", help="clear his default")


def _add_leave(parser: argparse.ArgumentParser) -> None:
    leave = parser.add_mutually_exclusive_group()
    leave.add_argument(
        "--transfer-to", metavar="M", help="M takes his customers and portfolios (MG-3, WA-5)"
    )
    leave.add_argument(
        "--keep", action="store_true", help='customers stay, with "no manager" (MG-3)'
    )


def _done(out: Output, result: Result[Any], text: str) -> int:
    """Reply with ``text``, then where what a manager left went (MG-3)."""
    return reply(out, result, "manager", text, *_left(result.events))


def _left(events: Sequence[Event]) -> Iterator[str]:
    for left in (e for e in events if isinstance(e, ManagerLeft)):
        if left.successor is not None:
            yield (
                f"Transferred to {left.successor} (MG-3, WA-5): customers "
                f"{names(left.customers)}; portfolios {names(left.portfolios)}."
            )
        else:
            yield (
                f"He left portfolios {names(left.portfolios)} and customers "
                f"{names(left.customers)} ({left.mode.value}, MG-3)."
            )


def _add(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().register_manager(
        session.principal,
        args.manager,
        args.name,
        profile=args.profile or values.profile("agent"),
        roles=args.roles or (),
        active=not args.inactive,
    )
    added = result.value
    state = "active" if added.active else "inactive"
    return _done(
        out,
        result,
        f"Added manager {added.id} ({added.name}), {added.profile.value}, {state}, "
        f"roles {_roles(added)}.",
    )


def _edit(session: Session, out: Output, args: argparse.Namespace) -> int:
    roles = given_or_cleared(args.roles, clear=args.no_roles, cleared=())
    name = given(args.name)
    profile = given(args.profile)
    need_change(name, profile, roles, give="--name, --profile or --role")
    result = session.app().update_manager(
        session.principal,
        args.manager,
        name=name,
        profile=profile,
        roles=roles,
        transfer_to=args.transfer_to,
        keep=args.keep,
    )
    edited = result.value
    return _done(
        out,
        result,
        f"Edited manager {edited.id} ({edited.name}), {edited.profile.value}, "
        f"roles {_roles(edited)}.",
    )


def _list(session: Session, out: Output, args: argparse.Namespace) -> int:
    app, principal = session.app(), session.principal
    managers = list(
        pages(
            lambda a, n: app.list_managers(
                principal,
                active=args.active,
                eligible=args.can_manage,
                portfolio=args.portfolio,
                after=a,
                limit=n,
            ),
            args.limit,
        )
    )
    rows = [
        (m.id, m.name, m.profile.value, m.active, _roles(m), m.default_portfolio, _absences(m))
        for m in managers
    ]
    out.table(
        ["id", "name", "profile", "active", "roles", "default", "absences"],
        rows,
        shapes.listed(managers),
        empty="No managers.",
    )
    return 0


def _roles(manager: Manager) -> str:
    return names(sorted(r.name for r in manager.roles))


def _absences(manager: Manager) -> str:
    return names(
        f"{a.id} {a.start:%Y-%m-%d %H:%M}..{a.end:%Y-%m-%d %H:%M} -> {a.backup}"
        for a in manager.absences
    )


def _deactivate(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().deactivate_manager(
        session.principal, args.manager, transfer_to=args.transfer_to, keep=args.keep
    )
    return _done(out, result, f"Manager {result.value.id} is inactive (MG-4).")


def _reactivate(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().reactivate_manager(session.principal, args.manager)
    return _done(out, result, f"Manager {result.value.id} is active again.")


def _remove(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().remove_manager(
        session.principal, args.manager, transfer_to=args.transfer_to, keep=args.keep
    )
    return _done(out, result, f"Removed manager {args.manager}.")


def _absent(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().schedule_absence(
        session.principal,
        args.manager,
        start=args.start,
        end=args.end,
        backup=args.backup,
        absence_id=args.absence_id,
    )
    absence = next(
        a for a in result.value.absences if a.start == args.start and a.backup == args.backup
    )
    return _done(
        out,
        result,
        f"{args.manager} is away from {args.start.isoformat()} until {args.end.isoformat()}, "
        f"with {args.backup} as backup (MG-5); absence id {absence.id}.",
    )


def _cancel_absence(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().cancel_absence(session.principal, args.manager, args.absence)
    return _done(out, result, f"Withdrew absence {args.absence} of {args.manager} (MG-5).")


def _default(session: Session, out: Output, args: argparse.Namespace) -> int:
    portfolio = None if args.clear else args.portfolio
    result = session.app().set_default_portfolio(session.principal, args.manager, portfolio)
    shown = portfolio if portfolio is not None else "none"
    return _done(out, result, f"Default portfolio of {args.manager}: {shown} (MG-2).")
