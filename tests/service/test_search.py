"""VS-8: search as people type, ignoring case and accents, on every store.

A corpus of Portuguese, Spanish and German names is registered on memory, SQLite and
PostgreSQL; each search must find the same customers and organizations on all three.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira import (
    Carteira,
    ManualClock,
    Principal,
    Profile,
)
from carteira.ports import search_matches, search_terms, search_words
from databases import any_store

TENANT = "acme"

CORPUS = {
    "pt-1": "Tomás Neto",
    "pt-2": "João da Conceição",
    "pt-3": "Padaria São Jorge",
    "pt-4": "Açaí do Pará Ltda.",
    "es-1": "Peñarol Íñiguez",
    "es-2": "Niño José Muñoz",
    "de-1": "Müller & Söhne",
    "de-2": "Straße der Einheit",
    "de-3": "Jürgen Weiß",
}

SEARCHES = {
    "tomas neto": ["pt-1"],
    "TOMÁS": ["pt-1"],
    "neto tom": ["pt-1"],
    "JOAO": ["pt-2"],
    "conceicao": ["pt-2"],
    "sao jorge": ["pt-3"],
    "acai para": ["pt-4"],
    "penarol": ["es-1"],
    "iniguez": ["es-1"],
    "nino jose": ["es-2"],
    "munoz": ["es-2"],
    "muller sohne": ["de-1"],
    "strasse": ["de-2"],
    "straße": ["de-2"],
    "weiss": ["de-3"],
    "jurgen": ["de-3"],
    "es-": ["es-1", "es-2"],
    "PT 3": ["pt-3"],
    "j": ["de-3", "es-2", "pt-2", "pt-3"],
    "ao": [],
    "&": [],
    "%": [],
}


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Carteira]:
    """carteira over a new store of each kind, holding the corpus as customers and as
    organizations, ana seeing every one through her portfolio."""
    with any_store(request.param, tmp_path) as store:
        app = Carteira(store.unit_of_work, clock=ManualClock())
        host = Principal.system(TENANT)
        app.register_manager(host, "ana", "Ana", profile=Profile.ANALYST)
        app.create_portfolio(host, "Todos", managers=["ana"], portfolio_id="todos")
        for record_id, name in CORPUS.items():
            app.register_customer(host, record_id, name)
            app.set_customer_membership(host, record_id, portfolio="todos")
            app.register_organization(host, f"org-{record_id}", name)
        app.register_customer(host, "hidden", "Tomás Escondido")  # outside: ana never sees it
        yield app


@pytest.mark.parametrize(("search", "expected"), SEARCHES.items(), ids=list(SEARCHES))
def test_vs8_a_search_finds_the_same_names_on_every_store(
    app: Carteira, search: str, expected: list[str]
) -> None:
    """VS-8: accents and case aside, each word begins a word; VS-3: only what ana sees."""
    ana = Principal.manager(TENANT, "ana")
    found = [c.id for c in app.visible_customers(ana, search=search, limit=50)]
    assert found == expected
    organizations = app.visible_organizations(Principal.system(TENANT), search=search, limit=50)
    assert [o.id.removeprefix("org-") for o in organizations] == expected


def test_vs8_a_search_walks_its_pages(app: Carteira) -> None:
    """ST-4: the pages of a search follow one another, as every listing's do."""
    ana = Principal.manager(TENANT, "ana")
    first = app.visible_customers(ana, search="j", limit=2)
    second = app.visible_customers(ana, search="j", after=first.next_after, limit=2)
    assert [c.id for c in (*first, *second)] == ["de-3", "es-2", "pt-2", "pt-3"]
    assert second.next_after is None


@given(st.text(), st.text())
def test_vs8_words_are_folded_once_and_for_all(name: str, search: str) -> None:
    """VS-8: folding is idempotent, and a record is found by each of its own words."""
    words = search_words(name, "id")
    for word in words:
        assert search_words(word) == {word}
        assert search_matches(search_terms(word), words)
    terms = search_terms(search)
    expected = bool(terms) and all(any(w.startswith(t) for w in words) for t in terms)
    assert search_matches(terms, words) == expected


def test_vs8_the_next_prefix_bounds_exactly_the_words_a_term_begins() -> None:
    """VS-8, ST-4: SQL looks a term up as ``term <= word < next prefix``, by code point."""
    from carteira.adapters.sql.scoped import _past  # noqa: PLC0415 - the bound under test

    assert _past("abc") == "abd"
    assert _past("a\ud7ff") == "a\ue000"  # over the surrogates no database may hold
    assert _past("a\U0010ffff") is None  # no next prefix: the start is tested instead
    bound = _past("abc")
    assert bound is not None
    for word in ("abc", "abcz", "abc\U0010ffff", "abd", "ab", "b"):
        assert ("abc" <= word < bound) is word.startswith("abc")
