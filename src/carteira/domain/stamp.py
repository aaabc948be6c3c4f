"""Who acted and when: the context every change and event carries (MB-6, EV-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

    def fields(self) -> dict[str, Any]:
        """Return the tenant, actor, instant and actor kind every event of the command carries.

        EV-1: every event says who acted and when.

        Spread into an event's constructor: ``TicketClosed(**stamp.fields(), ticket_id=...)``.
        """
        return {"tenant": self.tenant, "actor": self.actor, "at": self.at, "actor_kind": self.kind}
