"""How values are written in one spreadsheet cell, both ways (WA-8).

An export writes with the ``format_*`` functions and an import reads with the
``parse_*`` ones, so what is written reads back equal. A cell that does not read
raises `CellError` with a reason meant for the person fixing the file. (Until issue 17 this
module was ``carteira.domain.cells``.)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from carteira.domain.permissions import Permission, Profile, Role
from carteira.spreadsheets.dataset import LIST_SEPARATOR

__all__ = [
    "CellError",
    "format_flag",
    "format_list",
    "format_roles",
    "parse_flag",
    "parse_list",
    "parse_profile",
    "parse_roles",
]

_YES = frozenset({"yes", "y", "true", "1", "sim", "s", "verdadeiro", "ativo", "active"})
_NO = frozenset({"no", "n", "false", "0", "nao", "falso", "inativo", "inactive"})
_PROFILES = {
    "administrator": Profile.ADMINISTRATOR,
    "administrador": Profile.ADMINISTRATOR,
    "admin": Profile.ADMINISTRATOR,
    "analyst": Profile.ANALYST,
    "analista": Profile.ANALYST,
    "agent": Profile.AGENT,
    "agente": Profile.AGENT,
    "atendente": Profile.AGENT,
}
_ROLE_SEPARATOR = ":"
_PERMISSION_SEPARATOR = "+"


class CellError(ValueError):
    """A cell that does not read as its column's value; ``code`` is stable."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _plain(text: str) -> str:
    """Lower-case ``text`` without accents, for words typed in either language."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_flag(text: str) -> bool:
    """Read yes/no in English or Portuguese (``yes``, ``sim``, ``true``, ``1``...)."""
    word = _plain(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CellError("bad_flag", f"{text!r} is not yes or no (yes/no, sim/não, true/false, 1/0)")


def format_flag(value: bool) -> str:
    """Write a flag as ``yes`` or ``no``."""
    return "yes" if value else "no"


def parse_profile(text: str) -> Profile:
    """Read a manager's profile, in English or Portuguese (MG-1)."""
    found = _PROFILES.get(_plain(text))
    if found is None:
        choices = ", ".join(p.value for p in Profile)
        raise CellError("bad_profile", f"{text!r} is not a profile ({choices})")
    return found


def parse_list(text: str) -> tuple[str, ...]:
    """Read ids separated by ``|``, in order, without blanks or repeats."""
    items = (item.strip() for item in text.split(LIST_SEPARATOR))
    return tuple(dict.fromkeys(item for item in items if item))


def format_list(ids: Iterable[str]) -> str:
    """Write ids separated by ``|``."""
    return LIST_SEPARATOR.join(ids)


def parse_roles(text: str) -> frozenset[Role]:
    """Read roles written as ``name:perm+perm|name:perm`` (PM-1).

    ``administrator`` alone is the role holding every permission.
    """
    roles: list[Role] = []
    for item in parse_list(text):
        name, separator, permissions = item.partition(_ROLE_SEPARATOR)
        name = name.strip()
        if not name:
            raise CellError("bad_roles", f"role {item!r} has no name")
        if not separator:
            if name != Role.administrator().name:
                raise CellError(
                    "bad_roles",
                    f"role {name!r} lists no permissions: write it as {name}:permission+permission",
                )
            roles.append(Role.administrator())
            continue
        roles.append(Role(name, _permissions(name, permissions)))
    return frozenset(roles)


def _permissions(role: str, text: str) -> frozenset[Permission]:
    known = {p.value: p for p in Permission}
    words = [w.strip().casefold() for w in text.split(_PERMISSION_SEPARATOR) if w.strip()]
    unknown = [w for w in words if w not in known]
    if unknown:
        choices = ", ".join(sorted(known))
        raise CellError(
            "bad_roles",
            f"role {role!r} names unknown permission(s) {', '.join(unknown)} (known: {choices})",
        )
    return frozenset(known[w] for w in words)


def format_roles(roles: Iterable[Role]) -> str:
    """Write roles as ``name:perm+perm|...``, by name, permissions sorted."""
    written = []
    for role in sorted(roles, key=lambda r: (r.name, sorted(r.permissions))):
        if role == Role.administrator():
            written.append(role.name)
            continue
        permissions = _PERMISSION_SEPARATOR.join(sorted(p.value for p in role.permissions))
        written.append(f"{role.name}{_ROLE_SEPARATOR}{permissions}")
    return format_list(written)
