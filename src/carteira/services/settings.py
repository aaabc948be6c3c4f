"""The tenant's switches and limits (VS-1, VS-6, MB-3, PM-3, RT-6, TK-4)."""

from __future__ import annotations

from collections.abc import Iterable

from carteira.domain.events import SettingsChanged
from carteira.domain.identifiers import check_ids
from carteira.domain.inputs import check_flag
from carteira.domain.permissions import Permission
from carteira.domain.settings import TenantSettings
from carteira.services.context import Context
from carteira.services.results import UNCHANGED, Unchanged

__all__ = ["update_settings"]


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
    changed = current
    if portal_attendant is not UNCHANGED:
        attendant = None if portal_attendant is None else context.manager(portal_attendant)
        changed = changed.with_attendant(attendant)
    if attachment_max_bytes is not UNCHANGED:
        changed = changed.switched(attachment_max_bytes=attachment_max_bytes)
    if attachment_types is not UNCHANGED:
        allowed = check_ids("content type", attachment_types, path="$.attachment_types")
        changed = changed.switched(attachment_types=allowed)
    if segmentation is not UNCHANGED:
        changed = changed.switched(
            segmentation=check_flag("settings", segmentation, path="$.segmentation")
        )
    if open_access is not UNCHANGED:
        changed = changed.switched(
            open_access=check_flag("settings", open_access, path="$.open_access")
        )
    if owner_only is not UNCHANGED:
        changed = changed.switched(
            owner_only=check_flag("settings", owner_only, path="$.owner_only")
        )
    if max_account_managers is not UNCHANGED:
        changed = changed.with_cap(
            max_account_managers, context.uow.customers.most_account_managers
        )
    if changed == current:
        return current
    stored = context.uow.settings.put(changed)
    context.emit(
        SettingsChanged(
            **context.stamp_fields,
            segmentation=changed.segmentation,
            open_access=changed.open_access,
            max_account_managers=changed.max_account_managers,
            owner_only=changed.owner_only,
            portal_attendant=changed.portal_attendant,
            attachment_max_bytes=changed.attachment_max_bytes,
            attachment_types=tuple(sorted(changed.attachment_types)),
        )
    )
    return stored
