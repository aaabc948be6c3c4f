"""End-to-end tests of the example web application, through Flask's test client.

Each test gets a fresh SQLite file and walks the HTTP API as a host's users would:
the administrator sets portfolios up, agents read their inbox, routing is asked where a
conversation would go, and customers use the portal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app import create_app
from flask.testing import FlaskClient

from carteira import InMemoryPresence

ADMIN = {"X-Manager": "root"}
ANA = {"X-Manager": "ana"}
BRUNO = {"X-Manager": "bruno"}
PADARIA = {"X-Customer": "padaria"}
OFICINA = {"X-Customer": "oficina"}


@pytest.fixture
def presence() -> InMemoryPresence:
    """Return who is online: everyone of the fixture's staff, to begin with."""
    online = InMemoryPresence()
    for manager in ("root", "ana", "bruno", "carla"):
        online.set_online("acme", manager)
    return online


@pytest.fixture
def client(tmp_path: Path, presence: InMemoryPresence) -> Iterator[FlaskClient]:
    """Return a test client of an app over a new SQLite file, with two portfolios set up."""
    app = create_app(tmp_path / "carteira.db", presence=presence)
    app.config["TESTING"] = True
    with app.test_client() as client:
        _setup(client)
        yield client
    app.extensions["carteira_store"].close()


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _setup(client: FlaskClient) -> None:
    for manager, name in (("ana", "Ana"), ("bruno", "Bruno"), ("carla", "Carla")):
        body = {"id": manager, "name": name, "profile": "analyst"}
        _ok(client.post("/managers", json=body, headers=ADMIN), 201)
    _ok(
        client.post(
            "/portfolios",
            json={"name": "São Paulo", "id": "sp", "managers": ["ana"]},
            headers=ADMIN,
        ),
        201,
    )
    _ok(client.post("/portfolios", json={"name": "Rio", "id": "rj"}, headers=ADMIN), 201)
    _ok(client.post("/portfolios/rj/managers", json={"manager": "bruno"}, headers=ADMIN))
    for customer, name in (("padaria", "Padaria Estrela"), ("oficina", "Oficina Sol")):
        _ok(client.post("/customers", json={"id": customer, "name": name}, headers=ADMIN), 201)
    _ok(client.post("/customers/padaria/assign", json={"manager": "ana"}, headers=ADMIN))
    _ok(client.post("/customers/oficina/assign", json={"manager": "bruno"}, headers=ADMIN))
    _ok(client.post("/departments", json={"id": "chat", "name": "Atendimento"}, headers=ADMIN), 201)


# -- portfolio admin ----------------------------------------------------------------------


def test_admin_creates_lists_and_deletes_portfolios(client: FlaskClient) -> None:
    listed = _ok(client.get("/portfolios", headers=ADMIN))
    assert listed["next_after"] is None
    by_id = {s["portfolio"]["id"]: s for s in listed["items"]}
    assert set(by_id) == {"sp", "rj"}
    assert by_id["rj"]["portfolio"]["managers"] == ["bruno"]
    assert by_id["rj"]["available"] is True

    assert client.delete("/portfolios/rj", headers=ADMIN).status_code == 204
    again = _ok(client.get("/portfolios", headers=ADMIN))["items"]
    assert [s["portfolio"]["id"] for s in again] == ["sp"]


def test_portfolio_names_are_unique_ignoring_case(client: FlaskClient) -> None:
    response = client.post("/portfolios", json={"name": "SÃO PAULO"}, headers=ADMIN)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (error["code"], error["rule"]) == ("portfolio_name_taken", "PF-1")
    assert "[PF-1]" in error["message"]


# -- refusals -------------------------------------------------------------------------------


def test_an_agent_may_not_create_portfolios(client: FlaskClient) -> None:
    response = client.post("/portfolios", json={"name": "Sul"}, headers=ANA)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert (error["code"], error["rule"]) == ("permission_denied", "PF-6")


def test_unknown_records_are_not_found(client: FlaskClient) -> None:
    response = client.delete("/portfolios/nope", headers=ADMIN)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert response.get_json()["error"]["rule"] == "TN-1"


def test_a_request_without_an_acting_party_is_refused(client: FlaskClient) -> None:
    response = client.get("/portfolios")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_a_body_that_is_not_json_is_a_bad_request(client: FlaskClient) -> None:
    response = client.post("/portfolios", data="name=Sul", headers=ADMIN)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


# -- the agent inbox (VS-2, VS-3) -------------------------------------------------------------


def _open_tickets(client: FlaskClient) -> None:
    for ticket, customer in (("t1", "padaria"), ("t2", "oficina"), ("t3", "padaria")):
        body = {"id": ticket, "customer": customer, "department": "chat"}
        _ok(client.post("/tickets", json=body, headers=ADMIN), 201)


def test_each_agent_sees_only_his_visible_tickets(client: FlaskClient) -> None:
    _open_tickets(client)

    ana = _ok(client.get("/inbox", headers=ANA))
    bruno = _ok(client.get("/inbox", headers=BRUNO))
    carla = _ok(client.get("/inbox", headers={"X-Manager": "carla"}))
    admin = _ok(client.get("/inbox", headers=ADMIN))

    assert [t["id"] for t in ana["items"]] == ["t1", "t3"]
    assert all(t["assignee"] == "ana" for t in ana["items"])
    assert [t["id"] for t in bruno["items"]] == ["t2"]
    assert carla["items"] == []
    assert [t["id"] for t in admin["items"]] == ["t1", "t2", "t3"]


def test_the_inbox_pages(client: FlaskClient) -> None:
    _open_tickets(client)
    first = _ok(client.get("/inbox?limit=1", headers=ANA))
    assert [t["id"] for t in first["items"]] == ["t1"]
    after = first["items"][-1]["id"]
    rest = _ok(client.get(f"/inbox?limit=5&after={after}", headers=ANA))
    assert [t["id"] for t in rest["items"]] == ["t3"]


def test_segmentation_off_shows_every_ticket(client: FlaskClient) -> None:
    _open_tickets(client)
    _ok(client.put("/settings", json={"segmentation": False}, headers=ADMIN))
    assert [t["id"] for t in _ok(client.get("/inbox", headers=BRUNO))["items"]] == [
        "t1",
        "t2",
        "t3",
    ]


# -- routing (RT-1..RT-3) -------------------------------------------------------------------


def _route(client: FlaskClient, customer: str, department: str) -> Any:
    body = {"customer": customer, "department": department}
    return _ok(client.post("/route", json=body, headers=ADMIN))


def test_routing_assigns_the_account_manager(client: FlaskClient) -> None:
    decision = _route(client, "padaria", "chat")
    assert (decision["outcome"], decision["assignee"]) == ("assign", "ana")
    assert decision["reason"] == "one_candidate"
    assert decision["step"] == "primary_account_manager"


def test_routing_queues_when_the_owners_are_offline(
    client: FlaskClient, presence: InMemoryPresence
) -> None:
    presence.set_online("acme", "ana", online=False)
    decision = _route(client, "padaria", "chat")
    assert (decision["outcome"], decision["assignee"]) == ("queue", None)
    assert decision["reason"] == "all_offline"
    assert {"manager": "ana", "step": "primary_account_manager", "excluded": "offline"} in (
        decision["considered"]
    )


def test_routing_offers_a_choice_or_queues_by_department(client: FlaskClient) -> None:
    departments = [
        {"id": "escolha", "name": "Escolha", "choice": "customer_chooses"},
        {"id": "fila", "name": "Fila", "routing": "queue"},
    ]
    for department in departments:
        _ok(client.post("/departments", json=department, headers=ADMIN), 201)
    # A choice is offered among several account managers: carla joins ana on padaria.
    _ok(client.put("/settings", json={"max_account_managers": 2}, headers=ADMIN))
    _ok(client.post("/portfolios/sp/managers", json={"manager": "carla"}, headers=ADMIN))
    _ok(client.post("/customers/padaria/assign", json={"manager": "carla"}, headers=ADMIN))

    offered = _route(client, "padaria", "escolha")
    assert (offered["outcome"], offered["reason"]) == ("offer", "customer_chooses")
    assert sorted(offered["candidates"]) == ["ana", "carla"]

    queued = _route(client, "padaria", "fila")
    assert (queued["outcome"], queued["reason"]) == ("queue", "department_routes_by_queue")


def test_routing_an_unknown_department_is_not_found(client: FlaskClient) -> None:
    response = client.post("/route", json={"customer": "padaria", "department": "x"}, headers=ANA)
    assert response.status_code == 404


# -- the customer portal (TK, VS-4) ------------------------------------------------------------


def _ticket_type(client: FlaskClient) -> None:
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


def _portal_ticket(client: FlaskClient, customer: dict[str, str], subject: str) -> Any:
    body = {"group": "Financeiro", "type": "refund", "subject": subject, "request": "..."}
    return _ok(client.post("/portal/tickets", json=body, headers=customer), 201)


def test_a_customer_opens_a_ticket_and_sees_only_his_own(client: FlaskClient) -> None:
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
    response = client.get(f"/portal/tickets/{theirs['id']}", headers=PADARIA)
    assert response.status_code == 404
    response = client.post(
        f"/portal/tickets/{theirs['id']}/messages", json={"text": "oi"}, headers=PADARIA
    )
    assert response.status_code == 404


def test_a_customer_writes_in_his_ticket(client: FlaskClient) -> None:
    _ticket_type(client)
    ticket = _portal_ticket(client, PADARIA, "Nota em dobro")
    url = f"/portal/tickets/{ticket['id']}"
    _ok(client.post(f"{url}/messages", json={"text": "Segue a nota."}, headers=PADARIA), 201)
    discussion = _ok(client.get(url, headers=PADARIA))["discussion"]
    assert [m["text"] for m in discussion] == ["Segue a nota."]


def test_the_portal_ticket_reaches_the_attendants_inbox(client: FlaskClient) -> None:
    _ticket_type(client)
    ticket = _portal_ticket(client, PADARIA, "Nota em dobro")
    carla = _ok(client.get("/inbox", headers={"X-Manager": "carla"}))
    assert [t["id"] for t in carla["items"]] == [ticket["id"]]
    assert [t["id"] for t in _ok(client.get("/inbox", headers=BRUNO))["items"]] == []


def test_a_customer_is_refused_the_admin_side(client: FlaskClient) -> None:
    response = client.get("/inbox", headers=PADARIA)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert (error["code"], error["rule"]) == ("portal_only", "VS-4")


def test_a_bad_portal_view_is_a_bad_request(client: FlaskClient) -> None:
    response = client.get("/portal/tickets?view=nope", headers=PADARIA)
    assert response.status_code == 400


def test_the_data_survives_a_restart(tmp_path: Path, client: FlaskClient) -> None:
    again = create_app(tmp_path / "carteira.db")
    listed = _ok(again.test_client().get("/portfolios", headers=ADMIN))
    assert {s["portfolio"]["id"] for s in listed["items"]} == {"sp", "rj"}
    again.extensions["carteira_store"].close()
