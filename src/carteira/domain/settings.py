"""Per-tenant settings that switch rules on and off (VS-1, VS-6, MB-3, PM-3, RT-6, TK-4).

[`TenantSettings.change`][carteira.domain.settings.TenantSettings.change] decides a
change and returns a [`Changed`][carteira.domain.changed.Changed]: the new settings and
their `SettingsChanged` (EV-1), leaving storing both to the caller.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from carteira.domain import refusals
from carteira.domain.changed import Changed
from carteira.domain.events import SettingsChanged
from carteira.domain.identifiers import check_ids
from carteira.domain.inputs import check_count, check_flag
from carteira.domain.manager import Manager
from carteira.domain.stamp import Stamp

__all__ = ["DEFAULT_ATTACHMENT_TYPES", "KEEP", "Keep", "TenantSettings"]

#: The content types a ticket accepts unless the tenant says otherwise (TK-4).
DEFAULT_ATTACHMENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)


class Keep(enum.Enum):
    """The marker of a setting `TenantSettings.switched` and `change` leave as they are."""

    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


#: A setting left as it is.
KEEP = Keep.KEEP


def _content_types(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _at_least_one(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    rule = "MB-3" if attribute.name == "max_account_managers" else "TK-4"
    check_count("settings", value, path=f"$.{attribute.name}", least=1, rule=rule)


@attrs.frozen
class TenantSettings:
    """The switches of one tenant.

    ``segmentation`` (VS-1, on by default) restricts what managers see to their
    portfolios; ``open_access`` (VS-6, off by default; seed 001's "segunda opção") lets every
    active manager see every customer, organization and ticket while segmentation stays on,
    and changes nothing else; ``max_account_managers`` caps account managers per customer (MB-3: one
    in seeds 001 and 003, several in 002); ``owner_only`` lets only a customer's owners
    act on its open tickets (PM-3). ``portal_attendant`` receives the portal tickets
    nothing else assigns (RT-6, seed 004); ``attachment_max_bytes`` and
    ``attachment_types`` bound what may be attached to a ticket (TK-4).
    """

    segmentation: bool = True
    max_account_managers: int = attrs.field(default=1, validator=_at_least_one)
    owner_only: bool = False
    portal_attendant: str | None = None
    attachment_max_bytes: int = attrs.field(default=10 * 1024 * 1024, validator=_at_least_one)
    attachment_types: frozenset[str] = attrs.field(
        default=DEFAULT_ATTACHMENT_TYPES, converter=_content_types
    )
    open_access: bool = False
    version: int = 0

    def switched(
        self,
        *,
        segmentation: bool | Keep = KEEP,
        open_access: bool | Keep = KEEP,
        owner_only: bool | Keep = KEEP,
        attachment_max_bytes: int | Keep = KEEP,
        attachment_types: Iterable[str] | Keep = KEEP,
    ) -> TenantSettings:
        """Return them with these switches and limits, the omitted ones kept (VS-1, VS-6, TK-4).

        ``owner_only`` is PM-3's switch; the limits are checked as on construction.
        """
        changes: dict[str, Any] = {
            "segmentation": segmentation,
            "open_access": open_access,
            "owner_only": owner_only,
            "attachment_max_bytes": attachment_max_bytes,
            "attachment_types": attachment_types,
        }
        return attrs.evolve(self, **{k: v for k, v in changes.items() if v is not KEEP})

    def change(
        self,
        stamp: Stamp,
        *,
        most: Callable[[], int],
        attendant: Manager | Keep | None = KEEP,
        attachment_max_bytes: int | Keep = KEEP,
        attachment_types: Iterable[str] | Keep = KEEP,
        segmentation: bool | Keep = KEEP,
        open_access: bool | Keep = KEEP,
        owner_only: bool | Keep = KEEP,
        max_account_managers: int | Keep = KEEP,
    ) -> Changed[TenantSettings]:
        """Return them with the given settings, the others kept, and their `SettingsChanged`.

        VS-1, VS-6, MB-3, PM-3, RT-6, TK-4: each given setting is checked, in the order of
        the parameters, as `with_attendant`, `switched` and `with_cap` check it (``most``
        tells the highest count of account managers a customer has, asked only for a new
        cap). A change that changes nothing has no event.
        """
        changed = self
        if attendant is not KEEP:
            changed = changed.with_attendant(attendant)
        if attachment_max_bytes is not KEEP:
            changed = changed.switched(attachment_max_bytes=attachment_max_bytes)
        if attachment_types is not KEEP:
            allowed = check_ids("content type", attachment_types, path="$.attachment_types")
            changed = changed.switched(attachment_types=allowed)
        if segmentation is not KEEP:
            segmentation = check_flag("settings", segmentation, path="$.segmentation")
            changed = changed.switched(segmentation=segmentation)
        if open_access is not KEEP:
            open_access = check_flag("settings", open_access, path="$.open_access")
            changed = changed.switched(open_access=open_access)
        if owner_only is not KEEP:
            owner_only = check_flag("settings", owner_only, path="$.owner_only")
            changed = changed.switched(owner_only=owner_only)
        if max_account_managers is not KEEP:
            changed = changed.with_cap(max_account_managers, most)
        if changed == self:
            return Changed(self)
        return Changed(changed, (changed._event(stamp),))

    def with_attendant(self, attendant: Manager | None) -> TenantSettings:
        """Return them with ``attendant`` attending the portal, or none (RT-6).

        Only an active manager attends it.
        """
        if attendant is not None and not attendant.active:
            raise refusals.attendant_inactive(attendant.id)
        return attrs.evolve(self, portal_attendant=None if attendant is None else attendant.id)

    def with_cap(self, max_account_managers: int, most: Callable[[], int]) -> TenantSettings:
        """Return them capping account managers at ``max_account_managers`` (MB-3).

        ``most`` tells how many account managers a customer has at most today, asked
        once the cap is known to be a count: the cap cannot go below it.
        """
        changed = attrs.evolve(self, max_account_managers=max_account_managers)
        highest = most()
        if max_account_managers < highest:
            raise refusals.cap_below_current(max_account_managers, highest)
        return changed

    def _event(self, stamp: Stamp) -> SettingsChanged:
        return SettingsChanged(
            **stamp.fields(),
            segmentation=self.segmentation,
            open_access=self.open_access,
            max_account_managers=self.max_account_managers,
            owner_only=self.owner_only,
            portal_attendant=self.portal_attendant,
            attachment_max_bytes=self.attachment_max_bytes,
            attachment_types=tuple(sorted(self.attachment_types)),
        )
