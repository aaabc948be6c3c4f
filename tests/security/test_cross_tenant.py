"""Cross-tenant access (issue 14's catalog, the CVE class; TN-1) on every store.

Tenant ``globex`` holds records under the same ids as ``acme``'s. A principal of ``acme``,
however privileged, reads, checks, lists and changes only ``acme``'s: ``globex``'s are
indistinguishable from missing ones, and ``globex`` is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from carteira import Carteira, NotFound, Principal, Profile, Role, RoutingMode, Subject

ACME, GLOBEX = Principal.system("acme"), Principal.system("globex")
BOSS = Principal.manager("acme", "boss")


def _tenant(app: Carteira, system: Principal, suffix: str) -> None:
    app.register_manager(system, "boss", "Boss", roles=[Role.administrator()])
    app.register_manager(system, "m", "M", profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["m"], portfolio_id="sul")
    app.register_customer(system, "c1", f"Cliente {suffix}")
    app.register_customer(system, f"only-{suffix}", "Só aqui")
    app.set_customer_membership(system, "c1", portfolio="sul")
    app.save_department(system, "d", "Fila", routing=RoutingMode.QUEUE)
    app.open_ticket(system, f"t-{suffix}", "c1", "d")


CALLS: dict[str, Callable[[Carteira], object]] = {
    "customer": lambda app: app.customer(BOSS, "only-globex"),
    "update_customer": lambda app: app.update_customer(BOSS, "only-globex", name="X"),
    "set_membership": lambda app: app.set_customer_membership(BOSS, "only-globex", portfolio="sul"),
    "reply": lambda app: app.reply(BOSS, "t-globex"),
    "close_ticket": lambda app: app.close_ticket(BOSS, "t-globex"),
    "owner_history": lambda app: app.owner_history(BOSS, "only-globex"),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_tn1_another_tenant_s_record_is_a_missing_one(app: Carteira, store: Any, call: str) -> None:
    """TN-1: NotFound, exactly as for an id no tenant holds, and nothing changes."""
    _tenant(app, ACME, "acme")
    _tenant(app, GLOBEX, "globex")
    before = store.snapshot()
    with pytest.raises(NotFound) as refused:
        CALLS[call](app)
    assert "globex" not in str(refused.value).replace("only-globex", "").replace("t-globex", "")
    assert store.snapshot() == before


def test_tn1_checks_and_listings_stay_in_the_tenant(app: Carteira) -> None:
    """TN-1, VS-2, VS-3: the same ids answer for acme's records only."""
    _tenant(app, ACME, "acme")
    _tenant(app, GLOBEX, "globex")
    assert not app.can_view(BOSS, Subject.CUSTOMER, "only-globex")
    assert not app.can_view(BOSS, Subject.TICKET, "t-globex")
    assert app.visible_among(BOSS, Subject.CUSTOMER, ["c1", "only-globex"]) == {"c1"}
    listed = [c.id for c in app.visible_customers(BOSS)]
    assert listed == ["c1", "only-acme"]
    assert [c.name for c in app.visible_customers(BOSS)] == ["Cliente acme", "Só aqui"]
