"""Portfolios, managers, departments, ticket types and settings in SQL (PF, MG, RT, TK).

Each repository reads and writes one tenant's rows through its unit of work's
`Access` (TN-1) and answers exactly as the
in-memory reference does: the same orderings (code point by code point), the same
errors (ST-3 for a stale version, a ``Conflict`` for a taken id or name).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Executable, Select, Text, bindparam, false, func, literal, select, update

from carteira.adapters.sql import schema, writes
from carteira.adapters.sql.codec import (
    DEPARTMENTS,
    MANAGERS,
    PORTFOLIOS,
    TICKET_TYPES,
    Codec,
    Row,
    dumps,
    refuse_nul,
)
from carteira.adapters.sql.errors import LARGEST
from carteira.adapters.sql.scoped import Keep, Page, union_of
from carteira.adapters.sql.sets import among, insert_ignoring_conflicts, values_of
from carteira.adapters.sql.writes import Access
from carteira.domain.errors import ConcurrencyError
from carteira.domain.manager import Manager
from carteira.domain.portfolio import Portfolio
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import Department
from carteira.domain.versions import stored_over
from carteira.domain.workflow import TicketType

__all__ = [
    "SqlDepartments",
    "SqlManagers",
    "SqlPortfolios",
    "SqlRepository",
    "SqlSettings",
    "SqlTicketTypes",
]

R = TypeVar("R", bound=Row)
_NOTHING: Executable = select(literal(1)).where(false())  # a page of a scope that holds nothing


class SqlRepository(Generic[R]):
    """One aggregate's rows of the unit of work's tenant: reads by id and by queries (TN-1)."""

    def __init__(self, access: Access, codec: Codec[R]) -> None:
        self._access = access
        self._codec = codec

    def _select(self) -> Select[Any]:
        table = self._codec.table
        return select(*self._codec.columns).where(table.c.tenant == self._access.tenant)

    def _fetch(self, statement: Executable, values: Mapping[str, Any] | None = None) -> list[R]:
        access, codec = self._access, self._codec
        rows = access.execute(statement, values).mappings()
        return [codec.entity(access.converter, access.tenant, row) for row in rows]

    def _page(
        self,
        parts: Callable[[Page], list[Select[Any]]] | None,
        shape: Hashable,
        after: str | None,
        limit: int,
        keep: Keep | None,
    ) -> list[R]:
        """Return one keyset page of a scope listing in a single query (VS-3, ST-4).

        ``parts`` are the scope's id queries, ``None`` for a scope that holds every row;
        ``shape`` is what they and ``keep`` depend on (the scope, the filters): the
        statement is built once per shape and kept by the store, ``after`` bound per page.
        """
        if limit <= 0:
            return []
        size = min(limit, LARGEST)
        key = ("page", self._codec.table.name, shape, after is not None, size)
        statement = self._access.kept(
            key, lambda: self._page_statement(parts, after is not None, size, keep)
        )
        if statement is _NOTHING:
            return []
        return self._fetch(statement, None if after is None else {"after": after})

    def _page_statement(
        self,
        parts: Callable[[Page], list[Select[Any]]] | None,
        after: bool,
        size: int,
        keep: Keep | None,
    ) -> Executable:
        table = self._codec.table
        if parts is None:
            statement = Page(after, None, keep).cut(self._select(), table, table.c.id)
        else:
            found = parts(Page(after, size, keep))
            if not found:
                return _NOTHING
            statement = self._select().where(table.c.id.in_(union_of(found)))
        return statement.order_by(table.c.id).limit(size)

    def get(self, row_id: str) -> R | None:
        """Return the row with ``row_id`` in this tenant, or ``None`` (TN-1)."""
        table = self._codec.table
        statement = self._access.kept(
            ("get", table.name),
            lambda: self._select().where(table.c.id == bindparam("row_id", type_=Text)),
        )
        found = self._fetch(statement, {"row_id": row_id})
        return found[0] if found else None

    def get_many(self, ids: Iterable[str]) -> Mapping[str, R]:
        """Return the rows that exist among ``ids``, in the order asked, in one query (ST-5).

        The ids travel as one JSON parameter (no IN-list of bound parameters, whatever
        their number); duplicates count once, another tenant's rows are not seen (TN-1).
        """
        # An id holding NUL cannot be stored (refuse_nul), nor sent to PostgreSQL.
        wanted = [i for i in dict.fromkeys(ids) if "\x00" not in i]
        if not wanted:
            return {}
        dialect = self._access.dialect
        asked = among(dialect, self._codec.table.c.id, values_of(dialect, wanted, schema.KEY))
        found = {r.id: r for r in self._fetch(self._select().where(asked))}
        return {i: found[i] for i in wanted if i in found}

    def add(self, row: R) -> R:
        """Store a new row at version 1; a taken id or unique key is a conflict (ST-3)."""
        return writes.add_row(self._access, self._codec, row)


class SqlPortfolios(SqlRepository[Portfolio]):
    """Portfolios, listed by name key then id (PF-1, TN-2)."""

    def __init__(self, access: Access) -> None:
        super().__init__(access, PORTFOLIOS)

    def by_key(self, key: str) -> Portfolio | None:
        """Return the portfolio whose name has the comparison ``key`` (PF-1)."""
        found = self._fetch(self._select().where(schema.portfolios.c.name_key == key))
        return found[0] if found else None

    def list(self) -> Sequence[Portfolio]:
        """Return every portfolio, by name key then id (PF-1)."""
        table = schema.portfolios
        return self._fetch(self._select().order_by(table.c.name_key, table.c.id))

    def managed_by(self, manager_id: str) -> Sequence[Portfolio]:
        """Return the portfolios ``manager_id`` manages, by name key then id (MG-2)."""
        table, links = schema.portfolios, schema.portfolio_managers
        statement = (
            self._select()
            .join(links, (links.c.tenant == table.c.tenant) & (links.c.portfolio_id == table.c.id))
            .where(links.c.manager_id == manager_id)
            .order_by(table.c.name_key, table.c.id)
        )
        return self._fetch(statement)

    def count_managed(self, manager_ids: Iterable[str]) -> Mapping[str, int]:
        """Return how many portfolios each manager manages, in one statement (MG-6)."""
        wanted = sorted(set(manager_ids))
        if not wanted:
            return {}
        links = schema.portfolio_managers
        statement = (
            select(links.c.manager_id, func.count())
            .where(links.c.tenant == self._access.tenant, links.c.manager_id.in_(wanted))
            .group_by(links.c.manager_id)
        )
        return {str(m): int(n) for m, n in self._access.execute(statement)}

    def update(self, portfolio: Portfolio) -> Portfolio:
        """Store a changed portfolio over the version read (ST-3); a taken name conflicts."""
        return writes.update_rows(self._access, self._codec, [portfolio])[0]

    def update_many(self, portfolios: Iterable[Portfolio]) -> Sequence[Portfolio]:
        """Store changed portfolios over the versions read, in one statement (ST-3, ST-5)."""
        return writes.update_rows(self._access, self._codec, list(portfolios))

    def page(
        self, *, after: str | None, limit: int, manager: str | None = None
    ) -> Sequence[Portfolio]:
        """Return a page of portfolios by name key, through the name-key index (ST-4)."""
        if limit <= 0:
            return []
        table, links = schema.portfolios, schema.portfolio_managers
        statement = self._select()
        if manager is not None:
            statement = statement.join(
                links, (links.c.tenant == table.c.tenant) & (links.c.portfolio_id == table.c.id)
            ).where(links.c.manager_id == manager)
        if after is not None:
            statement = statement.where(table.c.name_key > after)
        return self._fetch(statement.order_by(table.c.name_key).limit(min(limit, LARGEST)))

    def remove(self, portfolio: Portfolio) -> None:
        """Delete a portfolio as read (ST-3)."""
        writes.remove_row(self._access, self._codec, portfolio)


class SqlManagers(SqlRepository[Manager]):
    """Managers, listed by id (MG-1, MG-5)."""

    def __init__(self, access: Access) -> None:
        super().__init__(access, MANAGERS)

    def get_many(self, manager_ids: Iterable[str]) -> Mapping[str, Manager]:
        """Return the managers that exist among ``manager_ids``, in the order asked."""
        return super().get_many(manager_ids)

    def list(self) -> Sequence[Manager]:
        """Return every manager, by id."""
        return self._fetch(self._select().order_by(schema.managers.c.id))

    def page(
        self, *, after: str | None, limit: int, active: bool | None = None
    ) -> Sequence[Manager]:
        """Return a page of managers by id, walking the primary key (ST-4)."""
        if limit <= 0:
            return []
        table = schema.managers
        statement = self._select()
        if after is not None:
            statement = statement.where(table.c.id > after)
        if active is not None:
            statement = statement.where(table.c.active == active)
        return self._fetch(statement.order_by(table.c.id).limit(min(limit, LARGEST)))

    def backed_up_by(self, manager_id: str) -> Sequence[Manager]:
        """Return the managers with an absence naming ``manager_id`` backup, by id (MG-5)."""
        table, links = schema.managers, schema.manager_absences
        named = select(links.c.manager_id).where(
            links.c.tenant == self._access.tenant, links.c.backup_id == manager_id
        )
        statement = self._select().where(table.c.id.in_(named)).order_by(table.c.id)
        return self._fetch(statement)

    def update(self, manager: Manager) -> Manager:
        """Store a changed manager over the version read (ST-3)."""
        return writes.update_rows(self._access, self._codec, [manager])[0]

    def remove(self, manager: Manager) -> None:
        """Delete a manager as read (ST-3)."""
        writes.remove_row(self._access, self._codec, manager)


class SqlDepartments(SqlRepository[Department]):
    """Departments, listed by id (RT-1, RT-2)."""

    def __init__(self, access: Access) -> None:
        super().__init__(access, DEPARTMENTS)

    def list(self) -> Sequence[Department]:
        """Return every department, by id."""
        return self._fetch(self._select().order_by(schema.departments.c.id))

    def update(self, department: Department) -> Department:
        """Store a changed department over the version read (ST-3)."""
        return writes.update_rows(self._access, self._codec, [department])[0]


class SqlTicketTypes(SqlRepository[TicketType]):
    """Ticket types and their workflows, listed by group, name and id (TK-1, TK-2)."""

    def __init__(self, access: Access) -> None:
        super().__init__(access, TICKET_TYPES)

    def list(self) -> Sequence[TicketType]:
        """Return every ticket type, by group, then name, then id (TK-1)."""
        table = schema.ticket_types
        return self._fetch(self._select().order_by(table.c.type_group, table.c.name, table.c.id))

    def update(self, ticket_type: TicketType) -> TicketType:
        """Store a changed ticket type over the version read (ST-3)."""
        return writes.update_rows(self._access, self._codec, [ticket_type])[0]


_SETTINGS = (
    "segmentation",
    "open_access",
    "max_account_managers",
    "owner_only",
    "portal_attendant",
    "attachment_max_bytes",
)


class SqlSettings:
    """The tenant's settings: defaults at version 0 until first stored (VS-1, ST-3)."""

    def __init__(self, access: Access) -> None:
        self._access = access

    def get(self) -> TenantSettings:
        """Return the tenant's settings."""
        table = schema.settings
        columns = [table.c[n] for n in (*_SETTINGS, "attachment_types", "version")]
        statement = select(*columns).where(table.c.tenant == self._access.tenant)
        row = self._access.execute(statement).mappings().first()
        if row is None:
            return TenantSettings()
        data = {name: row[name] for name in (*_SETTINGS, "version")}
        data["attachment_types"] = json.loads(row["attachment_types"])
        found: TenantSettings = self._access.converter.structure(data, TenantSettings)
        return found

    def put(self, settings: TenantSettings) -> TenantSettings:
        """Store ``settings`` over the version read, as that version plus one (ST-3)."""
        access, table = self._access, schema.settings
        data = access.converter.unstructure(settings, TenantSettings)
        refuse_nul("settings", access.tenant, data)
        row: dict[str, object] = {name: data[name] for name in _SETTINGS}
        row["attachment_types"] = dumps(data["attachment_types"])
        stored = stored_over(settings)
        row["version"] = stored.version
        if settings.version == 0:
            statement: Any = insert_ignoring_conflicts(
                access.dialect, table, {"tenant": access.tenant, **row}
            )
        else:
            statement = (
                update(table)
                .where(table.c.tenant == access.tenant, table.c.version == settings.version)
                .values(row)
            )
        if access.execute(statement.returning(table.c.tenant)).first() is None:
            raise ConcurrencyError("settings changed since they were read", rule="ST-3")
        return stored
