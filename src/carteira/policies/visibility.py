"""Who may see what, re-exported: the decisions live beside the rules, in the domain (VS-1..VS-5).

[`customer_visibility`][carteira.customer_visibility], its siblings and
[`scope_of`][carteira.scope_of] moved to `carteira.domain.visibility` so that the in-memory
adapter answers a check with this very code (ST-7); they stay importable from here and,
better, from `carteira`.
"""

from carteira.domain.visibility import (
    Clause,
    Scope,
    Viewer,
    Visibility,
    customer_visibility,
    organization_visibility,
    scope_of,
    ticket_visibility,
)

__all__ = [
    "Clause",
    "Scope",
    "Viewer",
    "Visibility",
    "customer_visibility",
    "organization_visibility",
    "scope_of",
    "ticket_visibility",
]
