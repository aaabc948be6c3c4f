"""The regression catalog's stores: every test here runs on memory, SQLite and PostgreSQL.

Each test names the campaign's row it guards (issue 14) and the SPEC rules it proves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carteira import Carteira, ManualClock, Principal
from databases import any_store

TENANT = "acme"


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A new, empty store of each kind."""
    with any_store(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def app(store: Any, clock: ManualClock) -> Carteira:
    """carteira over ``store``."""
    return Carteira(store.unit_of_work, clock=clock)


@pytest.fixture
def system() -> Principal:
    """The host application acting in the test tenant."""
    return Principal.system(TENANT)
