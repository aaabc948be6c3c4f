"""Who acts in one command, with what permissions, and the refusals that follow (PM-2, MG-4, VS-4).

An [`Actor`][carteira.domain.actor.Actor] is a [`Principal`][carteira.Principal] resolved
against storage: his stored manager record (if any) and the permissions it holds. Checking
a permission is the actor's own decision; loading him is the services' job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from carteira.domain import refusals
from carteira.domain.errors import FieldError, InvalidInput, PermissionDenied
from carteira.domain.manager import Manager
from carteira.domain.permissions import ALL_PERMISSIONS, Permission
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.visibility import Viewer

__all__ = [
    "Actor",
    "admit",
    "refused_customer",
    "refused_manager",
]


@attrs.frozen
class Actor:
    """The resolved principal: his stored manager record (if any) and permissions (PM-2)."""

    principal: Principal
    manager: Manager | None
    permissions: frozenset[Permission]

    @classmethod
    def system(cls, principal: Principal) -> Actor:
        """Return the host acting: it holds every permission."""
        return cls(principal, None, ALL_PERMISSIONS)

    @classmethod
    def customer(cls, principal: Principal) -> Actor:
        """Return a portal customer acting: he holds no permission (VS-4)."""
        return cls(principal, None, frozenset())

    @classmethod
    def of_manager(cls, principal: Principal, manager: Manager | None) -> Actor:
        """Return a manager acting with his roles' permissions; refuse one unknown or inactive.

        MG-4: a manager acts only while he is stored and active.
        """
        if manager is None or not manager.active:
            raise refused_manager(principal)
        return cls(principal, manager, manager.permissions)

    @property
    def id(self) -> str:
        """The acting principal's id."""
        return self.principal.id

    @property
    def is_system(self) -> bool:
        """Tell whether the host application itself is acting."""
        return self.principal.kind is PrincipalKind.SYSTEM

    @property
    def is_customer(self) -> bool:
        """Tell whether a customer signed in to the portal is acting (VS-4)."""
        return self.principal.kind is PrincipalKind.CUSTOMER

    def may(self, permission: Permission) -> bool:
        """Tell whether the actor holds ``permission``."""
        return permission in self.permissions

    def require_host(self, doing: str, rule: str) -> None:
        """Refuse unless the host application itself acts: "only the host application {doing}"."""
        if not self.is_system:
            raise refusals.not_permitted(f"only the host application {doing}", rule)

    def require_whole_tenant(
        self, viewer: Viewer, action: str, *, segmentation: Callable[[], bool]
    ) -> None:
        """Refuse ``action`` (an import or export) to one who does not see every customer (VS-3).

        An import or export of part of a tenant would read, the other way, as customers
        leaving; and its refusals would reveal what the actor may not see. The host, a
        holder of VIEW_ALL, and anyone while segmentation is off (VS-1) see everyone;
        ``segmentation`` tells whether it is on, asked only when it matters.
        """
        if viewer.system or Permission.VIEW_ALL in viewer.permissions or not segmentation():
            return
        if action == "export":
            raise refusals.export_needs_view_all(self.id)
        raise refusals.import_needs_view_all(self.id)

    def require(self, permission: Permission, action: str, rule: str) -> None:
        """Refuse unless the actor holds ``permission`` (PM-2)."""
        if permission not in self.permissions:
            kind = self.principal.kind.value
            raise refusals.missing_permission(kind, self.id, permission, action, rule)

    def require_within(self, permissions: Iterable[Permission], action: str) -> None:
        """Refuse unless the actor holds every one of ``permissions`` himself (PM-1, PM-2).

        No one grants, takes away, or acts on a manager holding, a permission he lacks:
        what a role gives is checked against the granter's own, and so is what the manager
        he updates, deactivates or sends away holds. The host (a system principal) holds
        every permission.
        """
        beyond = frozenset(permissions) - self.permissions
        if beyond:
            kind = self.principal.kind.value
            raise refusals.beyond_own_permissions(kind, self.id, beyond, action)

    def refuse_self_reach(
        self, beneficiary: str, owner: str | None, action: str, *, segmentation: Callable[[], bool]
    ) -> None:
        """Refuse a manager who would take another's reach for himself (PM-2, PF-6, MG-3, MG-5).

        Naming himself backup of ``owner``'s absence, successor of ``owner`` leaving, or
        manager of a portfolio holding customers (``owner`` ``None``) would let him see
        customers he does not; only one who sees every customer already (VIEW_ALL, the
        host, or anyone while segmentation is off, VS-1) may. ``segmentation`` tells
        whether it is on, asked only when it matters.
        """
        if self.is_system or beneficiary != self.id or owner == self.id:
            return
        if segmentation():
            self.require_within({Permission.VIEW_ALL}, f"{action} for himself")


def refused_manager(principal: Principal) -> PermissionDenied:
    """Return the refusal of a principal naming no stored, active manager (MG-4)."""
    return refusals.principal_inactive(principal.id)


def refused_customer(principal: Principal) -> PermissionDenied:
    """Return the refusal of a customer principal naming no stored customer (VS-4)."""
    return refusals.principal_unknown(principal.id)


def admit(principal: object, *, portal: bool) -> Principal:
    """Return ``principal`` if it may ask: a customer asks only through the portal (VS-4, ER-2)."""
    if not isinstance(principal, Principal):
        raise InvalidInput("principal", [FieldError("$.principal", "must be a Principal")])
    if principal.kind is PrincipalKind.CUSTOMER and not portal:
        raise refusals.portal_only(principal.id)
    return principal
