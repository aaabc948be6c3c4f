"""PF-1 name corpus: normalisation, case folding, length after NFC, blank names."""

from __future__ import annotations

import unicodedata
from itertools import count

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from carteira import (
    Carteira,
    Conflict,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    Principal,
)
from carteira.ports import MAX_NAME_LENGTH, name_key
from carteira.testing.strategies import portfolio_names

TENANT = "acme"


def fresh() -> tuple[Carteira, InMemoryStore, Principal]:
    store = InMemoryStore()
    ids = (f"p{i}" for i in count(1))
    app = Carteira(store.unit_of_work, clock=ManualClock(), new_id=lambda: next(ids))
    system = Principal.system(TENANT)
    app.list_portfolios(system)  # the tenant now exists, so snapshots compare its tables
    return app, store, system


def looked_up(store: InMemoryStore, name: str) -> str | None:
    """The id of the portfolio the name look-up finds (the port's by_key)."""
    with store.unit_of_work(TENANT) as uow:
        found = uow.portfolios.by_key(name_key(name))
        return None if found is None else found.id


def collides(app: Carteira, system: Principal, first: str, second: str) -> bool:
    app.create_portfolio(system, first)
    refusal: Conflict | None = None
    try:
        app.create_portfolio(system, second)
    except Conflict as error:
        refusal = error
    if refusal is None:
        return False
    assert (refusal.code, refusal.rule) == ("portfolio_name_taken", "PF-1")
    return True


# -- equal names ---------------------------------------------------------------------------

SAME_NAMES = [
    ("ß", "SS"),
    ("Straße", "STRASSE"),
    ("straße", "Strasse"),
    ("\u03a9mega", "\u2126MEGA"),  # GREEK CAPITAL OMEGA vs OHM SIGN
    ("\ufb01nance", "finance"),  # LATIN SMALL LIGATURE FI
    ("\ufb01nance", "FINANCE"),
    ("SÃO PAULO", "são paulo"),
    ("S\u00c3O PAULO", "sa\u0303o paulo"),  # composed vs decomposed
    ("sa\u0303o paulo", "SÃO PAULO"),
    ("ISTANBUL", "istanbul"),
    ("Sul", "  sul  "),
]


@pytest.mark.parametrize(("first", "second"), SAME_NAMES)
def test_pf1_names_equal_after_normalisation_and_folding_collide(first: str, second: str) -> None:
    """PF-1: names equal under NFKC + case folding are the same name."""
    app, store, system = fresh()
    assert name_key(first) == name_key(second)
    assert collides(app, system, first, second)
    # look-up by either spelling finds the one portfolio: uniqueness and look-up agree
    assert looked_up(store, first) == "p1"
    assert looked_up(store, second) == "p1"


DISTINCT_NAMES = [
    ("\u0430lpha", "alpha"),  # CYRILLIC SMALL A vs LATIN a
    ("\u0410LPHA", "ALPHA"),  # CYRILLIC CAPITAL A vs LATIN A
    ("\u0131stanbul", "istanbul"),  # dotless i folds to itself
    ("\u0131stanbul", "ISTANBUL"),
    ("\u0130stanbul", "istanbul"),  # dotted capital I folds to i + COMBINING DOT ABOVE
    ("\u0130stanbul", "\u0131stanbul"),
    ("São Paulo", "Sao Paulo"),
    ("Sul", "Sul 2"),
]


@pytest.mark.parametrize(("first", "second"), DISTINCT_NAMES)
def test_pf1_distinct_names_do_not_collide(first: str, second: str) -> None:
    """PF-1: names with different keys may coexist, and each look-up finds its own."""
    app, store, system = fresh()
    assert name_key(first) != name_key(second)
    assert not collides(app, system, first, second)
    assert looked_up(store, first) == "p1"
    assert looked_up(store, second) == "p2"


def test_pf1_what_the_key_does_with_dotless_and_dotted_i() -> None:
    """PF-1: full case folding, no Turkish tailoring (recorded so a change is noticed)."""
    assert name_key("I") == "i"
    assert name_key("i") == "i"
    assert name_key("\u0131") == "\u0131"  # dotless i stays dotless
    assert name_key("\u0130") == "i\u0307"  # dotted capital I: i + U+0307
    assert name_key("ISTANBUL") == name_key("istanbul")


def test_pf1_ohm_sign_is_stored_as_omega_and_collides_either_way() -> None:
    """PF-1: U+2126 OHM SIGN and U+03A9 OMEGA are one name whichever comes first."""
    app, store, system = fresh()
    created = app.create_portfolio(system, "\u2126mega").value
    assert created.name == "\u03a9mega"  # stored NFC
    with pytest.raises(Conflict) as caught:
        app.create_portfolio(system, "\u03c9mega")
    assert caught.value.code == "portfolio_name_taken"
    assert looked_up(store, "\u03c9MEGA") == created.id


def test_pf1_decomposed_and_composed_spellings_are_one_name() -> None:
    """PF-1: SÃO PAULO typed composed or decomposed is stored once, in NFC."""
    app, _, system = fresh()
    decomposed = "SA\u0303O PAULO"
    created = app.create_portfolio(system, decomposed).value
    assert created.name == "S\u00c3O PAULO"
    with pytest.raises(Conflict) as caught:
        app.create_portfolio(system, "são paulo")
    assert caught.value.code == "portfolio_name_taken"


# -- length and blank -----------------------------------------------------------------------


def test_pf1_a_name_of_exactly_128_characters_is_accepted() -> None:
    app, _, system = fresh()
    name = "a" * MAX_NAME_LENGTH
    assert app.create_portfolio(system, name).value.name == name
    assert MAX_NAME_LENGTH == 128


def test_pf1_a_name_of_129_characters_is_refused() -> None:
    app, store, system = fresh()
    before = store.snapshot()
    with pytest.raises(InvalidInput) as caught:
        app.create_portfolio(system, "a" * 129)
    assert caught.value.code == "name_too_long"
    assert caught.value.rule == "PF-1"
    assert [e.path for e in caught.value.errors] == ["$.name"]
    assert store.snapshot() == before


def test_pf1_length_is_counted_after_nfc() -> None:
    """PF-1: 256 code points that compose to 128 characters are a 128-character name."""
    app, _, system = fresh()
    decomposed = "e\u0301" * 128
    assert len(decomposed) == 256
    assert len(unicodedata.normalize("NFC", decomposed)) == 128
    created = app.create_portfolio(system, decomposed).value
    assert created.name == "\u00e9" * 128


def test_pf1_a_decomposed_name_whose_nfc_is_129_is_refused() -> None:
    app, _, system = fresh()
    with pytest.raises(InvalidInput) as caught:
        app.create_portfolio(system, "e\u0301" * 129)
    assert caught.value.code == "name_too_long"


@pytest.mark.parametrize("blank", ["", " ", "   ", "\t\n", "\u3000", "\u00a0 \u2003"])
def test_pf1_blank_names_are_refused(blank: str) -> None:
    app, store, system = fresh()
    before = store.snapshot()
    with pytest.raises(InvalidInput) as caught:
        app.create_portfolio(system, blank)
    assert caught.value.code == "name_required"
    assert caught.value.rule == "PF-1"
    assert store.snapshot() == before


def test_pf1_a_non_string_name_is_invalid_input() -> None:
    app, _, system = fresh()
    with pytest.raises(InvalidInput) as caught:
        app.create_portfolio(system, 42)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.rule) == ("invalid_input", "PF-1")
    assert [e.path for e in caught.value.errors] == ["$.name"]


# -- properties -----------------------------------------------------------------------------


@given(st.text())
@example("\u00a8")  # DIAERESIS: NFKC gives SPACE + COMBINING DIAERESIS
@example("\ufe49")  # DASHED OVERLINE: NFKC gives SPACE + COMBINING OVERLINE
@example("\u0130")
@example("\u1e9e")  # CAPITAL SHARP S
def test_pf1_name_key_is_idempotent(name: str) -> None:
    """PF-1: name_key(name_key(s)) == name_key(s)."""
    key = name_key(name)
    assert name_key(key) == key


def _respellings(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            name,
            name.upper(),
            name.lower(),
            name.casefold(),
            name.swapcase(),
            unicodedata.normalize("NFD", name),
            unicodedata.normalize("NFKD", name),
            unicodedata.normalize("NFKC", name),
            f"  {name}\t",
        ]
    )


def _valid(name: str) -> bool:
    stripped = name.strip()
    return bool(stripped) and len(unicodedata.normalize("NFC", stripped)) <= MAX_NAME_LENGTH


@given(st.data())
def test_pf1_names_collide_on_create_exactly_when_their_keys_are_equal(data: st.DataObject) -> None:
    """PF-1: create refuses the second name iff the keys are equal; look-up agrees."""
    first = data.draw(portfolio_names(), label="first")
    second = data.draw(_respellings(first) | portfolio_names(), label="second")
    assume(_valid(second))
    app, store, system = fresh()
    same = name_key(first) == name_key(second)
    assert collides(app, system, first, second) == same
    assert looked_up(store, first) == "p1"
    assert looked_up(store, second) == ("p1" if same else "p2")
