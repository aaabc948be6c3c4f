"""Turning command-line text into values: dates, profiles, roles, switches.

Each function is an argparse ``type=``: a bad value raises
`argparse.ArgumentTypeError`, which argparse reports as a usage error (exit 2).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from carteira.domain.permissions import Permission, Profile, Role

__all__ = ["instant", "non_negative", "positive", "profile", "role", "switch"]

_ON = {"on", "yes", "true", "1"}
_OFF = {"off", "no", "false", "0"}


def instant(text: str) -> datetime:
    """Read ``YYYY-MM-DD`` (midnight UTC) or an ISO date and time; no offset means UTC."""
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM, optionally "
            "followed by an offset such as +03:00 (UTC when none)"
        ) from None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def profile(text: str) -> Profile:
    """Read a manager profile: ``agent``, ``analyst`` or ``administrator`` (MG-1)."""
    try:
        return Profile(text.strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in Profile)
        raise argparse.ArgumentTypeError(f"{text!r} is not a profile (one of {known})") from None


def role(text: str) -> Role:
    """Read a role: ``administrator`` (every permission) or ``NAME[=PERMISSION,...]`` (PM-1)."""
    name, _, listed = text.partition("=")
    name = name.strip()
    if not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not a role: it needs a name")
    if name == "administrator" and not listed:
        return Role.administrator()
    wanted = [p.strip().lower() for p in listed.split(",") if p.strip()]
    known = {p.value for p in Permission}
    unknown = [p for p in wanted if p not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown)} is not a permission (known: {', '.join(sorted(known))})"
        )
    return Role(name, [Permission(p) for p in wanted])


def switch(text: str) -> bool:
    """Read ``on`` or ``off`` (also yes/no, true/false, 1/0)."""
    value = text.strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is neither on nor off")


def positive(text: str) -> int:
    """Read a whole number of at least 1."""
    return _whole(text, 1)


def non_negative(text: str) -> int:
    """Read a whole number of at least 0."""
    return _whole(text, 0)


def _whole(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if value < least:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least {least}")
    return value
