"""What every command module shares: leaf parsers, global options, a handler's steps.

A handler's steps: options that change a field (`given`), the reply of a command
that changes something (`reply`), and reading page after page (`pages`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from carteira.cli import shapes, values
from carteira.cli.errors import UsageError
from carteira.services.results import UNCHANGED, Page, Result, Unchanged

if TYPE_CHECKING:
    from carteira.cli.output import Output
    from carteira.cli.session import Session

    #: Where a module adds its commands.
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = [
    "Handler",
    "add_global_options",
    "finish",
    "formatter",
    "given",
    "given_or_cleared",
    "leaf",
    "need_change",
    "noun",
    "pages",
    "reply",
]

T = TypeVar("T")
E = TypeVar("E")

Handler = Callable[["Session", "Output", argparse.Namespace], int]
"""Runs one command; returns its exit code (0) or raises."""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps descriptions and epilogs as written; wider option column."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Add the options every command takes, before or after its name.

    On the leaves (``suppress``) an option not given leaves the value the top-level
    parser set, so ``carteira --json portfolio list`` and ``carteira portfolio list
    --json`` mean the same.
    """
    group = parser.add_argument_group("global options")

    def add(*flags: str, **options: Any) -> None:
        if suppress:
            options["default"] = argparse.SUPPRESS
        group.add_argument(*flags, **options)

    add("--db", metavar="PATH", help="SQLite file (default ./carteira.db, env CARTEIRA_DB)")
    add("--url", metavar="URL", help="any database URL instead of --db (env CARTEIRA_URL)")
    add(
        "--tenant",
        metavar="TENANT",
        help='tenant to work in (default "default", env CARTEIRA_TENANT)',
    )
    add(
        "--as",
        dest="acting_as",
        metavar="MANAGER",
        help="act as this manager, with his permissions (default: the host itself)",
    )
    add("--json", action="store_true", help="print listings and records as JSON")
    add("--debug", action="store_true", help="print the traceback of an error")
    add(
        "--eligible",
        metavar="PROFILE",
        action="append",
        type=values.profile,
        help="a profile that may manage portfolios (MG-1), repeatable; "
        "default analyst and administrator",
    )


def leaf(
    commands: Commands,
    name: str,
    handler: Handler,
    *,
    summary: str,
    description: str,
    examples: Sequence[str] = (),
    global_options: bool = True,
    reads: bool = False,
) -> argparse.ArgumentParser:
    """Add a command that runs ``handler``; its help shows ``description`` and examples.

    ``reads`` marks a command that only reads (ST-6): it creates no database file and
    refuses a tenant with no records (see `Session.store`).
    """
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples) if examples else None
    parser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=_Formatter,
    )
    parser.set_defaults(run=handler, takes_global_options=global_options, reads=reads)
    return parser


def finish(parser: argparse.ArgumentParser) -> None:
    """Add the global options to every command that takes them, after its own arguments.

    Added last so that a command's usage line starts with its own arguments.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                if child.get_default("takes_global_options"):
                    add_global_options(child, suppress=True)
                finish(child)


def noun(
    commands: Commands,
    name: str,
    *,
    summary: str,
    description: str,
) -> Commands:
    """Add a command group (``portfolio``, ``manager``...) and return its sub-commands."""
    parser = commands.add_parser(
        name, help=summary, description=description, formatter_class=_Formatter
    )
    return parser.add_subparsers(
        title="commands", metavar="COMMAND", dest=f"{name}_command", required=True
    )


def formatter() -> type[argparse.HelpFormatter]:
    """Return the help formatter every parser uses."""
    return _Formatter


def given(value: T | None) -> T | Unchanged:
    """Return an option's value, or ``UNCHANGED`` when it was not given."""
    return UNCHANGED if value is None else value


def given_or_cleared(value: T | None, *, clear: bool, cleared: E) -> T | E | Unchanged:
    """Return ``cleared`` when its ``--no-...`` flag is set, else `given`."""
    return cleared if clear else given(value)


def need_change(*changes: object, give: str) -> None:
    """Refuse an edit that changes nothing; ``give`` names the options that would."""
    if all(change is UNCHANGED for change in changes):
        raise UsageError(f"nothing to change: give {give}")


def reply(out: Output, result: Result[Any], kind: str, *lines: str) -> int:
    """Print what a command did: ``lines`` in words, or ``result`` as JSON; return 0."""
    for text in lines:
        out.line(text)
    if out.json:
        out.dump(shapes.command(result, kind))
    return 0


def pages(fetch: Callable[[str | None, int], Page[T]], limit: int | None) -> Iterator[T]:
    """Yield the items of every page, at most ``limit`` of them."""
    after: str | None = None
    left = limit
    while left is None or left > 0:
        page = fetch(after, 500 if left is None else min(left, 500))
        yield from page.items
        if left is not None:
            left -= len(page.items)
        if page.next_after is None:
            return
        after = page.next_after
