"""The contract of the ownership history, event log and settings ports (MB-6, EV-1, VS-1)."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira.domain.errors import ConcurrencyError
from carteira.domain.events import (
    EVENT_TYPES,
    Event,
    MembershipChanged,
    PortfolioCreated,
)
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.settings import TenantSettings
from carteira.testing.contract.base import (
    CONTRACT_SETTINGS,
    HEAVY_SETTINGS,
    OTHER_TENANT,
    TENANT,
    StorageContract,
    assert_stored,
)
from carteira.testing.strategies import events, tenant_settings

__all__ = ["EventLogContract", "OwnershipHistoryContract", "SettingsRepositoryContract"]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CUSTOMER, ORGANIZATION = SubjectKind.CUSTOMER, SubjectKind.ORGANIZATION


def _change(
    subject_id: str, portfolio: str | None, kind: SubjectKind = CUSTOMER
) -> MembershipChanged:
    return MembershipChanged(
        tenant=TENANT,
        actor="system",
        at=START,
        subject=kind,
        subject_id=subject_id,
        way=Way.RECORD,
        before=Ownership(),
        after=Ownership(portfolio, ("m1",) if portfolio else ()),
    )


def _event(number: int, tenant: str = TENANT) -> Event:
    return PortfolioCreated(
        tenant=tenant,
        actor="system",
        at=START,
        portfolio_id=f"p{number}",
        name=f"Carteira {number}",
        description=None,
        journey=None,
        managers=(),
    )


class OwnershipHistoryContract(StorageContract):
    """What every adapter's ``OwnershipHistory`` does (MB-6, TN-1, ST-1).

    ``of`` returns the changes about one (subject kind, id), oldest first: in the
    order appended, across units of work. A customer and an organization with one id
    have two histories.
    """

    def _of(
        self, subject: SubjectKind, subject_id: str, tenant: str = TENANT
    ) -> list[MembershipChanged]:
        return self.read(tenant, lambda uow: list(uow.history.of(subject, subject_id)))

    def test_a_subject_with_no_change_has_an_empty_history(self) -> None:
        """Nothing recorded: ``of`` is empty."""
        assert self._of(CUSTOMER, "c1") == []

    @HEAVY_SETTINGS
    @given(
        st.lists(st.tuples(events(MembershipChanged), st.sampled_from(("x", "X", "y"))), max_size=8)
    )
    def test_mb6_of_gives_each_subjects_changes_in_the_order_appended(
        self, drawn: list[tuple[Event, str]]
    ) -> None:
        """MB-6: every change round-trips and ``of`` keeps the appended order, per subject."""
        tenant = self.new_tenant()
        changes = [
            attrs.evolve(change, tenant=tenant, subject_id=subject_id)
            for change, subject_id in drawn
            if isinstance(change, MembershipChanged)
        ]
        self.assume_storable(changes)
        half = len(changes) // 2
        self.write(tenant, lambda uow: uow.history.append(changes[:half]))
        self.write(tenant, lambda uow: uow.history.append(iter(changes[half:])))
        for kind in SubjectKind:
            for subject_id in ("x", "X", "y"):
                expected = [c for c in changes if (c.subject, c.subject_id) == (kind, subject_id)]
                found = self._of(kind, subject_id, tenant)
                assert found == expected
                for want, got in zip(expected, found, strict=True):
                    assert_stored(want, got)

    def test_a_customer_and_an_organization_with_one_id_have_two_histories(self) -> None:
        """The subject kind is part of the key."""
        first, second = _change("x", "p1"), _change("x", "p2", ORGANIZATION)
        self.write(TENANT, lambda uow: uow.history.append([first, second]))
        assert (self._of(CUSTOMER, "x"), self._of(ORGANIZATION, "x")) == ([first], [second])

    def test_st1_appends_of_a_unit_left_without_commit_are_dropped(self) -> None:
        """ST-1: history is written in the same transaction as the change."""
        kept, dropped = _change("c1", "p1"), _change("c1", "p2")
        self.write(TENANT, lambda uow: uow.history.append([kept]))
        self.read(TENANT, lambda uow: uow.history.append([dropped]))
        self.write(TENANT, lambda uow: uow.history.append([]))
        assert self._of(CUSTOMER, "c1") == [kept]

    def test_tn1_history_of_another_tenant_does_not_exist(self) -> None:
        """TN-1: tenant B reads nothing of A's history about the same id."""
        mine = _change("c1", "p1")
        theirs = attrs.evolve(_change("c1", "p9"), tenant=OTHER_TENANT)
        self.write(TENANT, lambda uow: uow.history.append([mine]))
        assert self._of(CUSTOMER, "c1", OTHER_TENANT) == []
        self.write(OTHER_TENANT, lambda uow: uow.history.append([theirs]))
        assert (self._of(CUSTOMER, "c1"), self._of(CUSTOMER, "c1", OTHER_TENANT)) == (
            [mine],
            [theirs],
        )


class EventLogContract(StorageContract):
    """What every adapter's ``EventLog`` does, the host's outbox included (EV-1, TN-1, ST-1).

    Each stored event gets a position, a positive integer that grows in the order
    events were appended and never changes; ``read(after, limit)`` returns up to
    ``limit`` events with their positions, the first after ``after``, oldest first.
    Positions may have gaps unless ``event_positions_are_dense``. ``unpublished(limit)``
    returns the first events not yet marked published, in order; ``mark_published``
    marks stored positions of the tenant and counts those not marked before.
    """

    def _all(self, tenant: str = TENANT) -> list[tuple[int, Event]]:
        return self.read(tenant, lambda uow: list(uow.events.read(0, 10_000)))

    def _walk(self, limit: int, tenant: str = TENANT) -> list[tuple[int, Event]]:
        found: list[tuple[int, Event]] = []
        with self.store.unit_of_work(tenant) as uow:
            while True:
                page = list(uow.events.read(found[-1][0] if found else 0, limit))
                assert len(page) <= limit
                found.extend(page)
                if len(page) < limit:
                    return found

    def test_an_empty_log_reads_empty(self) -> None:
        """Nothing appended: every read is empty."""
        assert self.read(
            TENANT, lambda uow: (list(uow.events.read()), list(uow.events.read(5, 1)))
        ) == ([], [])

    @HEAVY_SETTINGS
    @given(st.data())
    def test_ev1_every_event_class_reads_back_in_order(self, data: st.DataObject) -> None:
        """EV-1: one event of every class round-trips, in order, at growing positions."""
        tenant = self.new_tenant()
        drawn = [attrs.evolve(data.draw(events(kind)), tenant=tenant) for kind in EVENT_TYPES]
        self.assume_storable(drawn)
        self.write(tenant, lambda uow: uow.events.append(drawn))
        stored = self._all(tenant)
        positions = [p for p, _ in stored]
        assert positions == sorted(set(positions))
        assert all(isinstance(p, int) and p > 0 for p in positions)
        assert len(stored) == len(drawn)
        for want, (_, got) in zip(drawn, stored, strict=True):
            assert_stored(want, got)

    def test_ev1_read_pages_by_position(self) -> None:
        """``after`` is a position: pages of 1, 2 or more give the log; past its end, nothing."""
        appended = [_event(n) for n in range(7)]
        for batch in (appended[:2], appended[2:5], appended[5:]):
            with self.store.unit_of_work(TENANT) as uow:
                uow.events.append(batch)
                uow.commit()
        stored = self._all()
        assert [e for _, e in stored] == appended
        for limit in (1, 2, 100):
            assert self._walk(limit) == stored
        positions = [p for p, _ in stored]
        tails = self.read(TENANT, lambda uow: [list(uow.events.read(p, 100)) for p in positions])
        assert tails == [stored[index + 1 :] for index in range(len(positions))]
        assert self.read(TENANT, lambda uow: list(uow.events.read(positions[-1] + 1000, 5))) == []

    def test_ev1_read_defaults_to_the_first_hundred(self) -> None:
        """``read()`` starts at the beginning and returns at most 100 events."""
        appended = [_event(n) for n in range(105)]
        self.write(TENANT, lambda uow: uow.events.append(appended))
        first = self.read(TENANT, lambda uow: list(uow.events.read()))
        assert [e for _, e in first] == appended[:100]
        rest = self.read(TENANT, lambda uow: list(uow.events.read(first[-1][0])))
        assert [e for _, e in rest] == appended[100:]

    def test_ev1_positions_are_dense_when_the_adapter_says_so(self) -> None:
        """With ``event_positions_are_dense``, a tenant's positions are 1, 2, 3... (EV-1)."""
        if not self.event_positions_are_dense:
            pytest.skip("the adapter does not claim event_positions_are_dense")
        self.write(TENANT, lambda uow: uow.events.append([_event(0), _event(1)]))
        self.read(TENANT, lambda uow: uow.events.append([_event(9)]))
        self.write(OTHER_TENANT, lambda uow: uow.events.append([_event(5, OTHER_TENANT)]))
        self.write(TENANT, lambda uow: uow.events.append([_event(2)]))
        assert [p for p, _ in self._all()] == [1, 2, 3]
        assert [p for p, _ in self._all(OTHER_TENANT)] == [1]

    def test_st1_events_of_a_unit_left_without_commit_are_dropped(self) -> None:
        """EV-1, ST-1: events are stored with the change or not at all; later ones follow on."""
        first, dropped, later = _event(1), _event(2), _event(3)
        self.write(TENANT, lambda uow: uow.events.append([first]))
        self.read(TENANT, lambda uow: uow.events.append([dropped]))
        self.write(TENANT, lambda uow: uow.events.append([later]))
        stored = self._all()
        assert [e for _, e in stored] == [first, later]
        assert stored[0][0] < stored[1][0]
        assert self.read(TENANT, lambda uow: list(uow.events.read(stored[0][0], 10))) == stored[1:]

    def _unpublished(self, limit: int = 100, tenant: str = TENANT) -> list[tuple[int, Event]]:
        return self.read(tenant, lambda uow: list(uow.events.unpublished(limit)))

    def _mark(self, positions: list[int], tenant: str = TENANT, *, commit: bool = True) -> int:
        with self.store.unit_of_work(tenant) as uow:
            marked = uow.events.mark_published(positions)
            if commit:
                uow.commit()
        return marked

    def test_ev1_every_stored_event_waits_in_the_outbox_in_order(self) -> None:
        """EV-1 outbox: unpublished events are the log's, in order, with their positions."""
        assert self._unpublished() == []
        appended = [_event(n) for n in range(5)]
        self.write(TENANT, lambda uow: uow.events.append(appended))
        stored = self._all()
        assert self._unpublished() == stored
        assert self._unpublished(limit=2) == stored[:2]

    def test_ev1_marking_published_takes_events_out_of_the_outbox_once(self) -> None:
        """``mark_published`` counts only events not marked before; positions never change."""
        self.write(TENANT, lambda uow: uow.events.append([_event(n) for n in range(5)]))
        stored = self._all()
        positions = [p for p, _ in stored]
        assert self._mark([positions[0], positions[2]]) == 2
        assert self._unpublished() == [stored[1], stored[3], stored[4]]
        assert self._mark([positions[0], positions[1], positions[-1] + 1000]) == 1
        assert self._unpublished() == [stored[3], stored[4]]
        assert self._unpublished(limit=1) == [stored[3]]
        assert self._all() == stored
        later = _event(9)
        self.write(TENANT, lambda uow: uow.events.append([later]))
        assert [e for _, e in self._unpublished()] == [_event(3), _event(4), later]

    def test_st1_marks_of_a_unit_left_without_commit_are_dropped(self) -> None:
        """ST-1: marking published is written in a transaction like everything else."""
        self.write(TENANT, lambda uow: uow.events.append([_event(1), _event(2)]))
        stored = self._all()
        assert self._mark([p for p, _ in stored], commit=False) == 2
        assert self._unpublished() == stored
        self.read(TENANT, lambda uow: uow.events.append([_event(3)]))
        assert self._unpublished() == stored

    def test_tn1_the_outbox_of_another_tenant_is_untouched(self) -> None:
        """TN-1: one tenant never sees nor marks another's events, whatever the positions."""
        self.write(TENANT, lambda uow: uow.events.append([_event(n) for n in range(3)]))
        stored = self._all()
        assert self._unpublished(tenant=OTHER_TENANT) == []
        assert self._mark([p for p, _ in stored], OTHER_TENANT) == 0
        assert self._unpublished() == stored

    def test_tn1_events_of_another_tenant_are_not_read(self) -> None:
        """TN-1: each tenant reads its own log only, whatever positions the other holds."""
        self.write(TENANT, lambda uow: uow.events.append([_event(n) for n in range(3)]))
        assert self._all(OTHER_TENANT) == []
        theirs = _event(9, OTHER_TENANT)
        self.write(OTHER_TENANT, lambda uow: uow.events.append([theirs]))
        assert [e for _, e in self._all(OTHER_TENANT)] == [theirs]
        assert [e for _, e in self._all()] == [_event(n) for n in range(3)]


class SettingsRepositoryContract(StorageContract):
    """What every adapter's ``SettingsRepository`` does (VS-1, MB-3, TN-1, ST-3).

    Until first saved, ``get`` gives the defaults at version 0; ``put`` over the
    version read stores the settings at that version plus one, and fails with
    [`ConcurrencyError`][carteira.ConcurrencyError] on any other version.
    """

    def _get(self, tenant: str = TENANT) -> TenantSettings:
        return self.read(tenant, lambda uow: uow.settings.get())

    def test_settings_never_saved_are_the_defaults_at_version_0(self) -> None:
        """No ``put`` yet: the defaults (segmentation on, one account manager...)."""
        assert_stored(TenantSettings(), self._get())

    @CONTRACT_SETTINGS
    @given(tenant_settings())
    def test_settings_read_back_as_put(self, drawn: TenantSettings) -> None:
        """Every switch, limit and content type round-trips; the first put stores version 1."""
        self.assume_storable(drawn)
        tenant = self.new_tenant()
        settings = attrs.evolve(drawn, version=0)
        self.write(tenant, lambda uow: uow.settings.put(settings))
        assert_stored(attrs.evolve(settings, version=1), self._get(tenant))

    def test_st3_put_is_version_checked(self) -> None:
        """A put over a stale or unknown version fails and changes nothing (ST-3)."""
        first = TenantSettings(segmentation=False)
        self.write(TENANT, lambda uow: uow.settings.put(first))
        stored = self._get()
        second = attrs.evolve(stored, max_account_managers=3, attachment_types=frozenset())
        self.write(TENANT, lambda uow: uow.settings.put(second))
        assert_stored(attrs.evolve(second, version=2), self._get())
        for stale in (first, attrs.evolve(stored, version=7)):
            with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError) as caught:
                uow.settings.put(attrs.evolve(stale, owner_only=True))
            assert caught.value.code == "stale_version"
        assert self._get() == attrs.evolve(second, version=2)

    def test_st1_a_put_left_without_commit_is_dropped(self) -> None:
        """ST-1: the defaults stay when the unit that put settings is not committed."""
        self.read(TENANT, lambda uow: uow.settings.put(TenantSettings(segmentation=False)))
        assert self._get() == TenantSettings()

    def test_tn1_settings_of_two_tenants_live_apart(self) -> None:
        """TN-1: one tenant's settings never change another's."""
        self.write(TENANT, lambda uow: uow.settings.put(TenantSettings(owner_only=True)))
        assert self._get(OTHER_TENANT) == TenantSettings()
        self.write(
            OTHER_TENANT, lambda uow: uow.settings.put(TenantSettings(max_account_managers=4))
        )
        assert self._get() == TenantSettings(owner_only=True, version=1)
        assert self._get(OTHER_TENANT) == TenantSettings(max_account_managers=4, version=1)
