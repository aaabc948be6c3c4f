"""Columns derived from an aggregate for SQL to filter on: permission bits, absence periods.

One definition each, used when a row is written and when an upgrade fills the columns of
rows written before they existed (ST-7, MG-5, PM-1).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache

import cattrs

from carteira.domain.absence import Absence
from carteira.domain.permissions import Permission, Role
from carteira.serialization import make_converter

__all__ = [
    "absence_rows",
    "bit_of",
    "converter",
    "instant_us",
    "member_rows",
    "microseconds",
    "microseconds_of_text",
    "periods",
    "permission_bits",
    "permission_bits_of_roles",
    "permissions_of",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ORDER = {permission: 1 << n for n, permission in enumerate(Permission)}


@cache
def converter() -> cattrs.Converter:
    """Return the converter every SQL store shares, built once on first use (not at import)."""
    return make_converter()


def microseconds(instant: datetime | None) -> int | None:
    """Return ``instant`` as microseconds since the epoch, a sortable key (RT-1, MG-5)."""
    return None if instant is None else instant_us(instant)


def instant_us(instant: datetime) -> int:
    """Return an aware ``instant`` as microseconds since the epoch (MG-5)."""
    return (instant - _EPOCH) // timedelta(microseconds=1)


def microseconds_of_text(instant: str) -> int:
    """Return an instant stored as ISO text as microseconds since the epoch (for an upgrade)."""
    return instant_us(converter().structure(instant, datetime))


def member_rows(members: Iterable[str] | None) -> list[dict[str, object]]:
    """Return one row per member a department lists, by id (RT-2, VS-7)."""
    return [{"manager_id": m} for m in sorted(set(members or ()))]


def bit_of(permission: Permission) -> int:
    """Return the bit standing for ``permission`` in ``permission_bits`` (declaration order)."""
    return _ORDER[permission]


def permission_bits(permissions: Iterable[Permission]) -> int:
    """Return ``permissions`` as one integer, a bit each (PM-1)."""
    return sum(_ORDER[p] for p in set(permissions))


def permissions_of(bits: int) -> frozenset[Permission]:
    """Return the permissions ``bits`` stands for: `permission_bits` read back (PM-1)."""
    return frozenset(p for p, bit in _ORDER.items() if bits & bit)


def periods(absences: Iterable[Absence]) -> list[dict[str, object]]:
    """Return one row per absence: its id, backup and period in microseconds (MG-5)."""
    return [
        {
            "position": n,
            "absence_id": a.id,
            "backup_id": a.backup,
            "starts_us": microseconds(a.start),
            "ends_us": microseconds(a.end),
        }
        for n, a in enumerate(absences)
    ]


def permission_bits_of_roles(roles_json: str) -> int:
    """Return the permission bits of roles stored as JSON text (for an upgrade)."""
    roles = converter().structure(json.loads(roles_json), frozenset[Role])
    return permission_bits(p for role in roles for p in role.permissions)


def absence_rows(absences_json: str) -> list[dict[str, object]]:
    """Return the absence rows of absences stored as JSON text (for an upgrade)."""
    return periods(converter().structure(json.loads(absences_json), tuple[Absence, ...]))
