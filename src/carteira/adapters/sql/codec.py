"""Aggregates to rows and back: plain columns, JSON text and derived keys (ST-2, TN-1).

A `Codec` says, for one aggregate, which attributes are stored as they are, which as JSON text
(nested value objects), which columns are derived from the value for indexes (a name key, a
case-folded name, an instant as microseconds...) and which child-table rows it owns. Values pass
through the cattrs converter of [`carteira.serialization.make_converter`][carteira.make_converter]
both ways, so every round trip is exact.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

import attrs
import cattrs
from sqlalchemy import ColumnElement, Table

from carteira.adapters.sql import schema
from carteira.adapters.sql.derived import member_rows, microseconds, periods, permission_bits
from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import StorageError
from carteira.domain.manager import Manager
from carteira.domain.portfolio import Portfolio
from carteira.domain.search import search_words
from carteira.domain.ticket import Department, Ticket
from carteira.domain.workflow import TicketType

__all__ = [
    "CUSTOMERS",
    "DEPARTMENTS",
    "MANAGERS",
    "ORGANIZATIONS",
    "PORTFOLIOS",
    "TICKETS",
    "TICKET_TYPES",
    "Child",
    "Codec",
    "dumps",
    "microseconds",
    "refuse_nul",
]


class Row(Protocol):
    """What every stored aggregate has: an id and a version (ST-3)."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=Row)


def dumps(value: object) -> str:
    """Return ``value`` as compact JSON text (the form of every JSON column)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def refuse_nul(kind: str, row_id: str, value: object) -> None:
    """Refuse text holding U+0000: PostgreSQL cannot store it, SQLite's JSON cuts it."""
    if _has_nul(value):
        raise StorageError(
            f"{kind} {row_id!r} holds the character U+0000 (NUL), which SQL storage "
            "cannot keep; nothing was stored",
            rule="ST-2",
            details={"kind": kind, "id": row_id},
        )


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        items: Iterable[object] = itertools.chain(value.keys(), value.values())
    elif isinstance(value, list | tuple):
        items = value
    else:
        return False
    # Text leaves are checked here rather than in a call each: a bulk insert (ST-5)
    # checks every value of every row.
    return any("\x00" in i if isinstance(i, str) else _has_nul(i) for i in items)


@attrs.frozen
class Child(Generic[R]):
    """A child table holding one row per item an aggregate has several of."""

    table: Table
    parent: str
    items: Callable[[Any], list[dict[str, object]]]


def _nothing(_: object) -> dict[str, object]:
    return {}


@attrs.frozen
class Codec(Generic[R]):
    """How one aggregate is stored: its table, columns, derived keys and child rows.

    ``plain`` and ``nested`` pair an attribute with its column (``nested`` ones hold
    JSON text); ``derive`` returns the index columns computed from the value;
    ``unique`` pairs the name of a unique key with its column (PF-1).
    """

    kind: str
    cls: type[R]
    table: Table
    plain: tuple[tuple[str, str], ...]
    nested: tuple[tuple[str, str], ...] = ()
    derive: Callable[[Any], dict[str, object]] = _nothing
    children: tuple[Child[R], ...] = ()
    unique: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> list[ColumnElement[Any]]:
        """The columns `entity` reads."""
        names = ["id", "version", *(c for _, c in self.plain), *(c for _, c in self.nested)]
        return [self.table.c[name] for name in names]

    def row(
        self, converter: cattrs.Converter, tenant: str, entity: R, version: int
    ) -> dict[str, object]:
        """Return the row storing ``entity`` at ``version`` in ``tenant`` (TN-1)."""
        data: dict[str, Any] = converter.unstructure(entity, self.cls)
        if data["tenant"] != tenant:
            raise StorageError(
                f"{self.kind} {entity.id!r} belongs to tenant {data['tenant']!r}, "
                f"not to this unit of work's {tenant!r}",
                rule="TN-1",
                details={"kind": self.kind, "id": entity.id},
            )
        refuse_nul(self.kind, entity.id, data)
        row: dict[str, object] = {"tenant": tenant, "id": entity.id, "version": version}
        row.update({column: data[attribute] for attribute, column in self.plain})
        row.update({column: dumps(data[attribute]) for attribute, column in self.nested})
        row.update(self.derive(entity))
        return row

    def entity(self, converter: cattrs.Converter, tenant: str, row: Mapping[Any, Any]) -> R:
        """Return the aggregate a row read through `columns` stores."""
        data: dict[str, Any] = {"tenant": tenant, "id": row["id"], "version": row["version"]}
        data.update({attribute: row[column] for attribute, column in self.plain})
        data.update({attribute: _loads(row[column]) for attribute, column in self.nested})
        found: R = converter.structure(data, self.cls)
        return found

    def child_rows(self, child: Child[R], tenant: str, entity: R) -> list[dict[str, object]]:
        """Return the rows of ``child`` that ``entity`` owns."""
        return [{"tenant": tenant, child.parent: entity.id, **item} for item in child.items(entity)]


def _loads(text: str) -> Any:
    """Return JSON ``text`` read back; the empty list and object, most nested values, at once."""
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return json.loads(text)


def _words(party: Customer | Organization) -> list[dict[str, object]]:
    """Return the words a search finds a customer or an organization by (VS-8)."""
    return [{"word": word} for word in sorted(search_words(party.name, party.id))]


def _in_order(ids: tuple[str, ...]) -> list[dict[str, object]]:
    return [{"position": n, "manager_id": m} for n, m in enumerate(ids)]


PORTFOLIOS: Codec[Portfolio] = Codec(
    "portfolio",
    Portfolio,
    schema.portfolios,
    plain=(("name", "name"), ("description", "description")),
    nested=(("journey", "journey"), ("managers", "managers")),
    derive=lambda p: {"name_key": p.key},
    children=(Child(schema.portfolio_managers, "portfolio_id", lambda p: _in_order(p.managers)),),
    unique=(("name", "name_key"),),
)

MANAGERS: Codec[Manager] = Codec(
    "manager",
    Manager,
    schema.managers,
    plain=(
        ("name", "name"),
        ("profile", "profile"),
        ("active", "active"),
        ("default_portfolio", "default_portfolio"),
    ),
    nested=(("roles", "roles"), ("absences", "absences")),
    derive=lambda m: {"permission_bits": permission_bits(m.permissions)},
    children=(Child(schema.manager_absences, "manager_id", lambda m: periods(m.absences)),),
)

ORGANIZATIONS: Codec[Organization] = Codec(
    "organization",
    Organization,
    schema.organizations,
    plain=(("name", "name"), ("portfolio", "portfolio")),
    children=(Child(schema.organization_words, "organization_id", _words),),
)


def _customer_keys(customer: Customer) -> dict[str, object]:
    return {
        "manager_count": len(customer.account_managers),
        "unplaced": not customer.portfolio and not customer.account_managers,
    }


CUSTOMERS: Codec[Customer] = Codec(
    "customer",
    Customer,
    schema.customers,
    plain=(("name", "name"), ("organization", "organization"), ("portfolio", "portfolio")),
    nested=(("account_managers", "account_managers"),),
    derive=_customer_keys,
    children=(
        Child(schema.customer_managers, "customer_id", lambda c: _in_order(c.account_managers)),
        Child(schema.customer_words, "customer_id", _words),
    ),
)


def _ticket_keys(ticket: Ticket) -> dict[str, object]:
    view = None if ticket.type is None else ticket.portal_filter.value
    return {
        "opened_at_us": microseconds(ticket.opened_at),
        "assigned_at_us": microseconds(ticket.assigned_at),
        "portal_view": view,
    }


TICKETS: Codec[Ticket] = Codec(
    "ticket",
    Ticket,
    schema.tickets,
    plain=(
        ("customer", "customer"),
        ("department", "department"),
        ("opened_at", "opened_at"),
        ("status", "status"),
        ("assignee", "assignee"),
        ("assigned_at", "assigned_at"),
        ("last_activity", "last_activity"),
        ("type", "ticket_type"),
        ("subject", "subject"),
        ("request", "request"),
        ("stage", "stage"),
        ("responsible", "responsible"),
    ),
    nested=(
        ("offered", "offered"),
        ("values", "field_values"),
        ("history", "history"),
        ("discussion", "discussion"),
        ("attachments", "attachments"),
    ),
    derive=_ticket_keys,
)

DEPARTMENTS: Codec[Department] = Codec(
    "department",
    Department,
    schema.departments,
    plain=(
        ("name", "name"),
        ("routing", "routing"),
        ("choice", "choice"),
        ("capacity", "capacity"),
        ("account_managers_only", "account_managers_only"),
    ),
    nested=(("members", "members"), ("capacities", "capacities")),
    derive=lambda d: {"lists_members": d.members is not None},
    children=(Child(schema.department_members, "department_id", lambda d: member_rows(d.members)),),
)

TICKET_TYPES: Codec[TicketType] = Codec(
    "ticket_type",
    TicketType,
    schema.ticket_types,
    plain=(("group", "type_group"), ("name", "name"), ("department", "department")),
    nested=(("stages", "stages"), ("transitions", "transitions"), ("fields", "fields")),
)
