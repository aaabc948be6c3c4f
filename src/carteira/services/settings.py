"""The tenant's switches and limits (VS-1, VS-6, MB-3, PM-3, RT-6, TK-4)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from carteira.domain.manager import Manager
from carteira.domain.permissions import Permission
from carteira.domain.settings import KEEP, Keep, TenantSettings
from carteira.services.context import Context
from carteira.services.results import UNCHANGED, Unchanged

__all__ = ["update_settings"]

T = TypeVar("T")


def update_settings(
    context: Context,
    segmentation: bool | Unchanged,
    max_account_managers: int | Unchanged,
    owner_only: bool | Unchanged = UNCHANGED,
    portal_attendant: str | Unchanged | None = UNCHANGED,
    attachment_max_bytes: int | Unchanged = UNCHANGED,
    attachment_types: Iterable[str] | Unchanged = UNCHANGED,
    open_access: bool | Unchanged = UNCHANGED,
) -> TenantSettings:
    """Change the tenant's settings; a cap below what customers already have is refused."""
    context.actor.require(Permission.MANAGE_PORTFOLIOS, "change the tenant's settings", "VS-1")
    current = context.settings
    attendant: Manager | Keep | None = KEEP
    if portal_attendant is not UNCHANGED:
        attendant = None if portal_attendant is None else context.manager(portal_attendant)
    changed = current.change(
        context.stamp,
        most=context.uow.customers.most_account_managers,
        attendant=attendant,
        attachment_max_bytes=_keep(attachment_max_bytes),
        attachment_types=_keep(attachment_types),
        segmentation=_keep(segmentation),
        open_access=_keep(open_access),
        owner_only=_keep(owner_only),
        max_account_managers=_keep(max_account_managers),
    )
    if not changed.events:
        return current
    stored = context.uow.settings.put(changed.value)
    context.emit(*changed.events)
    return stored


def _keep(value: T | Unchanged) -> T | Keep:
    """Return the domain's marker for a setting the caller leaves unchanged, else ``value``."""
    return KEEP if value is UNCHANGED else value
