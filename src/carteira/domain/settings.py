"""Per-tenant settings that switch rules on and off (VS-1, MB-3)."""

from __future__ import annotations

import attrs

from carteira.domain.errors import FieldError, InvalidInput

__all__ = ["TenantSettings"]


def _at_least_one(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            "settings",
            [FieldError(f"$.{attribute.name}", "must be a whole number >= 1")],
            rule="MB-3",
        )


@attrs.frozen
class TenantSettings:
    """The switches of one tenant.

    ``segmentation`` (VS-1, on by default) restricts what managers see to their
    portfolios; ``max_account_managers`` caps account managers per customer (MB-3: one
    in seeds 001 and 003, several in 002); ``owner_only`` lets only a customer's owners
    act on its open tickets (PM-3).
    """

    segmentation: bool = True
    max_account_managers: int = attrs.field(default=1, validator=_at_least_one)
    owner_only: bool = False
    version: int = 0
