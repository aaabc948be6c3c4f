"""ER-3: text no store can keep is refused alike everywhere, and all other text is kept.

Arbitrary text (NUL, lone surrogates, combining marks, every plane) goes into the ids
and names of customers, organizations, managers and portfolios on memory, SQLite and
PostgreSQL, through the commands and through a spreadsheet import (an XLSX cell escapes a
lone surrogate as ``_xD800_``): each store gives the same outcome, a refusal is
``InvalidInput`` naming the field, or the import's row problem naming the column (never
a ``StorageError``), and what is kept reads back equal.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carteira import (
    Carteira,
    CarteiraError,
    Customer,
    FieldError,
    InvalidInput,
    ManualClock,
    Principal,
    Profile,
    make_converter,
)
from carteira.spreadsheets import DataSet, ImportRefused, SourceRow, Table, TableKind
from databases import any_store

KINDS = ("memory", "sqlite", "postgresql")
_tenants = itertools.count()

# Every code point, lone surrogates included, with the troublesome ones drawn often.
TEXT = st.text(
    st.characters(exclude_categories=())
    | st.sampled_from(["\x00", "\ud800", "\udfff", "\u0301", "\u00e3", "\ufeff", " "]),
    max_size=12,
)


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Carteira]]:
    """One carteira per kind of store, for the whole module; each example a new tenant."""
    folder = tmp_path_factory.mktemp("er3")
    with (
        any_store("memory", folder) as memory,
        any_store("sqlite", folder) as sqlite,
        any_store("postgresql", folder) as postgresql,
    ):
        stores = {"memory": memory, "sqlite": sqlite, "postgresql": postgresql}
        yield {k: Carteira(s.unit_of_work, clock=ManualClock()) for k, s in stores.items()}


def _outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        call()
    except InvalidInput as refused:
        return ("refused", refused.code, tuple(e.path for e in refused.errors))
    except CarteiraError as other:  # a StorageError here is the defect ER-3 forbids
        return (type(other).__name__, other.code)
    return ("kept",)


def _writes(text: str) -> dict[str, Callable[[Carteira, Principal], Any]]:
    return {
        "customer id": lambda app, host: app.register_customer(host, text, "Nome"),
        "customer name": lambda app, host: app.register_customer(host, "c1", text),
        "organization name": lambda app, host: app.register_organization(host, "o1", text),
        "manager name": lambda app, host: app.register_manager(
            host, "m1", text, profile=Profile.ANALYST
        ),
        "portfolio name": lambda app, host: app.create_portfolio(host, text, portfolio_id="p1"),
        "search": lambda app, host: app.visible_customers(host, search=text),
        "structured customer name": lambda app, host: make_converter().structure(
            {"tenant": host.tenant, "id": "c9", "name": text}, Customer
        ),
        "imported customer name": partial(_imported, "c2", {"customer_name": text}),
        "imported organization name": partial(
            _imported, "c3", {"organization": "o2", "organization_name": text}
        ),
    }


def _imported(customer: str, cells: dict[str, str], app: Carteira, host: Principal) -> Any:
    """Import one memberships row; a bad row is ``("refused", its problems)`` (WA-8, ER-3)."""
    values = {"customer": customer, **cells}
    table = Table(TableKind.MEMBERSHIPS, "in.xlsx", tuple(values), [SourceRow(2, values)])
    try:
        return app.import_dataset(host, DataSet((table,)))
    except ImportRefused as refused:
        raise InvalidInput(
            "import", [FieldError(p.column or "", p.code) for p in refused.problems]
        ) from refused


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT)
def test_er3_every_store_keeps_or_refuses_the_same_text_alike(
    apps: dict[str, Carteira], text: str
) -> None:
    """ER-3: same outcome on all three stores; a refusal names the field; kept text reads back."""
    tenant = f"er3-{next(_tenants)}"
    host = Principal.system(tenant)
    verdicts = {}
    for what, write in _writes(text).items():
        outcomes = {kind: _outcome(partial(write, app, host)) for kind, app in apps.items()}
        assert len(set(outcomes.values())) == 1, (what, text, outcomes)
        assert outcomes["memory"][0] in {"kept", "refused"}, (what, text, outcomes)
        verdicts[what] = outcomes["memory"][0]
    if text.strip() and len(text) <= 255:  # then only storability decides: one check, ER-3
        names = ("customer name", "structured customer name", "imported customer name")
        assert len({verdicts[n] for n in names}) == 1, (text, verdicts)
    names = {kind: _names(app, host) for kind, app in apps.items()}
    assert len({repr(n) for n in names.values()}) == 1, (text, names)


def _names(app: Carteira, host: Principal) -> tuple[Any, ...]:
    customers = [(c.id, c.name) for c in app.visible_customers(host, limit=50)]
    organizations = [(o.id, o.name) for o in app.visible_organizations(host, limit=50)]
    portfolios = [(s.portfolio.id, s.portfolio.name) for s in app.list_portfolios(host)]
    return tuple(customers), tuple(organizations), tuple(portfolios)
