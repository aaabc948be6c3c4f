"""ST-2: storage adapters are found by name through the entry-point group, lazily."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from carteira import Carteira, Customer, InMemoryStore, Principal, StorageError
from carteira.adapters.registry import GROUP, adapter_names, load_adapter, open_store


@pytest.fixture
def third_party(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installed-looking package, ``carteira_fake``, registering adapter ``fake``."""
    (tmp_path / "carteira_fake.py").write_text(
        textwrap.dedent(
            """
            from carteira import InMemoryStore

            opened = []

            def open_store(url):
                opened.append(url)
                return InMemoryStore()
            """
        ),
        encoding="utf-8",
    )
    info = tmp_path / "carteira_fake-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: carteira-fake\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\nfake = carteira_fake:open_store\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("carteira_fake", None)


def test_st2_carteiras_own_adapters_are_registered() -> None:
    assert {"memory", "sql"} <= set(adapter_names())
    assert isinstance(open_store("memory://"), InMemoryStore)


def test_st2_a_third_party_adapter_is_found_by_its_scheme(third_party: Path) -> None:
    assert "fake" in adapter_names()
    store = open_store("fake+driver://somewhere/db")
    app = Carteira(store.unit_of_work)
    assert app.create_portfolio(Principal.system("acme"), "Sul").value.name == "Sul"
    assert sys.modules["carteira_fake"].opened == ["fake+driver://somewhere/db"]


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_st2_every_store_open_store_returns_closes_twice_harmlessly(
    kind: str, tmp_path: Path
) -> None:
    """``Store.close`` (issue 16): what a host calls on shut-down, on every store."""
    url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path / 'c.db'}"
    store = open_store(url)
    with store.unit_of_work("acme") as uow:
        uow.customers.add(Customer("acme", "c1", "C1"))
        uow.commit()
    store.close()
    store.close()


def test_st2_an_unknown_adapter_is_a_clear_error() -> None:
    with pytest.raises(StorageError) as caught:
        load_adapter("mongodb")
    assert caught.value.code == "unknown_adapter"
    assert "memory" in str(caught.value)
    with pytest.raises(StorageError) as caught:
        open_store("carteira.db")
    assert caught.value.code == "invalid_url"


def test_st2_adapters_load_lazily() -> None:
    """Opening the in-memory store imports neither SQLAlchemy nor a third party's code."""
    probe = (
        "import sys; from carteira.adapters.registry import open_store; "
        "open_store('memory://'); print('sqlalchemy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
