"""The visibility rules compiled to SQL: one statement per check or batch, and a host filter (ST-7).

Each [`Test`][carteira.Test] of `carteira.domain.visibility_rule` becomes one SQL condition
over the object's rows (the customer ``c``, its organization ``o``, the ticket ``t``), the
viewer's manager row ``v`` and the tenant's settings row ``s``, both joined by primary key;
a grant becomes their conjunction and a rule the disjunction of its grants. Whom the viewer
stands in for is read from ``carteira_manager_absences`` at the check's instant, and what his
roles grant from ``permission_bits``, so a deactivation, a changed role or an absence that
starts or ends counts at the very next statement, with no cache to invalidate (MG-4, MG-5).

Two uses share that one compilation:

- `SqlVisibility` answers [`VisibilityReader.seen`][carteira.ports.VisibilityReader] with one
  statement, built once per dialect and shape and run through the driver with bound values;
- [`visible`][carteira.adapters.sql.visible] returns the same condition as an ``EXISTS`` a host
  adds to a query over its own tables (its tenant and id columns correlated in).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import attrs
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    FromClause,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Dialect

from carteira.adapters.sql import schema
from carteira.adapters.sql.absences import ABSENCES, in_force
from carteira.adapters.sql.derived import bit_of, instant_us, permissions_of
from carteira.adapters.sql.prepared import Prepared, prepare
from carteira.adapters.sql.scoped import queued
from carteira.adapters.sql.sets import ids_parameter
from carteira.adapters.sql.writes import Access
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.permissions import Permission
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.scope import Scope
from carteira.domain.visibility import Viewer, scope_of
from carteira.domain.visibility_rule import RULES, Grant, Rule, Seen, Subject, Test, subject_of

__all__ = ["SqlVisibility", "visible"]

_DEPARTMENTS = schema.departments.alias("d")


@attrs.frozen
class _Who:
    """The viewer as SQL: his tenant, id and instant (bound values or the host's columns)."""

    tenant: ColumnElement[str]
    viewer: ColumnElement[str]
    now: ColumnElement[int]
    system: bool


@attrs.frozen
class _Rows:
    """The aliased tables a rule reads: the object's rows, the viewer's, the settings'."""

    customers: Any
    organizations: Any
    tickets: Any
    viewer: Any
    settings: Any

    @classmethod
    def new(cls) -> _Rows:
        return cls(
            schema.customers.alias("c"),
            schema.organizations.alias("o"),
            schema.tickets.alias("t"),
            schema.managers.alias("v"),
            schema.settings.alias("s"),
        )


def _identities(who: _Who) -> Select[Any]:
    """Return the viewer's own id and the managers absent at ``now`` naming him backup (MG-5).

    Only a manager's first absence covering ``now`` counts, as ``Manager.backup_at`` says.
    """
    a = ABSENCES
    standing_in = select(a.c.manager_id).where(
        a.c.tenant == who.tenant, a.c.backup_id == who.viewer, in_force(who.now)
    )
    return union_all(select(who.viewer), standing_in).subquery("identities").select()


Compile = Callable[[Subject, _Who, _Rows], ColumnElement[bool]]


def _system(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    return true() if who.system else false()


def _active(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    return true() if who.system else rows.viewer.c.active == true()


def _segmentation_off(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    return rows.settings.c.segmentation == false()  # type: ignore[no-any-return]


def _open_access(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    return rows.settings.c.open_access == true()  # type: ignore[no-any-return]


def _holds(permission: Permission) -> Compile:
    bit = bit_of(permission)

    def holds(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
        if who.system:
            return true()
        return rows.viewer.c.permission_bits.op("&")(bit) != 0  # type: ignore[no-any-return]

    return holds


def _manages_portfolio(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    pm = schema.portfolio_managers
    if subject is Subject.ORGANIZATION:
        portfolio = rows.organizations.c.portfolio
    else:  # the effective portfolio: the customer's own, else its organization's (MB-1)
        portfolio = func.coalesce(rows.customers.c.portfolio, rows.organizations.c.portfolio)
    return exists().where(
        pm.c.tenant == who.tenant,
        pm.c.portfolio_id == portfolio,
        pm.c.manager_id.in_(_identities(who)),
    )


def _account_manager(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    cm = schema.customer_managers
    return exists().where(
        cm.c.tenant == who.tenant,
        cm.c.customer_id == rows.customers.c.id,
        cm.c.manager_id.in_(_identities(who)),
    )


def _outside_portfolio(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    unplaced_organization = rows.organizations.c.portfolio.is_(None)
    if subject is Subject.ORGANIZATION:
        return unplaced_organization  # type: ignore[no-any-return]
    # ``unplaced``: no own portfolio and no account manager (MB-4).
    return and_(rows.customers.c.unplaced == true(), unplaced_organization)


def _serves_ticket(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    return rows.tickets.c.assignee == who.viewer  # type: ignore[no-any-return]


def _admitting(who: _Who) -> Any:
    """Return "a department that admits the viewer" over ``d``: it lists him, or no one (VS-7)."""
    d, dm = _DEPARTMENTS, schema.department_members
    listed_him = exists().where(
        dm.c.tenant == who.tenant, dm.c.department_id == d.c.id, dm.c.manager_id == who.viewer
    )
    return or_(d.c.lists_members == false(), listed_him)


def _waits_in_his_queue(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    t, d = rows.tickets, _DEPARTMENTS
    in_his_department = exists().where(
        d.c.tenant == who.tenant, d.c.id == t.c.department, _admitting(who)
    )
    return and_(queued(t), in_his_department)


def _sees_customer(subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    return _rule(RULES[Subject.CUSTOMER], who, rows)


# One SQL condition per test of the rules: the only place they are written for SQL (ST-7).
_COMPILED: dict[Test, Compile] = {
    Test.SYSTEM: _system,
    Test.ACTIVE: _active,
    Test.SEGMENTATION_OFF: _segmentation_off,
    Test.OPEN_ACCESS: _open_access,
    Test.HOLDS_VIEW_ALL: _holds(Permission.VIEW_ALL),
    Test.HOLDS_VIEW_UNASSIGNED: _holds(Permission.VIEW_UNASSIGNED),
    Test.MANAGES_PORTFOLIO: _manages_portfolio,
    Test.ACCOUNT_MANAGER: _account_manager,
    Test.OUTSIDE_PORTFOLIO: _outside_portfolio,
    Test.SERVES_TICKET: _serves_ticket,
    Test.WAITS_IN_HIS_QUEUE: _waits_in_his_queue,
    Test.SEES_CUSTOMER: _sees_customer,
}


def _grant(grant: Grant, subject: Subject, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    return and_(*(_COMPILED[test](subject, who, rows) for test in grant.tests))


def _rule(rule: Rule, who: _Who, rows: _Rows) -> ColumnElement[bool]:
    """Return ``rule`` as one condition: any of its grants holds (VS-1, VS-2)."""
    return or_(*(_grant(grant, rule.subject, who, rows) for grant in rule.grants))


def _visible_rows(subject: Subject, who: _Who, rows: _Rows) -> tuple[Select[Any], Any]:
    """Return ``SELECT <id> FROM <object rows> WHERE tenant AND rule``, and the id column.

    The viewer's manager row and the tenant's settings row are joined by primary key, so
    the rule reads them with the object's rows in the same statement.
    """
    c, o, t, v, s = rows.customers, rows.organizations, rows.tickets, rows.viewer, rows.settings
    organization_of = (o.c.tenant == c.c.tenant) & (o.c.id == c.c.organization)
    if subject is Subject.ORGANIZATION:
        source: FromClause = o
        key, tenant = o.c.id, o.c.tenant
    elif subject is Subject.CUSTOMER:
        source = c.outerjoin(o, organization_of)
        key, tenant = c.c.id, c.c.tenant
    else:
        customer_of = (c.c.tenant == t.c.tenant) & (c.c.id == t.c.customer)
        source = t.join(c, customer_of).outerjoin(o, organization_of)
        key, tenant = t.c.id, t.c.tenant
    source = source.outerjoin(v, (v.c.tenant == who.tenant) & (v.c.id == who.viewer))
    source = source.outerjoin(s, s.c.tenant == who.tenant)
    condition = _rule(RULES[subject], who, rows)
    return select(key).select_from(source).where(tenant == who.tenant, condition), key


# -- the store's checks -----------------------------------------------------------------------


def _statement(dialect: str, subject: Subject, system: bool, single: bool) -> Select[Any]:
    """Return the check: ``(admitted, id)`` rows, one per seen id, for a manager or the host.

    For a manager the seen ids are outer-joined to his own row, so one statement says both
    whether he may ask (stored and active, MG-4) and what he sees; the host always may.
    ``single`` asks about one id by equality, which the planner serves by primary key;
    a batch sends its ids as one JSON parameter.
    """
    who = _Who(
        bindparam("tenant", type_=Text),
        bindparam("viewer", type_=Text),
        bindparam("now", type_=BigInteger()),
        system,
    )
    seen, key = _visible_rows(subject, who, _Rows.new())
    asked = key == bindparam("id", type_=Text) if single else key.in_(ids_parameter(dialect, "ids"))
    seen = seen.where(asked)
    if system:
        return select(literal(True).label("admitted"), seen.subquery("seen").c[0].label("id"))
    found = seen.subquery("seen")
    m = schema.managers.alias("m")
    return (
        select(m.c.active.label("admitted"), found.c[0].label("id"))
        .select_from(m.outerjoin(found, true()))
        .where(m.c.tenant == who.tenant, m.c.id == who.viewer)
    )


def _scope_facts() -> CompoundSelect[Any]:
    """Return what a listing's scope needs of a viewer, as ``(kind, ref, number)`` rows.

    ``viewer`` (his permission bits; no such row when he is unknown or inactive, MG-4),
    ``segmentation`` (1 or 0; no row: the default, on), ``open_access`` (1 or 0; no row:
    the default, off, VS-6), one ``standing_in`` row per
    absent manager he stands in for at ``now`` (MG-5), one ``portfolio`` row per
    portfolio any of his identities manages (VS-2 a) and one ``queue`` row per department
    whose queue he sees (VS-7).
    """
    who = _Who(
        bindparam("tenant", type_=Text),
        bindparam("viewer", type_=Text),
        bindparam("now", type_=BigInteger()),
        False,
    )
    m, s, pm, d = schema.managers, schema.settings, schema.portfolio_managers, _DEPARTMENTS
    no_ref = cast(null(), Text)
    identities = _identities(who).subquery("identities")
    return union_all(
        select(literal_column("'viewer'"), m.c.id, m.c.permission_bits).where(
            m.c.tenant == who.tenant, m.c.id == who.viewer, m.c.active == true()
        ),
        select(
            literal_column("'segmentation'"),
            no_ref,
            case((s.c.segmentation == true(), 1), else_=0),
        ).where(s.c.tenant == who.tenant),
        select(
            literal_column("'open_access'"),
            no_ref,
            case((s.c.open_access == true(), 1), else_=0),
        ).where(s.c.tenant == who.tenant),
        select(literal_column("'standing_in'"), identities.c[0], literal_column("0")).where(
            identities.c[0] != who.viewer
        ),
        select(literal_column("'portfolio'"), pm.c.portfolio_id, literal_column("0"))
        .where(pm.c.tenant == who.tenant, pm.c.manager_id.in_(select(identities.c[0])))
        .distinct(),
        select(literal_column("'queue'"), d.c.id, literal_column("0")).where(
            d.c.tenant == who.tenant, _admitting(who)
        ),
    )


@cache
def _prepared(dialect: Dialect, subject: Subject, system: bool, single: bool) -> Prepared:
    return prepare(dialect, _statement(dialect.name, subject, system, single))


@cache
def _prepared_scope(dialect: Dialect) -> Prepared:
    return prepare(dialect, _scope_facts())


class SqlVisibility:
    """The stored answer to "which of these does he see?" in one statement (ST-7, VS-2)."""

    def __init__(self, access: Access) -> None:
        self._access = access

    def seen(
        self, principal: Principal, subject: Subject, ids: Sequence[str], at: datetime
    ) -> Seen:
        """Return whether ``principal`` may ask and which of ``ids`` he sees at ``at``."""
        wanted = [i for i in dict.fromkeys(ids) if "\x00" not in i]
        if len(wanted) == 1:
            found = self.check(principal, subject, wanted[0], at)
            return Seen(found is not None, frozenset(wanted) if found else frozenset())
        rows = self._rows(principal, subject, at, "ids", json.dumps(wanted))
        if rows is None:
            return Seen(False, frozenset())
        return Seen(True, frozenset(row[1] for row in rows if row[1] is not None))

    def check(
        self, principal: Principal, subject: Subject, object_id: str, at: datetime
    ) -> bool | None:
        """Tell whether ``principal`` sees one record at ``at``; ``None`` if he may not ask."""
        if "\x00" in object_id:  # no stored id holds one, and drivers refuse it
            found = self._rows(principal, subject, at, "ids", "[]")
            return None if found is None else False
        rows = self._rows(principal, subject, at, "id", object_id)
        return None if rows is None else any(row[1] is not None for row in rows)

    def _rows(
        self, principal: Principal, subject: Subject, at: datetime, key: str, asked: str
    ) -> Sequence[Any] | None:
        """Run the check or batch statement; ``None`` when the principal may not ask."""
        if principal.kind is PrincipalKind.CUSTOMER:
            return None
        system = principal.kind is PrincipalKind.SYSTEM
        prepared = _prepared(self._access.sql_dialect, Subject(subject), system, key == "id")
        rows = prepared.rows(
            self._access, {"viewer": principal.id, "now": instant_us(at), key: asked}
        )
        if not system and (not rows or not rows[0][0]):
            return None
        return rows

    def scope(self, principal: Principal, at: datetime) -> Scope | None:
        """Return what ``principal`` sees as a listing walks it, read in one statement."""
        if principal.kind is PrincipalKind.CUSTOMER:
            return None
        if principal.kind is PrincipalKind.SYSTEM:
            return Scope(everything=True)
        prepared = _prepared_scope(self._access.sql_dialect)
        values = {"viewer": principal.id, "now": instant_us(at)}
        facts: dict[str, list[Any]] = {}
        for kind, ref, number in prepared.rows(self._access, values):
            facts.setdefault(kind, []).append(number if kind in _NUMBERS else ref)
        if "viewer" not in facts:
            return None
        permissions = permissions_of(int(facts["viewer"][0]))
        viewer = Viewer(principal.id, True, permissions, frozenset(facts.get("standing_in", ())))
        return scope_of(
            viewer,
            segmentation=bool(facts.get("segmentation", [1])[0]),
            open_access=bool(facts.get("open_access", [0])[0]),
            managed_portfolios=facts.get("portfolio", ()),
            queues=facts.get("queue", ()),
        )


_NUMBERS = frozenset({"viewer", "segmentation", "open_access"})


# -- the host's filter --------------------------------------------------------------------------


def visible(
    principal: Principal,
    subject: Subject | str,
    id_column: ColumnElement[Any],
    *,
    tenant_column: ColumnElement[Any],
    at: datetime | None = None,
) -> ColumnElement[bool]:
    """Return "``principal`` may see the record whose carteira id is in ``id_column``" (ST-7).

    A SQLAlchemy boolean for the ``WHERE`` clause of a host's own query, say over its
    ``tickets`` table holding subject and priority beside carteira's ticket id: the rows
    kept are exactly those whose record ``Carteira.can_view`` would answer ``True`` for,
    with the same freshness (the principal's active flag, roles and stand-ins and the
    tenant's switches are read by the query itself, at ``at``, by default now) (VS-2, MG-4,
    MG-5). ``tenant_column`` is the host's column holding the row's tenant: a row of another
    tenant never matches, even when the ids coincide (TN-1); a single-tenant host passes
    ``literal("its-tenant")``. A customer principal sees nothing here (VS-4).

    The condition is an ``EXISTS`` correlated on the two columns: a page of the host's
    query costs one index probe per row it looks at, and the database plans it with the
    host's own filters and order.
    """
    if not isinstance(principal, Principal):
        raise InvalidInput("principal", [FieldError("$.principal", "must be a Principal")])
    subject = subject_of(subject)
    if principal.kind is PrincipalKind.CUSTOMER:
        return false()
    instant = datetime.now(UTC) if at is None else at
    if not isinstance(instant, datetime) or instant.tzinfo is None:
        raise InvalidInput("instant", [FieldError("$.at", "must be a timezone-aware datetime")])
    who = _Who(
        literal(principal.tenant, Text),
        literal(principal.id, Text),
        literal(instant_us(instant), BigInteger()),
        principal.kind is PrincipalKind.SYSTEM,
    )
    seen, key = _visible_rows(subject, who, _Rows.new())
    matched = seen.where(key == id_column, literal(principal.tenant, Text) == tenant_column)
    return matched.exists()
