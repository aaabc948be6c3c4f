"""Hypothesis strategies for every carteira entity, value object and event.

Shipped to users (``pip install carteira[testing]``) for their own property tests and
kept in step with every new field. Each strategy builds valid values: names pass
PF-1, identifiers pass the id checks, datetimes are timezone-aware, ticket types are
usable workflows (TK-2, TK-3, TK-6) and portal tickets follow their type's.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
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
from carteira.domain.events import (
    EVENT_TYPES,
    DefaultPortfolioChanged,
    Event,
    LeaveMode,
    LeaveReason,
    TicketCancelled,
    TicketDeleted,
    TicketOpened,
    TicketTypeSaved,
)
from carteira.domain.manager import Manager
from carteira.domain.names import MAX_NAME_LENGTH
from carteira.domain.ownership import Ownership, SubjectKind, Way
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.portal import Attachment, Message, MoveKind, StageMove
from carteira.domain.portfolio import Journey, Portfolio
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.settings import DEFAULT_ATTACHMENT_TYPES, TenantSettings
from carteira.domain.ticket import ChoiceMode, Department, RoutingMode, Ticket, TicketStatus
from carteira.domain.workflow import (
    ExtraField,
    FieldAccess,
    FieldKind,
    FieldValue,
    Responsible,
    Stage,
    TicketType,
)
from carteira.policies.routing import Outcome, Reason, Step

__all__ = [
    "absences",
    "attachments",
    "customers",
    "departments",
    "events",
    "extra_fields",
    "field_values",
    "identifiers",
    "instants",
    "journeys",
    "managers",
    "messages",
    "organizations",
    "ownerships",
    "portfolio_names",
    "portfolios",
    "principals",
    "roles",
    "stage_moves",
    "stages",
    "tenant_settings",
    "tenants",
    "ticket_types",
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


def _text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Text every store keeps: no NUL, no lone surrogate (``storable``, ER-2)."""
    alphabet = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])
    return st.text(alphabet, min_size=min_size, max_size=max_size)


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


def _tenant(tenant: st.SearchStrategy[str] | None) -> st.SearchStrategy[str]:
    # Not ``tenant or tenants()``: Hypothesis warns on the truth value of a strategy.
    return tenants() if tenant is None else tenant


def portfolio_names() -> st.SearchStrategy[str]:
    """Generate valid portfolio names (PF-1), tricky Unicode included."""
    free = _text(min_size=1, max_size=MAX_NAME_LENGTH).filter(
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
    return st.builds(Journey, identifiers(), _text(max_size=40))


def roles() -> st.SearchStrategy[Role]:
    """Generate roles with any set of permissions (PM-1)."""
    return st.builds(
        Role, _text(min_size=1, max_size=20), st.frozensets(st.sampled_from(Permission))
    )


def _ids() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(identifiers(), max_size=4, unique=True).map(tuple)


def _versions() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=10**6)


def _texts(max_size: int = 40) -> st.SearchStrategy[str]:
    return _text(min_size=1, max_size=max_size).filter(lambda s: bool(s.strip()))


def _content_types() -> st.SearchStrategy[str]:
    made_up = st.from_regex(r"[a-z]{1,12}/[a-z0-9][a-z0-9.+-]{0,30}", fullmatch=True)
    return st.sampled_from(sorted(DEFAULT_ATTACHMENT_TYPES)) | made_up


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
        tenant=_tenant(tenant),
        id=identifiers(),
        name=_text(min_size=1, max_size=40),
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
    """Generate tickets: conversations and portal tickets, open or finished (TK-1..TK-9).

    A conversation has no type and no stage, open or closed, assigned or queued. A
    portal ticket is drawn with a valid type: it sits at a stage reached through that
    type's transitions and approvals, its stage history starts with the opening move
    and only then grows (TK-2), its values fit its type's fields (TK-3), a ticket at a
    final stage is closed and a cancelled one ends with the cancellation move (TK-8).
    """
    tenant = _tenant(tenant)
    return st.one_of(_conversations(tenant), _portal_tickets(tenant))


def _conversations(tenant: st.SearchStrategy[str]) -> st.SearchStrategy[Ticket]:
    return st.builds(
        Ticket,
        tenant=tenant,
        id=identifiers(),
        customer=identifiers(),
        department=identifiers(),
        opened_at=instants(),
        status=st.sampled_from([TicketStatus.OPEN, TicketStatus.CLOSED]),
        assignee=st.none() | identifiers(),
        assigned_at=st.none() | instants(),
        offered=_ids(),
        last_activity=st.none() | instants(),
        version=_versions(),
    )


@st.composite
def _portal_tickets(draw: st.DrawFn, tenant: st.SearchStrategy[str]) -> Ticket:
    kind = draw(ticket_types(st.just(draw(tenant))))
    customer = draw(identifiers())
    history = draw(_histories(kind, customer, draw(instants())))
    stage = kind.stage(history[-1].target)
    status = TicketStatus.CLOSED
    if not stage.final:
        status = draw(st.sampled_from([TicketStatus.OPEN, TicketStatus.CANCELLED]))
    if status is TicketStatus.CANCELLED:
        at = history[-1].at + timedelta(hours=1)
        cancel = StageMove(
            stage.id, stage.id, customer, PrincipalKind.CUSTOMER, at, MoveKind.CANCELLED
        )
        history.append(cancel)
    fields = draw(st.lists(st.sampled_from(kind.fields), unique=True)) if kind.fields else []
    return Ticket(
        tenant=kind.tenant,
        id=draw(identifiers()),
        customer=customer,
        department=kind.department or draw(identifiers()),
        opened_at=history[0].at,
        status=status,
        assignee=draw(st.none() | identifiers()),
        assigned_at=draw(st.none() | instants()),
        last_activity=history[-1].at,
        type=kind.id,
        subject=draw(_texts(60)),
        request=draw(_texts(200)),
        stage=stage.id,
        responsible=stage.responsible,
        values={field.name: draw(field_values(field)) for field in fields},
        history=tuple(history),
        discussion=tuple(draw(st.lists(messages(), max_size=3, unique_by=lambda m: m.id))),
        attachments=tuple(draw(st.lists(attachments(), max_size=3, unique_by=lambda a: a.id))),
        version=draw(_versions()),
    )


@st.composite
def _histories(
    draw: st.DrawFn, kind: TicketType, customer: str, opened_at: datetime
) -> list[StageMove]:
    """Walk ``kind``'s workflow from its first stage, by its own moves (TK-2)."""
    history = [
        StageMove(None, kind.first.id, customer, PrincipalKind.CUSTOMER, opened_at, MoveKind.OPENED)
    ]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        here = kind.stage(history[-1].target)
        options = [(to, MoveKind.MOVED) for at, to in sorted(kind.transitions) if at == here.id]
        if here.approve_to is not None and here.reject_to is not None:  # it asks approval
            options += [(here.approve_to, MoveKind.APPROVED), (here.reject_to, MoveKind.REJECTED)]
        if not options:
            break
        target, move = draw(st.sampled_from(options))
        by_customer = move is not MoveKind.MOVED
        history.append(
            StageMove(
                source=here.id,
                target=target,
                actor=customer if by_customer else draw(identifiers()),
                actor_kind=PrincipalKind.CUSTOMER if by_customer else PrincipalKind.MANAGER,
                at=history[-1].at + timedelta(minutes=draw(st.integers(0, 10**5))),
                kind=move,
                note=draw(_text(max_size=40)),
            )
        )
    return history


def extra_fields() -> st.SearchStrategy[ExtraField]:
    """Generate valid extra fields of every kind (TK-3); a choice field has unique choices."""

    def build(name: str, kind: FieldKind, label: str, choices: list[str]) -> ExtraField:
        return ExtraField(name, kind, label, choices if kind is FieldKind.CHOICE else ())

    return st.builds(
        build,
        identifiers(),
        st.sampled_from(FieldKind),
        _text(max_size=30),
        st.lists(_text(min_size=1, max_size=20), min_size=1, max_size=4, unique=True),
    )


def field_values(field: ExtraField) -> st.SearchStrategy[FieldValue]:
    """Generate values that fit ``field``: each passes ``field.check`` (TK-3).

    Text is any string, a number an ``int`` or a finite ``float``, a date a
    `date` (never a datetime), a choice one of the field's choices.
    """
    if field.kind is FieldKind.CHOICE:
        return st.sampled_from(field.choices)
    by_kind: dict[FieldKind, st.SearchStrategy[FieldValue]] = {
        FieldKind.TEXT: _text(max_size=60),
        FieldKind.NUMBER: st.integers(min_value=-(2**63), max_value=2**63 - 1)
        | st.floats(allow_nan=False, allow_infinity=False),
        FieldKind.DATE: st.dates(),
        FieldKind.BOOLEAN: st.booleans(),
    }
    return by_kind[field.kind]


def stages(
    stage_id: st.SearchStrategy[str] | None = None,
    *,
    targets: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
) -> st.SearchStrategy[Stage]:
    """Generate valid stages (TK-2, TK-3, TK-6).

    A stage asking approval is the customer's and names ``approve_to`` and
    ``reject_to`` among ``targets`` (any ids if ``None``); a final stage asks nothing;
    ``access`` names only ``fields`` (any ids if ``None``, none if empty).
    """
    target = st.sampled_from(targets) if targets else identifiers()
    if fields is None:
        access = st.dictionaries(identifiers(), st.sampled_from(FieldAccess), max_size=3)
    elif fields:
        access = st.dictionaries(st.sampled_from(fields), st.sampled_from(FieldAccess))
    else:
        access = st.just({})
    return _stages(identifiers() if stage_id is None else stage_id, target, access)


@st.composite
def _stages(
    draw: st.DrawFn,
    stage_id: st.SearchStrategy[str],
    target: st.SearchStrategy[str],
    access: st.SearchStrategy[dict[str, FieldAccess]],
) -> Stage:
    final = draw(st.sampled_from([False, False, True]))  # most stages lead somewhere
    asks = not final and draw(st.booleans())
    responsible = Responsible.CUSTOMER if asks else draw(st.sampled_from(Responsible))
    return Stage(
        id=draw(stage_id),
        name=draw(_texts()),
        responsible=responsible,
        access=draw(access),
        asks_approval=asks,
        approve_to=draw(target) if asks else None,
        reject_to=draw(target) if asks else None,
        final=final,
    )


def ticket_types(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[TicketType]:
    """Generate ticket types that are always usable workflows (TK-1, TK-2, TK-3, TK-6).

    Stage ids are unique; transitions join two distinct known stages and never leave a
    final one; approval stages are the customer's and name existing ``approve_to`` and
    ``reject_to`` stages; stages give access only to the type's own fields, whose
    names are unique and whose choices are unique.
    """
    return _ticket_types(_tenant(tenant))


@st.composite
def _ticket_types(draw: st.DrawFn, tenant: st.SearchStrategy[str]) -> TicketType:
    fields = draw(st.lists(extra_fields(), max_size=4, unique_by=lambda f: f.name))
    names = [f.name for f in fields]
    ids = draw(st.lists(identifiers(), min_size=1, max_size=5, unique=True))
    workflow = [draw(stages(st.just(i), targets=ids, fields=names)) for i in ids]
    pairs = [(s.id, target) for s in workflow if not s.final for target in ids if target != s.id]
    transitions = (
        st.frozensets(st.sampled_from(pairs), max_size=6) if pairs else st.just(frozenset())
    )
    return TicketType(
        tenant=draw(tenant),
        id=draw(identifiers()),
        group=draw(_texts()),
        name=draw(_texts()),
        stages=workflow,
        transitions=draw(transitions),
        fields=fields,
        department=draw(st.none() | identifiers()),
        version=draw(_versions()),
    )


@st.composite
def _stage_moves(draw: st.DrawFn) -> StageMove:
    kind = draw(st.sampled_from(MoveKind))
    target = draw(identifiers())
    source = None if kind is MoveKind.OPENED else draw(identifiers())
    return StageMove(
        source=target if kind is MoveKind.CANCELLED else source,
        target=target,
        actor=draw(identifiers()),
        actor_kind=draw(st.sampled_from(PrincipalKind)),
        at=draw(instants()),
        kind=kind,
        note=draw(_text(max_size=40)),
    )


def stage_moves() -> st.SearchStrategy[StageMove]:
    """Generate single stage-history entries (TK-2).

    An opening move comes from no stage; a cancellation keeps the stage (TK-8).
    """
    return _stage_moves()


def messages() -> st.SearchStrategy[Message]:
    """Generate discussion messages (TK-5); only the service side writes internal notes."""
    return st.builds(
        Message,
        id=identifiers(),
        author=identifiers(),
        author_kind=st.sampled_from(PrincipalKind),
        at=instants(),
        text=_texts(200),
        internal=st.booleans(),
    ).map(
        lambda m: attrs.evolve(m, internal=False) if m.author_kind is PrincipalKind.CUSTOMER else m
    )


def attachments() -> st.SearchStrategy[Attachment]:
    """Generate attachments' metadata (TK-4): a content type, a size, a SHA-256 digest."""
    return st.builds(
        Attachment,
        id=identifiers(),
        name=_texts(),
        content_type=_content_types(),
        size=st.integers(min_value=0, max_value=10**9),
        sha256=st.binary(max_size=32).map(lambda data: hashlib.sha256(data).hexdigest()),
        added_by=identifiers(),
        added_by_kind=st.sampled_from(PrincipalKind),
        at=instants(),
    )


def managers(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Manager]:
    """Generate managers (MG-1)."""
    return st.builds(
        Manager,
        tenant=_tenant(tenant),
        id=identifiers(),
        name=_text(min_size=1, max_size=40),
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
        tenant=_tenant(tenant),
        id=identifiers(),
        name=portfolio_names(),
        description=st.none() | _text(max_size=60),
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
        tenant=_tenant(tenant),
        id=identifiers(),
        name=_text(min_size=1, max_size=40),
        portfolio=st.none() | identifiers(),
        version=_versions(),
    )


def customers(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Customer]:
    """Generate customers (MB-1, MB-3)."""
    return st.builds(
        Customer,
        tenant=_tenant(tenant),
        id=identifiers(),
        name=_text(min_size=1, max_size=40),
        organization=st.none() | identifiers(),
        portfolio=st.none() | identifiers(),
        account_managers=_ids(),
        version=_versions(),
    )


def ownerships() -> st.SearchStrategy[Ownership]:
    """Generate ownership snapshots as the history records them (MB-6)."""
    return st.builds(Ownership, st.none() | identifiers(), _ids(), st.booleans())


def tenant_settings() -> st.SearchStrategy[TenantSettings]:
    """Generate tenant settings (VS-1, VS-6, MB-3, PM-3, RT-6, TK-4)."""
    return st.builds(
        TenantSettings,
        segmentation=st.booleans(),
        open_access=st.booleans(),
        max_account_managers=st.integers(min_value=1, max_value=20),
        owner_only=st.booleans(),
        portal_attendant=st.none() | identifiers(),
        attachment_max_bytes=st.integers(min_value=1, max_value=10**9),
        attachment_types=st.frozensets(_content_types(), max_size=5),
        version=_versions(),
    )


def principals(tenant: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Principal]:
    """Generate principals of every kind: manager, system, portal customer (PM-2, VS-4)."""
    return st.builds(Principal, _tenant(tenant), identifiers(), st.sampled_from(PrincipalKind))


_FIELD_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "tenant": tenants(),
    "actor": identifiers(),
    "actor_kind": st.sampled_from(PrincipalKind),
    "at": instants(),
    "portfolio_id": identifiers(),
    "manager_id": identifiers(),
    "customer_id": identifiers(),
    "organization_id": identifiers(),
    "subject_id": identifiers(),
    "successor": st.none() | identifiers(),
    "name": _text(min_size=1, max_size=40),
    "description": st.none() | _text(max_size=40),
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
    "open_access": st.booleans(),
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
    "portal_attendant": st.none() | identifiers(),
    "attachment_max_bytes": st.none() | st.integers(min_value=1, max_value=10**9),
    "attachment_types": st.lists(_content_types(), max_size=5, unique=True).map(
        lambda types: tuple(sorted(types))
    ),
    "ticket_type": st.none() | identifiers(),
    "stage": st.none() | identifiers(),
    "attendant": st.booleans(),
    "group": _texts(),
    "stages": st.lists(identifiers(), min_size=1, max_size=5, unique=True).map(tuple),
    "source": st.none() | identifiers(),
    "target": identifiers(),
    "kind": st.sampled_from([k.value for k in MoveKind]),
    "note": _text(max_size=40),
    "fields": st.lists(identifiers(), min_size=1, max_size=4, unique=True).map(tuple),
    "message_id": identifiers(),
    "internal": st.booleans(),
    "attachment_id": identifiers(),
    "content_type": _content_types(),
    "size": st.integers(min_value=0, max_value=10**9),
}

# Fields whose name other events use with another type or meaning.
_EVENT_FIELD_STRATEGIES: dict[type[Event], dict[str, st.SearchStrategy[Any]]] = {
    DefaultPortfolioChanged: {"portfolio_id": st.none() | identifiers()},
    TicketOpened: {"reason": st.sampled_from([r.value for r in Reason])},
    TicketTypeSaved: {"ticket_type": identifiers()},
    TicketCancelled: {"reason": _text(max_size=60)},
    TicketDeleted: {"subject": _texts(60)},
}


def _event(cls: type[Event]) -> st.SearchStrategy[Event]:
    special = _EVENT_FIELD_STRATEGIES.get(cls, {})
    fields = {}
    for field in attrs.fields(cls):
        if field.name in special:
            fields[field.name] = special[field.name]
        elif field.name in _FIELD_STRATEGIES:
            fields[field.name] = _FIELD_STRATEGIES[field.name]
        else:
            raise LookupError(
                f"no strategy for {cls.__name__}.{field.name}: add one to _FIELD_STRATEGIES"
            )
    return st.builds(cls, **fields)


def events(*types: type[Event]) -> st.SearchStrategy[Event]:
    """Generate domain events of the given classes, or of every class (EV-1)."""
    return st.one_of(*(_event(cls) for cls in (types or EVENT_TYPES)))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
