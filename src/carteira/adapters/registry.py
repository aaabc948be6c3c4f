"""Storage adapters found by name: carteira's own and other packages' (ST-2).

An adapter registers a factory under the entry-point group ``carteira.adapters``; the
factory takes a URL string and returns a store, an object whose ``unit_of_work(tenant)``
opens a unit of work. [`open_store`][carteira.open_store] picks the adapter from the URL's scheme
(``memory://``; ``sqlite:///...`` and ``postgresql+psycopg://...`` go to ``sql``; any
other ``name://...`` or ``name+driver://...`` to the adapter registered as ``name``).
Nothing is imported until it is asked for: an adapter's dependencies load with it.

A third-party package registers its adapter in its ``pyproject.toml``::

    [project.entry-points."carteira.adapters"]
    mongodb = "carteira_mongodb:open_store"
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from carteira.adapters.memory import InMemoryStore
from carteira.domain import refusals
from carteira.ports.store import Store

__all__ = [
    "GROUP",
    "Store",
    "adapter_names",
    "load_adapter",
    "open_memory",
    "open_sql",
    "open_store",
]

GROUP = "carteira.adapters"
"""The entry-point group storage adapters register under."""

_SQL_SCHEMES = frozenset({"sqlite", "postgresql", "postgres"})


def adapter_names() -> list[str]:
    """Return the names of every registered adapter, sorted."""
    return sorted({e.name for e in entry_points(group=GROUP)})


def load_adapter(name: str) -> Callable[[str], Store]:
    """Return the factory registered as ``name``; an unknown name is a clear error."""
    found = [e for e in entry_points(group=GROUP) if e.name == name]
    if not found:
        raise refusals.unknown_adapter(name, adapter_names())
    factory: Callable[[str], Store] = found[0].load()
    return factory


def open_store(url: str) -> Store:
    """Open the store a URL names, through the adapter its scheme names (ST-2)."""
    if not isinstance(url, str) or "://" not in url:
        raise refusals.invalid_url(url)
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    return load_adapter("sql" if scheme in _SQL_SCHEMES else scheme)(url)


def open_memory(url: str) -> InMemoryStore:
    """Open a new, empty in-memory store (``memory://``), the reference adapter."""
    return InMemoryStore()


def open_sql(url: str) -> Any:
    """Open the SQL store at ``url``; needs ``carteira[sql]`` (PostgreSQL: ``[postgres]``)."""
    try:
        module = importlib.import_module("carteira.adapters.sql")
    except ImportError as error:
        raise refusals.adapter_unavailable(str(error.name)) from error
    return module.SqlStore(url)
