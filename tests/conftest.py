"""Shared fixtures and the Hypothesis profiles (``HYPOTHESIS_PROFILE=ci|dev``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import count

import pytest
from hypothesis import HealthCheck, settings

from carteira import Carteira, InMemoryStore, ManualClock, Principal, Profile, Role

settings.register_profile(
    "ci",
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=50, stateful_step_count=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

TENANT = "acme"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def app(store: InMemoryStore, clock: ManualClock) -> Carteira:
    ids: Iterator[str] = (f"p{i}" for i in count(1))
    return Carteira(store.unit_of_work, clock=clock, new_id=lambda: next(ids))


@pytest.fixture
def system() -> Principal:
    return Principal.system(TENANT)


@pytest.fixture
def admin(app: Carteira, system: Principal) -> Principal:
    """An active Administrator-profile manager holding every permission."""
    app.register_manager(
        system, "admin", "Admin", profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
    )
    return Principal.manager(TENANT, "admin")
