"""``history``, ``events`` and ``settings``: what happened, and the tenant's switches.

MB-6 (who owned a customer, and when), EV-1 (the event log a host publishes from),
VS-1, MB-3 and PM-3 (the settings).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from carteira.cli import shapes, values
from carteira.cli.base import given, leaf, need_change, noun, reply
from carteira.cli.commands_customer import describe
from carteira.cli.errors import UsageError
from carteira.domain.events import Event

if TYPE_CHECKING:
    from carteira.cli.base import Commands
    from carteira.cli.output import Output
    from carteira.cli.session import Session

__all__ = ["register"]

_PAGE = 500


def register(commands: Commands) -> None:
    """Add ``history``, ``events`` and ``settings``."""
    history = leaf(
        commands,
        "history",
        _history,
        reads=True,
        summary="show who owned a customer, change by change",
        description="Show a customer's ownership history (MB-6): every change with when, "
        "who, which way (WA)\nand where it left the customer. --at DATE answers who owned it "
        "then (a date alone is\n00:00 UTC; a time without an offset is UTC).",
        examples=["carteira history beatriz", "carteira history beatriz --at 2026-03-15T12:00"],
    )
    history.add_argument("customer", metavar="CUSTOMER", help="the customer")
    history.add_argument(
        "--at", metavar="DATE", type=values.instant, help="who owned it at this instant"
    )

    events = leaf(
        commands,
        "events",
        _events,
        reads=True,
        summary="read the event log (the outbox)",
        description="List the tenant's stored events in order, with their positions (EV-1). "
        "Only the host\nreads them (not --as a manager). --unpublished lists those not yet "
        "marked published.",
        examples=[
            "carteira events",
            "carteira events --after 120 --limit 20 --json",
            "carteira events --unpublished",
        ],
    )
    events.add_argument(
        "--after",
        metavar="N",
        type=values.non_negative,
        default=0,
        help="only events after position N",
    )
    events.add_argument(
        "--unpublished", action="store_true", help="only events not yet marked published"
    )
    events.add_argument(
        "--limit",
        metavar="N",
        type=values.positive,
        default=100,
        help="list at most N (default 100)",
    )

    sub = noun(
        commands,
        "settings",
        summary="show or change the tenant's settings",
        description="The tenant's settings: segmentation (VS-1), the account-manager cap "
        "(MB-3), owner-only\n(PM-3) and the portal's default attendant (RT-6).",
    )
    leaf(
        sub,
        "show",
        _show,
        reads=True,
        summary="show the settings",
        description="Show the tenant's settings.",
        examples=["carteira settings show"],
    )
    change = leaf(
        sub,
        "set",
        _set,
        summary="change the settings",
        description="Change the tenant's settings; only those named change "
        "(needs MANAGE_PORTFOLIOS).",
        examples=[
            "carteira settings set --segmentation off",
            "carteira settings set --open-access on",
            "carteira settings set --max-account-managers 3",
        ],
    )
    change.add_argument(
        "--segmentation",
        metavar="on|off",
        type=values.switch,
        help="portfolio-based visibility (VS-1)",
    )
    change.add_argument(
        "--open-access",
        metavar="on|off",
        type=values.switch,
        help="every active manager sees every customer, segmentation staying on (VS-6)",
    )
    change.add_argument(
        "--max-account-managers",
        metavar="N",
        type=values.positive,
        help="account managers a customer may have (MB-3)",
    )
    change.add_argument(
        "--owner-only",
        metavar="on|off",
        type=values.switch,
        help="only owners act on a customer's tickets (PM-3)",
    )
    attendant = change.add_mutually_exclusive_group()
    attendant.add_argument(
        "--portal-attendant", metavar="M", help="the portal's default attendant (RT-6)"
    )
    attendant.add_argument(
        "--no-portal-attendant", action="store_true", help="no default attendant"
    )


def _history(session: Session, out: Output, args: argparse.Namespace) -> int:
    app = session.app()
    if args.at is not None:
        owned = app.owners_at(session.principal, args.customer, args.at)
        out.line(f"Who owned {args.customer} at {args.at.isoformat()}? {describe(owned)} (MB-6).")
        if out.json:
            out.dump(
                {
                    "customer": args.customer,
                    "at": args.at.isoformat(),
                    "ownership": shapes.ownership(owned),
                }
            )
        return 0
    changes = app.owner_history(session.principal, args.customer)
    rows = [
        (
            c.at.isoformat(timespec="seconds"),
            c.actor,
            c.way.value,
            c.way.rule,
            describe(c.before),
            describe(c.after),
        )
        for c in changes
    ]
    out.table(
        ["when", "by", "way", "rule", "before", "after"],
        rows,
        shapes.events(changes),
        empty=f"No ownership changes of {args.customer} yet.",
    )
    return 0


def _events(session: Session, out: Output, args: argparse.Namespace) -> int:
    app, principal = session.app(), session.principal
    found: list[tuple[int, Event]] = []
    if args.unpublished:
        if args.after:
            raise UsageError("--after and --unpublished do not go together")
        found = list(app.unpublished_events(principal, limit=min(args.limit, _PAGE)))
    else:
        after = args.after
        while len(found) < args.limit:
            page = app.read_events(
                principal, after=after, limit=min(args.limit - len(found), _PAGE)
            )
            found.extend(page)
            if not page:
                break
            after = page[-1][0]
    data = [{"position": p, "event": shapes.event(e)} for p, e in found]
    out.table(
        ["position", "at", "type", "actor", "about"],
        [
            (p, e.at.isoformat(timespec="seconds"), type(e).__name__, e.actor, _about(d["event"]))
            for (p, e), d in zip(found, data, strict=True)
        ],
        data,
        empty="No events.",
    )
    return 0


def _about(data: dict[str, Any]) -> str:
    """Name what an event is about: its ids (``portfolio_id=sp``)."""
    ids = [f"{k}={v}" for k, v in data.items() if k.endswith("_id") or k == "subject_id"]
    return ", ".join(ids) or "-"


def _show(session: Session, out: Output, args: argparse.Namespace) -> int:
    found = session.app().settings(session.principal)
    out.record(
        [
            ("segmentation", "on" if found.segmentation else "off"),
            ("open access", "on" if found.open_access else "off"),
            ("max account managers", found.max_account_managers),
            ("owner-only", "on" if found.owner_only else "off"),
            ("portal attendant", found.portal_attendant),
        ],
        shapes.plain(found),
    )
    return 0


def _set(session: Session, out: Output, args: argparse.Namespace) -> int:
    attendant = None if args.no_portal_attendant else given(args.portal_attendant)
    changes: dict[str, Any] = {
        "segmentation": given(args.segmentation),
        "open_access": given(args.open_access),
        "max_account_managers": given(args.max_account_managers),
        "owner_only": given(args.owner_only),
        "portal_attendant": attendant,
    }
    need_change(
        *changes.values(),
        give="--segmentation, --open-access, --max-account-managers, --owner-only or "
        "--portal-attendant",
    )
    result = session.app().update_settings(session.principal, **changes)
    saved = result.value
    return reply(
        out,
        result,
        "settings",
        f"Settings: segmentation {'on' if saved.segmentation else 'off'}, open access "
        f"{'on' if saved.open_access else 'off'}, at most "
        f"{saved.max_account_managers} account manager(s), owner-only "
        f"{'on' if saved.owner_only else 'off'}, portal attendant {saved.portal_attendant or '-'}.",
    )
