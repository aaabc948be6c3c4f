"""End-to-end tests of the FastAPI example through a real server process and httpx.

Every test runs on SQLite and on PostgreSQL (see ``conftest.py``), in a tenant of its own,
and walks the HTTP API as a host's users would: the administrator sets portfolios up,
agents read their inbox and go away, routing is asked where a conversation would go,
customers use the portal, and the host's own rows commit or roll back with carteira's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from typing import Any

import httpx

ADMIN = {"X-Manager": "root"}
ANA = {"X-Manager": "ana"}
BRUNO = {"X-Manager": "bruno"}
CARLA = {"X-Manager": "carla"}
PADARIA = {"X-Customer": "padaria"}
OFICINA = {"X-Customer": "oficina"}


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()["error"]
    return found


def _setup(client: httpx.Client) -> None:
    for manager, name in (("ana", "Ana"), ("bruno", "Bruno"), ("carla", "Carla")):
        body = {"id": manager, "name": name, "profile": "analyst"}
        _ok(client.post("/managers", json=body, headers=ADMIN), 201)
    body = {"name": "São Paulo", "id": "sp", "managers": ["ana"]}
    _ok(client.post("/portfolios", json=body, headers=ADMIN), 201)
    _ok(client.post("/portfolios", json={"name": "Rio", "id": "rj"}, headers=ADMIN), 201)
    _ok(client.post("/portfolios/rj/managers", json={"manager": "bruno"}, headers=ADMIN))
    for customer, name in (("padaria", "Padaria Estrela"), ("oficina", "Oficina Sol")):
        _ok(client.post("/customers", json={"id": customer, "name": name}, headers=ADMIN), 201)
    _ok(client.post("/customers/padaria/assign", json={"manager": "ana"}, headers=ADMIN))
    _ok(client.post("/customers/oficina/assign", json={"manager": "bruno"}, headers=ADMIN))
    body = {"id": "chat", "name": "Atendimento"}
    _ok(client.post("/departments", json=body, headers=ADMIN), 201)


# -- portfolio admin ------------------------------------------------------------------------


def test_admin_creates_lists_and_deletes_portfolios(client: httpx.Client) -> None:
    _setup(client)
    listed = _ok(client.get("/portfolios", headers=ADMIN))
    assert listed["next_after"] is None
    by_id = {s["portfolio"]["id"]: s for s in listed["items"]}
    assert set(by_id) == {"sp", "rj"}
    assert by_id["rj"]["portfolio"]["managers"] == ["bruno"]
    assert by_id["rj"]["available"] is True

    assert client.delete("/portfolios/rj", headers=ADMIN).status_code == 204
    again = _ok(client.get("/portfolios", headers=ADMIN))["items"]
    assert [s["portfolio"]["id"] for s in again] == ["sp"]


def test_portfolio_names_are_unique_ignoring_case(client: httpx.Client) -> None:
    _setup(client)
    error = _error(client.post("/portfolios", json={"name": "SÃO PAULO"}, headers=ADMIN), 409)
    assert (error["code"], error["rule"]) == ("portfolio_name_taken", "PF-1")
    assert "[PF-1]" in error["message"]


# -- refusals -------------------------------------------------------------------------------


def test_an_agent_may_not_create_portfolios(client: httpx.Client) -> None:
    _setup(client)
    error = _error(client.post("/portfolios", json={"name": "Sul"}, headers=ANA), 403)
    assert (error["code"], error["rule"]) == ("permission_denied", "PF-6")


def test_unknown_records_are_not_found(client: httpx.Client) -> None:
    error = _error(client.delete("/portfolios/nope", headers=ADMIN), 404)
    assert (error["code"], error["rule"]) == ("not_found", "TN-1")


def test_a_request_without_an_acting_party_is_refused(client: httpx.Client) -> None:
    assert _error(client.get("/portfolios"), 401)["code"] == "unauthenticated"


def test_a_body_that_is_not_what_the_endpoint_takes_is_a_bad_request(
    client: httpx.Client,
) -> None:
    response = client.post(
        "/portfolios",
        content="name=Sul",
        headers={**ADMIN, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert _error(response, 400)["code"] == "bad_request"
    error = _error(client.post("/portfolios", json={"name": 7}, headers=ADMIN), 400)
    assert error["message"].startswith("name:")
    error = _error(client.post("/portfolios", json={"name": "   "}, headers=ADMIN), 400)
    assert error["code"] == "name_required"
    assert error["errors"] == [{"path": "$.name", "message": "is required"}]


# -- the host's row and carteira's, in one transaction ---------------------------------------


def test_the_hosts_row_commits_and_rolls_back_with_carteiras(client: httpx.Client) -> None:
    """ST-1: a customer carteira refuses leaves no row in the host's own table either."""
    body = {"id": "mercado", "name": "Mercado", "email": "m@example.com"}
    _ok(client.post("/customers", json=body, headers=ADMIN), 201)
    refused = {"id": "farmacia", "name": "Farmácia", "organization": "nowhere"}
    assert _error(client.post("/customers", json=refused, headers=ADMIN), 404)["rule"] == "TN-1"
    blank = {"id": "loja", "name": "   "}  # the host's table takes it; carteira does not
    assert _error(client.post("/customers", json=blank, headers=ADMIN), 400)["rule"] == "ER-2"
    rows = _ok(client.get("/host/customers", headers=ADMIN))
    assert rows == [{"id": "mercado", "name": "Mercado", "email": "m@example.com"}]
    assert _ok(client.get("/inbox", headers=ADMIN))["items"] == []


# -- the agent inbox (VS-2, VS-3) -------------------------------------------------------------


def _open_tickets(client: httpx.Client) -> None:
    for ticket, customer in (("t1", "padaria"), ("t2", "oficina"), ("t3", "padaria")):
        body = {"id": ticket, "customer": customer, "department": "chat"}
        _ok(client.post("/tickets", json=body, headers=ADMIN), 201)


def test_each_agent_sees_only_his_visible_tickets(client: httpx.Client) -> None:
    _setup(client)
    _open_tickets(client)

    ana = _ok(client.get("/inbox", headers=ANA))
    bruno = _ok(client.get("/inbox", headers=BRUNO))
    carla = _ok(client.get("/inbox", headers=CARLA))
    admin = _ok(client.get("/inbox", headers=ADMIN))

    assert [t["id"] for t in ana["items"]] == ["t1", "t3"]
    assert all(t["assignee"] == "ana" for t in ana["items"])
    assert [t["id"] for t in bruno["items"]] == ["t2"]
    assert carla["items"] == []
    assert [t["id"] for t in admin["items"]] == ["t1", "t2", "t3"]


def test_the_inbox_pages(client: httpx.Client) -> None:
    _setup(client)
    _open_tickets(client)
    first = _ok(client.get("/inbox", params={"limit": 1}, headers=ANA))
    assert [t["id"] for t in first["items"]] == ["t1"]
    rest = _ok(client.get("/inbox", params={"limit": 5, "after": "t1"}, headers=ANA))
    assert [t["id"] for t in rest["items"]] == ["t3"]


def test_segmentation_off_shows_every_ticket(client: httpx.Client) -> None:
    _setup(client)
    _open_tickets(client)
    _ok(client.put("/settings", json={"segmentation": False}, headers=ADMIN))
    seen = _ok(client.get("/inbox", headers=BRUNO))["items"]
    assert [t["id"] for t in seen] == ["t1", "t2", "t3"]


# -- routing (RT-1..RT-3) -------------------------------------------------------------------


def _route(client: httpx.Client, customer: str, department: str) -> Any:
    body = {"customer": customer, "department": department}
    return _ok(client.post("/route", json=body, headers=ADMIN))


def test_routing_assigns_the_account_manager_until_he_goes_away(client: httpx.Client) -> None:
    _setup(client)
    decision = _route(client, "padaria", "chat")
    assert (decision["outcome"], decision["assignee"]) == ("assign", "ana")
    assert (decision["reason"], decision["step"]) == ("one_candidate", "primary_account_manager")

    _ok(client.put("/presence", json={"online": False}, headers=ANA))
    decision = _route(client, "padaria", "chat")
    assert (decision["outcome"], decision["assignee"]) == ("queue", None)
    assert decision["reason"] == "all_offline"
    offline = {"manager": "ana", "step": "primary_account_manager", "excluded": "offline"}
    assert offline in decision["considered"]
    _ok(client.put("/presence", json={"online": True}, headers=ANA))
    assert _route(client, "padaria", "chat")["assignee"] == "ana"


def test_routing_offers_a_choice_or_queues_by_department(client: httpx.Client) -> None:
    _setup(client)
    departments = [
        {"id": "escolha", "name": "Escolha", "choice": "customer_chooses"},
        {"id": "fila", "name": "Fila", "routing": "queue"},
    ]
    for department in departments:
        _ok(client.post("/departments", json=department, headers=ADMIN), 201)
    _ok(client.put("/settings", json={"max_account_managers": 2}, headers=ADMIN))
    _ok(client.post("/portfolios/sp/managers", json={"manager": "carla"}, headers=ADMIN))
    _ok(client.post("/customers/padaria/assign", json={"manager": "carla"}, headers=ADMIN))

    offered = _route(client, "padaria", "escolha")
    assert (offered["outcome"], offered["reason"]) == ("offer", "customer_chooses")
    assert sorted(offered["candidates"]) == ["ana", "carla"]

    queued = _route(client, "padaria", "fila")
    assert (queued["outcome"], queued["reason"]) == ("queue", "department_routes_by_queue")


def test_routing_an_unknown_department_is_not_found(client: httpx.Client) -> None:
    _setup(client)
    body = {"customer": "padaria", "department": "x"}
    assert client.post("/route", json=body, headers=ANA).status_code == 404


# -- the customer portal (TK, VS-4) ------------------------------------------------------------


def _ticket_type(client: httpx.Client) -> None:
    body = {
        "group": "Financeiro",
        "name": "Reembolso",
        "stages": [
            {"id": "triage", "name": "Triagem", "responsible": "service"},
            {"id": "done", "name": "Concluído", "responsible": "service", "final": True},
        ],
        "transitions": [["triage", "done"]],
    }
    _ok(client.put("/ticket-types/refund", json=body, headers=ADMIN))
    _ok(client.put("/settings", json={"portal_attendant": "carla"}, headers=ADMIN))


def _portal_ticket(client: httpx.Client, customer: dict[str, str], subject: str) -> Any:
    body = {"group": "Financeiro", "type": "refund", "subject": subject, "request": "..."}
    return _ok(client.post("/portal/tickets", json=body, headers=customer), 201)


def test_a_customer_opens_a_ticket_and_sees_only_his_own(client: httpx.Client) -> None:
    _setup(client)
    _ticket_type(client)
    types = _ok(client.get("/portal/ticket-types", headers=PADARIA))
    assert [t["id"] for t in types] == ["refund"]

    mine = _portal_ticket(client, PADARIA, "Nota em dobro")
    theirs = _portal_ticket(client, OFICINA, "Cobrança errada")
    assert (mine["stage"], mine["status"]) == ("triage", "open")

    listed = _ok(client.get("/portal/tickets", headers=PADARIA))
    assert [t["id"] for t in listed["items"]] == [mine["id"]]
    awaiting = _ok(client.get("/portal/tickets?view=awaiting_return", headers=PADARIA))
    assert [t["id"] for t in awaiting["items"]] == [mine["id"]]
    assert _ok(client.get("/portal/tickets?view=completed", headers=PADARIA))["items"] == []

    # Another customer's ticket is simply not found (VS-4).
    assert client.get(f"/portal/tickets/{theirs['id']}", headers=PADARIA).status_code == 404
    url = f"/portal/tickets/{theirs['id']}/messages"
    assert client.post(url, json={"text": "oi"}, headers=PADARIA).status_code == 404


def test_a_customer_writes_in_his_ticket(client: httpx.Client) -> None:
    _setup(client)
    _ticket_type(client)
    ticket = _portal_ticket(client, PADARIA, "Nota em dobro")
    url = f"/portal/tickets/{ticket['id']}"
    _ok(client.post(f"{url}/messages", json={"text": "Segue a nota."}, headers=PADARIA), 201)
    discussion = _ok(client.get(url, headers=PADARIA))["discussion"]
    assert [m["text"] for m in discussion] == ["Segue a nota."]


def test_the_portal_ticket_reaches_the_attendants_inbox(client: httpx.Client) -> None:
    _setup(client)
    _ticket_type(client)
    ticket = _portal_ticket(client, PADARIA, "Nota em dobro")
    carla = _ok(client.get("/inbox", headers=CARLA))
    assert [t["id"] for t in carla["items"]] == [ticket["id"]]
    assert [t["id"] for t in _ok(client.get("/inbox", headers=BRUNO))["items"]] == []


def test_a_customer_is_refused_the_admin_side(client: httpx.Client) -> None:
    _setup(client)
    error = _error(client.get("/inbox", headers=PADARIA), 403)
    assert (error["code"], error["rule"]) == ("portal_only", "VS-4")


def test_a_bad_portal_view_is_a_bad_request(client: httpx.Client) -> None:
    _setup(client)
    error = _error(client.get("/portal/tickets?view=nope", headers=PADARIA), 400)
    assert error["message"].startswith("view must be one of")


# -- one process, many requests at once; and a restart ----------------------------------------


def test_forty_concurrent_requests_are_all_served(client: httpx.Client, server: str) -> None:
    """ST-3, VS-3: 20 writers and 20 readers at once; every write is kept, every read right."""
    _setup(client)
    tenant = client.headers["X-Tenant"]

    async def burst() -> list[httpx.Response]:
        headers = {"X-Tenant": tenant, **ADMIN}
        async with httpx.AsyncClient(base_url=server, headers=headers, timeout=60) as many:
            writes = [
                many.post(
                    "/tickets",
                    json={"id": f"b{n:02d}", "customer": "padaria", "department": "chat"},
                )
                for n in range(20)
            ]
            reads = [many.get("/inbox", headers={"X-Tenant": tenant, **ANA}) for _ in range(20)]
            return list(await asyncio.gather(*writes, *reads))

    answers = asyncio.run(burst())
    assert [r.status_code for r in answers] == [201] * 20 + [200] * 20
    for read in answers[20:]:
        assert all(t["customer"] == "padaria" for t in read.json()["items"])
    inbox = _ok(client.get("/inbox", params={"limit": 100}, headers=ANA))
    assert [t["id"] for t in inbox["items"]] == [f"b{n:02d}" for n in range(20)]


def test_the_data_survives_a_restart(
    client: httpx.Client, database: str, start_server: Callable[[str], ContextManager[str]]
) -> None:
    _setup(client)
    with start_server(database) as again:
        listed = httpx.get(
            f"{again}/portfolios", headers={**ADMIN, "X-Tenant": client.headers["X-Tenant"]}
        )
        assert {s["portfolio"]["id"] for s in _ok(listed)["items"]} == {"sp", "rj"}
