"""Exit codes the command line promises scripts, and how errors become them (ER-1).

A refusal prints one line on stderr, ``carteira: <sentence> [RULE] (code)``, and exits
with the code its kind maps to; a traceback follows only with ``--debug``.
"""

from __future__ import annotations

import enum

from carteira.domain import refusals
from carteira.domain.errors import CarteiraError, ConcurrencyError, NotFound, StorageError

__all__ = [
    "EXIT_CODES_HELP",
    "CliError",
    "ExitCode",
    "NotConfirmed",
    "TenantNotFound",
    "UsageError",
    "exit_code_of",
    "one_line",
]


class ExitCode(enum.IntEnum):
    """What the process's exit status means; stable between releases."""

    OK = 0
    #: A rule, a permission or a precondition refused the command; nothing changed.
    REFUSED = 1
    #: The command line itself was wrong: unknown option, bad value, missing --yes.
    USAGE = 2
    #: An import found bad rows (none applied; or, with --partial, those were skipped).
    BAD_ROWS = 3
    #: The storage or the environment is unavailable or failing: a missing extra
    #: (SQLAlchemy, openpyxl), an unreachable database, a database newer than this
    #: carteira, a concurrent change after every retry.
    STORAGE = 4
    #: carteira itself failed (a bug): run again with --debug and report the traceback.
    INTERNAL = 70
    #: Interrupted with Ctrl-C.
    INTERRUPTED = 130


EXIT_CODES_HELP = """\
exit codes:
  0    done
  1    refused by a rule, a permission or a precondition (nothing changed)
  2    usage error: unknown option, bad value, missing --yes
  3    import found bad rows
  4    storage unavailable or failing: unreachable database, missing extra
  70   internal error (run again with --debug)
  130  interrupted"""

# The import's all-or-nothing refusal (carteira.spreadsheets.ImportRefused); matched by
# its stable code so that this module does not depend on the import's own module.
_IMPORT_REFUSED = "import_refused"
# A spreadsheet error that is the environment's fault, not the file's: a missing extra.
MISSING_EXTRA = "xlsx_unavailable"


class CliError(Exception):
    """A refusal of the command line itself, not of the library, with its exit code."""

    exit_code = ExitCode.REFUSED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(CliError):
    """The command line is incomplete or wrong (exit 2)."""

    exit_code = ExitCode.USAGE


class NotConfirmed(CliError):
    """The user did not confirm a final change (exit 1)."""


class TenantNotFound(NotFound):
    """A command that only reads names a tenant the database holds nothing of (TN-1).

    Most likely a typo in ``--tenant``: said, instead of an empty listing (exit 1).
    """

    def __init__(self, tenant: str, where: str) -> None:
        said = refusals.tenant_not_found(tenant, where)
        CarteiraError.__init__(
            self, said.message, code=said.code, rule=said.rule, details=said.details
        )
        self.kind = said.kind
        self.record_id = said.record_id


def exit_code_of(error: CarteiraError) -> ExitCode:
    """Return the exit code a library error maps to (ER-1, ST-1, ST-3, WA-8).

    A storage failure, a concurrent change after every retry and a missing extra are the
    environment's (4); an import's bad rows are 3; every other refusal is 1.
    """
    if isinstance(error, StorageError | ConcurrencyError) or error.code == MISSING_EXTRA:
        return ExitCode.STORAGE
    if error.code == _IMPORT_REFUSED:
        return ExitCode.BAD_ROWS
    return ExitCode.REFUSED


def one_line(error: CarteiraError) -> str:
    """Return the error as one line: its sentence, its rule and its stable code."""
    text = " ".join(str(error).split())
    return f"carteira: {text} ({error.code})"
