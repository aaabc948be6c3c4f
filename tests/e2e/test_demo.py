"""The demo (`make demo`) runs on SQLite, tells the scenarios of seeds 000 to 004, never varies."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from carteira.cli import main as carteira
from carteira.demo import main


def run_demo(db: Path) -> tuple[int, str]:
    out = io.StringIO()
    code = main(out=out, db=db)
    return code, out.getvalue().replace(str(db), "<db>")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "demo.db"


@pytest.fixture(scope="module")
def story(database: Path) -> str:
    code, text = run_demo(database)
    assert code == 0, text
    return text


def test_the_demo_succeeds_and_stays_on_script(story: str) -> None:
    assert story.startswith("carteira demo:")
    assert "on a SQLite database" in story
    assert "off script" not in story
    assert "Traceback" not in story


def test_the_demo_is_deterministic(story: str, tmp_path: Path) -> None:
    assert run_demo(tmp_path / "again.db") == (0, story)


def test_the_demo_builds_a_sqlite_file_and_says_where(story: str, database: Path) -> None:
    """ST-2: the demo's store is a SQLite file, and the story ends with its path."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        tenants = {row[0] for row in connection.execute("SELECT tenant FROM carteira_portfolios")}
    assert tenants == {"helpdesk", "success"}
    assert "Everything above is stored in the SQLite file <db>" in story
    assert "  carteira --db <db> --tenant success portfolio list" in story


def test_the_command_line_reads_what_the_demo_wrote(
    story: str, database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PF-3, MB-2: seed 003's portfolios as the demo left them, through `carteira --json`."""
    capsys.readouterr()
    code = carteira(["--db", str(database), "--tenant", "success", "portfolio", "list", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(p["id"], p["name"]) for p in listed] == [
        ("cps-2", "Campinas"),
        ("rio", "Rio de Janeiro"),
        ("sp", "São Paulo"),
    ]
    assert [p["id"] for p in listed if p["orphaned"]] == ["sp"]
    code = carteira(["--db", str(database), "--tenant", "store", "history", "beatriz", "--json"])
    history = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [c["after"]["account_managers"] for c in history] == [["joao"], ["maria"], ["pedro"]]
    # VS-2, VS-5: rui took s-4 while otavio was away; he still sees it as its assignee.
    args = ["--db", str(database), "--tenant", "omni", "who-can-see", "--ticket", "s-4", "--json"]
    assert carteira(args) == 0
    seen = json.loads(capsys.readouterr().out)
    granted = {m["manager"]: m["clause"] for m in seen["managers"] if m["granted"]}
    assert granted == {"admin": "view_all", "otavio": "account_manager", "rui": "ticket_assignee"}


KEY_SENTENCES = [
    # seed 000: the help desk
    ("PF-6", "Refused (PF-6, permission_denied): manager 'ana' may not administer portfolios"),
    ("VS-2", "ana lists the customers of sul: diego, mariana."),
    ("VS-2", "ana opens diego: in portfolio sul via its organization"),
    ("TN-1", "Refused (TN-1, not_found): customer 'mariana' does not exist."),
    ("VS-2", "davi holds VIEW_UNASSIGNED and sees olga, who is outside portfolio"),
    ("PF-5", "the customers left outside portfolio: diego, mariana,"),
    ("PF-5", "the organizations left outside portfolio: andes."),
    ("MB-3", "ana becomes mariana's responsible agent: in portfolio sul, account manager ana."),
    ("PF-5", "mariana is now outside portfolio."),
    ("EV-1", '"type": "PortfolioDeleted"'),
    # seed 001: the store
    ("MB-3", "Refused (MB-3, too_many_account_managers): customer 'beatriz' may have at most 1"),
    ("MB-3", "account manager joao -> in portfolio: account manager maria."),
    ("WA-5", "her customers move to him: beatriz."),
    ("MG-4", "Refused (MG-4, principal_inactive): manager 'maria' may not act"),
    ("MB-6", "2026-03-21 by admin via deactivation_transfer (WA-5): in portfolio: account manager"),
    ("MB-6", "Who owned beatriz on 2026-03-05? joao."),
    ("MB-6", "Who owned beatriz on 2026-03-15? maria."),
    ("MB-6", "Who owned beatriz on 2026-03-25? pedro."),
    # seed 001: sticky routing to the responsible user
    (
        "RT-1",
        "beatriz writes in (chat-1): straight to pedro "
        "(one_candidate, step primary_account_manager).",
    ),
    ("MB-5", "pedro closes the conversation; beatriz is still in portfolio: account manager pedro"),
    ("RT-7", "The chain walked: pedro at primary_account_manager (offline)."),
    ("RT-3", "beatriz writes in (chat-2): to the chat queue (all_offline)."),
    ("RT-5", "Waiting in the queue changes no ownership: beatriz is in portfolio: account manager"),
    # seed 002: several agents, direct transfer, queue, the customer chooses
    ("MB-3", "Here a customer may have up to 3 assigned agents (MB-3)"),
    ("RT-2", "Presence: online otavio, rui, sara; offline lia."),
    (
        "RT-3",
        "davi writes in (s-1): straight to otavio (one_candidate, step account_managers).",
    ),
    (
        "RT-1",
        "clara writes in (s-2): the customer is offered otavio, sara "
        "(customer_chooses, step account_managers).",
    ),
    ("RT-1", "clara picks sara in the chat (choose_agent); s-2 is now served by sara."),
    ("RT-3", "clara writes in (s-3): to the suporte queue (all_offline)."),
    ("VS-7", "It waits so that another agent can serve it: rui lists suporte's queue: s-3"),
    ("VS-7", "(he sees s-3 as department_queue, VS-7; clara's own record is not shown to him)."),
    ("RT-8", "rui takes s-3 (RT-8): it is now served by rui. lia tries a moment later:"),
    (
        "RT-8",
        "Refused (RT-8, already_taken): ticket 's-3' was taken from the queue by another "
        "agent first.",
    ),
    ("MB-5", "The first taker wins; clara's agents are still lia, otavio, sara (MB-5)."),
    ("RT-1", "clara writes in (f-1): to the financeiro queue (department_routes_by_queue)."),
    # MG-5 and RT-7: an absent owner's backup, and back again
    ("MG-5", "otavio is on holiday until 2026-03-29, with rui as his backup (MG-5)."),
    (
        "RT-7",
        "The chain walked: otavio at account_managers (absent); "
        "rui at backups_of_absent_account_managers (available).",
    ),
    (
        "MG-5",
        "davi writes in (s-4): straight to rui "
        "(one_candidate, step backups_of_absent_account_managers).",
    ),
    ("MG-5", "Meanwhile rui sees davi (account_manager, through otavio),"),
    ("MG-5", "and nothing moved: davi is in portfolio: account manager otavio."),
    (
        "MG-5",
        "davi writes in (s-5): straight to otavio (one_candidate, step account_managers).",
    ),
    ("MG-5", "Does rui still see davi? no."),
    # seed 003: customer success
    ("PF-1", "Refused (PF-1, portfolio_name_taken): a portfolio named 'São Paulo' exists"),
    ("PF-1", "(asked for 'SÃO PAULO')."),
    ("PF-1", "(asked for 'são paulo')."),
    ("PF-1", "Refused (PF-1, name_required)"),
    ("PF-3", "Rio de Janeiro (unavailable)"),
    (
        "MB-2",
        "Refused (MB-2, portfolio_unavailable): customer 'padaria' cannot enter portfolio "
        "'Rio de Janeiro': it has no active manager.",
    ),
    ("MG-1", "Refused (MG-1, manager_not_eligible): manager 'tiago' may not manage portfolios"),
    ("MG-2", "her portfolios: Campinas (default), São Paulo (MG-2)."),
    ("MG-2", "mercado is assigned to lucia naming no portfolio: it goes to cps,"),
    ("MG-2", "Refused (MG-2, manager_outside_portfolio): manager 'rafael'"),
    (
        "MG-3",
        "Refused (MG-3, portfolios_would_be_orphaned): manager 'lucia' is the last active "
        "manager of 'Campinas', 'São Paulo', which hold customers",
    ),
    ("MG-3", 'mercado is in portfolio cps, "no manager"'),
    ("MG-3", "Orphaned portfolios, listed for an administrator: Campinas, São Paulo."),
    ("MB-2", "Refused (MB-2, portfolio_unavailable): customer 'oficina'"),
    ("PF-5", "Deleted Campinas for good; customers left outside: mercado."),
    ("PF-5", "Refused (TN-1, not_found): portfolio 'cps' does not exist."),
    ("PF-5", "A new portfolio named Campinas (cps-2) starts empty: (none)."),
    # seed 004: the customer portal
    ("RT-6", "The administrator names agent ana the portal's default attendant"),
    ("TK-2", "1. Solicitação: the customer's; modulo required."),
    ("TK-3", "2. Triagem: the service side's; horas invisible to the customer."),
    (
        "TK-6",
        "3. Entendimento: the customer's; he approves the understanding (-> Execução) "
        "or rejects it (-> Triagem).",
    ),
    ("TK-3", "4. Execução: the service side's; modulo read-only."),
    ("TK-2", "5. Concluído: final, the ticket is completed."),
    ("VS-4", 'It then acts for him as Principal.customer("portal", "marcos")'),
    ("TK-1", "Refused (TK-1, invalid_input): invalid portal ticket: is required @ $.subject."),
    ("TK-1", "It enters the type's first stage, Solicitação (TK-1), and goes to ana,"),
    ("RT-6", "the default attendant (RT-6). He finds it under Em minha responsabilidade"),
    (
        "TK-3",
        "Refused (TK-3, required_fields_missing): stage 'solicitacao' needs modulo filled "
        "before the ticket leaves it.",
    ),
    (
        "TK-7",
        "He fills in modulo=Fiscal and sends it on: Triagem, "
        "under Aguardando retorno (awaiting return).",
    ),
    ("TK-7", "Refused (TK-7, not_your_turn): ticket 'rq-1' is with the service side"),
    ("TK-5", "but he may still write in the discussion and attach files (TK-5, TK-4):"),
    ("TK-4", 'he writes "Segue o modelo." and attaches modelo.csv (18 bytes).'),
    ("TK-5", "What marcos sees now: fields modulo=Fiscal; messages by marcos."),
    ("TK-6", "it waits for him to approve or reject that understanding (TK-6)."),
    ("TK-3", "horas is visible at this stage: he sees horas=6, modulo=Fiscal."),
    ("TK-6", 'marcos rejects it: "Faltaram as notas de entrada." It goes back to Triagem'),
    ("TK-6", "Execução, with the service side (TK-6)."),
    (
        "TK-3",
        "Refused (TK-3, field_read_only): field 'modulo' is read-only at stage 'execucao'.",
    ),
    ("TK-2", "completes it: Concluído, under Concluído (completed)."),
    ("VS-8", 'ana types "conceicao", without the accents, and finds mariana (Mariana Conceição)'),
    ("VS-8", "carla types the same and finds (none): a search obeys VS-3."),
    ("VS-6", "The store turns on the second option (segunda opção, VS-6): every salesperson"),
    ("VS-6", "joao now opens beatriz: she is still in portfolio: account manager pedro."),
    ("VS-6", "Her next conversation still walks pedro at primary_account_manager"),
    ("TK-2", "marcos opened it at Solicitação."),
    ("TK-2", "marcos moved it: Solicitação -> Triagem."),
    ("TK-2", 'marcos rejected it: Entendimento -> Triagem ("Faltaram as notas de entrada.").'),
    ("TK-2", "marcos approved it: Entendimento -> Execução."),
    ("TK-2", "ana moved it: Execução -> Concluído"),
    (
        "TK-8",
        "Refused (TK-8, not_your_turn): ticket 'rq-2' is with the service side: "
        "the customer side cannot cancel it now.",
    ),
    ("TK-7", "Todos (all: every ticket of his): rq-1, rq-2, rq-3, rq-4."),
    ("TK-7", "Em minha responsabilidade (under my responsibility: waiting for him to act): rq-3."),
    ("TK-7", "Aguardando retorno (awaiting return: with the service side"),
    ("TK-7", "Concluído (completed: read-only): rq-1."),
    ("TK-7", "Cancelado (cancelled: read-only): rq-4."),
    ("TK-9", "Refused (TK-9, ticket_closed): ticket 'rq-1' is completed: it is read-only."),
    ("VS-4", "her Todos lists (none)."),
    ("VS-4", "Refused (TN-1, not_found): ticket 'rq-1' does not exist."),
    ("TK-8", "Refused (TK-8, permission_denied): manager 'ana' may not delete tickets"),
    ("TK-8", "Refused (TK-8, not_cancelled): ticket 'rq-3' is open"),
    ("TK-8", '"type": "TicketDeleted", "tenant": "portal", "actor": "admin"'),
    ("TK-8", '"ticket_id": "rq-4", "customer_id": "marcos"'),
    ("TK-8", "marcos's Cancelado filter now shows: (none)."),
]


@pytest.mark.parametrize(
    ("rule", "sentence"), KEY_SENTENCES, ids=[f"{r}:{s[:40]}" for r, s in KEY_SENTENCES]
)
def test_the_story_tells(story: str, rule: str, sentence: str) -> None:
    assert sentence in story, f"{rule}: {sentence!r} missing"


def test_every_refusal_is_one_sentence_with_rule_and_code(story: str) -> None:
    refusals = [line.strip() for line in story.splitlines() if "Refused" in line]
    assert len(refusals) >= 15
    for line in refusals:
        assert line.startswith("Refused ("), line
        assert line.endswith("."), line


def test_python_m_carteira_demo_exits_zero(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    db = tmp_path / "demo.db"
    done = subprocess.run(
        [sys.executable, "-m", "carteira.demo", "--db", str(db)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("carteira demo:")
    assert done.stderr == ""
    assert db.is_file()


def test_the_demo_refuses_an_existing_file_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "taken.db"
    db.write_text("not a database")
    assert carteira(["demo", "--db", str(db)]) == 1
    assert capsys.readouterr().err == (
        f"carteira: {db} exists: give another --db, or --force to replace it\n"
    )
    assert db.read_text() == "not a database"
    assert carteira(["demo", "--db", str(db), "--force"]) == 0
    assert capsys.readouterr().out.startswith("carteira demo:")


def test_the_demo_removes_its_temporary_folder_unless_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16: no carteira-demo-* folder is left behind, unless --keep asks for it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert carteira(["demo"]) == 0
    assert list(tmp_path.iterdir()) == []
    out = capsys.readouterr().out
    assert out.endswith(
        "== The database ==\n"
        "Everything above was stored in a SQLite file in a temporary folder, now removed.\n"
        "To keep the database and look around in it with the command line, run\n"
        "carteira demo --keep (or carteira demo --db demo.db, to build that file).\n"
    )
    assert "carteira --db" not in out
    assert carteira(["demo", "--keep"]) == 0
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("carteira-demo-")
    out = capsys.readouterr().out
    assert f"Everything above is stored in the SQLite file {folder / 'carteira.db'}\n" in out
    assert out.endswith(f"Remove the folder {folder} when done.\n")
    code = carteira(
        ["--db", str(folder / "carteira.db"), "--tenant", "success", "portfolio", "list"]
    )
    assert code == 0
    assert "São Paulo" in capsys.readouterr().out
