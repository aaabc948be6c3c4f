"""EV-1: the event log is the host's outbox: read what is unpublished, mark it published."""

from __future__ import annotations

import pytest

from carteira import (
    Carteira,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    PermissionDenied,
    Principal,
    Profile,
    RuleViolation,
)

TENANT = "acme"
HOST = Principal.system(TENANT)


@pytest.fixture
def app() -> Carteira:
    app = Carteira(InMemoryStore().unit_of_work, clock=ManualClock())
    app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
    app.create_portfolio(HOST, "Sul", managers=["ana"], portfolio_id="sul")
    app.register_customer(HOST, "c1", "Padaria")
    return app


def _names(pairs: object) -> list[tuple[int, str]]:
    return [(p, type(e).__name__) for p, e in pairs]  # type: ignore[attr-defined]


def test_ev1_every_stored_event_waits_in_the_outbox_in_order(app: Carteira) -> None:
    assert _names(app.unpublished_events(HOST)) == [
        (1, "ManagerRegistered"),
        (2, "PortfolioCreated"),
        (3, "CustomerRegistered"),
    ]
    assert _names(app.unpublished_events(HOST, limit=2)) == _names(app.read_events(HOST, limit=2))


def test_ev1_marking_published_takes_events_out_of_the_outbox_once(app: Carteira) -> None:
    assert app.mark_published(HOST, [1, 3]).value == 2
    assert _names(app.unpublished_events(HOST)) == [(2, "PortfolioCreated")]
    assert app.mark_published(HOST, [1, 3, 99]).value == 0
    assert len(app.read_events(HOST)) == 3


def test_ev1_a_refused_command_leaves_nothing_to_publish(app: Carteira) -> None:
    app.set_customer_membership(HOST, "c1", portfolio="sul")
    app.mark_published(HOST, range(1, 10))
    with pytest.raises(RuleViolation):
        app.deactivate_manager(HOST, "ana")  # it would orphan Sul, which holds c1 (MG-3)
    assert app.unpublished_events(HOST) == []


def test_ev1_only_the_host_reads_and_marks_the_outbox(app: Carteira) -> None:
    ana = Principal.manager(TENANT, "ana")
    with pytest.raises(PermissionDenied):
        app.unpublished_events(ana)
    with pytest.raises(PermissionDenied):
        app.mark_published(ana, [1])
    with pytest.raises(InvalidInput) as caught:
        app.mark_published(HOST, [1, 0, "2"])  # type: ignore[list-item]
    assert [e.path for e in caught.value.errors] == ["$.positions[1]", "$.positions[2]"]
    assert len(app.unpublished_events(HOST)) == 3
