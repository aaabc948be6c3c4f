"""What routing reads, in SQL: a customer's owners and the candidates, one statement each (RT-2).

`SqlRouting.owners` joins the customer to its organization and its effective portfolio
(MB-1) and returns both lists of managers; `SqlRouting.candidates` reads the asked managers
and the backups standing in for them at the instant (MG-5), each with its open load and
its last assignment in the department as correlated look-ups on
``carteira_tickets_department`` (RT-1, RT-2). The pure ``route()`` then decides (RT-4).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Select, Text, bindparam, func, select, true, union
from sqlalchemy.engine import Dialect

from carteira.adapters.sql import schema
from carteira.adapters.sql.absences import ABSENCES, in_force
from carteira.adapters.sql.codec import DEPARTMENTS, MANAGERS
from carteira.adapters.sql.derived import instant_us
from carteira.adapters.sql.prepared import Prepared, prepare
from carteira.adapters.sql.sets import ids_parameter
from carteira.adapters.sql.writes import Access
from carteira.domain.routing_facts import Candidates, Opening, Owners
from carteira.domain.ticket import TicketStatus

__all__ = ["SqlRouting"]

_customers, _organizations = schema.customers, schema.organizations
_portfolios, _tickets, _managers = schema.portfolios, schema.tickets, schema.managers
_departments = schema.departments


class SqlRouting:
    """A routing decision's inputs in two statements, each built once (RT-2, RT-4, RT-7)."""

    def __init__(self, access: Access) -> None:
        self._access = access

    def owners(self, customer_id: str) -> Owners | None:
        """Return the customer's account managers and its effective portfolio's managers."""
        found = _prepared_owners(self._access.sql_dialect).rows(
            self._access, {"customer": customer_id}
        )
        return _owners_of(found[0][0], found[0][1]) if found else None

    def opening(self, customer_id: str, department_id: str) -> Opening | None:
        """Return the department asked and the customer's owners, read together."""
        access = self._access
        values = {"customer": customer_id, "department": department_id}
        found = _prepared_opening(access.sql_dialect).records(access, values)
        if not found:
            return None
        row = found[0]
        department = None
        if row["department_id"] is not None:
            stored = {c.name: row[f"department_{c.name}"] for c in DEPARTMENTS.columns}
            department = DEPARTMENTS.entity(access.converter, access.tenant, stored)
        return Opening(department, _owners_of(row["account_managers"], row["managers"]))

    def candidates(
        self, department_id: str, manager_ids: Sequence[str], at: datetime
    ) -> Candidates:
        """Return the managers, their backups at ``at``, their loads and last assignments."""
        asked = list(dict.fromkeys(i for i in manager_ids if "\x00" not in i))
        if not asked:
            return Candidates()
        access, tenant = self._access, self._access.tenant
        values = {"department": department_id, "ids": json.dumps(asked), "now": instant_us(at)}
        rows = _prepared_candidates(access.sql_dialect).records(access, values)
        converter = access.converter
        managers = {row["id"]: MANAGERS.entity(converter, tenant, row) for row in rows}
        loads: dict[str, int] = {row["id"]: int(row["open_load"]) for row in rows}
        busy_since: dict[str, Any] = {
            row["id"]: converter.structure(row["busy_since"], datetime)
            for row in rows
            if row["busy_since"] is not None
        }
        order = [*asked, *sorted(set(managers) - set(asked))]
        return Candidates(
            {i: managers[i] for i in order if i in managers},
            {i: loads[i] for i in order if i in loads},
            {i: busy_since[i] for i in order if i in busy_since},
        )


_TENANT = bindparam("tenant", type_=Text)


@cache
def _prepared_owners(dialect: Dialect) -> Prepared:
    return prepare(dialect, _owners())


@cache
def _prepared_opening(dialect: Dialect) -> Prepared:
    return prepare(dialect, _opening())


@cache
def _prepared_candidates(dialect: Dialect) -> Prepared:
    return prepare(dialect, _candidates(dialect.name))


def _owners() -> Select[Any]:
    """Return the statement reading a customer's owners (``customer`` bound, MB-1, MB-3).

    His account managers, and his effective portfolio's managers: his own portfolio's, or
    his organization's when he has none.
    """
    c, o, p = _customers, _organizations, _portfolios
    placed = (p.c.tenant == c.c.tenant) & (p.c.id == func.coalesce(c.c.portfolio, o.c.portfolio))
    owned = c.outerjoin(o, (o.c.tenant == c.c.tenant) & (o.c.id == c.c.organization))
    return (
        select(c.c.account_managers, p.c.managers)
        .select_from(owned.outerjoin(p, placed))
        .where(c.c.tenant == _TENANT, c.c.id == bindparam("customer", type_=Text))
    )


def _owners_of(account_managers: str, portfolio_managers: str | None) -> Owners:
    managers = () if portfolio_managers is None else tuple(json.loads(portfolio_managers))
    return Owners(tuple(json.loads(account_managers)), managers)


def _opening() -> Select[Any]:
    """Return `_owners` with the department ``department`` beside, when there is one."""
    d = _departments
    asked = (d.c.tenant == _TENANT) & (d.c.id == bindparam("department", type_=Text))
    columns = [c.label(f"department_{c.name}") for c in DEPARTMENTS.columns]
    # A cross join to at most one row: the department, or none (the outer join's NULLs).
    department = select(*columns).where(asked).subquery("department")
    owners = _owners().subquery("owners")
    return select(owners, department).select_from(owners.outerjoin(department, true()))


def _candidates(dialect: str) -> Select[Any]:
    """Return the statement reading the candidates (``ids``, ``now``, ``department`` bound).

    The asked managers and the backups standing in for them at ``now`` (MG-5), each with
    his open load and last assignment in ``department`` (RT-1, RT-2).
    """
    tenant = _TENANT
    now = bindparam("now", type_=BigInteger)
    department = bindparam("department", type_=Text)
    ids = ids_parameter(dialect, "ids").subquery("asked")
    a = ABSENCES
    backups = select(a.c.backup_id).where(
        a.c.tenant == tenant, a.c.manager_id.in_(select(ids.c.value)), in_force(now)
    )
    wanted = union(select(ids.c.value), backups)
    m, t = _managers, _tickets
    serving = (
        (t.c.tenant == m.c.tenant)
        & (t.c.department == department)
        & (t.c.assignee == m.c.id)
        & (t.c.status == TicketStatus.OPEN.value)
    )
    load = select(func.count()).where(serving).scalar_subquery()
    busy = (
        select(t.c.assigned_at)
        .where(serving, t.c.assigned_at_us.is_not(None))
        .order_by(t.c.assigned_at_us.desc(), t.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return select(*MANAGERS.columns, load.label("open_load"), busy.label("busy_since")).where(
        m.c.tenant == tenant, m.c.id.in_(wanted)
    )
