"""Who is acting: the principal every command and query takes (PM-2, TN-1)."""

from __future__ import annotations

import enum

import attrs

__all__ = ["Principal", "PrincipalKind"]


class PrincipalKind(enum.StrEnum):
    """A manager acting through the host's UI, or the host's own trusted code."""

    MANAGER = "manager"
    SYSTEM = "system"


@attrs.frozen
class Principal:
    """The acting party of one tenant.

    A *manager* principal acts with the permissions of his stored roles and only while
    he is active (MG-4); a *system* principal is the host application itself (imports,
    synchronisation jobs) and holds every permission. Build them with
    :meth:`manager` and :meth:`system`.
    """

    tenant: str
    id: str
    kind: PrincipalKind = PrincipalKind.MANAGER

    @classmethod
    def manager(cls, tenant: str, manager_id: str) -> Principal:
        """Return the principal of manager ``manager_id`` of ``tenant``."""
        return cls(tenant, manager_id, PrincipalKind.MANAGER)

    @classmethod
    def system(cls, tenant: str, name: str = "system") -> Principal:
        """Return the host application's own principal for ``tenant``."""
        return cls(tenant, name, PrincipalKind.SYSTEM)
