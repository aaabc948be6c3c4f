"""What routing reads about a customer and its candidates, as stores answer it (RT-2, RT-7).

Two reads gather a decision's inputs (RT-4): the customer's *owners* (its account
managers and its effective portfolio's managers) and the *candidates'* records, with
the backups standing in for them and their open load and last assignment in the
department. A store answers each in one go; the pure policy decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from carteira.domain.department import Department
from carteira.domain.manager import Manager

__all__ = ["Candidates", "Opening", "Owners"]


@attrs.frozen
class Owners:
    """A customer's account managers, primary first, and its effective portfolio's (MB-1, MB-3)."""

    account_managers: tuple[str, ...]
    portfolio_managers: tuple[str, ...]


@attrs.frozen
class Opening:
    """What a new conversation's routing reads first: the department asked, the owners.

    ``department`` is ``None`` when the tenant has no such department (RT-1, RT-4).
    """

    department: Department | None
    owners: Owners


def _frozen(value: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Candidates:
    """Managers a decision may consider, their backups at the instant, and their loads (RT-2).

    ``managers`` holds the asked managers that exist and the backups standing in for any
    of them at that instant (MG-5); ``loads`` every one's open tickets in the department
    (0 when none); ``busy_since`` when each last took one of those (absent: idle, RT-1).
    """

    managers: Mapping[str, Manager] = attrs.field(converter=_frozen, factory=dict)
    loads: Mapping[str, int] = attrs.field(converter=_frozen, factory=dict)
    busy_since: Mapping[str, datetime] = attrs.field(converter=_frozen, factory=dict)
