"""The command line as the end-to-end tests type it: a database made by commands, a runner.

Shared by the tests that drive ``carteira`` through its entry function on a SQLite file
(issue 6, WA-8, VS-7): each runs ``carteira --db <file> ARGS`` and reads the exit code,
stdout and stderr, with the environment's ``CARTEIRA_*`` variables out of the way.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

import pytest

from carteira.cli import main

Run = Callable[..., tuple[int, str, str]]
"""``run(*args, stdin=None)``: the exit code, stdout and stderr of one command."""

ENVIRONMENT = ("CARTEIRA_DB", "CARTEIRA_URL", "CARTEIRA_TENANT")
"""The variables that would steer a command away from the file a test names."""


def built_database(folder: Path, commands: Iterable[Sequence[str]]) -> Path:
    """Return a new SQLite file in ``folder`` holding what ``commands`` made; each must succeed."""
    db = folder / "carteira.db"
    for command in commands:
        assert main(["--db", str(db), *command]) == 0, command
    return db


def runner(db: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Return a ``run`` that types ``carteira --db <db> ARGS`` and reads what it printed."""

    def run(*args: str, stdin: TextIO | None = None) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--db", str(db), *args], stdin=stdin or io.StringIO())
        out, err = capsys.readouterr()
        return code, out, err

    return run


def clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the ``CARTEIRA_*`` variables out of the environment for one test."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
