"""Per-tenant settings that switch rules on and off (VS-1, VS-6, MB-3, PM-3, RT-6, TK-4)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from carteira.domain import refusals
from carteira.domain.inputs import check_count
from carteira.domain.manager import Manager

__all__ = ["DEFAULT_ATTACHMENT_TYPES", "TenantSettings"]

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


class _Keep(enum.Enum):
    """The marker of a setting `TenantSettings.switched` leaves as it is."""

    KEEP = "keep"


_KEEP = _Keep.KEEP


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
        segmentation: bool | _Keep = _KEEP,
        open_access: bool | _Keep = _KEEP,
        owner_only: bool | _Keep = _KEEP,
        attachment_max_bytes: int | _Keep = _KEEP,
        attachment_types: Iterable[str] | _Keep = _KEEP,
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
        return attrs.evolve(self, **{k: v for k, v in changes.items() if v is not _KEEP})

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
