"""The base of every contract class: the store factory, capability flags, helpers (ST-2).

An adapter author subclasses a contract class and implements one method,
[`StorageContract.make_store`][carteira.testing.contract.StorageContract.make_store]. Each test gets
a fresh, empty store from it (and hands it to
[`StorageContract.close_store`][carteira.testing.contract.StorageContract.close_store] afterwards).
Hypothesis tests run many examples against that one store, each in a tenant of its own, which tenant
isolation (TN-1) makes as good as an empty store.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import attrs
import pytest
from hypothesis import HealthCheck, assume, settings

from carteira.domain.customer import Customer, Organization
from carteira.domain.manager import Manager
from carteira.domain.portfolio import Portfolio
from carteira.domain.ticket import Department, Ticket
from carteira.domain.workflow import TicketType
from carteira.ports.store import Store
from carteira.ports.unit_of_work import UnitOfWork

__all__ = [
    "BIG_PAGE",
    "CONTRACT_SETTINGS",
    "HEAVY_SETTINGS",
    "OTHER_TENANT",
    "TENANT",
    "StorageContract",
    "Store",
    "add_rows",
    "assert_keyset_pages",
    "assert_stored",
    "has_nul",
    "shape",
    "walk_pages",
]

T = TypeVar("T")

TENANT = "acme"
"""The tenant hand-written tests write to."""
OTHER_TENANT = "globex"
"""A second tenant, for the isolation tests (TN-1)."""
BIG_PAGE = 10_000
"""A page size larger than anything a contract test stores."""

_tenant_numbers = itertools.count(1)
_PROCESS = uuid.uuid4().hex[:8]  # tenants of this run never meet those of an earlier one


def _contract_settings(share: int) -> settings:
    """Return settings derived from the profile loaded when this module is first imported.

    Every contract class runs the same test functions for each adapter subclassing
    it, which Hypothesis's ``differing_executors`` health check would refuse; slow
    backends must not trip deadlines or ``too_slow``. Tests marked heavy (a world of
    rows per example) run a ``share`` of the profile's examples, at least ten.
    """
    base = settings.default
    assert base is not None
    return settings(
        base,
        max_examples=max(10, base.max_examples // share),
        deadline=None,
        suppress_health_check=[
            *base.suppress_health_check,
            HealthCheck.differing_executors,
            HealthCheck.too_slow,
        ],
    )


CONTRACT_SETTINGS = _contract_settings(1)
"""The settings of the contract's property tests: the profile's example count."""
HEAVY_SETTINGS = _contract_settings(5)
"""The settings of the property tests that store a whole world per example."""


class StorageContract:
    """The base of every contract class; not a test class itself.

    Implement [`make_store`][carteira.testing.contract.StorageContract.make_store] in a subclass
    whose name starts with ``Test``. Capability flags are class attributes; override them to tell
    the suite what the adapter does beyond the minimum every adapter must do:

    ``supports_concurrent_units_of_work`` (default ``False``)
        The store may be used from several threads at once; units of work in
        different threads either run side by side or wait for each other. Turns on
        the threaded tests (no lost update under contention, ST-3).
    ``event_positions_are_dense`` (default ``False``)
        The event log numbers each tenant's events 1, 2, 3... with no gaps, as the
        in-memory store does. Without it the suite asks only that positions grow.
    ``supports_nul_in_text`` (default ``True``)
        Text may hold U+0000 (NUL), which the domain allows. PostgreSQL cannot store
        it: an adapter that sets this to ``False`` must refuse such a value with
        [`StorageError`][carteira.StorageError], storing nothing, and the suite then draws
        no text holding NUL.
    """

    supports_concurrent_units_of_work: ClassVar[bool] = False
    event_positions_are_dense: ClassVar[bool] = False
    supports_nul_in_text: ClassVar[bool] = True

    store: Store

    def make_store(self) -> Store:
        """Return a new, empty store for one test: the one method an adapter implements."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement make_store() to return the store under test"
        )

    def close_store(self, store: Store) -> None:
        """Release what the store holds open (connections, files); by default nothing.

        Each test hands the store it got from
        [`make_store`][carteira.testing.contract.StorageContract.make_store] here at its end.
        """

    @pytest.fixture(autouse=True)
    def _contract_store(self) -> Iterator[None]:
        """Give each test a fresh store as ``self.store``, closed when the test ends.

        The store comes from [`make_store`][carteira.testing.contract.StorageContract.make_store].
        """
        self.store = self.make_store()
        try:
            yield
        finally:
            self.close_store(self.store)

    # -- helpers for the tests -------------------------------------------------------

    def new_tenant(self) -> str:
        """Return a tenant no test has written to yet: a fresh, empty one (TN-1)."""
        return f"contract-{_PROCESS}-{next(_tenant_numbers)}"

    def assume_storable(self, value: object) -> None:
        """Skip a drawn value holding NUL when the adapter cannot store it."""
        if not self.supports_nul_in_text:
            assume(not has_nul(value))

    def write(self, tenant: str, action: Callable[[UnitOfWork], T]) -> T:
        """Run ``action`` in a unit of work of ``tenant`` and commit it."""
        with self.store.unit_of_work(tenant) as uow:
            result = action(uow)
            uow.commit()
        return result

    def read(self, tenant: str, action: Callable[[UnitOfWork], T]) -> T:
        """Run ``action`` in a unit of work of ``tenant`` that is left without commit."""
        with self.store.unit_of_work(tenant) as uow:
            return action(uow)

    def add(self, tenant: str, *rows: object) -> None:
        """Store new ``rows`` of any aggregate in one committed unit of work."""
        self.write(tenant, lambda uow: add_rows(uow, rows))


_REPOSITORIES: tuple[tuple[type, str], ...] = (
    (Portfolio, "portfolios"),
    (Manager, "managers"),
    (Customer, "customers"),
    (Organization, "organizations"),
    (Ticket, "tickets"),
    (Department, "departments"),
    (TicketType, "ticket_types"),
)
"""Each aggregate and the attribute of the unit of work holding its repository."""


def add_rows(uow: UnitOfWork, rows: Sequence[object]) -> None:
    """Add each row through the repository of its aggregate."""
    for row in rows:
        repository = next((name for kind, name in _REPOSITORIES if isinstance(row, kind)), None)
        if repository is None:
            raise TypeError(f"no repository stores {type(row).__name__}")
        getattr(uow, repository).add(row)


def has_nul(value: object) -> bool:
    """Tell whether any text inside ``value`` (an entity, a collection) holds U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    kind: Any = type(value)
    if attrs.has(kind):
        return any(has_nul(getattr(value, f.name)) for f in attrs.fields(kind))
    if isinstance(value, Mapping):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, tuple | list | frozenset | set):
        return any(has_nul(item) for item in value)
    return False


def shape(value: object) -> object:
    """Return the types inside ``value``.

    ``1`` and ``1.0``, ``True`` and ``1``, an enum and its string compare equal; their
    shapes do not, so a round trip that changes a type is caught.
    """
    kind: Any = type(value)
    if attrs.has(kind):
        return (kind, tuple((f.name, shape(getattr(value, f.name))) for f in attrs.fields(kind)))
    if isinstance(value, Mapping):
        return (
            Mapping,
            tuple(sorted((repr(k), shape(k), repr(shape(v))) for k, v in value.items())),
        )
    if isinstance(value, tuple | list):
        return (kind, tuple(shape(item) for item in value))
    if isinstance(value, frozenset | set):
        return (kind, tuple(sorted(repr(shape(item)) for item in value)))
    if isinstance(value, datetime):
        return (datetime, "aware" if value.utcoffset() is not None else "naive")
    return kind


def assert_stored(expected: object, actual: object) -> None:
    """Assert that ``actual`` reads back as ``expected``: equal, and of the same types."""
    assert actual == expected
    assert shape(actual) == shape(expected), "equal values read back with other types"


def walk_pages(fetch: Callable[[str | None, int], Sequence[Any]], limit: int) -> list[str]:
    """Walk a keyset-paginated listing page by page; return every id in order."""
    found: list[str] = []
    after: str | None = None
    while True:
        page = [row.id for row in fetch(after, limit)]
        assert len(page) <= limit, f"a page of {limit} held {len(page)} rows"
        assert all(after is None or i > after for i in page), f"a row at or before {after!r}"
        found.extend(page)
        if len(page) < limit:
            return found
        after = page[-1]
        assert len(found) <= BIG_PAGE, "the listing does not end"


def assert_keyset_pages(
    fetch: Callable[[str | None, int], Sequence[Any]], expected: Sequence[str]
) -> None:
    """Assert a listing pages by id with ``after`` and ``limit`` (ST-4, VS-3).

    One big page, pages of 1 and of 2 all give ``expected``; ``after`` is a key, not a
    position: an id that is not stored starts the page at the next greater one, and
    anything at or past the last id gives an empty page.
    """
    expected = list(expected)
    assert [row.id for row in fetch(None, BIG_PAGE)] == expected
    for limit in (1, 2):
        assert walk_pages(fetch, limit) == expected, f"pages of {limit} disagree"
    if expected:
        assert [row.id for row in fetch(expected[-1], BIG_PAGE)] == []
        beyond = max(expected) + "~"
        assert [row.id for row in fetch(beyond, BIG_PAGE)] == []
        between = expected[0] + "~"
        tail = [i for i in expected if i > between]
        assert [row.id for row in fetch(between, BIG_PAGE)] == tail
