"""ST-3: a unit of work that meets a concurrent change is run again, a bounded number of times."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import pytest

from carteira import (
    Carteira,
    ConcurrencyError,
    InMemoryAttachmentStore,
    InMemoryStore,
    ManualClock,
    Principal,
    Profile,
    Responsible,
    Stage,
)
from carteira.adapters.memory.store import InMemoryUnitOfWork
from carteira.services.context import full_jitter

TENANT = "acme"
HOST = Principal.system(TENANT)


class Flaky:
    """A unit-of-work factory whose first ``failures`` units fail as a concurrent change would."""

    def __init__(self, store: InMemoryStore, failures: int, *, at: str = "commit") -> None:
        self.store = store
        self.failures = failures
        self.at = at
        self.opened = 0

    def __call__(self, tenant: str) -> _FlakyUnit:
        self.opened += 1
        return _FlakyUnit(self, self.store.unit_of_work(tenant))


class _FlakyUnit:
    def __init__(self, factory: Flaky, inner: InMemoryUnitOfWork) -> None:
        self._factory = factory
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        if self._factory.at == "enter":
            self._fail()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._fail()
        self._inner.commit()

    def _fail(self) -> None:
        if self._factory.failures:
            self._factory.failures -= 1
            raise ConcurrencyError("someone else wrote first", rule="ST-3")


def _app(flaky: Flaky, **options: Any) -> Carteira:
    return Carteira(flaky, clock=ManualClock(), **options)


def test_st3_a_command_that_loses_a_race_is_run_again_and_applies_once() -> None:
    flaky = Flaky(InMemoryStore(), failures=2)
    result = _app(flaky).register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
    assert flaky.opened == 3
    assert [type(e).__name__ for e in result.events] == ["ManagerRegistered"]
    with flaky.store.unit_of_work(TENANT) as uow:
        assert [m.id for m in uow.managers.list()] == ["ana"]
        assert len(uow.events.read()) == 1


def test_st3_after_the_last_attempt_the_concurrency_error_reaches_the_caller() -> None:
    store = InMemoryStore()
    flaky = Flaky(store, failures=5)
    before = store.snapshot()
    with pytest.raises(ConcurrencyError):
        _app(flaky, attempts=2).register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
    assert flaky.opened == 2
    assert store.snapshot() == before


def test_st3_a_query_is_run_again_too() -> None:
    flaky = Flaky(InMemoryStore(), failures=1, at="enter")
    assert _app(flaky).settings(HOST).segmentation is True
    assert flaky.opened == 2


def test_st3_retries_pause_as_backoff_says_between_attempts_only() -> None:
    """ST-3: after the n-th failure the runner waits backoff(n); none before the first try
    nor after the last failure."""
    asked: list[int] = []

    def backoff(failures: int) -> float:
        asked.append(failures)
        return 0.0

    flaky = Flaky(InMemoryStore(), failures=2)
    _app(flaky, backoff=backoff).register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
    assert asked == [1, 2]
    asked.clear()
    flaky = Flaky(InMemoryStore(), failures=9, at="enter")
    with pytest.raises(ConcurrencyError):
        _app(flaky, attempts=3, backoff=backoff).settings(HOST)
    assert asked == [1, 2]
    asked.clear()
    check = Flaky(InMemoryStore(), failures=2, at="enter")
    app = Carteira(check, clock=ManualClock(), backoff=backoff, read_unit_of_work=check)
    with pytest.raises(Exception, match="unknown or inactive"):
        app.can_view(Principal.manager(TENANT, "nobody"), "customer", "c1")
    assert asked == [1, 2]  # the pause grows with each failure, on the hot path too
    asked.clear()
    glance = Flaky(InMemoryStore(), failures=2, at="enter")
    app = Carteira(glance, clock=ManualClock(), backoff=backoff, read_unit_of_work=glance)
    app.visible_customers(HOST)
    assert asked == [1, 2]


def test_st3_full_jitter_stays_within_its_bounds() -> None:
    """ST-3: the default pause is random, below 5 ms doubled per failure, capped at 200 ms."""
    for failures, bound in ((1, 0.01), (2, 0.02), (3, 0.04), (9, 0.2), (60, 0.2)):
        pauses = [full_jitter(failures) for _ in range(200)]
        assert all(0 <= p <= bound for p in pauses)
        assert len(set(pauses)) > 100


def test_st3_attempts_are_at_least_one() -> None:
    with pytest.raises(ValueError, match="attempts"):
        _app(Flaky(InMemoryStore(), failures=0), attempts=0)


def test_st3_tk4_a_retried_upload_stores_its_content_once() -> None:
    store = InMemoryStore()
    files = InMemoryAttachmentStore()
    steady = Carteira(store.unit_of_work, clock=ManualClock())
    steady.register_customer(HOST, "c1", "Padaria")
    steady.save_ticket_type(HOST, "q", group="G", name="Q", stages=_one_stage())
    steady.open_portal_ticket(
        HOST, "c1", group="G", ticket_type="q", subject="s", request="r", ticket_id="t1"
    )
    flaky = Flaky(store, failures=1)
    app = _app(flaky, attachments=files)
    added = app.attach(HOST, "t1", name="a.txt", content_type="text/plain", content=b"1")
    assert flaky.opened == 2
    assert files.keys(TENANT) == [f"t1/{added.value.id}"]
    with pytest.raises(ConcurrencyError):
        _app(Flaky(store, failures=3), attachments=files).attach(
            HOST, "t1", name="b.txt", content_type="text/plain", content=b"2"
        )
    assert files.keys(TENANT) == [f"t1/{added.value.id}"]


def _one_stage() -> list[Stage]:
    return [Stage("s", "S", Responsible.SERVICE)]
