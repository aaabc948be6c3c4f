"""Portfolio names: validation and the one comparison key (PF-1, PF-4, TN-2)."""

from __future__ import annotations

import unicodedata

from carteira.domain import refusals
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.identifiers import NOT_STORABLE, storable

__all__ = ["MAX_NAME_LENGTH", "clean_name", "name_key"]

MAX_NAME_LENGTH = 128


def name_key(name: str) -> str:
    """Return the key under which two portfolio names are the same name (PF-1).

    NFKC, then case folding, then NFKC again: ``SÃO PAULO`` and ``são paulo`` share a
    key, as do ``Straße`` and ``STRASSE`` or ``ﬁ`` and ``fi``, while a Cyrillic a (U+0430)
    stays apart from a Latin ``a``. The key is idempotent, and the same key serves both
    uniqueness and look-up by name, so the two can never disagree.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    # Trim last: normalising can expose leading or trailing white space (NFKC of "¨"
    # is " \u0308"), and a key trimmed before that would not be idempotent.
    return unicodedata.normalize("NFKC", folded).strip()


def clean_name(name: object, *, path: str = "$.name") -> str:
    """Return the portfolio name as stored (trimmed, NFC) or refuse it (PF-1).

    Required (not blank after trimming) and at most 128 characters counted after NFC
    normalisation.
    """
    if not isinstance(name, str):
        raise InvalidInput("portfolio name", [FieldError(path, "must be a string")], rule="PF-1")
    cleaned = unicodedata.normalize("NFC", name.strip())
    if not cleaned:
        raise refusals.name_required(path)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise refusals.name_too_long(path, len(cleaned), MAX_NAME_LENGTH)
    if not storable(cleaned):
        problem = FieldError(path, NOT_STORABLE)
        raise InvalidInput("portfolio name", [problem], rule="PF-1")
    return cleaned
