"""Seed 002's queue through the command line, on a new SQLite file (VS-7, RT-8).

"Caso o atendente vinculado ao cliente não esteja disponível (...) o cliente será enviado
para a fila do departamento, para que outra pessoa possa atendê-lo." Written from the
user's side: what he types, what he sees, and the exit status.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carteira.cli.errors import ExitCode
from terminal import Run, built_database, clear_environment, runner

SETUP = [
    ["manager", "add", "lucia", "Lúcia", "--profile", "analyst", "--role", "agent=assign_self"],
    ["manager", "add", "joao", "João", "--role", "agent=assign_self"],
    ["manager", "add", "maria", "Maria", "--role", "agent=assign_self"],
    ["manager", "add", "rui", "Rui", "--role", "agent=assign_self"],
    ["portfolio", "create", "São Paulo", "--id", "sp", "--manager", "lucia"],
    ["customer", "add", "padaria", "Padaria Estrela"],
    ["customer", "assign", "padaria", "lucia"],
    [
        "department",
        "save",
        "suporte",
        "Suporte",
        "--member",
        "lucia",
        "--member",
        "joao",
        "--member",
        "maria",
    ],
]


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """The user's terminal on a new SQLite file where SETUP was typed."""
    clear_environment(monkeypatch)
    return runner(built_database(tmp_path, SETUP), capsys)


def test_vs7_rt8_seed_002_the_owner_is_away_and_another_agent_takes_the_conversation(
    run: Run,
) -> None:
    code, out, _ = run(
        "ticket", "open", "t1", "padaria", "--department", "suporte", "--offline", "lucia"
    )
    assert code == ExitCode.OK
    assert "waiting in the queue of suporte (all_offline, RT-3)" in out

    code, out, _ = run("--as", "joao", "department", "queue", "suporte")
    assert code == ExitCode.OK
    assert out.splitlines()[0].split() == ["TICKET", "CUSTOMER", "OPENED", "AT", "OFFERED"]
    assert out.splitlines()[1].split()[:2] == ["t1", "padaria"]

    code, out, err = run("--as", "rui", "department", "queue", "suporte")
    assert (code, out) == (ExitCode.REFUSED, "")
    assert "(not_a_member)" in err

    code, out, _ = run("--as", "joao", "ticket", "take", "t1")
    assert code == ExitCode.OK
    assert out.strip() == (
        "joao took ticket t1 from the queue of suporte (RT-8); "
        "padaria's portfolio is unchanged (MB-5)."
    )

    code, out, err = run("--as", "maria", "ticket", "take", "t1")
    assert (code, out) == (ExitCode.REFUSED, "")
    assert "taken from the queue by another agent first" in err
    assert "(already_taken)" in err

    code, out, _ = run("--as", "maria", "department", "queue", "suporte")
    assert (code, out.strip()) == (ExitCode.OK, "Nothing waits in the queue of suporte.")

    code, out, _ = run("--json", "customer", "show", "padaria")
    shown = json.loads(out)
    assert code == ExitCode.OK
    assert (shown["customer"]["portfolio"], shown["customer"]["account_managers"]) == (
        "sp",
        ["lucia"],
    )


def test_vs7_a_queued_ticket_shows_in_the_members_list_but_not_its_customer(
    run: Run,
) -> None:
    run("ticket", "open", "t1", "padaria", "--department", "suporte", "--nobody-online")
    code, out, _ = run("--json", "--as", "joao", "ticket", "list", "--open")
    assert code == ExitCode.OK
    assert [t["id"] for t in json.loads(out)] == ["t1"]
    code, _, err = run("--as", "joao", "customer", "show", "padaria")
    assert code == ExitCode.REFUSED
    assert "(not_found)" in err
    code, _, err = run("--as", "rui", "ticket", "take", "t1")
    assert code == ExitCode.REFUSED
    assert "(not_found)" in err


def test_er1_with_json_a_refusal_is_one_json_object_on_stderr(run: Run) -> None:
    """Issue 16: ``--json`` covers refusals: stdout stays empty, stderr parses as JSON."""
    code, out, err = run("--json", "--as", "rui", "department", "queue", "suporte")
    assert (code, out) == (ExitCode.REFUSED, "")
    assert json.loads(err) == {
        "error": {
            "code": "not_a_member",
            "rule": "VS-7",
            "message": "manager 'rui' may not list the queue of department 'Suporte': "
            "only its members may",
            "exit_code": ExitCode.REFUSED,
        }
    }
    code, out, err = run("--json", "who-can-see")  # a usage error met while running
    assert (code, out) == (ExitCode.USAGE, "")
    assert json.loads(err)["error"]["code"] == "usage"
    code, _, err = run("--as", "rui", "department", "queue", "suporte")
    assert err.startswith("carteira: ")  # without --json, the sentence
