"""No existence oracles (issue 14, row 4; TN-1, VS-3, VS-4, TK-4).

The campaign's reproducers: ``register_customer`` answered ``customer_exists`` for a
customer the caller cannot see; ``open_ticket`` answered ``ticket_exists`` to any agent;
``bulk_close`` by a BULK_CLOSE holder without VIEW_ALL returned hidden tickets and their
customers; attachment keys ``ticket/attachment`` met across tickets, and the conflict
named another customer's ticket. A caller now learns, of a record he may not see, only
that its id cannot be used, which any create with a caller-chosen id must tell him.
"""

from __future__ import annotations

from typing import Any

import pytest
from kit import open_ask, save_ask_type

from carteira import (
    Carteira,
    Conflict,
    NotFound,
    Permission,
    Principal,
    Profile,
    Role,
    RoutingMode,
    Subject,
)
from carteira.events import TicketClosed
from carteira.services.uploads import content_key

TENANT = "acme"
CLERK = Principal.manager(TENANT, "clerk")  # SET_PORTFOLIO, sees only his portfolio
AGENT = Principal.manager(TENANT, "agent")


def _world(app: Carteira, system: Principal) -> None:
    """vip (org vorg) sits in boss's portfolio; mine sits in the clerk's. t-vip is vip's
    ticket, served by boss; t-mine is mine's, served by the agent."""
    clerk = Role("clerk", {Permission.SET_PORTFOLIO, Permission.BULK_CLOSE})
    app.register_manager(system, "clerk", "Clerk", profile=Profile.ANALYST, roles=[clerk])
    app.register_manager(system, "boss", "Boss", profile=Profile.ANALYST)
    app.register_manager(system, "agent", "Agent", profile=Profile.ANALYST)
    app.create_portfolio(system, "Diretoria", managers=["boss"], portfolio_id="dir")
    app.create_portfolio(system, "Balcao", managers=["clerk", "agent"], portfolio_id="bal")
    app.register_organization(system, "vorg", "Segredo S.A.")
    app.set_organization_portfolio(system, "vorg", "dir")
    app.register_customer(system, "vip", "Cliente VIP", organization="vorg")
    app.register_customer(system, "mine", "Cliente Comum")
    app.set_customer_membership(system, "mine", portfolio="bal")
    app.save_department(system, "d", "Fila", routing=RoutingMode.QUEUE)
    app.open_ticket(system, "t-vip", "vip", "d")
    app.reassign_ticket(system, "t-vip", "boss")
    app.open_ticket(system, "t-mine", "mine", "d")
    app.reassign_ticket(system, "t-mine", "agent")


def _says_nothing(error: Conflict, kind: str, record_id: str) -> None:
    """The refusal names the id and its kind, nothing about the record holding it."""
    assert error.code == "id_unavailable"
    assert error.details == {"kind": kind, "id": record_id}
    text = str(error).replace(repr(record_id), "")
    for secret in ("exists", "VIP", "Segredo", "boss", "dir", "vorg", "vip"):
        assert secret not in text, (secret, text)


def _refused(store: Any, call: Any) -> Conflict:
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        call()
    assert store.snapshot() == before
    return refused.value


def test_vs3_row4_registering_a_hidden_customer_s_id_reveals_nothing(
    app: Carteira, store: Any, system: Principal
) -> None:
    """VS-3, TN-1: a hidden customer's or organization's id is only unavailable."""
    _world(app, system)
    assert not app.can_view(CLERK, Subject.CUSTOMER, "vip")
    error = _refused(store, lambda: app.register_customer(CLERK, "vip", "Outro"))
    _says_nothing(error, "customer", "vip")
    error = _refused(store, lambda: app.register_organization(CLERK, "vorg", "Outra"))
    _says_nothing(error, "organization", "vorg")


def test_vs3_a_customer_the_caller_sees_is_still_named_as_existing(
    app: Carteira, store: Any, system: Principal
) -> None:
    """MB-1: where he sees the record, the refusal says what it is."""
    _world(app, system)
    assert _refused(store, lambda: app.register_customer(CLERK, "mine", "X")).code == (
        "customer_exists"
    )


def test_vs3_row4_opening_a_ticket_under_a_hidden_ticket_s_id_reveals_nothing(
    app: Carteira, store: Any, system: Principal
) -> None:
    """VS-3, RT-3: an agent who may not see t-vip learns only that the id is taken."""
    _world(app, system)
    error = _refused(store, lambda: app.open_ticket(AGENT, "t-vip", "mine", "d"))
    _says_nothing(error, "ticket", "t-vip")
    seen = _refused(store, lambda: app.open_ticket(AGENT, "t-mine", "mine", "d"))
    assert seen.code == "ticket_exists"


def test_vs3_row4_bulk_close_returns_only_what_the_caller_sees(
    app: Carteira, system: Principal
) -> None:
    """WA-4, VS-3: the clerk closes boss's and the agent's conversations; the value holds
    only the tickets he sees, the events (the host's record) all of them."""
    _world(app, system)
    result = app.bulk_close(CLERK, "boss")
    assert result.value == []
    assert [e.ticket_id for e in result.events if isinstance(e, TicketClosed)] == ["t-vip"]
    mine = app.bulk_close(CLERK, "agent").value
    assert [(t.id, t.customer) for t in mine] == [("t-mine", "mine")]


def test_tk4_row4_attachment_keys_are_one_per_ticket_and_attachment() -> None:
    """TK-4, TN-1: ids holding "/" or "%" no longer meet under one key."""
    pairs = [("a/b", "c"), ("a", "b/c"), ("a%2Fb", "c"), ("a", "b%2Fc"), ("a", "b"), ("%", "/")]
    keys = [content_key(t, a) for t, a in pairs]
    assert len(set(keys)) == len(keys)
    assert content_key("t1", "a1") == "t1/a1"  # plain ids keep the key they had


def _open(app: Carteira, customer: str, ticket_id: str) -> Any:
    return open_ask(app, Principal.customer(TENANT, customer), ticket_id)


def test_vs4_row4_a_portal_customer_learns_nothing_of_another_s_ticket(
    app: Carteira, store: Any, system: Principal
) -> None:
    """VS-4, TK-1: another customer's ticket id is only unavailable; his own, existing."""
    _world(app, system)
    save_ask_type(app, system)
    _open(app, "mine", "p1")
    _says_nothing(_refused(store, lambda: _open(app, "vip", "p1")), "ticket", "p1")
    assert _refused(store, lambda: _open(app, "mine", "p1")).code == "ticket_exists"


def test_tk4_row4_two_tickets_attachments_do_not_collide(app: Carteira, system: Principal) -> None:
    """TK-4, TN-1: ("a/b", "c") and ("a", "b/c") each keep their own content."""
    _world(app, system)
    save_ask_type(app, system)
    _open(app, "mine", "a/b")
    _open(app, "vip", "a")
    file = {"name": "f.txt", "content_type": "text/plain"}
    mine, vip = Principal.customer(TENANT, "mine"), Principal.customer(TENANT, "vip")
    app.portal.attach(mine, "a/b", content=b"mine", attachment_id="c", **file)
    app.portal.attach(vip, "a", content=b"vip's", attachment_id="b/c", **file)
    assert app.portal.attachment(mine, "a/b", "c")[1] == b"mine"
    assert app.portal.attachment(vip, "a", "b/c")[1] == b"vip's"


def test_vs3_review_a_hidden_organization_is_a_missing_one_when_placing_customers(
    app: Carteira, store: Any, system: Principal
) -> None:
    """VS-3: registering or moving a customer into an organization he may not see is
    NotFound, exactly as for one that does not exist, and puts nobody in its portfolio."""
    _world(app, system)
    before = store.snapshot()
    for organization in ("vorg", "nope"):
        with pytest.raises(NotFound) as missing:
            app.register_customer(CLERK, "new", "Novo", organization=organization)
        assert (missing.value.kind, missing.value.record_id) == ("organization", organization)
        with pytest.raises(NotFound):
            app.update_customer(CLERK, "mine", organization=organization)
    assert store.snapshot() == before
