"""Hypothesis strategies for every carteira entity, value object and event.

Shipped to users (``pip install carteira[testing]``) for their own property tests and
kept in step with every new field. Each strategy builds valid values: names pass
PF-1, identifiers pass the id checks, datetimes are timezone-aware.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "carteira.testing.strategies needs Hypothesis: pip install 'carteira[testing]'"
    ) from error

from carteira.domain.absence import Absence
from carteira.domain.customer import Customer, Organization
from carteira.domain.events import EVENT_TYPES, Event, LeaveMode, LeaveReason
from carteira.domain.manager import Manager
from carteira.domain.names import MAX_NAME_LENGTH
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.portfolio import Journey, Portfolio
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import ChoiceMode, Department, RoutingMode, Ticket, TicketStatus
from carteira.policies.routing import Outcome, Reason, Step

__all__ = [
    "absences",
    "customers",
    "departments",
    "events",
    "identifiers",
    "instants",
    "journeys",
    "managers",
    "organizations",
    "ownerships",
    "portfolio_names",
    "portfolios",
    "principals",
    "roles",
    "tenant_settings",
    "tenants",
    "tickets",
]

TRICKY_NAMES = (
    "São Paulo",
    "SÃO PAULO",
    "Straße",
    "STRASSE",
    "\u2126mega",
    "\u03a9mega",
    "\ufb01nance",
    "finance",
    "\u0131stanbul",
    "\u0130stanbul",
    "\u0430lpha",
    "alpha",
)


def identifiers() -> st.SearchStrategy[str]:
    """Generate host identifiers: non-blank, no surrounding spaces, short."""
    return st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
        min_size=1,
        max_size=24,
    )


def tenants() -> st.SearchStrategy[str]:
    """Generate tenant identifiers."""
    return identifiers()


def portfolio_names() -> st.SearchStrategy[str]:
    """Generate valid portfolio names (PF-1), tricky Unicode included."""
    free = st.text(min_size=1, max_size=MAX_NAME_LENGTH).filter(
        lambda s: bool(s.strip()) and len(_nfc(s.strip())) <= MAX_NAME_LENGTH
    )
    return st.one_of(st.sampled_from(TRICKY_NAMES), free)


def instants() -> st.SearchStrategy[datetime]:
    """Generate timezone-aware instants."""
    # Hypothesis wants naive bounds and adds the timezone itself.
    earliest = datetime(2000, 1, 1)  # noqa: DTZ001
    latest = datetime(2100, 1, 1)  # noqa: DTZ001
    return st.datetimes(min_value=earliest, max_value=latest, timezones=st.just(UTC))


def journeys() -> st.SearchStrategy[Journey]:
    """Generate customer-success journeys (PF-2)."""
    return st.builds(Journey, identifiers(), st.text(max_size=40))


def roles() -> st.SearchStrategy[Role]:
    """Generate roles with any set of permissions (PM-1)."""
    return st.builds(
        Role, st.text(min_size=1, max_size=20), st.frozensets(st.sampled_from(Permission))
    )


def _ids() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(identifiers(), max_size=4, unique=True).map(tuple)


def _versions() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=10**6)


def absences() -> st.SearchStrategy[Absence]:
    """Generate absences with their backups (MG-5)."""
    return st.builds(
        lambda absence_id, start, hours, backup: Absence(
            absence_id, start, start + timedelta(hours=hours), backup
        ),
        identifiers(),
        instants(),
        st.integers(min_value=1, max_value=24 * 30),
        identifiers(),
    )


def departments(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Department]:
    """Generate departments with any routing setup (RT-1, RT-2)."""
    return st.builds(
        Department,
        tenant=tenant or tenants(),
        id=identifiers(),
        name=st.text(min_size=1, max_size=40),
        routing=st.sampled_from(RoutingMode),
        choice=st.sampled_from(ChoiceMode),
        members=st.none() | st.frozensets(identifiers(), max_size=4),
        capacity=st.none() | st.integers(min_value=0, max_value=10),
        capacities=st.dictionaries(
            identifiers(), st.integers(min_value=0, max_value=10), max_size=3
        ),
        account_managers_only=st.booleans(),
        version=_versions(),
    )


def tickets(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Ticket]:
    """Generate tickets, open or closed, assigned or queued."""
    return st.builds(
        Ticket,
        tenant=tenant or tenants(),
        id=identifiers(),
        customer=identifiers(),
        department=identifiers(),
        opened_at=instants(),
        status=st.sampled_from(TicketStatus),
        assignee=st.none() | identifiers(),
        assigned_at=st.none() | instants(),
        offered=_ids(),
        last_activity=st.none() | instants(),
        version=_versions(),
    )


def managers(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Manager]:
    """Generate managers (MG-1)."""
    return st.builds(
        Manager,
        tenant=tenant or tenants(),
        id=identifiers(),
        name=st.text(min_size=1, max_size=40),
        profile=st.sampled_from(Profile),
        roles=st.frozensets(roles(), max_size=3),
        active=st.booleans(),
        default_portfolio=st.none() | identifiers(),
        absences=st.lists(absences(), max_size=2).map(tuple),
        version=_versions(),
    )


def portfolios(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Portfolio]:
    """Generate portfolios (PF-1, PF-2)."""
    return st.builds(
        Portfolio,
        tenant=tenant or tenants(),
        id=identifiers(),
        name=portfolio_names(),
        description=st.none() | st.text(max_size=60),
        journey=st.none() | journeys(),
        managers=_ids(),
        version=_versions(),
    )


def organizations(
    tenant: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Organization]:
    """Generate organizations (MB-1)."""
    return st.builds(
        Organization,
        tenant=tenant or tenants(),
        id=identifiers(),
        name=st.text(min_size=1, max_size=40),
        portfolio=st.none() | identifiers(),
        version=_versions(),
    )


def customers(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Customer]:
    """Generate customers (MB-1, MB-3)."""
    return st.builds(
        Customer,
        tenant=tenant or tenants(),
        id=identifiers(),
        name=st.text(min_size=1, max_size=40),
        organization=st.none() | identifiers(),
        portfolio=st.none() | identifiers(),
        account_managers=_ids(),
        version=_versions(),
    )


def ownerships() -> st.SearchStrategy[Ownership]:
    """Generate ownership snapshots as the history records them (MB-6)."""
    return st.builds(Ownership, st.none() | identifiers(), _ids(), st.booleans())


def tenant_settings() -> st.SearchStrategy[TenantSettings]:
    """Generate tenant settings (VS-1, MB-3)."""
    return st.builds(
        TenantSettings,
        segmentation=st.booleans(),
        max_account_managers=st.integers(min_value=1, max_value=20),
        owner_only=st.booleans(),
        version=_versions(),
    )


def principals(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Principal]:
    """Generate principals of both kinds (PM-2)."""
    return st.builds(Principal, tenant or tenants(), identifiers(), st.sampled_from(PrincipalKind))


_FIELD_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "tenant": tenants(),
    "actor": identifiers(),
    "at": instants(),
    "portfolio_id": identifiers(),
    "manager_id": identifiers(),
    "customer_id": identifiers(),
    "organization_id": identifiers(),
    "subject_id": identifiers(),
    "successor": st.none() | identifiers(),
    "name": st.text(min_size=1, max_size=40),
    "description": st.none() | st.text(max_size=40),
    "journey": st.none() | journeys(),
    "managers": _ids(),
    "customers": _ids(),
    "organizations": _ids(),
    "portfolios": _ids(),
    "organization": st.none() | identifiers(),
    "profile": st.sampled_from(Profile),
    "roles": st.frozensets(roles(), max_size=3),
    "active": st.booleans(),
    "reason": st.sampled_from(LeaveReason),
    "mode": st.sampled_from(LeaveMode),
    "subject": st.sampled_from(SubjectKind),
    "way": st.sampled_from(Way),
    "before": ownerships(),
    "after": ownerships(),
    "segmentation": st.booleans(),
    "max_account_managers": st.integers(min_value=1, max_value=20),
    "owner_only": st.booleans(),
    "department_id": identifiers(),
    "routing": st.sampled_from(RoutingMode),
    "choice": st.sampled_from(ChoiceMode),
    "members": st.none() | st.frozensets(identifiers(), max_size=4),
    "capacity": st.none() | st.integers(min_value=0, max_value=10),
    "account_managers_only": st.booleans(),
    "ticket_id": identifiers(),
    "outcome": st.sampled_from([o.value for o in Outcome]),
    "step": st.sampled_from([s.value for s in Step]),
    "assignee": st.none() | identifiers(),
    "previous": st.none() | identifiers(),
    "offered": _ids(),
    "absence_id": identifiers(),
    "start": instants(),
    "end": instants(),
    "backup": identifiers(),
}


def _event(cls: type[Event]) -> st.SearchStrategy[Event]:
    fields = {f.name: _FIELD_STRATEGIES[f.name] for f in attrs.fields(cls)}
    if cls.__name__ == "TicketOpened":
        fields["reason"] = st.sampled_from([r.value for r in Reason])
    fields["portfolio_id"] = (
        st.none() | identifiers() if cls.__name__ == "DefaultPortfolioChanged" else identifiers()
    )
    return st.builds(cls, **{k: v for k, v in fields.items() if k in attrs.fields_dict(cls)})


def events(*types: type[Event]) -> st.SearchStrategy[Event]:
    """Generate domain events of the given classes, or of every class (EV-1)."""
    return st.one_of(*(_event(cls) for cls in (types or EVENT_TYPES)))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
