"""The header names and table names a spreadsheet may use, in English and Portuguese (WA-8).

Kept as data: `ALIASES` maps each canonical column of `COLUMNS`
to the header names that mean it, and `TABLE_NAMES` the file stems and sheet names
that name a kind. Both are compared after `normalize`, so case, accents, spaces,
underscores, hyphens and dots do not matter (``Nome_do_Cliente`` is ``nome do cliente``).
A column's canonical name is always accepted too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from carteira.spreadsheets.dataset import COLUMNS, PROBLEM_COLUMN, TableKind

__all__ = ["ALIASES", "LOOKUP", "TABLE_NAMES", "accepted", "normalize", "problem_header"]

#: The problem column an error file adds, in Portuguese: read back like ``problem``.
_PROBLEM = "problema"

ALIASES: Mapping[TableKind, Mapping[str, tuple[str, ...]]] = {
    TableKind.MANAGERS: {
        "id": ("manager", "manager id", "gerente", "id do gerente", "codigo", "codigo do gerente"),
        "name": ("nome", "manager name", "nome do gerente"),
        "profile": ("perfil",),
        "active": ("ativo", "ativa"),
        "roles": ("papeis", "papéis", "grupos de permissoes", "grupos de permissões"),
        "default_portfolio": ("default portfolio", "carteira padrao", "carteira padrão"),
        PROBLEM_COLUMN: (_PROBLEM,),
    },
    TableKind.PORTFOLIOS: {
        "id": ("portfolio id", "codigo", "código", "id da carteira", "codigo da carteira"),
        "name": ("nome", "portfolio", "portfolio name", "carteira", "nome da carteira"),
        "description": ("descricao", "descrição"),
        "journey": ("jornada",),
        "journey_name": ("nome da jornada",),
        "managers": ("gerentes", "gerentes de sucesso"),
        PROBLEM_COLUMN: (_PROBLEM,),
    },
    TableKind.MEMBERSHIPS: {
        "customer": (
            "customer id",
            "client",
            "client id",
            "cliente",
            "id do cliente",
            "codigo do cliente",
        ),
        "customer_name": ("nome", "client name", "nome do cliente"),
        "organization": (
            "organisation",
            "organization id",
            "company",
            "organizacao",
            "organização",
            "empresa",
            "id da organizacao",
        ),
        "organization_name": (
            "organisation name",
            "company name",
            "nome da organizacao",
            "nome da organização",
            "nome da empresa",
        ),
        "portfolio": ("carteira",),
        "managers": (
            "manager",
            "account manager",
            "account managers",
            "account manager(s)",
            "responsible",
            "gerente",
            "gerentes",
            "gerente de sucesso",
            "gerentes de sucesso",
            "responsavel",
            "responsável",
            "atendente",
            "vendedor",
        ),
        PROBLEM_COLUMN: (_PROBLEM,),
    },
    TableKind.HISTORY: {
        "at": ("when", "quando", "data", "em"),
        "subject_kind": ("tipo do sujeito",),
        "subject": ("sujeito",),
        "way": ("forma", "meio"),
        "rule": ("regra",),
        "actor": ("ator", "autor"),
        "portfolio_before": ("carteira antes", "carteira anterior"),
        "managers_before": ("gerentes antes", "gerentes anteriores"),
        "portfolio_after": ("carteira depois", "nova carteira"),
        "managers_after": ("gerentes depois", "novos gerentes"),
        PROBLEM_COLUMN: (_PROBLEM,),
    },
}

#: File stems and sheet names that name a table's kind.
TABLE_NAMES: Mapping[TableKind, tuple[str, ...]] = {
    TableKind.MANAGERS: ("managers", "gerentes"),
    TableKind.PORTFOLIOS: ("portfolios", "carteiras"),
    TableKind.MEMBERSHIPS: ("memberships", "clientes", "vinculos", "vínculos"),
    TableKind.HISTORY: ("history", "historico", "histórico"),
}

_SPACES = re.compile(r"[\s_.\-]+")


def normalize(name: str) -> str:
    """Return ``name`` lower-cased, without accents, its word separators one space."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain).strip()


def _lookup(kind: TableKind) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for alias in (column, *ALIASES[kind].get(column, ())):
            found[normalize(alias)] = column
    return found


#: Normalized header name → canonical column, per kind.
LOOKUP: Mapping[TableKind, Mapping[str, str]] = {kind: _lookup(kind) for kind in TableKind}


# Header names in English besides the canonical ones; "id" is both languages' word.
_ENGLISH = frozenset(
    normalize(name)
    for name in (
        *(column for columns in COLUMNS.values() for column in columns),
        *("manager", "manager id", "manager name", "default portfolio"),
        *("portfolio", "portfolio id", "portfolio name"),
        *("customer id", "client", "client id", "client name"),
        *("organisation", "organization id", "company", "organisation name", "company name"),
        *("account manager", "account managers", "account manager(s)", "responsible", "when"),
    )
)
_EITHER = frozenset({"id"})
_PORTUGUESE = frozenset(
    name for lookup in LOOKUP.values() for name in lookup if name not in _ENGLISH | _EITHER
)


def problem_header(headers: Iterable[str]) -> str:
    """Name the problem column an error file adds, in the language of ``headers`` (WA-8).

    ``problema`` when more of the headers are Portuguese names than English ones, else
    ``problem`` (``id`` counts for neither); in capitals when every header is, capitalized
    when every header starts with a capital (issue 15).
    """
    texts = [text for text in headers if any(char.isalpha() for char in text)]
    names = [normalize(text) for text in texts]
    portuguese = sum(name in _PORTUGUESE for name in names)
    english = sum(name in _ENGLISH for name in names)
    word = _PROBLEM if portuguese > english else PROBLEM_COLUMN
    if texts and all(text == text.upper() for text in texts):
        return word.upper()
    if texts and all(text[0].isupper() for text in texts):
        return word.capitalize()
    return word


def accepted(kind: TableKind) -> str:
    """List the header names ``kind`` accepts, column by column, for a problem's reason."""
    return "; ".join(
        f"{column} ({', '.join(_spellings(kind, column))})" for column in COLUMNS[kind]
    )


def _spellings(kind: TableKind, column: str) -> list[str]:
    """One spelling of each distinct normalized name of ``column``, canonical first."""
    spelled: dict[str, str] = {}
    for name in (column, *ALIASES[kind].get(column, ())):
        spelled.setdefault(normalize(name), name)
    return list(spelled.values())
