"""ER-2: bad input to any public command or query is refused with a domain error.

Every public method of :class:`Carteira` is called with one argument at a time replaced
by a value of the wrong type; the call must either answer or raise a
:class:`CarteiraError` (never a bare ``TypeError``, ``KeyError``, ``AttributeError``...),
and change nothing.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from carteira import (
    Carteira,
    CarteiraError,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    Principal,
    Profile,
)

TENANT = "acme"
HOST = Principal.system(TENANT)
BAD_VALUES: list[Any] = [["x"], {"x": 1}, 3.5, object(), b"x", ("x", ["y"])]


def _app() -> tuple[Carteira, InMemoryStore]:
    store = InMemoryStore()
    app = Carteira(store.unit_of_work, clock=ManualClock())
    app.register_manager(HOST, "x", "X", profile=Profile.ANALYST)
    app.create_portfolio(HOST, "Sul", managers=["x"], portfolio_id="x")
    app.register_organization(HOST, "x", "X")
    app.register_customer(HOST, "x", "X", organization="x")
    return app, store


def _cases() -> list[Any]:
    cases = []
    for name, method in inspect.getmembers(Carteira, inspect.isfunction):
        if name.startswith("_"):
            continue
        parameters = list(inspect.signature(method).parameters.values())[2:]
        for parameter in parameters:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            cases.append(pytest.param(name, parameter.name, id=f"{name}-{parameter.name}"))
    return cases


def _arguments(name: str, bad: str, value: Any) -> dict[str, Any]:
    method = getattr(Carteira, name)
    arguments: dict[str, Any] = {}
    for parameter in list(inspect.signature(method).parameters.values())[2:]:
        if parameter.name == bad:
            arguments[parameter.name] = value
        elif parameter.default is inspect.Parameter.empty:
            arguments[parameter.name] = "x"
    return arguments


@pytest.mark.parametrize(("name", "bad"), _cases())
def test_er2_a_wrongly_typed_argument_is_a_domain_error(name: str, bad: str) -> None:
    app, store = _app()
    before = store.snapshot()
    for value in BAD_VALUES:
        try:
            getattr(app, name)(HOST, **_arguments(name, bad, value))
        except CarteiraError:
            assert store.snapshot() == before, (name, bad, value)
        else:
            before = store.snapshot()


def _annotated(*fragments: str) -> list[Any]:
    cases = []
    for name, method in inspect.getmembers(Carteira, inspect.isfunction):
        if name.startswith("_"):
            continue
        for parameter in list(inspect.signature(method).parameters.values())[2:]:
            annotation = str(parameter.annotation)
            if any(annotation.startswith(f) for f in fragments):
                cases.append(pytest.param(name, parameter.name, id=f"{name}-{parameter.name}"))
    return cases


@pytest.mark.parametrize(("name", "flag"), _annotated("bool"))
def test_er2_a_flag_takes_true_or_false_only(name: str, flag: str) -> None:
    app, store = _app()
    before = store.snapshot()
    for value in (["x"], "yes", 1):
        with pytest.raises(InvalidInput) as caught:
            getattr(app, name)(HOST, **_arguments(name, flag, value))
        assert any(e.path == f"$.{flag}" for e in caught.value.errors)
    assert store.snapshot() == before


@pytest.mark.parametrize(("name", "ids"), _annotated("Iterable[str]", "Sequence[str]"))
def test_er2_one_string_is_not_a_list_of_ids(name: str, ids: str) -> None:
    app, store = _app()
    before = store.snapshot()
    with pytest.raises(InvalidInput):
        getattr(app, name)(HOST, **_arguments(name, ids, "x"))
    assert store.snapshot() == before
