"""Permissions, roles and manager profiles (PM-1, MG-1)."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

__all__ = ["ALL_PERMISSIONS", "Permission", "Profile", "Role"]


class Permission(enum.StrEnum):
    """What a role may allow (PM-1)."""

    MANAGE_PORTFOLIOS = "manage_portfolios"
    MANAGE_MANAGERS = "manage_managers"
    SET_PORTFOLIO = "set_portfolio"
    ASSIGN_SELF = "assign_self"
    VIEW_UNASSIGNED = "view_unassigned"
    VIEW_ALL = "view_all"
    BULK_CLOSE = "bulk_close"
    DELETE_TICKETS = "delete_tickets"
    #: Acts on any open ticket while the *owner-only* setting is on (PM-3).
    OVERRIDE_OWNER_ONLY = "override_owner_only"


ALL_PERMISSIONS = frozenset(Permission)


class Profile(enum.StrEnum):
    """A manager's access profile; the eligibility policy reads it (MG-1)."""

    ADMINISTRATOR = "administrator"
    ANALYST = "analyst"
    AGENT = "agent"


def _permissions(value: Iterable[Permission | str]) -> frozenset[Permission]:
    return frozenset(Permission(p) for p in value)


@attrs.frozen
class Role:
    """A named set of permissions (PM-1). Roles are values: equal names and sets are equal."""

    name: str
    permissions: frozenset[Permission] = attrs.field(converter=_permissions, factory=frozenset)

    @classmethod
    def administrator(cls) -> Role:
        """Return the role holding every permission."""
        return cls("administrator", ALL_PERMISSIONS)

    def allows(self, permission: Permission) -> bool:
        """Tell whether this role grants ``permission``."""
        return permission in self.permissions
