"""Every public call, hostile arguments, every store: nothing bare, no disagreement (issue 14).

Hypothesis picks a public method of `Carteira` (or of its customer portal) and fills each
argument after the principal with either a plausible value (an id of the small world set
up first, a name, a page size) or a hostile one: ``None``, numbers of every size, lone
surrogates, very long text, bytes, lists, deeply nested lists, mappings. The same call
then runs against the in-memory store and a SQL store, each holding the same world in a
tenant of its own. Each must either answer or refuse with a `CarteiraError` (never a bare
``TypeError``, ``KeyError``, ``RecursionError``...), and both stores must end the same
way: both answer, or both refuse with the same class and code (ER-1, ER-2, ST-2).
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import nested, open_ask, save_ask_type

from carteira import (
    Carteira,
    CarteiraError,
    InMemoryStore,
    ManualClock,
    Principal,
    Profile,
    RoutingMode,
)
from databases import sql_store

START = datetime(2026, 1, 1, tzinfo=UTC)
IDS = ["m", "ana", "sul", "c1", "c2", "o1", "t1", "p1", "d", "ask", "ab1", "ghost"]
_TENANTS = itertools.count()
# Calls that take a callable or that only the portal's customer may make get one here.
SKIP = {"import_dataset": {"progress"}}


HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 10**20, float("nan"), 1.5]),
    st.text(max_size=20),
    st.text(st.characters(codec=None, categories=["Cs", "Zs", "Lu"]), max_size=5),
    st.sampled_from(["", " ", "x" * 300, "y" * 100_000, "=HYPERLINK()", "a/b", "\x00"]),
    st.binary(max_size=10),
    st.lists(st.sampled_from(IDS), max_size=3),
    st.just(nested(50_000)),
    st.dictionaries(st.sampled_from(IDS), st.sampled_from(IDS), max_size=2),
    st.just(START),
    st.just(datetime(2026, 1, 1)),  # noqa: DTZ001 - naive on purpose
)
PLAUSIBLE = st.one_of(
    st.sampled_from(IDS),
    st.sampled_from(["Novo nome", "customer", "ticket", "organization"]),
    st.integers(1, 60),
    st.booleans(),
    st.just(START + timedelta(days=1)),
)
VALUES = st.one_of(PLAUSIBLE, PLAUSIBLE, HOSTILE)


def _world(app: Carteira, tenant: str) -> None:
    system = Principal.system(tenant)
    app.register_manager(system, "m", "M", profile=Profile.ANALYST)
    app.register_manager(system, "ana", "Ana", profile=Profile.ANALYST)
    app.create_portfolio(system, "Sul", managers=["m"], portfolio_id="sul")
    app.register_organization(system, "o1", "Org")
    app.register_customer(system, "c1", "Padaria", organization="o1")
    app.register_customer(system, "c2", "Mercado")
    app.set_customer_membership(system, "c1", portfolio="sul")
    app.save_department(system, "d", "Fila", routing=RoutingMode.QUEUE)
    app.open_ticket(system, "t1", "c1", "d")
    save_ask_type(app, system)
    open_ask(app, Principal.customer(tenant, "c2"), "p1")
    later = START + timedelta(days=3)
    app.schedule_absence(
        system, "m", start=later, end=later + timedelta(days=1), backup="ana", absence_id="ab1"
    )


def _methods(owner: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(function)
        for name, function in inspect.getmembers(owner, inspect.isfunction)
        if not name.startswith("_")
    }


APP_METHODS = _methods(Carteira)
PORTAL_METHODS = _methods(type(Carteira(InMemoryStore().unit_of_work).portal))


def _outcome(call: Callable[[], object]) -> tuple[str, ...]:
    try:
        call()
    except CarteiraError as error:
        return (type(error).__name__, error.code)
    except Exception as error:
        pytest.fail(f"a bare {type(error).__name__}: {str(error)[:300]}")
    return ("answered",)


class _Pair:
    """The same world in memory and in one SQL store, a tenant per example."""

    def __init__(self, sql: Any) -> None:
        self.stores = [InMemoryStore(), sql]

    def apps(self, tenant: str) -> list[Carteira]:
        found = []
        for store in self.stores:
            app = Carteira(store.unit_of_work, clock=ManualClock(START))
            _world(app, tenant)
            found.append(app)
        return found


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    with sql_store(request.param, tmp_path_factory.mktemp("fuzz")) as store:
        yield _Pair(store)


def _arguments(data: st.DataObject, signature: inspect.Signature, skip: set[str]) -> Any:
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for name, parameter in list(signature.parameters.items())[2:]:  # self, principal
        if name in skip:
            continue
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            if parameter.default is not inspect.Parameter.empty and data.draw(st.booleans()):
                continue
            keywords[name] = data.draw(VALUES, label=name)
        else:
            positional.append(data.draw(VALUES, label=name))
    return positional, keywords


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_er1_er2_every_public_call_refuses_hostile_input_alike_on_every_store(
    pair: _Pair, data: st.DataObject
) -> None:
    """ER-1, ER-2, ST-2: a CarteiraError or an answer, the same on memory and SQL."""
    portal = data.draw(st.booleans(), label="portal")
    methods = PORTAL_METHODS if portal else APP_METHODS
    name = data.draw(st.sampled_from(sorted(methods)), label="method")
    args, kwargs = _arguments(data, methods[name], SKIP.get(name, set()))
    tenant = f"f{next(_TENANTS)}"
    who = (
        Principal.customer(tenant, data.draw(st.sampled_from(["c1", "c2"]), label="customer"))
        if portal
        else data.draw(
            st.sampled_from([Principal.system(tenant), Principal.manager(tenant, "m")]),
            label="principal",
        )
    )
    outcomes = []
    for app in pair.apps(tenant):
        target = app.portal if portal else app
        outcomes.append(_outcome(lambda t=target: getattr(t, name)(who, *args, **kwargs)))
    assert outcomes[0] == outcomes[1], (name, outcomes)


def test_the_fuzzer_knows_every_public_call() -> None:
    """New public calls are fuzzed without anyone listing them."""
    assert {"register_customer", "can_view", "list_portfolios"} <= set(APP_METHODS)
    assert {"open_ticket", "attach"} <= set(PORTAL_METHODS)
    assert Path(__file__).name == "test_fuzz.py"
