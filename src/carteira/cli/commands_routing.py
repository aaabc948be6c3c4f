"""``department``, ``route`` and ``who-can-see``: where conversations go, who sees what.

RT-1..RT-7 and VS-1, VS-2, VS-5. A command line has no live presence, so ``route``
is told who is online (``--online``, ``--offline``); without either, everyone is.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from carteira.cli import shapes, values
from carteira.cli.base import leaf, noun, pages, reply
from carteira.cli.errors import UsageError
from carteira.cli.output import names
from carteira.cli.session import ListedPresence
from carteira.domain.ticket import ChoiceMode, RoutingMode
from carteira.policies.routing import Outcome, Reason, RoutingDecision, Step
from carteira.policies.visibility import Clause
from carteira.services.visibility import Subject

if TYPE_CHECKING:
    from carteira.cli.base import Commands
    from carteira.cli.output import Output
    from carteira.cli.session import Session

__all__ = ["CLAUSE_RULES", "REASON_RULES", "add_arrival", "presence_of", "register"]

#: The rule behind each routing reason (RT-1, RT-3).
REASON_RULES = {
    Reason.ONE_CANDIDATE: "RT-3",
    Reason.CUSTOMER_CHOOSES: "RT-1",
    Reason.TIE_BREAK: "RT-1",
    Reason.QUEUE_MODE: "RT-1",
    Reason.NONE_ASSIGNED: "RT-3",
    Reason.ALL_OFFLINE: "RT-3",
    Reason.ALL_AT_CAPACITY: "RT-3",
    Reason.NONE_AVAILABLE: "RT-3",
}

#: The rule (and clause of VS-2) behind each visibility clause (VS-5).
CLAUSE_RULES = {
    Clause.SYSTEM: "the host",
    Clause.SEGMENTATION_OFF: "VS-1",
    Clause.OPEN_ACCESS: "VS-6",
    Clause.MANAGES_PORTFOLIO: "VS-2 a",
    Clause.ACCOUNT_MANAGER: "VS-2 b",
    Clause.OUTSIDE_PORTFOLIO: "VS-2 c",
    Clause.VIEW_ALL: "VS-2 d",
    Clause.ASSIGNEE: "VS-2",
    Clause.DEPARTMENT_QUEUE: "VS-7",
    Clause.INACTIVE: "MG-4",
    Clause.OUTSIDE_WITHOUT_PERMISSION: "VS-2 c",
    Clause.NOT_OWNER: "VS-2",
}


def register(commands: Commands) -> None:
    """Add ``department``, ``route`` and ``who-can-see``."""
    _register_department(commands)
    route = leaf(
        commands,
        "route",
        _route,
        reads=True,
        summary="say where a customer's new conversation would go, and why",
        description="Decide where a new conversation of CUSTOMER in --department would go, "
        "changing nothing\n(RT-4): the decision, the chosen manager, the machine-readable "
        "reason with its rule, and\nthe owner chain walked (RT-7). A command line has no "
        "live presence: say who is online\nwith --online (everyone else is offline) or "
        "--offline (everyone else is online);\nwithout either, everyone is online (RT-2).",
        examples=[
            "carteira route beatriz --department chat",
            "carteira route clara --department suporte --online otavio --online sara",
            "carteira route beatriz --department chat --offline pedro --json",
        ],
    )
    route.add_argument("customer", metavar="CUSTOMER", help="the customer writing in")
    add_arrival(route)

    see = leaf(
        commands,
        "who-can-see",
        _who_can_see,
        reads=True,
        summary="explain which managers see a customer, and through which clause",
        description="Explain visibility (VS-5): for each manager, whether he sees the "
        "customer (or --ticket,\n--organization) and the clause that decided (VS-1, VS-2), "
        "with whom a backup stands in\nfor (MG-5). As the host: every manager; --as M: M "
        "himself; --manager M: only M\n(asking about another needs MANAGE_MANAGERS).",
        examples=[
            "carteira who-can-see davi",
            "carteira who-can-see --ticket s-4 --manager rui",
            "carteira --as ana who-can-see diego",
        ],
    )
    see.add_argument("customer", metavar="CUSTOMER", nargs="?", help="the customer")
    see.add_argument("--ticket", metavar="T", help="a ticket instead of a customer")
    see.add_argument("--organization", metavar="ORG", help="an organization instead of a customer")
    see.add_argument("--manager", metavar="M", help="only manager M")


def _register_department(commands: Commands) -> None:
    sub = noun(
        commands,
        "department",
        summary="set up departments: by portfolio or by queue",
        description="Departments: where conversations arrive; each routes by portfolio "
        "(direct transfer to\nthe customer's owners) or by queue (RT-1, RT-2).",
    )
    save = leaf(
        sub,
        "save",
        _save,
        summary="create or change a department's routing",
        description="Create or change a department (RT-1, RT-2). Saving replaces every "
        "setting: what you do\nnot give takes its default.",
        examples=[
            "carteira department save chat Atendimento",
            "carteira department save suporte Suporte --customer-chooses",
            "carteira department save financeiro Financeiro --by queue",
            "carteira department save vendas Vendas --member joao --member maria --capacity 5",
        ],
    )
    save.add_argument("department", metavar="ID", help="its id")
    save.add_argument("name", metavar="NAME", help="its name")
    save.add_argument(
        "--by",
        choices=[m.value for m in RoutingMode],
        default=RoutingMode.PORTFOLIO.value,
        help="route by portfolio (default) or by queue (RT-1)",
    )
    save.add_argument(
        "--customer-chooses",
        action="store_true",
        help="offer the customer every available owner instead of picking one (RT-1)",
    )
    save.add_argument(
        "--member",
        dest="members",
        metavar="M",
        action="append",
        help="a member, repeatable; when listed, only members are routed to (RT-2)",
    )
    save.add_argument(
        "--capacity", type=values.positive, help="open tickets each manager takes at most (RT-2)"
    )
    save.add_argument(
        "--capacity-of",
        dest="capacities",
        metavar="M=N",
        action="append",
        help="M's own capacity, repeatable",
    )
    save.add_argument(
        "--account-managers-only",
        action="store_true",
        help="route to account managers only, not the portfolio's managers (RT-2)",
    )

    leaf(
        sub,
        "list",
        _list,
        reads=True,
        summary="list the departments",
        description="List the tenant's departments and how each routes (RT-1, RT-2).",
        examples=["carteira department list"],
    )

    queue = leaf(
        sub,
        "queue",
        _queue,
        reads=True,
        summary="list what waits in a department's queue, oldest first",
        description="List the tickets waiting in department ID's queue (open, nobody "
        "serving them), oldest\nfirst (VS-7). For its members (everyone, where it lists "
        "none), holders of VIEW_ALL\nand the host. A member takes one with "
        "'carteira ticket take' (RT-8).",
        examples=["carteira --as joao department queue suporte", "carteira department queue chat"],
    )
    queue.add_argument("department", metavar="ID", help="the department")
    queue.add_argument("--limit", type=values.positive, help="show at most N tickets")


def _capacities(pairs: list[str] | None) -> dict[str, int]:
    found: dict[str, int] = {}
    for pair in pairs or ():
        manager, _, number = pair.partition("=")
        try:
            found[manager.strip()] = values.positive(number)
        except argparse.ArgumentTypeError:
            raise UsageError(
                f"--capacity-of {pair!r}: give M=N, N a whole number of at least 1"
            ) from None
    return found


def _save(session: Session, out: Output, args: argparse.Namespace) -> int:
    choice = ChoiceMode.CUSTOMER_CHOOSES if args.customer_chooses else ChoiceMode.AUTOMATIC
    result = session.app().save_department(
        session.principal,
        args.department,
        args.name,
        routing=RoutingMode(args.by),
        choice=choice,
        members=args.members,
        capacity=args.capacity,
        capacities=_capacities(args.capacities),
        account_managers_only=args.account_managers_only,
    )
    saved = result.value
    return reply(
        out,
        result,
        "department",
        f"Saved department {saved.id} ({saved.name}): "
        f"routes by {saved.routing.value}, {saved.choice.value}.",
    )


def _list(session: Session, out: Output, args: argparse.Namespace) -> int:
    found = session.read_as_actor(lambda uow: list(uow.departments.list()))
    out.table(
        ["id", "name", "routing", "choice", "members", "capacity", "account managers only"],
        [
            (
                d.id,
                d.name,
                d.routing.value,
                d.choice.value,
                "anyone" if d.members is None else names(sorted(d.members)),
                d.capacity,
                d.account_managers_only,
            )
            for d in found
        ],
        shapes.listed(found),
        empty="No departments.",
    )
    return 0


def _queue(session: Session, out: Output, args: argparse.Namespace) -> int:
    app, principal = session.app(), session.principal
    waiting = list(
        pages(
            lambda a, n: app.department_queue(principal, args.department, after=a, limit=n),
            args.limit,
        )
    )
    out.table(
        ["ticket", "customer", "opened at", "offered"],
        [(t.id, t.customer, t.opened_at.isoformat(), names(t.offered)) for t in waiting],
        shapes.listed(waiting),
        empty=f"Nothing waits in the queue of {args.department}.",
    )
    return 0


def add_arrival(parser: argparse.ArgumentParser) -> None:
    """Add ``--department``, where a conversation arrives, and who is online (RT-1, RT-2).

    ``--online``, ``--offline`` and ``--nobody-online`` say who routing counts as present:
    a command line has no live presence.
    """
    parser.add_argument(
        "--department", metavar="D", required=True, help="the department it arrives at"
    )
    presence = parser.add_mutually_exclusive_group()
    presence.add_argument(
        "--online", metavar="M", action="append", help="M is online, repeatable; the others are not"
    )
    presence.add_argument(
        "--offline",
        metavar="M",
        action="append",
        help="M is offline, repeatable; the others are online",
    )
    presence.add_argument("--nobody-online", action="store_true", help="every manager is offline")


def presence_of(args: argparse.Namespace) -> tuple[ListedPresence | None, str]:
    """Return the presence `add_arrival`'s options describe, and how to say it (RT-2)."""
    if args.nobody_online:
        return ListedPresence(()), "nobody online"
    if args.online:
        return ListedPresence(args.online), f"online {names(args.online)}; everyone else offline"
    if args.offline:
        return ListedPresence(
            None, args.offline
        ), f"offline {names(args.offline)}; everyone else online"
    return None, "everyone online (no --online or --offline given)"


def _decision(found: RoutingDecision, department: str) -> str:
    if found.outcome is Outcome.ASSIGN:
        return f"assign to {found.assignee}"
    if found.outcome is Outcome.OFFER:
        return f"offer the customer a choice among {names(found.candidates)}"
    return f"queue in department {department}"


def _step_rule(step: Step) -> str:
    return "RT-7, MG-5" if step is Step.BACKUPS else "RT-7"


def _route(session: Session, out: Output, args: argparse.Namespace) -> int:
    presence, told = presence_of(args)
    decision = session.app(presence).route(session.principal, args.customer, args.department)
    rule = REASON_RULES[decision.reason]
    if out.json:
        out.dump({**shapes.decision(decision, rule, args.department), "presence": told})
        return 0
    out.record(
        [
            ("Customer", args.customer),
            ("Presence", told),
            ("Decision", _decision(decision, args.department)),
            ("Manager", decision.assignee),
            ("Reason", f"{decision.reason.value} ({rule})"),
            ("Step", f"{decision.step.value} ({_step_rule(decision.step)})"),
        ],
        None,
    )
    out.line("Owner chain walked:")
    rows = [
        (c.manager, c.step.value, "available" if c.excluded is None else c.excluded.value)
        for c in decision.considered
    ]
    out.table(
        ["manager", "step", "status"], rows, None, empty="  nobody: the customer has no owner"
    )
    return 0


def _subject(args: argparse.Namespace) -> tuple[Subject, str]:
    given = [
        (Subject.CUSTOMER, args.customer),
        (Subject.TICKET, args.ticket),
        (Subject.ORGANIZATION, args.organization),
    ]
    chosen = [(s, v) for s, v in given if v is not None]
    if len(chosen) != 1:
        raise UsageError("name one thing: a CUSTOMER, or --ticket T, or --organization ORG")
    return chosen[0]


def _who_can_see(session: Session, out: Output, args: argparse.Namespace) -> int:
    subject, object_id = _subject(args)
    app, principal = session.app(), session.principal
    segmentation = app.settings(principal).segmentation
    if args.manager is not None:
        viewers = [args.manager]
    elif session.acting_as_host:
        viewers = session.read(lambda uow: [m.id for m in uow.managers.list()])
    else:
        viewers = [principal.id]
    found = [(m, app.explain(principal, subject, object_id, viewer_id=m)) for m in viewers]
    data: dict[str, Any] = {
        "subject": subject.value,
        "id": object_id,
        "segmentation": segmentation,
        "managers": [{**shapes.visibility(m, v), "rule": CLAUSE_RULES[v.clause]} for m, v in found],
    }
    out.line(
        f"Who can see {subject.value} {object_id} "
        f"(segmentation {'on' if segmentation else 'off'}, VS-1):"
    )
    out.table(
        ["manager", "sees", "clause", "rule", "through"],
        [(m, v.granted, v.clause.value, CLAUSE_RULES[v.clause], v.via) for m, v in found],
        data,
        empty="No managers.",
    )
    return 0
