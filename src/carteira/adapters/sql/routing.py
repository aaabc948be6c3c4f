"""What routing reads, in SQL: a customer's owners and the candidates, one statement each (RT-2).

`SqlRouting.owners` joins the customer to its organization and its effective portfolio
(MB-1) and returns both lists of managers; `SqlRouting.candidates` reads the asked managers
and the backups standing in for them at the instant (MG-5), each with its open load and
its last assignment in the department as correlated look-ups on
``carteira_tickets_load`` (RT-1, RT-2). The pure ``route()`` then decides (RT-4).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union

from carteira.adapters.sql import schema
from carteira.adapters.sql.absences import ABSENCES, in_force
from carteira.adapters.sql.codec import MANAGERS
from carteira.adapters.sql.derived import instant_us
from carteira.adapters.sql.sets import values_of
from carteira.adapters.sql.writes import Access
from carteira.domain.routing_facts import Candidates, Owners
from carteira.domain.ticket import TicketStatus

__all__ = ["SqlRouting"]

_customers, _organizations = schema.customers, schema.organizations
_portfolios, _tickets, _managers = schema.portfolios, schema.tickets, schema.managers


class SqlRouting:
    """A routing decision's inputs in two statements (RT-2, RT-4, RT-7)."""

    def __init__(self, access: Access) -> None:
        self._access = access

    def owners(self, customer_id: str) -> Owners | None:
        """Return the customer's account managers and its effective portfolio's managers."""
        c, o, p = _customers, _organizations, _portfolios
        tenant = self._access.tenant
        statement = (
            select(c.c.account_managers, p.c.managers)
            .select_from(
                c.outerjoin(o, (o.c.tenant == c.c.tenant) & (o.c.id == c.c.organization)).outerjoin(
                    p,
                    (p.c.tenant == c.c.tenant)
                    & (p.c.id == func.coalesce(c.c.portfolio, o.c.portfolio)),
                )
            )
            .where(c.c.tenant == tenant, c.c.id == customer_id)
        )
        row = self._access.execute(statement).first()
        if row is None:
            return None
        portfolio_managers = () if row[1] is None else tuple(json.loads(row[1]))
        return Owners(tuple(json.loads(row[0])), portfolio_managers)

    def candidates(
        self, department_id: str, manager_ids: Sequence[str], at: datetime
    ) -> Candidates:
        """Return the managers, their backups at ``at``, their loads and last assignments."""
        asked = list(dict.fromkeys(i for i in manager_ids if "\x00" not in i))
        if not asked:
            return Candidates()
        access, tenant = self._access, self._access.tenant
        now = instant_us(at)
        ids = values_of(access.dialect, asked, schema.KEY).subquery("asked")
        a = ABSENCES
        backups = select(a.c.backup_id).where(
            a.c.tenant == tenant, a.c.manager_id.in_(select(ids.c.value)), in_force(now)
        )
        wanted = union(select(ids.c.value), backups)
        m, t = _managers, _tickets
        serving = (
            (t.c.tenant == m.c.tenant)
            & (t.c.department == department_id)
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
        statement = select(
            *MANAGERS.columns, load.label("open_load"), busy.label("busy_since")
        ).where(m.c.tenant == tenant, m.c.id.in_(wanted))
        rows = access.execute(statement).mappings().all()
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
