"""``carteira demo``: play the seed scenarios on a new SQLite database, narrating.

Without ``--db`` the database is built in a new temporary directory, removed at the end
unless ``--keep``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from carteira.cli.base import leaf
from carteira.cli.errors import CliError

if TYPE_CHECKING:
    from carteira.cli.base import Commands
    from carteira.cli.output import Output
    from carteira.cli.session import Session

__all__ = ["register"]

# SQLite's companion files, removed with the database by --force.
_COMPANIONS = ("", "-journal", "-wal", "-shm")


def register(commands: Commands) -> None:
    """Add ``demo``."""
    demo = leaf(
        commands,
        "demo",
        _demo,
        summary="play the help articles' scenarios on a new SQLite database",
        description="Build a SQLite database and play every seed scenario (000-004) "
        "through the public API,\nnarrating each step: portfolios, visibility, deletion, "
        "sticky routing, the queue, a\ncustomer choosing his agent, absences with a backup, "
        "and the customer portal. Without\n--db the database is built in a new temporary "
        "directory, removed at the end unless\n--keep. A kept or given database is named "
        "at the end, to look around in it with the\nother commands.",
        examples=["carteira demo", "carteira demo --keep", "carteira demo --db demo.db --force"],
        global_options=False,
    )
    demo.add_argument(
        "--db",
        dest="demo_db",
        metavar="PATH",
        help="the SQLite file to build (default: a new file in a new temporary directory)",
    )
    demo.add_argument("--force", action="store_true", help="replace PATH if it exists")
    demo.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory and its database (a --db file is always kept)",
    )
    demo.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print the traceback of an error",
    )


def _demo(session: Session, out: Output, args: argparse.Namespace) -> int:
    from carteira import demo  # noqa: PLC0415 - only this command needs the story

    given = args.demo_db or getattr(args, "db", None)
    path = None if given is None else Path(given)
    if path is not None and path.is_dir():
        raise CliError(f"{path} is a directory: give --db the path of a file to create")
    if path is not None and path.exists():
        if not args.force:
            raise CliError(f"{path} exists: give another --db, or --force to replace it")
        for suffix in _COMPANIONS:
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return demo.main(out.out, db=path, keep=args.keep)
