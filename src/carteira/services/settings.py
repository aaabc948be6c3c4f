"""The tenant's switches and limits (VS-1, VS-6, MB-3, PM-3, RT-6, TK-4)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from carteira.domain.errors import RuleViolation
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
    changed = _portal(context, current, portal_attendant, attachment_max_bytes, attachment_types)
    if segmentation is not UNCHANGED:
        flag = check_flag("settings", segmentation, path="$.segmentation")
        changed = attrs.evolve(changed, segmentation=flag)
    if open_access is not UNCHANGED:
        flag = check_flag("settings", open_access, path="$.open_access")
        changed = attrs.evolve(changed, open_access=flag)
    if owner_only is not UNCHANGED:
        changed = attrs.evolve(
            changed, owner_only=check_flag("settings", owner_only, path="$.owner_only")
        )
    if max_account_managers is not UNCHANGED:
        changed = attrs.evolve(changed, max_account_managers=max_account_managers)
        most = context.uow.customers.most_account_managers()
        if max_account_managers < most:
            raise RuleViolation(
                f"a customer has {most} account managers: the cap cannot go below that",
                code="cap_below_current",
                rule="MB-3",
                details={"cap": max_account_managers, "most": most},
            )
    if changed == current:
        return current
    context.uow.settings.put(changed)
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
    return context.settings


def _portal(
    context: Context,
    settings: TenantSettings,
    attendant: str | Unchanged | None,
    max_bytes: int | Unchanged,
    types: Iterable[str] | Unchanged,
) -> TenantSettings:
    if attendant is not UNCHANGED:
        if attendant is not None and not context.manager(attendant).active:
            raise RuleViolation(
                f"manager {attendant!r} is inactive and cannot attend the portal",
                code="attendant_inactive",
                rule="RT-6",
                details={"manager": attendant},
            )
        settings = attrs.evolve(settings, portal_attendant=attendant)
    if max_bytes is not UNCHANGED:
        settings = attrs.evolve(settings, attachment_max_bytes=max_bytes)
    if types is not UNCHANGED:
        allowed = check_ids("content type", types, path="$.attachment_types")
        settings = attrs.evolve(settings, attachment_types=allowed)
    return settings
