"""The ``carteira`` command: its parser and `main`, which runs one command.

Every command goes through the public [`Carteira`][carteira.Carteira] API for one tenant,
as the host itself or ``--as`` one of its managers (TN-1, PM-2).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from carteira.cli import (
    commands_customer,
    commands_data,
    commands_demo,
    commands_log,
    commands_manager,
    commands_portfolio,
    commands_routing,
    commands_ticket,
)
from carteira.cli.base import add_global_options, finish, formatter
from carteira.cli.errors import (
    EXIT_CODES_HELP,
    CliError,
    ExitCode,
    UsageError,
    exit_code_of,
    one_line,
)
from carteira.cli.output import Output
from carteira.cli.session import Session, environment, resolve_options
from carteira.domain.errors import CarteiraError

if TYPE_CHECKING:
    from carteira.cli.base import Commands

__all__ = ["build_parser", "main"]

_DESCRIPTION = """\
carteira: customer portfolios on the command line.

Works on a SQLite file (./carteira.db by default, created by the first command that
writes) or any database URL, for one tenant, as the host application itself or --as one
of its managers. A command that only reads creates no file and refuses a tenant with no
records. Every refusal is one sentence naming the rule that refused it, e.g. [PF-1]."""

_EPILOG = f"""\
first steps:
  carteira demo                                  the help articles' scenarios, narrated
  carteira manager add admin Admin --profile administrator --role administrator
  carteira manager add lucia Lúcia --profile analyst
  carteira portfolio create "São Paulo" --id sp --manager lucia
  carteira customer add padaria "Padaria Estrela"
  carteira customer assign padaria lucia
  carteira --as lucia customer list

environment:
  CARTEIRA_DB      SQLite file when neither --db nor --url is given
  CARTEIRA_URL     database URL when neither --db nor --url is given (beats CARTEIRA_DB)
  CARTEIRA_TENANT  tenant when --tenant is not given

{EXIT_CODES_HELP}

Run 'carteira COMMAND --help' for a command's options and examples."""


class _Parser(argparse.ArgumentParser):
    """Reports a usage error as one line naming the command's help (exit 2)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("carteira").strip()
        where = f"{command}: " if command else ""
        raise UsageError(f"{where}{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command (built anew on each call)."""
    parser = _Parser(
        prog="carteira",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=formatter(),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    add_global_options(parser, suppress=False)
    commands: Commands = parser.add_subparsers(  # type: ignore[assignment]
        title="commands", metavar="COMMAND", dest="command", required=True
    )
    commands_demo.register(commands)
    commands_portfolio.register(commands)
    commands_manager.register(commands)
    commands_customer.register(commands)
    commands_routing.register(commands)
    commands_ticket.register(commands)
    commands_log.register(commands)
    commands_data.register(commands)
    finish(parser)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("carteira")
    except PackageNotFoundError:
        return "(not installed)"


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None) -> int:
    """Run the command ``argv`` (default: the process's arguments); return its exit code.

    ``stdin`` is where a confirmation is read from (default: the process's stdin).
    """
    out = Output(sys.stdout, sys.stderr)
    parsed = _parse(list(sys.argv[1:] if argv is None else argv), out)
    if isinstance(parsed, int):
        return parsed
    options = resolve_options(vars(parsed), environment())
    out.json = options.json
    reads = bool(getattr(parsed, "reads", False))
    session = Session(options, sys.stdin if stdin is None else stdin, reads=reads)
    try:
        return _run(session, out, parsed)
    finally:
        session.close()


def _parse(arguments: list[str], out: Output) -> argparse.Namespace | int:
    """Return the parsed command line, or the exit code of --help, --version or misuse."""
    try:
        return build_parser().parse_args(arguments)
    except UsageError as error:
        out.problem(f"carteira: {error.message}")
        return ExitCode.USAGE
    except SystemExit as done:  # --help and --version print and exit
        return done.code if isinstance(done.code, int) else ExitCode.OK


def _run(session: Session, out: Output, args: argparse.Namespace) -> int:
    debug = session.options.debug
    try:
        return int(args.run(session, out, args))
    except CarteiraError as error:
        refusal = {"code": error.code, "rule": error.rule, "message": error.message}
        return _failed(out, debug, one_line(error), exit_code_of(error), refusal)
    except CliError as error:
        code = error.exit_code
        refusal = {"code": code.name.lower(), "rule": None, "message": error.message}
        return _failed(out, debug, f"carteira: {error.message}", code, refusal)
    except KeyboardInterrupt:
        out.problem("carteira: interrupted")
        return ExitCode.INTERRUPTED
    except Exception as error:  # a bug: one line, and the traceback with --debug
        text = (
            f"carteira: internal error: {type(error).__name__}: {error} "
            "(run again with --debug for the traceback)"
        )
        refusal = {"code": "internal", "rule": None, "message": text}
        return _failed(out, debug, text, ExitCode.INTERNAL, refusal)


def _failed(out: Output, debug: bool, line: str, code: int, refusal: dict[str, Any]) -> int:
    """Say why the command failed on stderr: ``line``, or with ``--json`` one JSON object."""
    if debug:
        traceback.print_exc(file=out.err)
    if out.json:
        out.problem(json.dumps({"error": {**refusal, "exit_code": int(code)}}, ensure_ascii=False))
    else:
        out.problem(line)
    return code
