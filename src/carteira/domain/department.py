"""Departments: where unassigned tickets wait and how they route new ones (RT-1, RT-2, VS-7).

A department routes either by queue or by portfolio, and where several owners could
take a conversation it lets the customer choose or picks one itself (RT-1). It may list
its members and cap each one's open tickets (RT-2); the members see its queue (VS-7).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

__all__ = ["ChoiceMode", "Department", "RoutingMode", "queues_of"]


class RoutingMode(enum.StrEnum):
    """How a department routes new conversations (RT-1)."""

    QUEUE = "queue"
    PORTFOLIO = "portfolio"


class ChoiceMode(enum.StrEnum):
    """What happens when several owners could take a conversation (RT-1)."""

    CUSTOMER_CHOOSES = "customer_chooses"
    AUTOMATIC = "automatic"


def _members(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _capacities(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Department:
    """Where unassigned conversations wait, and how it routes them (RT-1, RT-2).

    ``members`` is ``None`` when the department does not list its members (anyone may
    serve it); ``capacity`` caps open tickets per manager, ``capacities`` overrides it
    per manager; ``account_managers_only`` keeps portfolio managers out of the owner
    chain (RT-2).
    """

    tenant: str
    id: str
    name: str
    routing: RoutingMode = RoutingMode.PORTFOLIO
    choice: ChoiceMode = ChoiceMode.AUTOMATIC
    members: frozenset[str] | None = attrs.field(default=None, converter=_members)
    capacity: int | None = None
    capacities: Mapping[str, int] = attrs.field(
        factory=dict, converter=_capacities, eq=attrs.cmp_using(eq=lambda a, b: dict(a) == dict(b))
    )
    account_managers_only: bool = False
    version: int = 0

    def admits(self, manager_id: str) -> bool:
        """Tell whether ``manager_id`` may serve this department (RT-2)."""
        return self.members is None or manager_id in self.members

    def capacity_of(self, manager_id: str) -> int | None:
        """Return how many open tickets ``manager_id`` may hold here, or ``None``."""
        return self.capacities.get(manager_id, self.capacity)


def queues_of(manager_id: str, departments: Iterable[Department]) -> frozenset[str]:
    """Return the ids of those of ``departments`` whose queue ``manager_id`` sees (VS-7).

    The departments that admit him (`Department.admits`): he is a member, or the
    department lists no members.
    """
    return frozenset(d.id for d in departments if d.admits(manager_id))
