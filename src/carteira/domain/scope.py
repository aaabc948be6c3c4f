"""What a viewer sees, as sets storage indexes can answer (VS-2, VS-3, ST-4)."""

from __future__ import annotations

import attrs

__all__ = ["Scope"]


@attrs.frozen
class Scope:
    """Everything a viewer sees, described as sets that storage indexes answer (VS-3).

    A customer is in scope when ``everything``; or its effective portfolio is in
    ``portfolios``; or one of its account managers is in ``account_managers``; or
    ``outside`` and it is outside portfolio. A ticket is in scope when its customer is,
    or its assignee is in ``assignees``. Organizations use ``everything``,
    ``portfolios`` and ``outside``. An empty scope sees nothing.
    """

    everything: bool = False
    portfolios: frozenset[str] = frozenset()
    account_managers: frozenset[str] = frozenset()
    outside: bool = False
    assignees: frozenset[str] = frozenset()
