"""Per-tenant settings that switch rules on and off (VS-1, VS-6, MB-3, PM-3, RT-6, TK-4)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from carteira.domain.inputs import check_count

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
