"""Who is acting: the principal every command and query takes (PM-2, TN-1)."""

from __future__ import annotations

import enum

import attrs

from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.identifiers import check_id

__all__ = ["Principal", "PrincipalKind"]


class PrincipalKind(enum.StrEnum):
    """Who acts: a manager, the host's own code, or a portal customer (VS-4)."""

    MANAGER = "manager"
    SYSTEM = "system"
    CUSTOMER = "customer"


_KINDS = {k.value: k for k in PrincipalKind}


@attrs.frozen
class Principal:
    """The acting party of one tenant.

    A *manager* principal acts with the permissions of his stored roles and only while he is active
    (MG-4); a *system* principal is the host application itself (imports, synchronisation jobs) and
    holds every permission; a *customer* principal is a customer signed in to the portal, who acts
    on his own tickets only and is refused everything else (VS-4, TK). Build them with
    [`manager`][carteira.Principal.manager], [`system`][carteira.Principal.system] and
    [`customer`][carteira.Principal.customer].
    """

    tenant: str
    id: str
    kind: PrincipalKind = PrincipalKind.MANAGER

    def __attrs_post_init__(self) -> None:
        """Refuse a tenant or id that is not a usable identifier, or an unknown kind (ER-2).

        The tenant is checked like every other id (TN-1): a non-blank string of at most
        255 characters without surrounding spaces, so ``"acme "`` is never a tenant of
        its own and no store receives ``None`` or ``7``.
        """
        check_id("tenant", self.tenant, path="$.principal.tenant")
        check_id("principal", self.id, path="$.principal.id")
        if self.kind.__class__ is not PrincipalKind:
            if not isinstance(self.kind, str) or self.kind not in _KINDS:
                choices = ", ".join(_KINDS)
                problem = FieldError("$.principal.kind", f"must be one of {choices}")
                raise InvalidInput("principal", [problem])
            object.__setattr__(self, "kind", _KINDS[self.kind])

    @classmethod
    def manager(cls, tenant: str, manager_id: str) -> Principal:
        """Return the principal of manager ``manager_id`` of ``tenant``."""
        return cls(tenant, manager_id, PrincipalKind.MANAGER)

    @classmethod
    def customer(cls, tenant: str, customer_id: str) -> Principal:
        """Return the principal of customer ``customer_id`` signed in to the portal."""
        return cls(tenant, customer_id, PrincipalKind.CUSTOMER)

    @classmethod
    def system(cls, tenant: str, name: str = "system") -> Principal:
        """Return the host application's own principal for ``tenant``."""
        return cls(tenant, name, PrincipalKind.SYSTEM)
