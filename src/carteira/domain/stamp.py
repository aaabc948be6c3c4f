"""Who acted and when: the context every change and event carries (MB-6, EV-1)."""

from __future__ import annotations

from datetime import datetime

import attrs

from carteira.domain.principal import PrincipalKind

__all__ = ["Stamp"]


@attrs.frozen
class Stamp:
    """The tenant, the acting principal's id and kind, and the instant of one command."""

    tenant: str
    actor: str
    at: datetime
    kind: PrincipalKind = PrincipalKind.MANAGER
