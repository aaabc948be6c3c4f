"""An in-memory presence adapter, for tests, demos and single-process hosts (RT-2)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["EveryoneOnline", "InMemoryPresence"]


class EveryoneOnline:
    """Presence for hosts that track none: every manager counts as available (RT-2)."""

    def online(self, tenant: str, manager_ids: Iterable[str]) -> frozenset[str]:
        """Return all of ``manager_ids``."""
        return frozenset(manager_ids)


class InMemoryPresence:
    """Remembers who is online in each tenant; set it from the host's own presence events."""

    def __init__(self) -> None:
        self._online: dict[str, set[str]] = {}

    def set_online(self, tenant: str, manager_id: str, online: bool = True) -> None:
        """Mark ``manager_id`` of ``tenant`` as online or offline."""
        members = self._online.setdefault(tenant, set())
        if online:
            members.add(manager_id)
        else:
            members.discard(manager_id)

    def online(self, tenant: str, manager_ids: Iterable[str]) -> frozenset[str]:
        """Return those of ``manager_ids`` who are online in ``tenant``."""
        members = self._online.get(tenant, set())
        return frozenset(m for m in manager_ids if m in members)
