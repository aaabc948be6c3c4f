"""Absences with a backup: MG-5's commands, their checks, events and permissions (PM-2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from carteira import (
    Absence,
    Carteira,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    NotFound,
    Permission,
    PermissionDenied,
    Principal,
    Profile,
    Role,
    RuleViolation,
    Subject,
)
from carteira.domain.manager import Manager
from carteira.domain.visibility import standing_in, standing_in_period
from carteira.events import AbsenceCancelled, AbsenceScheduled

TENANT = "acme"
ANA, BIA, DANI, HR = (Principal.manager(TENANT, m) for m in ("ana", "bia", "dani", "hr"))
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def world(app: Carteira, system: Principal) -> None:
    """ana and bia manage Sul; c1 is ana's. eva is a plain agent, caio is inactive,
    hr manages managers, dani holds every permission but MANAGE_MANAGERS."""
    for manager_id in ("ana", "bia"):
        app.register_manager(system, manager_id, manager_id.title(), profile=Profile.ANALYST)
    app.register_manager(system, "eva", "Eva")
    app.register_manager(system, "caio", "Caio", active=False)
    app.register_manager(system, "hr", "HR", roles=[Role("hr", {Permission.MANAGE_MANAGERS})])
    others = set(Permission) - {Permission.MANAGE_MANAGERS}
    app.register_manager(system, "dani", "Dani", roles=[Role("most", others)])
    app.create_portfolio(system, "Sul", managers=["ana", "bia"], portfolio_id="sul")
    app.register_customer(system, "c1", "C1")
    app.set_customer_membership(system, "c1", portfolio="sul", account_managers=["ana"])


def refused(store: InMemoryStore, error: type[Exception], command: Callable[[], Any]) -> Any:
    before = store.snapshot()
    with pytest.raises(error) as caught:
        command()
    assert store.snapshot() == before
    return caught.value


def membership(app: Carteira, system: Principal) -> tuple[Any, ...]:
    return app.customer(system, "c1").ownership, tuple(app.owner_history(system, "c1"))


# -- scheduling ahead, and the period ending by itself ------------------------------------------


def test_mg5_a_manager_schedules_his_own_absence_ahead(
    app: Carteira, system: Principal, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    start, end = now + DAY, now + 3 * DAY
    result = app.schedule_absence(ANA, "ana", start=start, end=end, backup="eva", absence_id="a1")
    assert result.value.absences == (Absence("a1", start, end, "eva"),)
    assert list(result.events) == [
        AbsenceScheduled(
            tenant=TENANT,
            actor="ana",
            at=now,
            manager_id="ana",
            absence_id="a1",
            start=start,
            end=end,
            backup="eva",
        )
    ]


def test_mg5_the_backup_stands_in_only_during_the_period(
    app: Carteira, system: Principal, clock: ManualClock, world: None
) -> None:
    """MG-5: visibility that came through ana goes to eva while ana is away, then returns."""
    start = clock.now() + DAY
    app.schedule_absence(ANA, "ana", start=start, end=start + DAY, backup="eva", absence_id="a1")
    eva = Principal.manager(TENANT, "eva")
    assert app.can_view(eva, Subject.CUSTOMER, "c1") is False
    clock.set(start)
    assert app.can_view(eva, Subject.CUSTOMER, "c1") is True
    clock.set(start + DAY - timedelta(seconds=1))
    assert app.can_view(eva, Subject.CUSTOMER, "c1") is True
    clock.set(start + DAY)
    assert app.can_view(eva, Subject.CUSTOMER, "c1") is False


def test_mg5_an_absence_without_an_id_gets_a_new_one(
    app: Carteira, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    absence = app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup="bia")
    (only,) = absence.value.absences
    assert (only.start, only.end, only.backup) == (now, now + DAY, "bia")
    assert only.id.strip() != ""


def test_mg5_absences_of_one_manager_may_follow_each_other(
    app: Carteira, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup="bia", absence_id="a1")
    second = app.schedule_absence(
        ANA, "ana", start=now + DAY, end=now + 2 * DAY, backup="eva", absence_id="a2"
    )
    assert [a.id for a in second.value.absences] == ["a1", "a2"]


# -- validation -----------------------------------------------------------------------------------


def test_mg5_the_backup_must_be_known(
    app: Carteira, store: InMemoryStore, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    error = refused(
        store,
        NotFound,
        lambda: app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup="ghost"),
    )
    assert (error.kind, error.record_id) == ("manager", "ghost")


@pytest.mark.parametrize("backup", ["caio", "ana"], ids=["inactive", "himself"])
def test_mg5_the_backup_must_be_another_active_manager(
    app: Carteira, store: InMemoryStore, clock: ManualClock, world: None, backup: str
) -> None:
    now = clock.now()
    error = refused(
        store,
        RuleViolation,
        lambda: app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup=backup),
    )
    assert (error.code, error.rule) == ("invalid_backup", "MG-5")


@pytest.mark.parametrize(
    ("start", "end", "absence_id"),
    [
        pytest.param(HOUR, 2 * HOUR, "b", id="inside"),
        pytest.param(-HOUR, HOUR, "b", id="overlapping_its_start"),
        pytest.param(23 * HOUR, 2 * DAY, "b", id="overlapping_its_end"),
        pytest.param(-DAY, 2 * DAY, "b", id="around"),
        pytest.param(2 * DAY, 3 * DAY, "a1", id="same_id"),
    ],
)
def test_mg5_overlapping_absences_are_refused(
    app: Carteira,
    store: InMemoryStore,
    clock: ManualClock,
    world: None,
    start: timedelta,
    end: timedelta,
    absence_id: str,
) -> None:
    now = clock.now()
    app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup="bia", absence_id="a1")
    error = refused(
        store,
        RuleViolation,
        lambda: app.schedule_absence(
            ANA, "ana", start=now + start, end=now + end, backup="eva", absence_id=absence_id
        ),
    )
    assert (error.code, error.rule) == ("absence_overlaps", "MG-5")


def test_mg5_another_managers_absence_does_not_overlap(
    app: Carteira, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup="bia", absence_id="a1")
    result = app.schedule_absence(
        BIA, "bia", start=now, end=now + DAY, backup="eva", absence_id="a1"
    )
    assert [a.id for a in result.value.absences] == ["a1"]


@pytest.mark.parametrize("length", [-HOUR, timedelta(0)], ids=["before", "equal"])
def test_mg5_the_end_must_come_after_the_start(
    app: Carteira, store: InMemoryStore, clock: ManualClock, world: None, length: timedelta
) -> None:
    now = clock.now()
    error = refused(
        store,
        InvalidInput,
        lambda: app.schedule_absence(ANA, "ana", start=now, end=now + length, backup="bia"),
    )
    assert [e.path for e in error.errors] == ["$.end"]


@pytest.mark.parametrize("which", ["start", "end", "both"])
def test_mg5_naive_datetimes_are_invalid_input_not_type_errors(
    app: Carteira, store: InMemoryStore, clock: ManualClock, world: None, which: str
) -> None:
    aware = clock.now()
    naive = datetime(2026, 1, 2)  # noqa: DTZ001
    start = naive if which in {"start", "both"} else aware
    end = naive + DAY if which in {"end", "both"} else aware + 2 * DAY
    error = refused(
        store,
        InvalidInput,
        lambda: app.schedule_absence(ANA, "ana", start=start, end=end, backup="bia"),
    )
    assert error.code == "invalid_input"
    assert {e.path for e in error.errors} <= {"$.start", "$.end"}


def test_mg5_a_date_that_is_no_datetime_is_invalid_input(
    app: Carteira, store: InMemoryStore, clock: ManualClock, world: None
) -> None:
    refused(
        store,
        InvalidInput,
        lambda: app.schedule_absence(
            ANA,
            "ana",
            start="2026-01-02",  # type: ignore[arg-type]
            end=clock.now() + DAY,
            backup="bia",
        ),
    )


def test_mg5_an_unknown_manager_is_not_found(
    app: Carteira, store: InMemoryStore, system: Principal, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    refused(
        store,
        NotFound,
        lambda: app.schedule_absence(system, "ghost", start=now, end=now + DAY, backup="bia"),
    )


def test_mg5_a_blank_absence_id_is_invalid_input(
    app: Carteira, store: InMemoryStore, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    refused(
        store,
        InvalidInput,
        lambda: app.schedule_absence(
            ANA, "ana", start=now, end=now + DAY, backup="bia", absence_id=" "
        ),
    )


# -- cancelling -----------------------------------------------------------------------------------


def test_mg5_cancelling_withdraws_the_absence(
    app: Carteira, system: Principal, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup="eva", absence_id="a1")
    eva = Principal.manager(TENANT, "eva")
    assert app.can_view(eva, Subject.CUSTOMER, "c1") is True
    clock.advance(HOUR)
    result = app.cancel_absence(ANA, "ana", "a1")
    assert result.value.absences == ()
    assert list(result.events) == [
        AbsenceCancelled(
            tenant=TENANT, actor="ana", at=now + HOUR, manager_id="ana", absence_id="a1"
        )
    ]
    assert app.can_view(eva, Subject.CUSTOMER, "c1") is False


def test_mg5_cancelling_one_keeps_the_others(
    app: Carteira, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup="bia", absence_id="a1")
    app.schedule_absence(
        ANA, "ana", start=now + 2 * DAY, end=now + 3 * DAY, backup="eva", absence_id="a2"
    )
    assert [a.id for a in app.cancel_absence(ANA, "ana", "a1").value.absences] == ["a2"]


def test_mg5_cancelling_an_unknown_absence_is_not_found(
    app: Carteira, store: InMemoryStore, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    app.schedule_absence(BIA, "bia", start=now, end=now + DAY, backup="eva", absence_id="b1")
    refused(store, NotFound, lambda: app.cancel_absence(ANA, "ana", "nope"))
    refused(store, NotFound, lambda: app.cancel_absence(ANA, "ana", "b1"))


# -- permission: oneself, or MANAGE_MANAGERS ----------------------------------------------------


def test_mg5_someone_elses_absence_needs_manage_managers(
    app: Carteira, store: InMemoryStore, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    error = refused(
        store,
        PermissionDenied,
        lambda: app.schedule_absence(DANI, "ana", start=now, end=now + DAY, backup="bia"),
    )
    assert error.details["permission"] == Permission.MANAGE_MANAGERS.value
    refused(
        store,
        PermissionDenied,
        lambda: app.schedule_absence(BIA, "ana", start=now, end=now + DAY, backup="bia"),
    )
    app.schedule_absence(ANA, "ana", start=now, end=now + DAY, backup="bia", absence_id="a1")
    refused(store, PermissionDenied, lambda: app.cancel_absence(DANI, "ana", "a1"))
    refused(store, PermissionDenied, lambda: app.cancel_absence(BIA, "ana", "a1"))


def test_mg5_manage_managers_or_the_host_may_schedule_and_cancel_for_others(
    app: Carteira, system: Principal, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    by_hr = app.schedule_absence(HR, "ana", start=now, end=now + DAY, backup="bia", absence_id="a1")
    assert [e.actor for e in by_hr.events] == ["hr"]
    assert app.cancel_absence(HR, "ana", "a1").value.absences == ()
    app.schedule_absence(system, "ana", start=now, end=now + DAY, backup="bia", absence_id="a2")
    assert app.cancel_absence(system, "ana", "a2").value.absences == ()


def test_mg5_an_inactive_manager_schedules_nothing(
    app: Carteira, store: InMemoryStore, system: Principal, clock: ManualClock, world: None
) -> None:
    now = clock.now()
    caio = Principal.manager(TENANT, "caio")
    error = refused(
        store,
        PermissionDenied,
        lambda: app.schedule_absence(caio, "caio", start=now, end=now + DAY, backup="bia"),
    )
    assert error.code == "principal_inactive"


# -- membership does not change ------------------------------------------------------------------


def test_mg5_absences_never_change_membership(
    app: Carteira, system: Principal, clock: ManualClock, world: None
) -> None:
    before = membership(app, system)
    start = clock.now() + HOUR
    result = app.schedule_absence(
        ANA, "ana", start=start, end=start + DAY, backup="eva", absence_id="a1"
    )
    assert {type(e) for e in result.events} == {AbsenceScheduled}
    assert membership(app, system) == before
    clock.set(start + HOUR)
    assert membership(app, system) == before
    assert list(app.portfolios_of_manager(system, "eva")) == []
    clock.set(start + 2 * DAY)
    assert membership(app, system) == before
    assert {type(e) for e in app.cancel_absence(ANA, "ana", "a1").events} == {AbsenceCancelled}
    assert membership(app, system) == before


def test_mg5_standing_in_holds_through_the_period_the_store_keeps_it_for() -> None:
    """`standing_in_period` bounds the instants at which `standing_in` answers the same."""
    t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
    away = [
        Absence("a1", t0, t0 + DAY, "bia"),
        Absence("a2", t0 + 3 * DAY, t0 + 4 * DAY, "eva"),
    ]
    ana = Manager(TENANT, "ana", "Ana", absences=tuple(away))
    cases = [
        (t0 - HOUR, (None, t0)),
        (t0, (t0, t0 + DAY)),
        (t0 + DAY, (t0 + DAY, t0 + 3 * DAY)),
        (t0 + 3 * DAY + HOUR, (t0 + 3 * DAY, t0 + 4 * DAY)),
        (t0 + 5 * DAY, (t0 + 4 * DAY, None)),
    ]
    for at, period in cases:
        assert standing_in_period([ana], at) == period
        start, end = period
        inside = [i for i in (start, at, None if end is None else end - HOUR) if i is not None]
        assert {standing_in("bia", [ana], i) for i in inside} == {standing_in("bia", [ana], at)}
    assert standing_in_period([], t0) == (None, None)
