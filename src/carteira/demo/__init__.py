"""A guided tour of carteira: the scenarios of seeds 000 to 004, on SQLite.

Run it with ``carteira demo`` (``make demo``, ``python -m carteira.demo``). It builds a SQLite
database through `SqlStore` (a fresh file in a new temporary directory unless given one) and plays
every scenario through the public API, with a [`ManualClock`][carteira.ManualClock] and an
[`InMemoryPresence`][carteira.InMemoryPresence] set by hand, so every run tells the same story. The
temporary directory is removed at the end unless kept (``--keep``); a kept or given database is
named at the end, with commands to look around in it. Each seed gets its
own tenant in that one database: a help desk (000), a chat platform for a store (001, with sticky
routing), an omnichannel help desk where a customer may have several agents (002), a
customer-success team (003) and a customer portal where customers open and follow their own tickets
through a workflow (004).

Each seed's scenario is told by its own module (``seed_000_helpdesk`` to ``seed_004_portal``),
on a stage from ``_scene``; this module builds the database and plays them in order.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from carteira import Carteira, InMemoryPresence, ManualClock, Profile
from carteira.demo import (
    seed_000_helpdesk,
    seed_001_store,
    seed_002_omnichannel,
    seed_003_success,
    seed_004_portal,
)
from carteira.demo._scene import OffScript, Scene
from carteira.domain import refusals
from carteira.policies import ProfileEligibility

__all__ = ["main"]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# -- tenancy --------------------------------------------------------------------------------


def _tenancy(scene: Scene) -> None:
    """TN-1: each tenant sees only its own records, even the host's own principal."""
    scene.title("Tenants")
    scene.say("The store's host asks for mariana, a customer of the help desk tenant:")
    scene.refused(lambda: scene.app.customer(scene.host, "mariana"))


#: The seeds' tenants, in the order the demo plays them, with a command to try in each.
TENANTS = {
    "helpdesk": "customer list",
    "store": "history beatriz",
    "omni": "route clara --department suporte --online otavio --online sara",
    "success": "portfolio list",
    "portal": "events --limit 5",
}


def _sqlite(path: Path) -> Any:
    try:
        from carteira.adapters.sql import SqlStore  # noqa: PLC0415 - the optional extra
    except ImportError as error:
        raise refusals.adapter_unavailable(
            needing="the demo runs on SQLite, which needs"
        ) from error
    return SqlStore.sqlite(path)


def _database(db: str | Path | None) -> tuple[Path, Path | None]:
    """Return the SQLite file to build and the temporary directory made for it, if any."""
    if db is not None:
        return Path(db), None
    folder = Path(tempfile.mkdtemp(prefix="carteira-demo-"))
    return folder / "carteira.db", folder


def main(out: TextIO = sys.stdout, *, db: str | Path | None = None, keep: bool = False) -> int:
    """Play the scenarios of seeds 000 to 004 on a new SQLite database, narrating to ``out``.

    ``db`` is the SQLite file to build; it should not exist yet. Without it the database
    is a fresh file in a new temporary directory, removed at the end unless ``keep``.
    Return 0 on success, 1 if the story went off script; a missing SQL extra raises
    [`StorageError`][carteira.StorageError].
    """
    path, folder = _database(db)
    try:
        data = _sqlite(path)
        try:
            code = _play(out, data)
        finally:
            data.close()
        if code == 0 and (folder is None or keep):
            _epilogue(out, path, folder)
        elif code == 0:
            _removed(out)
    finally:
        if folder is not None and not keep:
            shutil.rmtree(folder, ignore_errors=True)
    return code


def _play(out: TextIO, data: Any) -> int:
    clock = ManualClock(START)
    presence = InMemoryPresence()
    app = Carteira(data.unit_of_work, clock=clock, presence=presence)
    any_agent = ProfileEligibility.of(Profile)
    helpdesk_app = Carteira(data.unit_of_work, clock=clock, eligibility=any_agent)
    print(
        "carteira demo: customer portfolios and the customer portal, on a SQLite database.",
        file=out,
    )
    try:
        seed_000_helpdesk.play(Scene(out, helpdesk_app, clock, "helpdesk"))
        seed_001_store.play(Scene(out, app, clock, "store", presence))
        seed_002_omnichannel.play(Scene(out, app, clock, "omni", presence))
        seed_003_success.play(Scene(out, app, clock, "success"))
        seed_004_portal.play(Scene(out, app, clock, "portal"))
        _tenancy(Scene(out, app, clock, "store"))
    except OffScript as error:
        print(f"The demo went off script: {error}", file=out)
        return 1
    return 0


def _command_line() -> str:
    """Where ``carteira`` is: on the PATH, else beside this Python (``.venv/bin``)."""
    if shutil.which("carteira"):
        return "carteira, on your PATH"
    beside = Path(sys.executable).with_name("carteira")
    if beside.exists():
        return f"{shlex.quote(str(beside))}, or carteira once that folder is on your PATH"
    return "python -m carteira"


def _epilogue(out: TextIO, path: Path, folder: Path | None) -> None:
    """Say where the database is and how to look around in it with the command line.

    ``folder`` is the temporary directory it was kept in, for the reader to remove.
    """
    where = shlex.quote(str(path))
    print(file=out)
    print("== The database ==", file=out)
    print(f"Everything above is stored in the SQLite file {path}", file=out)
    print(f"(tenants {', '.join(TENANTS)}). Look around with the command line", file=out)
    print(f"({_command_line()}):", file=out)
    for tenant, command in TENANTS.items():
        print(f"  carteira --db {where} --tenant {tenant} {command}", file=out)
    if folder is not None:
        print(f"Remove the folder {folder} when done.", file=out)


def _removed(out: TextIO) -> None:
    """Say that the database went with its temporary directory, and how to keep one."""
    print(file=out)
    print("== The database ==", file=out)
    print(
        "Everything above was stored in a SQLite file in a temporary folder, now removed.", file=out
    )
    print("To keep the database and look around in it with the command line, run", file=out)
    print("carteira demo --keep (or carteira demo --db demo.db, to build that file).", file=out)
