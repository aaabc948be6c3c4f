"""Search as people type: words folded for case and accents, matched by prefix (VS-8).

A record's *words* are the runs of letters and digits of its name and of its id, once
decomposed (NFKD), stripped of combining marks and case folded: "Tomás Neto" holds
``tomas`` and ``neto``, "São João" ``sao`` and ``joao``, "Straße" ``strasse``. A search
matches a record when each of the search's own words begins one of the record's words:
``tomas ne`` finds "Tomás Neto", ``JOAO`` finds "João", ``c-10`` finds id ``c-1001``.
Stores keep the words beside each record, so that a search walks an index of words, not
every record (ST-4).
"""

from __future__ import annotations

import unicodedata

__all__ = ["MAX_WORD", "search_matches", "search_terms", "search_words"]

#: The longest word kept, in characters; longer runs are cut (a name holds at most 255).
MAX_WORD = 255


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Folding can yield characters that decompose again (and back): fold to a fixed point.
    folded = unicodedata.normalize("NFKD", bare.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    words: list[str] = []
    current: list[str] = []
    for char in _fold(text):
        if char.isalnum():
            current.append(char)
        elif current:
            words.append("".join(current)[:MAX_WORD])
            current = []
    if current:
        words.append("".join(current)[:MAX_WORD])
    return words


def search_words(*texts: str) -> frozenset[str]:
    """Return the words a record is found by: those of each of ``texts`` (its name, its id)."""
    return frozenset(word for text in texts for word in _words(text))


def search_terms(search: str) -> tuple[str, ...]:
    """Return the words of a search, each of which must begin a word of a match (VS-8).

    Ordered longest first, the rarest as a rule, and without repeats or words another
    one begins with (``jo joao`` asks for ``joao`` alone).
    """
    unique = sorted(set(_words(search)), key=lambda w: (-len(w), w))
    return tuple(w for i, w in enumerate(unique) if not any(o.startswith(w) for o in unique[:i]))


def search_matches(terms: tuple[str, ...], words: frozenset[str]) -> bool:
    """Tell whether every term begins one of ``words``.

    A search with no word at all (blank, or only punctuation such as ``%``) matches
    nothing: it is not a wildcard.
    """
    return bool(terms) and all(any(word.startswith(term) for word in words) for term in terms)
