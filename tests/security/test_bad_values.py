"""One validation at the edge: every store takes and refuses the same values (issue 14,
rows 6 and 7; ST-2, ER-1, ER-2, TN-1).

The campaign's reproducers: a capacity of 10**20, a cap of 99999999999999999999 account
managers and lone surrogates were kept in memory and refused by SQL with a storage
error; tenants ``""``, ``" "``, ``"acme "``, 10,000 characters, ``None`` and ``7`` were
never checked; ``attach(content_type=[...])`` raised a bare ``TypeError``, and a deeply
nested list given as an id a ``RecursionError``. Each is now ``InvalidInput`` naming the
field, on every store, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from kit import nested, open_ask, save_ask_type

from carteira import (
    Carteira,
    ExtraField,
    FieldKind,
    InvalidInput,
    Journey,
    Principal,
    Profile,
    Responsible,
    Stage,
)


@pytest.mark.parametrize("tenant", ["", " ", "acme ", " acme", "x" * 10_000, None, 7, ["acme"]])
def test_tn1_row6_a_tenant_is_checked_like_every_id(tenant: Any) -> None:
    """TN-1, ER-2: no principal is made of a tenant that is not a usable identifier."""
    for make in (Principal.system, Principal.manager, Principal.customer):
        with pytest.raises(InvalidInput) as refused:
            make(tenant, "x") if make is not Principal.system else make(tenant)
        assert refused.value.errors[0].path == "$.principal.tenant"


def _setup(app: Carteira, system: Principal) -> None:
    app.register_manager(system, "m", "M", profile=Profile.ANALYST)
    app.create_portfolio(system, "P", managers=["m"], portfolio_id="p")
    app.register_customer(system, "c1", "Padaria")
    save_ask_type(app, system)
    open_ask(app, Principal.customer("acme", "c1"), "t1")


CASES: dict[str, tuple[str, Callable[[Carteira, Principal], object]]] = {
    "capacity 10**20": (
        "$.capacity",
        lambda app, s: app.save_department(s, "d", "D", capacity=10**20),
    ),
    "a huge account-manager cap": (
        "$.max_account_managers",
        lambda app, s: app.update_settings(s, max_account_managers=99999999999999999999),
    ),
    "a huge attachment limit": (
        "$.attachment_max_bytes",
        lambda app, s: app.update_settings(s, attachment_max_bytes=10**30),
    ),
    "a lone surrogate in an id": (
        "$.id",
        lambda app, s: app.register_customer(s, "c\ud800", "Nome"),
    ),
    "a lone surrogate in a name": (
        "$.name",
        lambda app, s: app.register_customer(s, "c2", "Nome \udfff"),
    ),
    "a NUL in an id (PostgreSQL's text refuses it)": (
        "$.id",
        lambda app, s: app.register_customer(s, "c\x00", "Nome"),
    ),
    "a NUL in a portal note": (
        "$.note",
        lambda app, s: app.portal.move(Principal.customer("acme", "c1"), "t1", "done", note="\x00"),
    ),
    "a NUL in a portfolio description": (
        "$.description",
        lambda app, s: app.create_portfolio(s, "Q", description="a\x00b"),
    ),
    "a portfolio description of 140,000 characters": (
        "$.description",
        lambda app, s: app.create_portfolio(s, "Q", description="d" * 140_000),
    ),
    "a journey with a blank id": (
        "$.journey.id",
        lambda app, s: app.create_portfolio(s, "Q", journey=Journey(" ", "")),
    ),
    "a name of 100,000 characters": (
        "$.name",
        lambda app, s: app.register_manager(s, "m2", "M" * 100_000),
    ),
    "a content type that is a list": (
        "$.content_type",
        lambda app, s: app.attach(s, "t1", name="a.txt", content_type=["x"], content=b"1"),
    ),
    "a nested list as an agent": (
        "$.manager_id",
        lambda app, s: app.choose_agent(s, "t1", nested(100_000)),
    ),
    "a nested list as an absence": (
        "$.absence_id",
        lambda app, s: app.cancel_absence(s, "m", nested(100_000)),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_er2_row6_row7_every_store_refuses_the_same_bad_value_alike(
    app: Carteira, store: Any, system: Principal, case: str
) -> None:
    """ER-1, ER-2, ST-2: InvalidInput naming the field, on every store; nothing changed."""
    _setup(app, system)
    path, call = CASES[case]
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        call(app, system)
    assert [e.path for e in refused.value.errors] == [path]
    assert store.snapshot() == before


@pytest.mark.parametrize(
    "values", [{"n": 10**400}, {"n": float("inf")}, {"t": "a\x00b"}, {"t": "t" * 20_001}]
)
def test_tk3_er2_review_extra_field_values_every_store_keeps(
    app: Carteira, store: Any, system: Principal, values: dict[str, Any]
) -> None:
    """TK-3, ER-2: a number past a BIGINT (was a bare OverflowError), text with NUL or past
    20,000 characters: InvalidInput on every store, nothing changed."""
    stages = [
        Stage("new", "Novo", Responsible.CUSTOMER),
        Stage("done", "Feito", Responsible.SERVICE, final=True),
    ]
    fields = [ExtraField("n", FieldKind.NUMBER), ExtraField("t", FieldKind.TEXT)]
    app.save_ticket_type(
        system,
        "f",
        group="G",
        name="F",
        stages=stages,
        transitions=[("new", "done")],
        fields=fields,
    )
    app.register_customer(system, "c1", "Padaria")
    me = Principal.customer("acme", "c1")
    app.portal.open_ticket(me, group="G", ticket_type="f", subject="s", request="r", ticket_id="t1")
    before = store.snapshot()
    with pytest.raises(InvalidInput):
        app.portal.fill(me, "t1", values)
    assert store.snapshot() == before
