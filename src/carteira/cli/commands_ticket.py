"""``ticket``: open a conversation, take one from a queue, list the tickets one sees.

RT-1..RT-3 (where a new conversation goes), VS-7 and RT-8 (the queue: its members see what
waits there, and the first of them to take a ticket serves it), VS-2 and VS-3 (what one
sees). Like ``route``, ``ticket open`` is told who is online (``--online``, ``--offline``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from carteira.cli import shapes, values
from carteira.cli.base import leaf, noun, pages, reply
from carteira.cli.commands_routing import REASON_RULES, add_arrival, presence_of
from carteira.cli.output import names

if TYPE_CHECKING:
    from carteira.cli.base import Commands
    from carteira.cli.output import Output
    from carteira.cli.session import Session

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``ticket open``, ``ticket take`` and ``ticket list``."""
    sub = noun(
        commands,
        "ticket",
        summary="open conversations, take them from a queue, list them",
        description="Tickets: a customer's conversations and requests. Opening one routes it "
        "(RT-1..RT-3);\none nobody takes waits in its department's queue, where the "
        "department's members see it\nand one of them takes it (VS-7, RT-8).",
    )
    opened = leaf(
        sub,
        "open",
        _open,
        summary="open a conversation and route it",
        description="Open ticket ID for CUSTOMER in --department and route it (RT-1..RT-3, "
        "RT-7): to an owner\nwho is available, else to the department's queue, with the "
        "reason. Say who is online\nwith --online or --offline, as for 'carteira route'.",
        examples=[
            "carteira ticket open t1 padaria --department suporte --offline lucia",
            "carteira ticket open t2 beatriz --department chat",
        ],
    )
    opened.add_argument("ticket", metavar="ID", help="the new ticket's id")
    opened.add_argument("customer", metavar="CUSTOMER", help="the customer writing in")
    add_arrival(opened)

    take = leaf(
        sub,
        "take",
        _take,
        summary="take a ticket from your department's queue",
        description="Take ticket ID from the queue of its department (RT-8): it becomes "
        "yours. Needs --as a\nmember of the department holding ASSIGN_SELF. The first taker "
        "wins: a ticket someone\nelse took is refused (already_taken). The customer's "
        "portfolio does not change (MB-5).",
        examples=["carteira --as joao ticket take t1"],
    )
    take.add_argument("ticket", metavar="ID", help="the ticket")

    listed = leaf(
        sub,
        "list",
        _list,
        reads=True,
        summary="list the tickets you see",
        description="List the tickets the acting manager sees, by id (VS-2, VS-3, VS-7): "
        "those of customers\nhe sees, those he serves, those waiting in a queue of his.",
        examples=["carteira --as joao ticket list --open"],
    )
    listed.add_argument("--open", action="store_true", help="open tickets only")
    listed.add_argument("--limit", type=values.positive, help="show at most N tickets")


def _open(session: Session, out: Output, args: argparse.Namespace) -> int:
    presence, told = presence_of(args)
    app = session.app(presence)
    principal = session.principal
    decision = app.route(principal, args.customer, args.department)
    result = app.open_ticket(principal, args.ticket, args.customer, args.department)
    ticket, rule = result.value, REASON_RULES[decision.reason]
    if ticket.assignee is not None:
        where = f"assigned to {ticket.assignee}"
    elif ticket.offered:
        where = f"offered to {names(ticket.offered)}, for the customer to choose"
    else:
        where = f"waiting in the queue of {ticket.department}"
    return reply(
        out,
        result,
        "ticket",
        f"Opened ticket {ticket.id} for {ticket.customer} in {ticket.department} ({told}): "
        f"{where} ({decision.reason.value}, {rule}).",
    )


def _take(session: Session, out: Output, args: argparse.Namespace) -> int:
    result = session.app().take_ticket(session.principal, args.ticket)
    ticket = result.value
    return reply(
        out,
        result,
        "ticket",
        f"{ticket.assignee} took ticket {ticket.id} from the queue of {ticket.department} "
        f"(RT-8); {ticket.customer}'s portfolio is unchanged (MB-5).",
    )


def _list(session: Session, out: Output, args: argparse.Namespace) -> int:
    app, principal = session.app(), session.principal
    found = list(
        pages(
            lambda a, n: app.visible_tickets(principal, open_only=args.open, after=a, limit=n),
            args.limit,
        )
    )
    out.table(
        ["ticket", "customer", "department", "status", "assignee"],
        [(t.id, t.customer, t.department, t.status.value, t.assignee) for t in found],
        shapes.listed(found),
        empty="No tickets.",
    )
    return 0
