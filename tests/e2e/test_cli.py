"""The command line, end to end on a temporary SQLite file (issue 6).

Most tests call the entry function ``carteira.cli.main`` with pytest's ``capsys``; two
run the installed console script and ``python -m carteira`` as a user would. Each test
names the SPEC rule it proves through the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carteira.cli import main
from carteira.cli.app import build_parser
from carteira.cli.commands_routing import CLAUSE_RULES
from carteira.cli.errors import ExitCode
from carteira.cli.session import resolve_options
from carteira.policies import Clause
from terminal import Run, built_database, clear_environment, runner

WORLD = [
    ["manager", "add", "admin", "Admin", "--profile", "administrator", "--role", "administrator"],
    ["manager", "add", "lucia", "Lúcia", "--profile", "analyst"],
    ["manager", "add", "rafael", "Rafael", "--profile", "analyst"],
    ["manager", "add", "tiago", "Tiago", "--role", "agent=view_unassigned"],
    ["portfolio", "create", "São Paulo", "--id", "sp", "--manager", "lucia"],
    ["portfolio", "create", "Rio de Janeiro", "--id", "rio", "--description", "Zona sul"],
    ["organization", "add", "andes", "Andes Ltda"],
    ["organization", "set", "andes", "--portfolio", "sp"],
    ["customer", "add", "padaria", "Padaria Estrela"],
    ["customer", "add", "diego", "Diego", "--organization", "andes"],
    ["customer", "add", "olga", "Olga"],
    ["customer", "assign", "padaria", "lucia", "--portfolio", "sp"],
    ["department", "save", "chat", "Atendimento"],
]


class Terminal(io.StringIO):
    """A stdin a person types into."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding WORLD, built once through the command line."""
    return built_database(tmp_path_factory.mktemp("template"), WORLD)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(template, tmp_path / "carteira.db"))


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)


@pytest.fixture
def run(db: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``carteira --db <db> ARGS``; return the exit code, stdout and stderr."""
    return runner(db, capsys)


def as_json(run: Run, *args: str) -> Any:
    code, out, err = run(*args, "--json")
    assert (code, err) == (0, ""), err
    return json.loads(out)


def printed(run: Run, *args: str, stdin: io.StringIO | None = None) -> str:
    """Run a command that must succeed (exit 0); return what it printed on stdout."""
    code, out, err = run(*args, stdin=stdin)
    assert code == 0, (out, err)
    return out


def refused(run: Run, *args: str) -> str:
    """Run a command that must be refused (exit 1); return its one line on stderr."""
    code, out, err = run(*args)
    assert code == ExitCode.REFUSED, (out, err)
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("carteira: ")
    assert "Traceback" not in err
    return err.strip()


# -- help -----------------------------------------------------------------------------------


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Any]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*path, name))
    if parser.get_default("run") is not None:
        own = [
            s
            for a in parser._actions
            for s in a.option_strings
            if s.startswith("--") and s != "--help"
        ]
        yield pytest.param(path, own, id=" ".join(path))


COMMANDS = list(_commands(build_parser()))


def test_every_command_the_issue_asks_for_is_there() -> None:
    names = {" ".join(p.values[0]) for p in COMMANDS}
    assert {
        "portfolio create",
        "portfolio edit",
        "portfolio list",
        "portfolio delete",
        "manager add",
        "manager deactivate",
        "manager absent",
        "customer assign",
        "customer unassign",
        "customer show",
        "import",
        "export",
        "route",
        "who-can-see",
        "history",
        "events",
        "demo",
    } <= names


@pytest.mark.parametrize(("path", "options"), COMMANDS)
def test_every_command_has_help_naming_its_options(
    path: tuple[str, ...], options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: carteira {' '.join(path)}")
    assert "examples:\n  carteira " in text
    for option in options:
        assert option in text


def test_the_top_level_help_lists_commands_exit_codes_and_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for word in ("portfolio", "who-can-see", "CARTEIRA_DB", "CARTEIRA_URL", "CARTEIRA_TENANT"):
        assert word in text
    for code in ExitCode:
        assert f"\n  {code.value} " in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["portfolio", "lst"], "portfolio: argument COMMAND: invalid choice: 'lst'"),
        (["portfolio", "create"], "the following arguments are required: NAME"),
        (["--tenant"], "argument --tenant: expected one argument"),
        (["manager", "add", "x", "X", "--profile", "boss"], "'boss' is not a profile"),
        (["manager", "add", "x", "X", "--role", "r=fly"], "fly is not a permission"),
        (["settings", "set", "--segmentation", "maybe"], "'maybe' is neither on nor off"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == ExitCode.USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert message in err
    assert "--help')" in err


def test_a_bad_date_is_a_usage_error(run: Run) -> None:
    """MB-6, MG-5: dates are read strictly; a bad one changes nothing (exit 2)."""
    code, _, err = run("history", "padaria", "--at", "2026-13-01")
    assert code == ExitCode.USAGE
    assert "argument --at: '2026-13-01' is not a date: use YYYY-MM-DD" in err
    code, _, err = run(
        "manager",
        "absent",
        "lucia",
        "--from",
        "tomorrow",
        "--until",
        "2026-03-09",
        "--backup",
        "rafael",
    )
    assert code == ExitCode.USAGE
    assert "argument --from: 'tomorrow' is not a date" in err


# -- storage ---------------------------------------------------------------------------------


def test_the_schema_is_created_by_the_first_command_that_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ST-2: a new file gets carteira's schema on the first command that writes."""
    db = tmp_path / "new.db"
    assert main(["--db", str(db), "manager", "add", "ana", "Ana"]) == 0
    with contextlib.closing(sqlite3.connect(db)) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert {"carteira_portfolios", "carteira_managers", "carteira_events"} <= tables
    capsys.readouterr()
    assert main(["--db", str(db), "portfolio", "list"]) == 0
    assert capsys.readouterr().out == "No portfolios.\n"  # a known tenant, no portfolio yet


def test_the_environment_names_the_database_and_the_tenant(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARTEIRA_DB", str(db))
    assert main(["portfolio", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    monkeypatch.setenv("CARTEIRA_TENANT", "other")
    assert main(["portfolio", "list", "--json"]) == ExitCode.REFUSED
    error = json.loads(capsys.readouterr().err)["error"]
    assert error["message"].startswith(f"tenant 'other' has no records in {db}")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg://nobody@127.0.0.1:9/none", "the database failed"),
        ("nosuch://somewhere", "no storage adapter named 'nosuch' is installed"),
        ("not a url", "is not a storage URL"),
    ],
)
def test_an_unreachable_database_exits_4(
    url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """ST-2: an unreachable or unknown database is a storage failure, in one line."""
    assert main(["--url", url, "portfolio", "list"]) == ExitCode.STORAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_a_missing_folder_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "nowhere" / "carteira.db"
    assert main(["--db", str(db), "manager", "add", "ana", "Ana"]) == ExitCode.STORAGE
    assert f"the folder {db.parent} does not exist [ST-2]" in capsys.readouterr().err


# Every command that only reads, as a script would type it on WORLD's database.
READS = {
    "portfolio list": ["portfolio", "list"],
    "portfolio show": ["portfolio", "show", "sp"],
    "manager list": ["manager", "list"],
    "customer show": ["customer", "show", "padaria"],
    "customer list": ["customer", "list"],
    "organization show": ["organization", "show", "andes"],
    "organization list": ["organization", "list"],
    "department list": ["department", "list"],
    "department queue": ["department", "queue", "chat"],
    "route": ["route", "padaria", "--department", "chat"],
    "who-can-see": ["who-can-see", "padaria"],
    "ticket list": ["ticket", "list"],
    "history": ["history", "padaria"],
    "events": ["events"],
    "settings show": ["settings", "show"],
    "export": ["export", "exported"],
}


def _leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _leaves(child, (*path, name))
    if parser.get_default("run") is not None:
        yield " ".join(path), parser


def test_st6_the_commands_that_only_read_are_marked_so() -> None:
    """ST-6: exactly the queries are marked as reading; the rest may create the file."""
    reading = {name for name, parser in _leaves(build_parser()) if parser.get_default("reads")}
    assert reading == set(READS)


@pytest.mark.parametrize("args", READS.values(), ids=READS.keys())
def test_st6_a_read_on_a_missing_file_creates_nothing_and_says_so(
    args: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ST-6: no query writes, so a read on a file that is not there creates none (exit 4)."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "typo.db"
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    assert (code, out) == (ExitCode.STORAGE, "")
    assert err == (
        f"carteira: no database at {db}: a command that only reads creates none; "
        "check --db or CARTEIRA_DB [ST-6] (database_not_found)\n"
    )
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", READS.values(), ids=READS.keys())
def test_tn1_a_read_for_a_tenant_with_no_records_says_so(
    args: list[str], db: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TN-1: a tenant the database holds nothing of is a typo, said as such (exit 1)."""
    monkeypatch.chdir(db.parent)
    line = refused(run, "--tenant", "acme", *args)
    assert line == (
        f"carteira: tenant 'acme' has no records in {db}: check --tenant or CARTEIRA_TENANT "
        "[TN-1] (tenant_not_found)"
    )
    assert not (db.parent / "exported").exists()


def test_tn1_st6_with_json_the_refusals_are_json_and_a_known_tenant_lists_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """TN-1, ST-6, ER-1: the same two refusals as JSON; an empty listing of a known tenant."""
    db = tmp_path / "carteira.db"
    assert main(["--json", "--db", str(db), "customer", "list"]) == ExitCode.STORAGE
    assert json.loads(capsys.readouterr().err) == {
        "error": {
            "code": "database_not_found",
            "rule": "ST-6",
            "message": f"no database at {db}: a command that only reads creates none; "
            "check --db or CARTEIRA_DB",
            "exit_code": ExitCode.STORAGE,
        }
    }
    url = f"sqlite:///{db}"
    assert main(["--url", url, "customer", "list"]) == ExitCode.STORAGE
    assert capsys.readouterr().err.endswith(
        "check --url or CARTEIRA_URL [ST-6] (database_not_found)\n"
    )
    assert not db.exists()
    assert main(["--db", str(db), "--tenant", "acme", "manager", "add", "ana", "Ana"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "--tenant", "acme", "customer", "list"]) == 0
    assert capsys.readouterr().out == "No customers.\n"
    assert main(["--json", "--db", str(db), "customer", "list"]) == ExitCode.REFUSED
    assert json.loads(capsys.readouterr().err)["error"] == {
        "code": "tenant_not_found",
        "rule": "TN-1",
        "message": f"tenant 'default' has no records in {db}: check --tenant or CARTEIRA_TENANT",
        "exit_code": ExitCode.REFUSED,
    }


def test_a_database_url_is_named_without_its_password() -> None:
    """A refusal naming the database never prints the URL's password."""
    url = "postgresql+psycopg://app:s3cr:et@db.example:5432/carteira"
    where = resolve_options({"url": url}, {}).where
    assert where == "postgresql+psycopg://app:***@db.example:5432/carteira"
    assert resolve_options({"db": "x.db"}, {}).where == "x.db"


def test_without_the_sql_extra_it_says_what_to_install(tmp_path: Path) -> None:
    """ST-2: without SQLAlchemy, one sentence naming the extra, and the storage exit code."""
    program = (
        "import sys; sys.modules['sqlalchemy'] = None\n"
        "from carteira.cli import main\n"
        f"sys.exit(main(['--db', {str(tmp_path / 'x.db')!r}, 'manager', 'add', 'a', 'A']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == ExitCode.STORAGE
    assert done.stderr == (
        "carteira: the SQL adapter needs SQLAlchemy: pip install 'carteira[sql]' [ST-2] "
        "(adapter_unavailable)\n"
    )


def test_debug_adds_the_traceback(run: Run) -> None:
    code, _, err = run("portfolio", "show", "nope", "--debug")
    assert code == ExitCode.REFUSED
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("carteira: portfolio 'nope' does not exist [TN-1] (not_found)\n")


# -- portfolios ------------------------------------------------------------------------------


def test_portfolio_list_shows_a_table_and_json(run: Run) -> None:
    """PF-3: every listing marks a portfolio with no active manager as unavailable."""
    out = printed(run, "portfolio", "list")
    assert out.splitlines() == [
        "ID   NAME            STATE        MANAGERS         JOURNEY  DESCRIPTION",
        "rio  Rio de Janeiro  unavailable  -                -        Zona sul",
        "sp   São Paulo       available    lucia (default)  -        -",
    ]
    listed = as_json(run, "portfolio", "list")
    assert [(p["id"], p["available"], p["managers"]) for p in listed] == [
        ("rio", False, []),
        ("sp", True, ["lucia"]),
    ]


def test_portfolio_create_prints_the_portfolio_and_its_events(run: Run) -> None:
    """PF-2, EV-1: --json prints the new portfolio and the events the command produced."""
    created = as_json(
        run,
        "portfolio",
        "create",
        "Campinas",
        "--manager",
        "lucia",
        "--journey",
        "onb",
        "--journey-name",
        "Onboarding",
    )
    portfolio = created["portfolio"]
    assert (portfolio["name"], portfolio["managers"]) == ("Campinas", ["lucia"])
    assert portfolio["journey"] == {"id": "onb", "name": "Onboarding"}
    assert [e["type"] for e in created["events"]] == ["PortfolioCreated"]
    out = printed(run, "portfolio", "create", "Vazio", "--id", "vazio")
    assert out == (
        "Created portfolio Vazio (vazio), managed by -; "
        "unavailable: it has no manager yet (PF-3).\n"
    )


def test_pf1_a_taken_name_is_refused_with_the_rule(run: Run) -> None:
    """PF-1: names are unique ignoring case and accents' case; the sentence names the rule."""
    line = refused(run, "portfolio", "create", "SÃO PAULO")
    assert line == (
        "carteira: a portfolio named 'São Paulo' exists: names are unique ignoring case "
        "(asked for 'SÃO PAULO') [PF-1] (portfolio_name_taken)"
    )


def test_pf6_an_agent_may_not_create_portfolios(run: Run) -> None:
    """PF-6, PM-2: acting --as an agent without MANAGE_PORTFOLIOS is refused, nothing changes."""
    line = refused(run, "--as", "tiago", "portfolio", "create", "Europa")
    assert line == (
        "carteira: manager 'tiago' may not administer portfolios: it needs MANAGE_PORTFOLIOS "
        "[PF-6] (permission_denied)"
    )
    assert len(as_json(run, "portfolio", "list")) == 2


def test_tn1_an_unknown_portfolio_does_not_exist(run: Run) -> None:
    """TN-1: an unknown id or name, and another tenant's portfolio, read the same."""
    expected = "carteira: portfolio 'nope' does not exist [TN-1] (not_found)"
    assert refused(run, "portfolio", "show", "nope") == expected
    assert refused(run, "portfolio", "edit", "nope", "--name", "x") == expected
    assert printed(run, "--tenant", "other", "manager", "add", "ana", "Ana")
    assert refused(run, "--tenant", "other", "portfolio", "show", "sp") == (
        "carteira: portfolio 'sp' does not exist [TN-1] (not_found)"
    )


def test_pf4_edit_by_name_in_any_casing(run: Run) -> None:
    """PF-4: a portfolio is named by id or by name ignoring case; renaming re-checks PF-1."""
    out = printed(
        run,
        "portfolio",
        "edit",
        "são paulo",
        "--name",
        "SÃO PAULO",
        "--manager",
        "lucia",
        "--manager",
        "rafael",
    )
    assert out == "Edited portfolio SÃO PAULO (sp), managed by lucia, rafael.\n"
    edited = as_json(run, "portfolio", "edit", "sp", "--description", "Capital")
    assert edited["portfolio"]["description"] == "Capital"
    cleared = as_json(run, "portfolio", "edit", "sp", "--description", "")
    assert cleared["portfolio"]["description"] is None
    assert refused(run, "portfolio", "edit", "rio", "--name", "são paulo").endswith(
        "[PF-1] (portfolio_name_taken)"
    )
    code, _, err = run("portfolio", "edit", "sp")
    assert code == ExitCode.USAGE
    assert "nothing to change" in err


def test_mb2_a_portfolio_loses_its_last_manager_only_when_empty(run: Run) -> None:
    """MB-2: taking off the last active manager of a portfolio holding customers is refused."""
    line = refused(run, "portfolio", "edit", "sp", "--no-managers")
    assert line.endswith("[MB-2] (portfolio_would_be_orphaned)")


def test_portfolio_show_lists_its_customers(run: Run) -> None:
    """MB-1: a portfolio's customers, own (padaria) or through the organization (diego)."""
    out = printed(run, "portfolio", "show", "sp")
    assert "state:       available" in out
    assert "customers:   2" in out
    shown = as_json(run, "portfolio", "show", "São Paulo")
    assert [c["id"] for c in shown["customers"]] == ["diego", "padaria"]


def test_pf5_delete_needs_a_confirmation(run: Run) -> None:
    """PF-5: deleting is final: without --yes and no terminal it is refused (exit 2)."""
    code, out, err = run("portfolio", "delete", "sp")
    assert (code, out) == (ExitCode.USAGE, "")
    assert err == (
        "carteira: deleting a portfolio is final and there is no terminal to ask on: "
        "run it again with --yes to confirm [PF-5]\n"
    )
    code, _, err = run("portfolio", "delete", "sp", stdin=Terminal("n\n"))
    assert code == ExitCode.REFUSED
    assert err.startswith("Delete portfolio 'São Paulo' (sp) for good?")
    assert err.endswith("[y/N] carteira: portfolio 'São Paulo' was not deleted\n")
    assert len(as_json(run, "portfolio", "list")) == 2


def test_pf5_delete_unassigns_and_deletes_no_customer(run: Run) -> None:
    """PF-5: after a confirmed deletion its customers and organizations are outside portfolio."""
    out = printed(run, "portfolio", "delete", "sp", stdin=Terminal("yes\n"))
    assert out.splitlines() == [
        "Deleted portfolio São Paulo (sp) for good (PF-5).",
        "Customers now outside portfolio: diego, padaria.",
        "Organizations now outside portfolio: andes.",
    ]
    shown = as_json(run, "customer", "show", "padaria")
    assert shown["ownership"]["portfolio"] is None
    assert refused(run, "portfolio", "delete", "sp", "--yes").endswith("(not_found)")
    deleted = as_json(run, "portfolio", "delete", "rio", "--yes")
    assert [e["type"] for e in deleted["events"]] == ["PortfolioDeleted"]


def test_mg2_portfolios_of_a_manager_put_his_default_first(run: Run) -> None:
    """MG-2: `manager default` marks it; `portfolio list --manager` lists it first."""
    assert run("portfolio", "edit", "rio", "--manager", "lucia")[0] == 0
    assert (
        printed(run, "manager", "default", "lucia", "rio")
        == "Default portfolio of lucia: rio (MG-2).\n"
    )
    listed = as_json(run, "portfolio", "list", "--manager", "lucia")
    assert [(p["id"], p["default"]) for p in listed] == [("rio", True), ("sp", False)]
    out = printed(run, "portfolio", "list", "--manager", "lucia")
    assert "Rio de Janeiro (default)" in out
    assert run("manager", "default", "lucia", "--clear")[0] == 0
    assert refused(run, "manager", "default", "rafael", "sp").endswith(
        "[MG-2] (manager_outside_portfolio)"
    )


# -- managers ------------------------------------------------------------------------------


def test_manager_list_as_table_and_json(run: Run) -> None:
    out = printed(run, "manager", "list")
    assert out.splitlines()[0].split() == [
        "ID",
        "NAME",
        "PROFILE",
        "ACTIVE",
        "ROLES",
        "DEFAULT",
        "ABSENCES",
    ]
    assert "tiago   Tiago   agent          yes     agent" in out
    listed = as_json(run, "manager", "list")
    assert [m["id"] for m in listed] == ["admin", "lucia", "rafael", "tiago"]
    assert listed[3]["roles"] == [{"name": "agent", "permissions": ["view_unassigned"]}]


def test_mg1_manager_list_filters_through_the_facade(run: Run) -> None:
    """MG-1: --active, --can-manage and --portfolio filter; an agent may not read the list."""
    ids = [m["id"] for m in as_json(run, "manager", "list", "--can-manage")]
    assert ids == ["admin", "lucia", "rafael"]
    assert [m["id"] for m in as_json(run, "manager", "list", "--cannot-manage")] == ["tiago"]
    assert [m["id"] for m in as_json(run, "manager", "list", "--portfolio", "sp")] == ["lucia"]
    assert as_json(run, "manager", "list", "--inactive") == []
    assert [m["id"] for m in as_json(run, "manager", "list", "--limit", "2")] == [
        "admin",
        "lucia",
    ]
    assert refused(run, "--as", "tiago", "manager", "list").endswith("(permission_denied)")


def test_vs3_organization_show_as_the_host_and_as_a_manager(run: Run) -> None:
    """VS-3, TN-1: the record of andes; lucia sees it through sp, tiago does not."""
    out = printed(run, "organization", "show", "andes")
    assert out.splitlines() == [
        "id:        andes",
        "name:      Andes Ltda",
        "portfolio: sp",
        "state:     in portfolio",
    ]
    assert as_json(run, "--as", "lucia", "organization", "show", "andes")["portfolio"] == "sp"
    assert refused(run, "--as", "tiago", "organization", "show", "andes").endswith(
        "[TN-1] (not_found)"
    )


def test_mg4_an_unknown_or_inactive_manager_may_not_act(run: Run) -> None:
    """MG-4: --as someone unknown is refused before anything is read."""
    assert refused(run, "--as", "ghost", "manager", "list") == (
        "carteira: manager 'ghost' may not act: unknown or inactive [MG-4] (principal_inactive)"
    )


def test_mg3_deactivation_without_a_choice_names_the_portfolios(run: Run) -> None:
    """MG-3: neither --transfer-to nor --keep, and he would orphan sp: refused, naming it."""
    line = refused(run, "manager", "deactivate", "lucia")
    assert "[MG-3] (portfolios_would_be_orphaned)" in line
    assert "'São Paulo'" in line


def test_mg3_wa5_deactivation_with_transfer(run: Run) -> None:
    """MG-3, WA-5: the successor takes his customers and portfolios."""
    out = printed(run, "manager", "deactivate", "lucia", "--transfer-to", "rafael")
    assert out.splitlines() == [
        "Manager lucia is inactive (MG-4).",
        "Transferred to rafael (MG-3, WA-5): customers padaria; portfolios sp.",
    ]
    assert as_json(run, "customer", "show", "padaria")["ownership"]["account_managers"] == [
        "rafael"
    ]
    assert run("manager", "reactivate", "lucia")[1] == "Manager lucia is active again.\n"


def test_mg3_deactivation_with_keep_leaves_no_manager(run: Run) -> None:
    """MG-3: with --keep customers stay and show "no manager"; sp is listed as orphaned."""
    left = as_json(run, "manager", "deactivate", "lucia", "--keep")
    assert left["manager"]["active"] is False
    assert left["events"][0]["type"] == "ManagerLeft"
    assert as_json(run, "customer", "show", "padaria")["no_manager"] is True
    assert [p["id"] for p in as_json(run, "portfolio", "list", "--orphaned")] == ["sp"]
    assert "sp   São Paulo       orphaned" in run("portfolio", "list")[1]


def test_mg1_manager_edit_and_remove(run: Run) -> None:
    """MG-1: only an eligible profile joins a portfolio; edit the profile, then it may."""
    assert refused(run, "portfolio", "edit", "rio", "--manager", "tiago").endswith(
        "[MG-1] (manager_not_eligible)"
    )
    assert (
        printed(run, "manager", "edit", "tiago", "--profile", "analyst", "--name", "Tiago S.")
        == "Edited manager tiago (Tiago S.), analyst, roles agent.\n"
    )
    assert run("portfolio", "edit", "rio", "--manager", "tiago")[0] == 0
    out = printed(run, "manager", "remove", "tiago", "--keep")
    assert out.startswith("Removed manager tiago.\n")
    assert "tiago" not in [m["id"] for m in as_json(run, "manager", "list")]


def test_eligible_widens_the_profiles_that_manage_portfolios(run: Run) -> None:
    """MG-1: the policy is replaceable: --eligible agent lets an agent join (seed 000)."""
    code, _, _ = run("--eligible", "agent", "portfolio", "edit", "rio", "--manager", "tiago")
    assert code == 0


def test_mg5_an_absence_sends_routing_to_the_backup(run: Run) -> None:
    """MG-5, RT-7: while lucia is away rafael takes padaria's conversations; then back."""
    out = printed(
        run,
        "manager",
        "absent",
        "lucia",
        "--from",
        "2000-01-01",
        "--until",
        "2999-01-01",
        "--backup",
        "rafael",
        "--id",
        "away",
    )
    assert out == (
        "lucia is away from 2000-01-01T00:00:00+00:00 until 2999-01-01T00:00:00+00:00, "
        "with rafael as backup (MG-5); absence id away.\n"
    )
    decision = as_json(run, "route", "padaria", "--department", "chat")
    assert (decision["assignee"], decision["step"]) == (
        "rafael",
        "backups_of_absent_account_managers",
    )
    _, out, _ = run("manager", "list")
    assert "away 2000-01-01 00:00..2999-01-01 00:00 -> rafael" in out
    assert run("manager", "cancel-absence", "lucia", "away")[0] == 0
    assert as_json(run, "route", "padaria", "--department", "chat")["assignee"] == "lucia"
    assert refused(
        run,
        "manager",
        "absent",
        "lucia",
        "--from",
        "2026-01-02",
        "--until",
        "2026-01-01",
        "--backup",
        "rafael",
    ).endswith("[MG-5] (invalid_input)")


# -- customers and organizations -------------------------------------------------------------


def test_customer_show_says_who_owns_it(run: Run) -> None:
    """MB-1, MB-4: diego is in sp through his organization."""
    out = printed(run, "customer", "show", "diego")
    assert out.splitlines() == [
        "id:               diego",
        "name:             Diego",
        "organization:     andes",
        "portfolio:        sp",
        "through:          its organization",
        "account managers: -",
        'state:            in portfolio sp via its organization, "no manager"',
    ]
    shown = as_json(run, "customer", "show", "diego")
    assert shown["ownership"] == {
        "portfolio": "sp",
        "account_managers": [],
        "inherited": True,
        "in_portfolio": True,
    }


def test_mb3_assign_and_unassign(run: Run) -> None:
    """MB-3, WA-3: assigning names the account manager; the cap of one replaces him."""
    assert (  # lucia marked no default and manages sp alone: sp is her default (MG-6)
        printed(run, "customer", "assign", "olga", "lucia")
        == "Customer olga is now in portfolio sp, account manager lucia.\n"
    )
    assert refused(run, "customer", "assign", "olga", "rafael").endswith(
        "[MB-3] (manager_outside_portfolio)"
    )
    assert run("portfolio", "edit", "sp", "--manager", "lucia", "--manager", "rafael")[0] == 0
    assigned = as_json(run, "customer", "assign", "olga", "rafael")
    assert assigned["customer"]["account_managers"] == ["rafael"]
    assert [e["type"] for e in assigned["events"]] == ["MembershipChanged"]
    assert (
        printed(run, "customer", "unassign", "olga", "rafael")
        == 'Customer olga is now in portfolio sp, "no manager".\n'
    )
    assert refused(
        run, "customer", "set", "olga", "--manager", "lucia", "--manager", "rafael"
    ).endswith("[MB-3] (too_many_account_managers)")


def test_mb2_a_customer_enters_no_portfolio_without_a_manager(run: Run) -> None:
    """MB-2: rio has no active manager, so it takes no customer."""
    line = refused(run, "customer", "set", "olga", "--portfolio", "rio")
    assert line == (
        "carteira: customer 'olga' cannot enter portfolio 'Rio de Janeiro': it has no "
        "active manager [MB-2] (portfolio_unavailable)"
    )
    assert (
        printed(run, "customer", "set", "olga", "--portfolio", "sp")
        == 'Customer olga is now in portfolio sp, "no manager".\n'
    )


def test_customer_add_edit_and_list(run: Run) -> None:
    assert (
        printed(run, "customer", "add", "mercado", "Mercado", "--organization", "andes")
        == "Added customer mercado (Mercado).\n"
    )
    assert (
        printed(
            run, "customer", "edit", "mercado", "--name", "Mercado Central", "--no-organization"
        )
        == "Edited customer mercado (Mercado Central), organization -.\n"
    )
    listed = as_json(run, "customer", "list")
    assert [c["id"] for c in listed] == ["diego", "mercado", "olga", "padaria"]
    assert [c["id"] for c in as_json(run, "customer", "list", "--search", "pada")] == ["padaria"]
    assert [c["id"] for c in as_json(run, "customer", "list", "--limit", "2")] == [
        "diego",
        "mercado",
    ]
    assert [c["id"] for c in as_json(run, "customer", "list", "--portfolio", "sp")] == [
        "diego",
        "padaria",
    ]
    assert printed(run, "customer", "list", "--search", "zzz") == "No customers.\n"


def test_vs2_vs3_a_manager_lists_only_what_he_sees(run: Run) -> None:
    """VS-2, VS-3: lucia sees sp's customers; tiago (VIEW_UNASSIGNED) sees olga only."""
    assert [c["id"] for c in as_json(run, "--as", "lucia", "customer", "list")] == [
        "diego",
        "padaria",
    ]
    assert [c["id"] for c in as_json(run, "--as", "tiago", "customer", "list")] == ["olga"]
    assert refused(run, "--as", "tiago", "customer", "show", "padaria") == (
        "carteira: customer 'padaria' does not exist [TN-1] (not_found)"
    )


def test_organizations(run: Run) -> None:
    """MB-1: an organization in a portfolio; taking it out takes diego with it."""
    assert run("organization", "add", "mercantil", "Mercantil")[1] == (
        "Added organization mercantil (Mercantil).\n"
    )
    assert [(o["id"], o["portfolio"]) for o in as_json(run, "organization", "list")] == [
        ("andes", "sp"),
        ("mercantil", None),
    ]
    assert (
        printed(run, "organization", "set", "andes", "--no-portfolio")
        == "Organization andes is now outside portfolio.\n"
    )
    assert as_json(run, "customer", "show", "diego")["ownership"]["in_portfolio"] is False


def test_wa3_setting_membership_needs_set_portfolio(run: Run) -> None:
    """WA-3: an agent without SET_PORTFOLIO may not assign customers."""
    assert refused(run, "--as", "tiago", "customer", "assign", "olga", "lucia").endswith(
        "[WA-3] (permission_denied)"
    )


# -- routing and visibility ----------------------------------------------------------------


def test_rt3_route_prints_the_decision_reason_and_rule(run: Run) -> None:
    """RT-3, RT-7: one available owner: straight to him, the step that decided named."""
    out = printed(run, "route", "padaria", "--department", "chat")
    assert out.splitlines() == [
        "Customer: padaria",
        "Presence: everyone online (no --online or --offline given)",
        "Decision: assign to lucia",
        "Manager:  lucia",
        "Reason:   one_candidate (RT-3)",
        "Step:     primary_account_manager (RT-7)",
        "Owner chain walked:",
        "MANAGER  STEP                     STATUS",
        "lucia    primary_account_manager  available",
    ]


def test_rt3_rt2_offline_owners_send_it_to_the_queue(run: Run) -> None:
    """RT-2, RT-3: presence is told on the command line; offline owners mean the queue."""
    for presence in (["--offline", "lucia"], ["--online", "rafael"], ["--nobody-online"]):
        decision = as_json(run, "route", "padaria", "--department", "chat", *presence)
        assert (decision["outcome"], decision["reason"], decision["rule"]) == (
            "queue",
            "all_offline",
            "RT-3",
        )
        assert decision["considered"] == [
            {"manager": "lucia", "step": "primary_account_manager", "excluded": "offline"}
        ]
    decision = as_json(run, "route", "olga", "--department", "chat")
    assert (decision["reason"], decision["assignee"]) == ("none_assigned", None)


def test_rt1_a_department_by_queue_and_one_where_the_customer_chooses(run: Run) -> None:
    """RT-1: by queue ignores portfolios; customer-chooses offers every available owner."""
    assert run("department", "save", "fin", "Financeiro", "--by", "queue")[0] == 0
    decision = as_json(run, "route", "padaria", "--department", "fin")
    assert (decision["reason"], decision["rule"]) == ("department_routes_by_queue", "RT-1")
    assert run("settings", "set", "--max-account-managers", "2")[0] == 0
    assert run("portfolio", "edit", "sp", "--manager", "lucia", "--manager", "rafael")[0] == 0
    assert run("customer", "set", "padaria", "--manager", "lucia", "--manager", "rafael")[0] == 0
    assert run("department", "save", "sup", "Suporte", "--customer-chooses")[0] == 0
    decision = as_json(run, "route", "padaria", "--department", "sup")
    assert (decision["outcome"], decision["candidates"]) == ("offer", ["lucia", "rafael"])
    departments = as_json(run, "department", "list")
    assert [(d["id"], d["routing"], d["choice"]) for d in departments] == [
        ("chat", "portfolio", "automatic"),
        ("fin", "queue", "automatic"),
        ("sup", "portfolio", "customer_chooses"),
    ]


def test_route_of_an_unknown_department_is_refused(run: Run) -> None:
    line = refused(run, "route", "padaria", "--department", "nope")
    assert line.endswith("(not_found)")


def test_vs5_who_can_see_explains_every_manager(run: Run) -> None:
    """VS-5: for each manager, whether he sees the customer and through which clause."""
    out = printed(run, "who-can-see", "padaria")
    assert out.splitlines() == [
        "Who can see customer padaria (segmentation on, VS-1):",
        "MANAGER  SEES  CLAUSE             RULE    THROUGH",
        "admin    yes   view_all           VS-2 d  -",
        "lucia    yes   manages_portfolio  VS-2 a  -",
        "rafael   no    not_owner          VS-2    -",
        "tiago    no    not_owner          VS-2    -",
    ]
    seen = as_json(run, "who-can-see", "olga")
    assert {m["manager"]: m["clause"] for m in seen["managers"] if m["granted"]} == {
        "admin": "outside_portfolio_view_unassigned",
        "tiago": "outside_portfolio_view_unassigned",
    }


def test_vs5_who_can_see_as_a_manager_and_about_another(run: Run) -> None:
    """VS-5: a manager learns his own clause; asking about another needs MANAGE_MANAGERS."""
    seen = as_json(run, "--as", "lucia", "who-can-see", "diego")
    assert seen["managers"] == [
        {
            "manager": "lucia",
            "granted": True,
            "clause": "manages_portfolio",
            "via": None,
            "rule": "VS-2 a",
        }
    ]
    assert refused(run, "--as", "lucia", "who-can-see", "diego", "--manager", "rafael").endswith(
        "[VS-5] (permission_denied)"
    )
    seen = as_json(run, "who-can-see", "--organization", "andes", "--manager", "rafael")
    assert (seen["subject"], seen["managers"][0]["granted"]) == ("organization", False)
    assert refused(run, "who-can-see", "--ticket", "t-1") == (
        "carteira: ticket 't-1' does not exist [TN-1] (not_found)"
    )
    code, _, err = run("who-can-see", "padaria", "--ticket", "t-1")
    assert code == ExitCode.USAGE
    assert "name one thing" in err


def test_vs1_with_segmentation_off_every_manager_sees_everything(run: Run) -> None:
    """VS-1: the settings switch; every active manager then sees every customer."""
    out = printed(run, "settings", "set", "--segmentation", "off")
    assert out.startswith("Settings: segmentation off, open access off, at most 1 account")
    seen = as_json(run, "who-can-see", "padaria")
    assert {m["clause"] for m in seen["managers"]} == {"segmentation_off"}
    shown = as_json(run, "settings", "show")
    assert (shown["segmentation"], shown["max_account_managers"]) == (False, 1)
    out = printed(run, "settings", "show")
    assert "segmentation:         off" in out


def test_vs6_seed_001_the_second_option_opens_every_customer_and_keeps_the_portfolios(
    run: Run,
) -> None:
    """VS-6, seed 001: "habilite também a segunda opção da segmentação, que permite os
    vendedores acessarem clientes fora da carteira. Ativa essa opção não muda a regra
    primária de carteira."

    rafael sells outside São Paulo: he cannot open padaria's record until the administrator
    turns the second option on; then he can, while padaria stays lucia's and a new
    conversation still goes to her.
    """
    assert refused(run, "--as", "rafael", "customer", "show", "padaria").endswith("(not_found)")
    before = printed(run, "route", "padaria", "--department", "chat")
    out = printed(run, "settings", "set", "--open-access", "on")
    assert out.startswith("Settings: segmentation on, open access on,")
    shown = as_json(run, "--as", "rafael", "customer", "show", "padaria")
    assert shown["ownership"]["portfolio"] == "sp"
    assert shown["ownership"]["account_managers"] == ["lucia"]
    listed = [c["id"] for c in as_json(run, "--as", "rafael", "customer", "list")]
    assert listed == ["diego", "olga", "padaria"]
    seen = as_json(run, "who-can-see", "padaria")["managers"]
    assert {m["manager"]: (m["clause"], m["rule"]) for m in seen}["rafael"] == (
        "open_access",
        "VS-6",
    )
    assert printed(run, "route", "padaria", "--department", "chat") == before
    assert "open access:          on" in printed(run, "settings", "show")


def test_vs8_seed_001_pesquise_o_nome_do_cliente_without_accents(run: Run) -> None:
    """VS-8, seed 001 ("Pesquise o nome do cliente"): lucia types ``tomas neto`` for Tomás
    Neto, a customer of her portfolio, and finds him; rafael, who does not see him, does not."""
    assert run("customer", "add", "tomas", "Tomás Neto")[0] == 0
    assert run("customer", "set", "tomas", "--portfolio", "sp")[0] == 0
    found = as_json(run, "--as", "lucia", "customer", "list", "--search", "tomas neto")
    assert [c["id"] for c in found] == ["tomas"]
    out = printed(run, "--as", "lucia", "customer", "list", "--search", "NETO")
    assert "Tomás Neto" in out
    assert as_json(run, "--as", "rafael", "customer", "list", "--search", "tomas") == []
    assert [o["id"] for o in as_json(run, "organization", "list", "--search", "andes lt")] == [
        "andes"
    ]


# -- history and events ----------------------------------------------------------------------


def test_mb6_history_and_who_owned_it_then(run: Run) -> None:
    """MB-6: every change with who, when and which way; --at answers who owned it then."""
    out = printed(run, "history", "padaria")
    lines = out.splitlines()
    assert lines[0].split() == ["WHEN", "BY", "WAY", "RULE", "BEFORE", "AFTER"]
    assert lines[1].endswith(
        "system  record  WA-3  outside portfolio  in portfolio sp, account manager lucia"
    )
    changes = as_json(run, "history", "padaria")
    assert [(c["type"], c["way"]) for c in changes] == [("MembershipChanged", "record")]
    assert printed(run, "history", "padaria", "--at", "2000-01-01") == (
        "Who owned padaria at 2000-01-01T00:00:00+00:00? outside portfolio (MB-6).\n"
    )
    then = as_json(run, "history", "padaria", "--at", "2999-01-01T12:00-03:00")
    assert then["at"] == "2999-01-01T12:00:00-03:00"
    assert then["ownership"]["account_managers"] == ["lucia"]
    assert printed(run, "history", "olga") == "No ownership changes of olga yet.\n"


def test_ev1_events_read_the_log_in_order(run: Run) -> None:
    """EV-1: the event log with positions; --after pages on; only the host reads it."""
    read = as_json(run, "events", "--limit", "3")
    assert [(e["position"], e["event"]["type"]) for e in read] == [
        (1, "ManagerRegistered"),
        (2, "ManagerRegistered"),
        (3, "ManagerRegistered"),
    ]
    after = as_json(run, "events", "--after", "3", "--limit", "2")
    assert [e["position"] for e in after] == [4, 5]
    unpublished = as_json(run, "events", "--unpublished")
    assert [e["position"] for e in unpublished] == list(range(1, len(unpublished) + 1))
    assert unpublished[-1]["event"]["type"] == "DepartmentSaved"
    assert printed(run, "events", "--after", "1000") == "No events.\n"
    out = printed(run, "events", "--limit", "1")
    assert out.splitlines()[1].split()[2:] == ["ManagerRegistered", "system", "manager_id=admin"]
    assert refused(run, "--as", "admin", "events").endswith("[EV-1] (permission_denied)")


# -- import and export -------------------------------------------------------------------------

CLIENTES = (
    "cliente;nome do cliente;carteira;gerente\n"
    "mercado;Mercado Central;São Paulo;lucia\n"
    "oficina;Oficina;Atlântida;\n"
    "farmacia;Farmácia;sp;rafael\n"
)


@pytest.fixture
def clientes(tmp_path: Path) -> Path:
    path = tmp_path / "clientes.csv"
    path.write_text(CLIENTES, encoding="utf-8")
    return path


def test_wa8_an_import_with_bad_rows_applies_nothing(run: Run, clientes: Path) -> None:
    """WA-8: every bad row printed as file:line [column]: reason (code, rule); exit 3."""
    code, out, err = run("import", str(clientes))
    assert (code, out) == (ExitCode.BAD_ROWS, "")
    assert err.splitlines() == [
        f"{clientes}:3 [portfolio]: portfolio 'Atlântida' does not exist (unknown_portfolio, WA-8)",
        f"{clientes}:4 [managers]: manager 'rafael' does not manage portfolio 'São Paulo' "
        "of customer 'farmacia' (manager_outside_portfolio, MB-3)",
        "carteira: the import has 2 bad row(s); nothing was applied [WA-8] (import_refused)",
    ]
    assert [c["id"] for c in as_json(run, "customer", "list")] == ["diego", "olga", "padaria"]


def test_wa8_a_partial_import_applies_the_good_rows_and_writes_the_bad(
    run: Run, clientes: Path, tmp_path: Path
) -> None:
    """WA-8: --partial applies the good rows; --errors gives the bad ones back, with why."""
    errors = tmp_path / "erros.csv"
    code, out, err = run("import", str(clientes), "--partial", "--errors", str(errors))
    assert code == ExitCode.BAD_ROWS
    assert out.startswith(f"Imported {clientes}: 1 row(s) applied, 0 unchanged, 2 bad, in ")
    assert f"carteira: the bad rows, with a 'problem' column, are in {errors}\n" in err
    written = errors.read_text(encoding="utf-8").splitlines()
    # laid out as the input: its header words and ";" (issue 15, tests/e2e/test_errors_file.py)
    assert written[0] == "cliente;nome do cliente;carteira;gerente;problema"
    assert [line.split(";")[0] for line in written[1:]] == ["oficina", "farmacia"]
    shown = as_json(run, "customer", "show", "mercado")
    assert (shown["ownership"]["portfolio"], shown["ownership"]["account_managers"]) == (
        "sp",
        ["lucia"],
    )
    history = as_json(run, "history", "mercado")
    assert [(c["way"], c["actor"]) for c in history] == [("import", "system")]


def test_wa8_an_import_of_good_rows_twice_changes_nothing_the_second_time(
    run: Run, tmp_path: Path
) -> None:
    """WA-8: importing the same file again applies nothing; --progress draws on stderr."""
    path = tmp_path / "vinculos.csv"
    path.write_text("cliente;carteira;gerente\nolga;sp;lucia\nmercado;sp;\n", encoding="utf-8")
    report = as_json(run, "import", str(path))
    assert (report["applied"], report["unchanged"], report["problems"]) == (2, 0, [])
    code, out, err = run("import", str(path), "--progress")
    assert code == 0
    assert out.startswith(f"Imported {path}: 0 row(s) applied, 2 unchanged, 0 bad, in ")
    assert err.endswith("100%  2/2 rows\n")
    assert as_json(run, "customer", "show", "olga")["ownership"]["account_managers"] == ["lucia"]


def test_wa8_a_file_that_cannot_be_read_exits_3(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nada.csv"
    code, _, err = run("import", str(missing))
    assert code == ExitCode.BAD_ROWS
    assert err.splitlines() == [
        f"{missing}:0: no such file or directory (file_not_found, WA-8)",
        f"carteira: {missing} cannot be imported: 1 problem(s); nothing was applied "
        "[WA-8] (file_not_found)",
    ]


def test_vs3_an_import_needs_to_see_every_customer(run: Run, clientes: Path) -> None:
    """VS-3, PM-2: acting --as a manager without VIEW_ALL, an import is refused."""
    line = refused(run, "--as", "lucia", "import", str(clientes))
    assert line.endswith("[VS-3] (import_needs_view_all)")


def test_wa8_export_then_import_into_an_empty_database(
    run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """WA-8: what export writes, import reads: the same portfolios and memberships."""
    folder = tmp_path / "export"
    out = printed(run, "export", str(folder))
    assert out.startswith("Exported 4 managers, 2 portfolios, 4 memberships, 3 history to ")
    assert sorted(p.name for p in folder.iterdir()) == [
        "history.csv",
        "managers.csv",
        "memberships.csv",
        "portfolios.csv",
    ]
    other = tmp_path / "other.db"
    assert main(["--db", str(other), "import", str(folder)]) == 0
    capsys.readouterr()
    assert main(["--db", str(other), "portfolio", "list"]) == 0
    assert capsys.readouterr().out == run("portfolio", "list")[1]
    assert main(["--db", str(other), "customer", "show", "diego", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ownership"]["portfolio"] == "sp"
    assert run("export", str(tmp_path / "book.xlsx"))[0] == 0
    assert (tmp_path / "book.xlsx").stat().st_size > 0
    code, _, err = run("export", str(tmp_path / "one.csv"))
    assert code == ExitCode.REFUSED
    assert "a .csv file holds one table" in err


def piped(data: bytes) -> io.TextIOWrapper:
    """A standard input a file is piped into: bytes beneath the text."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def test_wa8_export_dash_to_import_dash_copies_the_tenant(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """WA-8: `export - --table T` prints T's CSV alone; `import -` reads it from a pipe."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "export"
    printed(run, "export", str(folder))
    other = tmp_path / "other.db"
    for table in ("managers", "portfolios", "memberships"):
        code, out, err = run("export", "-", "--table", table, "--json")
        assert (code, err) == (0, "")
        assert out == (folder / f"{table}.csv").read_text(encoding="utf-8")
        assert main(["--db", str(other), "import", "-"], stdin=piped(out.encode())) == 0
        assert capsys.readouterr().out.startswith("Imported <stdin>: ")
    assert not (tmp_path / "-").exists()
    assert main(["--db", str(other), "portfolio", "list"]) == 0
    assert capsys.readouterr().out == run("portfolio", "list")[1]
    printed(run, "export", "clientes.csv", "--table", "memberships")
    assert (tmp_path / "clientes.csv").read_text(encoding="utf-8") == (
        folder / "memberships.csv"
    ).read_text(encoding="utf-8")


def test_wa8_export_dash_needs_one_table(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WA-8: standard output takes one table; without --table nothing is written (exit 2)."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run("export", "-")
    assert (code, out) == (ExitCode.USAGE, "")
    assert err == (
        "carteira: export -: standard output takes one table: "
        "give --table managers, portfolios, memberships or history\n"
    )
    code, out, err = run("--json", "export", "-")
    assert (code, out, json.loads(err)["error"]["code"]) == (ExitCode.USAGE, "", "usage")
    assert not (tmp_path / "-").exists()


def test_wa8_import_dash_reads_its_bytes_as_a_file_is_read(run: Run) -> None:
    """WA-8: from a pipe as from a file: Windows-1252 and ";" told from the bytes."""
    data = "cliente;nome do cliente;carteira;gerente\nacao;Ação Ltda;sp;lucia\n"
    code, out, err = run("import", "-", stdin=piped(data.encode("cp1252")))
    assert (code, err) == (0, "")
    assert out.startswith("Imported <stdin>: 1 row(s) applied, 0 unchanged, 0 bad, in ")
    shown = as_json(run, "customer", "show", "acao")
    assert (shown["customer"]["name"], shown["ownership"]["account_managers"]) == (
        "Ação Ltda",
        ["lucia"],
    )


def test_wa8_import_dash_names_its_table_by_table_and_refuses_what_it_cannot_read(
    run: Run,
) -> None:
    """WA-8: a pipe has no name to tell its table by (--table does); it takes CSV only."""
    ambiguous = b"id,nome\nnorte,Norte\n"
    code, out, err = run("import", "-", stdin=piped(ambiguous))
    assert (code, out) == (ExitCode.BAD_ROWS, "")
    first, last = err.splitlines()
    assert first.startswith("<stdin>:1: cannot tell which table this is: ")
    assert first.endswith(
        "; standard input has no name: give --table managers, portfolios, memberships or "
        "history (unknown_table, WA-8)"
    )
    assert last == (
        "carteira: <stdin> cannot be imported: 1 problem(s); nothing was applied [WA-8] "
        "(spreadsheet_invalid)"
    )
    code, _, err = run("import", "-", "--table", "portfolios", stdin=piped(ambiguous))
    assert (code, err) == (0, "")
    assert [p["id"] for p in as_json(run, "portfolio", "list")] == ["norte", "rio", "sp"]
    code, out, err = run("import", "-", stdin=piped(b"PK\x03\x04 a workbook"))
    assert (code, out) == (ExitCode.BAD_ROWS, "")
    assert err.splitlines()[0] == (
        "<stdin>:0: standard input takes CSV: read an .xlsx workbook from its path "
        "(unsupported_format, WA-8)"
    )


def test_wa8_import_dash_refuses_a_terminal_and_errors_dash(run: Run) -> None:
    """WA-8: no waiting for a person to type a spreadsheet; bad rows go to a file (exit 2)."""
    code, _, err = run("import", "-", stdin=Terminal("cliente\nolga\n"))
    assert code == ExitCode.USAGE
    assert err == (
        "carteira: import -: standard input is a terminal: pipe a CSV file into it, "
        "as in 'carteira import - < clientes.csv'\n"
    )
    code, _, err = run("import", "-", "--errors", "-", stdin=piped(b"cliente\nolga\n"))
    assert code == ExitCode.USAGE
    assert err == "carteira: --errors names a file: standard output carries the import's report\n"
    assert as_json(run, "customer", "show", "olga")["ownership"]["portfolio"] is None


def test_wa8_export_without_openpyxl_is_one_refusal_exit_4(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WA-8, ER-1: a missing extra is the environment's (exit 4), as JSON with --json."""
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    book = tmp_path / "book.xlsx"
    code, out, err = run("--json", "export", str(book))
    assert (code, out) == (ExitCode.STORAGE, "")
    error = json.loads(err)["error"]
    assert (error["code"], error["rule"], error["exit_code"]) == (
        "xlsx_unavailable",
        "WA-8",
        ExitCode.STORAGE,
    )
    assert not book.exists()


# -- the installed command ---------------------------------------------------------------------


def _environment() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("CARTEIRA_")}
    return {**keep, "PYTHONIOENCODING": "utf-8"}


def test_the_console_script_runs(db: Path) -> None:
    """The `carteira` console script is installed next to the interpreter and works."""
    script = Path(sys.executable).parent / "carteira"
    if not script.exists():
        pytest.skip("the console script is not installed in this environment")
    done = subprocess.run(
        [str(script), "--db", str(db), "portfolio", "list", "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_environment(),
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert [p["id"] for p in json.loads(done.stdout)] == ["rio", "sp"]


def test_python_m_carteira_runs_and_exits_with_the_code(db: Path) -> None:
    """PF-1 through `python -m carteira`: the refusal's exit code reaches the shell."""
    done = subprocess.run(
        [sys.executable, "-m", "carteira", "--db", str(db), "portfolio", "create", "são paulo"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_environment(),
        check=False,
        timeout=60,
    )
    assert done.returncode == ExitCode.REFUSED
    assert done.stdout == ""
    assert done.stderr.endswith("[PF-1] (portfolio_name_taken)\n")


def test_wa8_ten_broken_rows_of_different_kinds_are_all_reported_and_change_nothing(
    run: Run, tmp_path: Path
) -> None:
    """WA-8: a CSV with 10 broken rows: all 10 reported with their lines; exit 3; no change."""
    path = tmp_path / "quebrado.csv"
    rows = [
        "cliente;nome do cliente;organização;carteira;gerente",
        "novo1;Novo;;São Paulo;lucia",  # 2: good
        "x1;X;;Atlântida;",  # 3: unknown portfolio
        "x2;X;;São Paulo;zoe",  # 4: unknown manager
        "x3;X;;São Paulo;rafael",  # 5: manager outside the portfolio
        "x4;X;;Rio de Janeiro;",  # 6: portfolio without manager
        "novo1;Novo;;São Paulo;lucia",  # 7: duplicate row
        f"{'y' * 256};X;;;",  # 8: id too long
        "x5;X;;São Paulo;lucia|rafael",  # 9: too many account managers
        ";;andes;São Paulo;lucia",  # 10: managers on an organization's row
        ";X;;São Paulo;",  # 11: neither customer nor organization
        "x6;X;andes;Rio de Janeiro;lucia",  # 12: outside the portfolio, by organization
        "novo2;Novo;andes;;",  # 13: good
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    customers = as_json(run, "customer", "list")
    events = as_json(run, "events")
    code, out, err = run("import", str(path))
    assert (code, out) == (ExitCode.BAD_ROWS, "")
    reported = err.splitlines()
    assert reported[-1].endswith(
        "the import has 10 bad row(s); nothing was applied [WA-8] (import_refused)"
    )
    lines = [int(line.split(":")[1].split()[0]) for line in reported[:-1]]
    assert lines == list(range(3, 13))
    codes = {line.rsplit("(", 1)[1].split(",")[0] for line in reported[:-1]}
    assert codes == {
        "unknown_portfolio",
        "unknown_manager",
        "manager_outside_portfolio",
        "portfolio_unavailable",
        "duplicate_row",
        "invalid_input",
        "too_many_account_managers",
        "managers_on_organization",
    }
    assert as_json(run, "customer", "list") == customers
    assert as_json(run, "events") == events


def test_mg6_the_readmes_command_sequence_puts_padaria_in_sao_paulo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """MG-6, seed 003: lucia manages São Paulo alone, so assigning padaria to her places it there.

    The commands are the README's own, typed on a new SQLite file, up to the import.
    """
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    typed = [line.removeprefix("$ carteira ") for line in readme.splitlines()]
    commands = [shlex.split(line) for line in typed if line.split(" ")[0] in _README_VERBS]
    assert [c[:2] for c in commands[:4]] == [
        ["manager", "add"],
        ["portfolio", "create"],
        ["customer", "add"],
        ["customer", "assign"],
    ]
    db = tmp_path / "carteira.db"
    for command in commands:
        if command[0] == "import":
            break
        assert main(["--db", str(db), *command], stdin=io.StringIO()) == 0, command
    capsys.readouterr()
    assert main(["--db", str(db), "customer", "show", "padaria", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["ownership"]["portfolio"] == "sp"
    assert shown["ownership"]["account_managers"] == ["lucia"]


_README_VERBS = {"manager", "portfolio", "customer", "department", "route", "who-can-see", "import"}


def test_vs5_every_visibility_clause_names_its_rule() -> None:
    """VS-5: who-can-see prints the rule behind each clause; none may be missing."""
    assert set(CLAUSE_RULES) == set(Clause)
