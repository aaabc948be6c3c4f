"""ST-3: a unit of work that meets a concurrent change is run again, a bounded number of times."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self

import pytest

from carteira import (
    Carteira,
    ConcurrencyError,
    InMemoryAttachmentStore,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    NotFound,
    Principal,
    Profile,
    Responsible,
    Stage,
)
from carteira.adapters.memory.store import InMemoryUnitOfWork
from carteira.services.runner import full_jitter

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


def test_st3_a_retry_is_logged_at_debug_on_the_carteira_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ST-3: each run again is one debug record under ``carteira``: the code, the pause and
    the attempt; nothing above debug (issue 16, item 5)."""
    flaky = Flaky(InMemoryStore(), failures=2)
    with caplog.at_level(logging.DEBUG, logger="carteira"):
        _app(flaky, backoff=lambda n: n / 1000).register_manager(
            HOST, "ana", "Ana", profile=Profile.ANALYST
        )
    retries = [r for r in caplog.records if "running the unit of work again" in r.message]
    assert [r.levelno for r in retries] == [logging.DEBUG, logging.DEBUG]
    assert [r.name for r in retries] == ["carteira.services.runner"] * 2
    assert "stale_version" in retries[0].message
    assert "in 1.0 ms, attempt 2 of 3" in retries[0].message
    assert "in 2.0 ms, attempt 3 of 3" in retries[1].message


def test_er1_a_refusal_is_logged_at_debug_with_its_code_and_rule(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ER-1: a refused command or query is one debug record naming the principal, the
    code and the rule; a command that succeeds logs nothing (issue 16, item 5)."""
    app = _app(InMemoryStore().unit_of_work)
    with caplog.at_level(logging.DEBUG, logger="carteira"):
        app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
        assert caplog.records == []
        with pytest.raises(NotFound):
            app.customer(HOST, "nobody")
        with pytest.raises(InvalidInput):
            app.create_portfolio(HOST, " ")
    assert [r.levelno for r in caplog.records] == [logging.DEBUG, logging.DEBUG]
    first, second = (r.message for r in caplog.records)
    assert first.startswith("system 'system' of tenant 'acme': ")
    assert first.endswith("(not_found, TN-1)")
    assert second.endswith("(name_required, PF-1)")
