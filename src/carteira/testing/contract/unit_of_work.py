"""The contract of the unit-of-work port: one tenant, all or nothing, versions (ST-1, ST-3)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from carteira.domain.absence import Absence
from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import ConcurrencyError, InvalidInput, StorageError
from carteira.domain.events import MembershipChanged, PortfolioCreated
from carteira.domain.manager import Manager
from carteira.domain.names import name_key
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.portal import PortalFilter
from carteira.domain.portfolio import Portfolio
from carteira.domain.scope import Scope
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import Department, Ticket
from carteira.domain.workflow import Responsible, Stage, TicketType
from carteira.ports.unit_of_work import UnitOfWork
from carteira.testing.contract.base import OTHER_TENANT, TENANT, StorageContract

__all__ = ["UnitOfWorkContract"]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVERYTHING = Scope(everything=True)
THREADS = 4
ROUNDS = 10


class Boom(Exception):
    """The failure a test raises in the middle of a unit of work."""


@attrs.frozen
class Sample:
    """One row of every aggregate of one tenant, and one entry of each log."""

    manager: Manager
    portfolio: Portfolio
    organization: Organization
    customer: Customer
    ticket: Ticket
    department: Department
    ticket_type: TicketType
    change: MembershipChanged
    event: PortfolioCreated
    settings: TenantSettings

    @classmethod
    def of(cls, tenant: str) -> Sample:
        """Return the sample rows of ``tenant``."""
        away = Absence("a1", START, START + timedelta(hours=2), "m2")
        return cls(
            Manager(tenant, "m1", "Ana", absences=(away,)),
            Portfolio(tenant, "p1", "Sul", managers=("m1",)),
            Organization(tenant, "o1", "Org", portfolio="p1"),
            Customer(tenant, "c1", "Ana", organization="o1", account_managers=("m1",)),
            Ticket(
                tenant,
                "t1",
                "c1",
                "d1",
                START,
                assignee="m1",
                assigned_at=START,
                type="k1",
                stage="s1",
            ),
            Department(tenant, "d1", "Vendas"),
            TicketType(
                tenant, "k1", "Suporte", "D\u00favida", [Stage("s1", "S", Responsible.SERVICE)]
            ),
            MembershipChanged(
                tenant=tenant,
                actor="system",
                at=START,
                subject=SubjectKind.CUSTOMER,
                subject_id="c1",
                way=Way.RECORD,
                before=Ownership(),
                after=Ownership("p1", ("m1",), inherited=True),
            ),
            PortfolioCreated(
                tenant=tenant,
                actor="system",
                at=START,
                portfolio_id="p1",
                name="Sul",
                description=None,
                journey=None,
                managers=("m1",),
            ),
            TenantSettings(segmentation=False),
        )

    def rows(self) -> dict[str, Any]:
        """Return each sample aggregate by the attribute of its repository."""
        return {
            "managers": self.manager,
            "portfolios": self.portfolio,
            "organizations": self.organization,
            "customers": self.customer,
            "tickets": self.ticket,
            "departments": self.department,
            "ticket_types": self.ticket_type,
        }

    def write(self, uow: UnitOfWork) -> None:
        """Write every sample row through the unit's repositories."""
        uow.managers.add(self.manager)
        uow.portfolios.add(self.portfolio)
        uow.organizations.add(self.organization)
        uow.customers.add(self.customer)
        uow.tickets.add(self.ticket)
        uow.departments.add(self.department)
        uow.ticket_types.add(self.ticket_type)
        uow.history.append([self.change])
        uow.events.append([self.event])
        uow.settings.put(self.settings)

    def survey(self) -> dict[str, object]:
        """Return what `survey` reads once the sample is stored."""
        one = {
            name: attrs.evolve(getattr(self, name), version=1)
            for name in (
                "manager",
                "portfolio",
                "organization",
                "customer",
                "ticket",
                "department",
                "ticket_type",
            )
        }
        return {
            "portfolio": (
                one["portfolio"],
                one["portfolio"],
                [one["portfolio"]],
                [one["portfolio"]],
            ),
            "manager": (one["manager"], [one["manager"]], {"m1": one["manager"]}, [one["manager"]]),
            "customer": (
                one["customer"],
                [one["customer"]],
                1,
                [],
                [one["customer"]],
                [one["customer"]],
                1,
            ),
            "organization": (one["organization"], [one["organization"]], 1, [one["organization"]]),
            "ticket": (
                one["ticket"],
                [one["ticket"]],
                [one["ticket"]],
                {"m1": 1},
                {"m1": START},
                1,
                [one["ticket"]],
            ),
            "department": (one["department"], [one["department"]]),
            "ticket_type": (one["ticket_type"], [one["ticket_type"]]),
            "history": [self.change],
            "events": [self.event],
            "unpublished": [self.event],
            "settings": attrs.evolve(self.settings, version=1),
        }


EMPTY: dict[str, object] = {
    "portfolio": (None, None, [], []),
    "manager": (None, [], {}, []),
    "customer": (None, [], 0, [], [], [], 0),
    "organization": (None, [], 0, []),
    "ticket": (None, [], [], {}, {}, 0, []),
    "department": (None, []),
    "ticket_type": (None, []),
    "history": [],
    "events": [],
    "unpublished": [],
    "settings": TenantSettings(),
}
"""What `survey` reads in a tenant where nothing is stored."""


def survey(uow: UnitOfWork) -> dict[str, object]:
    """Read the sample's ids through every get, listing and count of every port."""
    portfolios, managers, customers = uow.portfolios, uow.managers, uow.customers
    organizations, tickets = uow.organizations, uow.tickets
    load = tickets.open_load("d1", ["m1"])
    return {
        "portfolio": (
            portfolios.get("p1"),
            portfolios.by_key(name_key("SUL")),
            list(portfolios.list()),
            list(portfolios.managed_by("m1")),
        ),
        "manager": (
            managers.get("m1"),
            list(managers.list()),
            dict(managers.get_many(["m1", "m2"])),
            list(managers.backed_up_by("m2")),
        ),
        "customer": (
            customers.get("c1"),
            list(customers.in_scope(EVERYTHING, after=None, limit=50, search=None)),
            customers.count(),
            list(customers.in_portfolio("p1")),
            list(customers.of_organization("o1")),
            list(customers.managed_by("m1")),
            customers.most_account_managers(),
        ),
        "organization": (
            organizations.get("o1"),
            list(organizations.in_scope(EVERYTHING, after=None, limit=50, search=None)),
            organizations.count(),
            list(organizations.in_portfolio("p1")),
        ),
        "ticket": (
            tickets.get("t1"),
            list(tickets.in_scope(EVERYTHING, after=None, limit=50, open_only=True)),
            list(tickets.open_assigned_to("m1")),
            {m: n for m, n in load.items() if n},
            dict(tickets.busy_since("d1", ["m1"])),
            tickets.count_open_at("k1", ["s1"]),
            list(tickets.of_customer("c1", PortalFilter.ALL, after=None, limit=50)),
        ),
        "department": (uow.departments.get("d1"), list(uow.departments.list())),
        "ticket_type": (uow.ticket_types.get("k1"), list(uow.ticket_types.list())),
        "history": list(uow.history.of(SubjectKind.CUSTOMER, "c1")),
        "events": [event for _, event in uow.events.read(0, 50)],
        "unpublished": [event for _, event in uow.events.unpublished(50)],
        "settings": uow.settings.get(),
    }


OPERATIONS: dict[str, Callable[[UnitOfWork], object]] = {
    "portfolios.get": lambda uow: uow.portfolios.get("p1"),
    "portfolios.add": lambda uow: uow.portfolios.add(Portfolio(TENANT, "p1", "Sul")),
    "managers.list": lambda uow: uow.managers.list(),
    "managers.add": lambda uow: uow.managers.add(Manager(TENANT, "m1", "Ana")),
    "customers.get": lambda uow: uow.customers.get("c1"),
    "customers.in_scope": lambda uow: uow.customers.in_scope(
        EVERYTHING, after=None, limit=5, search=None
    ),
    "customers.add": lambda uow: uow.customers.add(Customer(TENANT, "c1", "Ana")),
    "organizations.get": lambda uow: uow.organizations.get("o1"),
    "organizations.add": lambda uow: uow.organizations.add(Organization(TENANT, "o1", "Org")),
    "tickets.get": lambda uow: uow.tickets.get("t1"),
    "tickets.add": lambda uow: uow.tickets.add(Ticket(TENANT, "t1", "c1", "d1", START)),
    "departments.get": lambda uow: uow.departments.get("d1"),
    "ticket_types.list": lambda uow: uow.ticket_types.list(),
    "history.of": lambda uow: uow.history.of(SubjectKind.CUSTOMER, "c1"),
    "events.read": lambda uow: uow.events.read(),
    "events.append": lambda uow: uow.events.append([Sample.of(TENANT).event]),
    "events.unpublished": lambda uow: uow.events.unpublished(),
    "events.mark_published": lambda uow: uow.events.mark_published([1]),
    "settings.get": lambda uow: uow.settings.get(),
    "settings.put": lambda uow: uow.settings.put(TenantSettings(segmentation=False)),
}
"""Reads and writes of every repository, for the tests of use outside the ``with`` block."""


class UnitOfWorkContract(StorageContract):
    """What every adapter's unit of work does (ST-1, ST-3, TN-1, EV-1).

    A unit of work is a transaction over exactly one tenant. Its repositories see
    that tenant's records only; they see the unit's own writes at once; ``commit``
    keeps everything written so far; leaving the ``with`` block rolls back whatever
    was not committed, and an exception leaving it propagates unchanged. Using a
    repository outside the block raises [`StorageError`][carteira.StorageError]. A write
    over a version that moved on raises [`ConcurrencyError`][carteira.ConcurrencyError]. The
    suite never opens two units of work of one store at once in one thread.
    """

    def test_tn1_a_unit_of_work_is_scoped_to_the_tenant_asked(self) -> None:
        """``tenant`` is exactly the string given: case, accents and length kept."""
        for tenant in (
            "acme",
            "ACME",
            "A\u00e7\u00e3o",
            "Ac\u0327a\u0303o",
            "x" * 255,
            "\U0001f600",
        ):
            with self.store.unit_of_work(tenant) as uow:
                assert uow.tenant == tenant

    def test_tn1_a_tenant_that_is_no_identifier_is_refused(self) -> None:
        """TN-1, ER-2: a blank, padded, too long or non-string tenant is refused.

        [`InvalidInput`][carteira.InvalidInput], before anything is read or written.
        """
        for tenant in ("", " ", " acme", "acme ", "x" * 256, "a\x00", None, 7, ["acme"]):
            bad: Any = tenant
            with pytest.raises(InvalidInput), self.store.unit_of_work(bad) as uow:
                uow.customers.count()

    def test_st1_committed_writes_of_every_repository_are_kept(self) -> None:
        """``commit`` keeps a write of every repository, visible to later units."""
        sample = Sample.of(TENANT)
        self.write(TENANT, sample.write)
        assert self.read(TENANT, survey) == sample.survey()

    def test_st1_a_unit_sees_its_own_writes_at_once(self) -> None:
        """Before any commit, the unit's reads, listings and counts include its writes."""
        sample = Sample.of(TENANT)

        def write_and_survey(uow: UnitOfWork) -> dict[str, object]:
            sample.write(uow)
            return survey(uow)

        assert self.read(TENANT, write_and_survey) == sample.survey()

    def test_st1_a_unit_left_without_commit_stores_nothing(self) -> None:
        """ST-1: leaving the ``with`` block without ``commit`` rolls every write back."""
        self.read(TENANT, Sample.of(TENANT).write)
        assert self.read(TENANT, survey) == EMPTY

    def test_st1_an_exception_rolls_back_and_leaves_the_block_unchanged(self) -> None:
        """ST-1: an exception in the unit stores nothing and reaches the caller as raised."""
        failure = Boom("in the middle")

        def fail() -> None:
            with self.store.unit_of_work(TENANT) as uow:
                Sample.of(TENANT).write(uow)
                raise failure

        with pytest.raises(Boom) as caught:
            fail()
        assert caught.value is failure
        assert self.read(TENANT, survey) == EMPTY

    def test_st1_writes_after_a_commit_need_a_commit_of_their_own(self) -> None:
        """``commit`` keeps what came before it; later writes roll back unless committed."""
        sample = Sample.of(TENANT)
        extra = Customer(TENANT, "c2", "Bia")

        def commit_then_write(uow: UnitOfWork) -> None:
            sample.write(uow)
            uow.commit()
            uow.customers.add(extra)
            uow.events.append([attrs.evolve(sample.event, portfolio_id="p2")])

        self.read(TENANT, commit_then_write)
        assert self.read(TENANT, survey) == sample.survey()
        assert self.read(TENANT, lambda uow: uow.customers.get("c2")) is None

    def test_st1_rollback_undoes_the_unit_and_the_unit_goes_on(self) -> None:
        """``rollback`` undoes every uncommitted write; the unit can write and commit again."""
        sample = Sample.of(TENANT)

        def undo_then_redo(uow: UnitOfWork) -> None:
            sample.write(uow)
            uow.rollback()
            assert survey(uow) == EMPTY
            sample.write(uow)
            uow.commit()

        self.read(TENANT, undo_then_redo)
        assert self.read(TENANT, survey) == sample.survey()

    @pytest.mark.parametrize("operation", sorted(OPERATIONS))
    def test_st1_a_repository_used_outside_its_with_block_is_refused(self, operation: str) -> None:
        """ST-1: before ``with``, after a commit, after a rollback: ``StorageError``, no change."""
        action = OPERATIONS[operation]
        unused = self.store.unit_of_work(TENANT)
        with pytest.raises(StorageError):
            action(unused)
        with self.store.unit_of_work(TENANT) as committed:
            committed.commit()
        with pytest.raises(StorageError):
            action(committed)
        with self.store.unit_of_work(TENANT) as left:
            pass
        with pytest.raises(StorageError):
            action(left)
        assert self.read(TENANT, survey) == EMPTY

    def test_a_failed_unit_does_not_harm_the_next_ones(self) -> None:
        """After an exception, a refused write and many units in a row, the store works."""
        with pytest.raises(Boom), self.store.unit_of_work(TENANT):
            raise Boom
        self.add(TENANT, Customer(TENANT, "c0", "Ana"))
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError):
            uow.customers.update_many([Customer(TENANT, "ghost", "G", version=3)])
        for number in range(1, 40):
            self.add(TENANT, Customer(TENANT, f"c{number:02}", "Ana"))
        assert self.read(TENANT, lambda uow: uow.customers.count()) == 40

    def test_tn1_nothing_of_one_tenant_shows_in_another(self) -> None:
        """TN-1: every get, listing and count of tenant B misses what A stored."""
        self.write(TENANT, Sample.of(TENANT).write)
        for other in (OTHER_TENANT, "ACME", "Acme", "acme-", "A\u00e7\u00e3o"):
            assert self.read(other, survey) == EMPTY, other

    def test_tn1_the_same_ids_live_in_two_tenants_apart(self) -> None:
        """TN-1: each tenant stores its own rows under the same ids, each versioned alone."""
        mine, theirs = Sample.of(TENANT), Sample.of(OTHER_TENANT)
        self.write(TENANT, mine.write)
        self.write(OTHER_TENANT, theirs.write)
        assert self.read(TENANT, survey) == mine.survey()
        assert self.read(OTHER_TENANT, survey) == theirs.survey()
        stored = self.read(TENANT, lambda uow: uow.customers.get("c1"))
        assert stored is not None
        self.write(TENANT, lambda uow: uow.customers.update_many([attrs.evolve(stored, name="X")]))
        assert self.read(OTHER_TENANT, survey) == theirs.survey()

    def test_tn1_names_of_tenants_are_exact(self) -> None:
        """Tenants differing only in case or Unicode normal form are different tenants."""
        names = ("acme", "Acme", "A\u00e7\u00e3o", "Ac\u0327a\u0303o")
        for number, tenant in enumerate(names):
            self.add(tenant, Customer(tenant, "c1", f"Cliente {number}"))
        for number, tenant in enumerate(names):
            found = self.read(
                tenant,
                lambda uow: list(
                    uow.customers.in_scope(EVERYTHING, after=None, limit=9, search=None)
                ),
            )
            assert found == [Customer(tenant, "c1", f"Cliente {number}", version=1)]

    def test_st3_a_stale_write_from_an_earlier_unit_is_refused(self) -> None:
        """ST-3: a value read in one unit and written after another unit changed it fails."""
        self.add(TENANT, Customer(TENANT, "c1", "Ana"))
        stale = self.read(TENANT, lambda uow: uow.customers.get("c1"))
        assert stale is not None
        self.write(TENANT, lambda uow: uow.customers.update_many([attrs.evolve(stale, name="Bia")]))
        with self.store.unit_of_work(TENANT) as uow, pytest.raises(ConcurrencyError) as caught:
            uow.customers.update_many([attrs.evolve(stale, name="Caio")])
        assert (caught.value.code, caught.value.rule) == ("stale_version", "ST-3")
        fresh = self.read(TENANT, lambda uow: uow.customers.get("c1"))
        assert fresh is not None
        assert (fresh.name, fresh.version) == ("Bia", 2)

    def test_st3_every_write_returns_the_record_as_stored(self) -> None:
        """ST-3: ``add``, ``update``, ``update_many`` and ``put`` return what a read gives.

        New records come back at version 1, changed ones one version on, so a command
        never reads back what it just wrote.
        """
        sample = Sample.of(TENANT)

        def write_and_compare(uow: UnitOfWork) -> list[str]:
            wrong: list[str] = []

            def same(name: str, returned: object, version: int) -> None:
                read = getattr(uow, name.split(".", maxsplit=1)[0]).get(
                    getattr(returned, "id", None)
                )
                if returned != read or getattr(returned, "version", None) != version:
                    wrong.append(f"{name}: returned {returned!r}, read {read!r}")

            rows = sample.rows()
            for name, row in rows.items():
                same(f"{name}.add", getattr(uow, name).add(row), 1)
            for name, row in rows.items():
                repository = getattr(uow, name)
                current = repository.get(row.id)
                field = "subject" if name == "tickets" else "name"
                changed = attrs.evolve(current, **{field: "Outro"})
                if hasattr(repository, "update"):
                    same(f"{name}.update", repository.update(changed), 2)
                if hasattr(repository, "update_many"):
                    (stored,) = repository.update_many([repository.get(row.id)])
                    same(f"{name}.update_many", stored, 3 if hasattr(repository, "update") else 2)
            saved = uow.settings.put(sample.settings)
            if saved != uow.settings.get() or saved.version != 1:
                wrong.append(f"settings.put: returned {saved!r}, read {uow.settings.get()!r}")
            return wrong

        assert self.read(TENANT, write_and_compare) == []

    def test_text_holding_nul_is_stored_or_refused_cleanly(self) -> None:
        """U+0000 round-trips, or, where ``supports_nul_in_text`` is off, is a ``StorageError``."""
        customer = Customer(TENANT, "c1", "a\x00b")

        def store_it() -> None:
            with self.store.unit_of_work(TENANT) as uow:
                uow.customers.add(customer)
                uow.commit()

        if self.supports_nul_in_text:
            store_it()
            assert self.read(TENANT, lambda uow: uow.customers.get("c1")) == attrs.evolve(
                customer, version=1
            )
            return
        with pytest.raises(StorageError):
            store_it()
        assert self.read(TENANT, survey) == EMPTY

    def test_st3_no_update_is_lost_between_threads(self) -> None:
        """ST-3: threads incrementing one value, retrying on ``ConcurrencyError``, lose nothing."""
        if not self.supports_concurrent_units_of_work:
            pytest.skip("the adapter does not claim supports_concurrent_units_of_work")
        self.add(TENANT, Department(TENANT, "d1", "Contador", capacity=0))

        def increment() -> None:
            for _ in range(ROUNDS):
                for _attempt in range(1000):
                    try:
                        with self.store.unit_of_work(TENANT) as uow:
                            found = uow.departments.get("d1")
                            assert found is not None
                            assert found.capacity is not None
                            uow.departments.update(attrs.evolve(found, capacity=found.capacity + 1))
                            uow.commit()
                        break
                    except ConcurrencyError:
                        continue

        _run_in_threads([increment] * THREADS)
        final = self.read(TENANT, lambda uow: uow.departments.get("d1"))
        assert final is not None
        assert (final.capacity, final.version) == (THREADS * ROUNDS, THREADS * ROUNDS + 1)

    def test_tn1_units_of_several_tenants_in_threads_stay_apart(self) -> None:
        """TN-1 under concurrency: threads writing their own tenants see only their rows."""
        if not self.supports_concurrent_units_of_work:
            pytest.skip("the adapter does not claim supports_concurrent_units_of_work")
        tenants = [self.new_tenant() for _ in range(THREADS)]

        def fill(tenant: str) -> Callable[[], None]:
            def run() -> None:
                for number in range(ROUNDS):
                    self.add(tenant, Customer(tenant, f"c{number}", tenant))

            return run

        _run_in_threads([fill(t) for t in tenants])
        for tenant in tenants:
            found = self.read(
                tenant,
                lambda uow: list(
                    uow.customers.in_scope(EVERYTHING, after=None, limit=99, search=None)
                ),
            )
            assert {(c.tenant, c.name) for c in found} == {(tenant, tenant)}
            assert len(found) == ROUNDS


def _run_in_threads(targets: list[Callable[[], None]]) -> None:
    """Run each target in a thread of its own; re-raise the first failure."""
    failures: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as error:
                failures.append(error)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread did not finish in two minutes"
    if failures:
        raise failures[0]
