"""Every refusal carteira raises, by name, with its code, class and rule (ER-1).

Each refusal has one named constructor here, ``refusals.illegal_transition(...)``, that
returns the error to raise. Its decorator declares the stable ``code``, the error class
and the SPEC rule; its body says only the message and the details; its docstring says
when it is raised (from "Raised when" to its end, the last paragraph). A constructor
whose caller names the rule (the permission a command needs, say) lists instead, in
``rules``, the rules it is raised under and when.

Codes that an error class builds on its own (``not_found``, ``stale_version``...), or
whose class lives outside the domain (an import's, a spreadsheet's), are declared here
too, with [`listed`][carteira.domain.refusals.listed]. ``tools/errors_page.py`` writes the
table of docs/errors.md from these declarations, in the order they stand here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Generic, ParamSpec, TypeVar

import attrs

from carteira.domain.errors import (
    CarteiraError,
    ConcurrencyError,
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StorageError,
)
from carteira.domain.permissions import Permission

__all__ = [
    "CANNOT_WRITE",
    "FILE_CHANGED",
    "FILE_NOT_FOUND",
    "IMPORT_REFUSED",
    "INVALID_INPUT",
    "KIND_NOT_APPLICABLE",
    "NOT_FOUND",
    "READ_ONLY",
    "SPREADSHEET_INVALID",
    "STALE_VERSION",
    "STORAGE_FAILED",
    "UNSUPPORTED_FORMAT",
    "XLSX_UNAVAILABLE",
    "Listed",
    "Refusal",
    "Row",
    "Said",
    "absence_overlaps",
    "account_manager_inactive",
    "account_manager_outside_portfolio",
    "adapter_unavailable",
    "already_taken",
    "attachment_exists",
    "attachment_stored",
    "attachment_too_large",
    "attendant_inactive",
    "batch_id_taken",
    "beyond_own_permissions",
    "cannot_serve",
    "cap_below_current",
    "content_type_not_allowed",
    "customer_choosing",
    "customer_exists",
    "customer_only",
    "customer_or_host_opens",
    "database_not_found",
    "duplicate_row",
    "export_needs_view_all",
    "field_read_only",
    "foreign_database",
    "id_unavailable",
    "illegal_transition",
    "import_needs_view_all",
    "invalid_backup",
    "invalid_url",
    "lease_lost",
    "listed",
    "manager_exists",
    "manager_not_eligible",
    "manager_outside_portfolio",
    "managers_on_organization",
    "message_exists",
    "missing_permission",
    "name_required",
    "name_taken_concurrently",
    "name_too_long",
    "no_approval_pending",
    "not_a_member",
    "not_a_portal_ticket",
    "not_an_owner",
    "not_available",
    "not_cancelled",
    "not_offered",
    "not_permitted",
    "not_serving_agent",
    "not_your_turn",
    "organization_exists",
    "outbox_needs_engine",
    "portal_customer_only",
    "portal_only",
    "portfolio_exists",
    "portfolio_name_taken",
    "portfolio_unavailable",
    "portfolio_would_be_orphaned",
    "portfolios_would_be_orphaned",
    "principal_inactive",
    "principal_unknown",
    "refusal",
    "registered",
    "required_fields_missing",
    "schema_incomplete",
    "schema_recorded",
    "schema_too_new",
    "schema_unfinished",
    "schema_version_unknown",
    "service_only",
    "stage_in_use",
    "stored_already",
    "stored_concurrently",
    "successor_inactive",
    "successor_is_leaving",
    "take_first",
    "tenant_not_found",
    "ticket_cancelled",
    "ticket_closed",
    "ticket_exists",
    "too_many_account_managers",
    "unique_key_taken",
    "unknown_adapter",
]

P = ParamSpec("P")
E = TypeVar("E", bound=CarteiraError)

_WHEN = "Raised when "


@attrs.frozen
class Said:
    """What one refusal says: its message and details; its declaration adds the rest.

    ``rule`` is given only by a constructor whose caller names the rule; ``fill`` holds
    the fields of a code declared as a pattern (``"{kind}_exists"``). An
    [`InvalidInput`][carteira.InvalidInput] takes ``errors``, the bad fields, and its
    ``message`` names the input (``"portfolio name"``).
    """

    message: str
    details: Mapping[str, object] = attrs.field(factory=dict)
    rule: str | None = None
    fill: Mapping[str, str] = attrs.field(factory=dict)
    errors: tuple[FieldError, ...] = ()


@attrs.frozen
class Row:
    """One line of the errors page: under ``rule`` (or none), raised ``when``."""

    rule: str | None
    when: str


class Listed:
    """A documented code: the class a host catches it as, and the rows saying when."""

    def __init__(self, code: str, error: type[CarteiraError] | str, rows: Sequence[Row]) -> None:
        self.code = code
        self.error = error
        self.rows = tuple(rows)

    @property
    def shown(self) -> str:
        """The name of the class a host meets this code as."""
        return self.error if isinstance(self.error, str) else self.error.__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


class Refusal(Listed, Generic[P, E]):
    """A named constructor of one refusal; calling it returns the error to raise."""

    def __init__(
        self,
        said: Callable[P, Said],
        *,
        code: str,
        error: type[E],
        rule: str | None,
        rules: Mapping[str, str] | None,
        shown_as: str | None,
    ) -> None:
        if rules is None:
            rows = [Row(rule, _when(said))]
        else:
            rows = [Row(label, when) for label, when in rules.items()]
        super().__init__(code, shown_as or error, rows)
        self.said = said
        self.built = error
        self.rule = rule
        self.takes_rule = rules is not None
        self.__name__ = said.__name__
        self.__qualname__ = said.__qualname__
        self.__doc__ = said.__doc__

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> E:
        """Return the error, with the declared code, class and rule, saying what ``said`` says."""
        said = self.said(*args, **kwargs)
        rule = said.rule if self.takes_rule else self.rule
        code = self.code.format_map(said.fill) if said.fill else self.code
        return _build(self.built, code, rule, said)

    def __repr__(self) -> str:
        return f"<refusal {self.__name__}: {self.code}>"


def _when(said: Callable[..., Said]) -> str:
    """Return what the docstring says after "Raised when", on one line."""
    text = " ".join((said.__doc__ or "").split())
    _, found, when = text.partition(_WHEN)
    if not found:
        raise ValueError(f"the docstring of {said.__name__} says nowhere {_WHEN!r}")
    return when


def _build(error: type[E], code: str, rule: str | None, said: Said) -> E:
    if issubclass(error, InvalidInput):
        return error(said.message, said.errors, rule=rule, code=code)
    if issubclass(error, NotFound):
        # NotFound's own constructor says "<kind> <id> does not exist"; this one says more.
        found = error.__new__(error)
        CarteiraError.__init__(found, said.message, code=code, rule=rule, details=said.details)
        found.kind = str(said.details["kind"])
        found.record_id = str(said.details["id"])
        return found
    return error(said.message, code=code, rule=rule, details=said.details)


def refusal(
    *,
    code: str,
    error: type[E],
    rule: str | None = None,
    rules: Mapping[str, str] | None = None,
    shown_as: str | None = None,
) -> Callable[[Callable[P, Said]], Refusal[P, E]]:
    """Declare a named constructor of the refusal ``code``, an ``error``, under ``rule``.

    ``rules``, for a constructor whose caller names the rule, maps each rule (or
    comma-separated rules) it is raised under to when. ``shown_as`` names the class a
    host meets it as when that is not ``error``: a row's problem in an import.
    """

    def declare(said: Callable[P, Said]) -> Refusal[P, E]:
        return Refusal(said, code=code, error=error, rule=rule, rules=rules, shown_as=shown_as)

    return declare


def listed(
    *,
    code: str,
    error: type[CarteiraError] | str,
    rule: str | None = None,
    when: str = "",
    rules: Mapping[str, str] | None = None,
) -> Listed:
    """Declare a code built by its class (or by a class outside the domain, by name)."""
    rows = [Row(rule, when)] if rules is None else [Row(r, w) for r, w in rules.items()]
    return Listed(code, error, rows)


def registered() -> list[Listed]:
    """Return every code declared here, constructors and listed ones, in their order."""
    return [value for value in globals().values() if isinstance(value, Listed)]


def _details(**details: object) -> Mapping[str, object]:
    return MappingProxyType(details)


# --- Who may ask: tenancy, permissions, the acting principal --------------------------

NOT_FOUND = listed(
    code="not_found",
    error=NotFound,
    rule="TN-1",
    when="a named portfolio, manager, customer or organization does not exist in the "
    "principal's tenant. A record of another tenant, and a customer or organization the "
    "principal may not see (VS-3), raise exactly the same error, so nothing reveals that "
    "it exists. ``details``: ``kind``, ``id``.",
)


@refusal(
    code="permission_denied",
    error=PermissionDenied,
    rules={
        "PF-6": "creating, editing or deleting a portfolio without MANAGE_PORTFOLIOS",
        "MG-1, MG-3": "registering, updating or reactivating (MG-1), deactivating or "
        "removing (MG-3) a manager without MANAGE_MANAGERS",
        "MG-2": "setting or listing another manager's portfolios without MANAGE_MANAGERS",
        "WA-3": "registering or changing customers and organizations, setting their "
        "portfolio or account managers, without SET_PORTFOLIO",
        "MB-2": "listing orphaned portfolios without MANAGE_PORTFOLIOS",
        "VS-1": "changing the tenant's settings without MANAGE_PORTFOLIOS",
    },
)
def missing_permission(
    kind: str, actor: str, permission: Permission, action: str, rule: str
) -> Said:
    """Return the refusal of an actor lacking the permission ``action`` needs (PM-2).

    Raised when a manager (or a customer) asks for a command his roles do not permit;
    ``rule`` is the command's.
    """
    return Said(
        f"{kind} {actor!r} may not {action}: it needs {permission.name}",
        _details(permission=permission.value, actor=actor),
        rule=rule,
    )


@refusal(
    code="permission_denied",
    error=PermissionDenied,
    rules={
        "EV-1": "reading the event log as anything but the system principal",
        "RT-1": "recording a customer's choice of agent as anything but the host application",
    },
)
def not_permitted(message: str, rule: str) -> Said:
    """Return the refusal of an action kept for the host application or an agent (PM-2).

    Raised when anyone else asks for it; ``message`` says who may, ``rule`` is the
    action's.
    """
    return Said(message, rule=rule)


@refusal(code="principal_inactive", error=PermissionDenied, rule="MG-4")
def principal_inactive(actor: str) -> Said:
    """Return the refusal of a principal naming no stored, active manager.

    Raised when the acting manager is unknown or inactive.
    """
    return Said(f"manager {actor!r} may not act: unknown or inactive", _details(actor=actor))


@refusal(code="beyond_own_permissions", error=PermissionDenied, rule="PM-2")
def beyond_own_permissions(
    kind: str, actor: str, beyond: Collection[Permission], action: str
) -> Said:
    """Return the refusal of granting, or acting on one holding, permissions one lacks.

    Raised when a manager grants a role holding a permission he lacks himself
    (registering or updating a manager, or a managers table in an import), or updates,
    deactivates, reactivates or removes, sets the default portfolio of, or schedules or
    cancels absences of a manager holding one. ``details``: ``permissions`` (those he
    lacks), ``actor``.
    """
    names = ", ".join(sorted(p.name for p in beyond))
    return Said(
        f"{kind} {actor!r} may not {action}: it does not hold {names} itself",
        _details(permissions=tuple(sorted(p.value for p in beyond)), actor=actor),
    )


# --- Portfolios, managers, customers and organizations: taken names and ids -----------


@refusal(code="portfolio_name_taken", error=Conflict, rule="PF-1")
def portfolio_name_taken(name: str, holder_name: str, holder: str) -> Said:
    """Return the refusal of a portfolio name another portfolio holds.

    Raised when another portfolio of the tenant has the same name, ignoring case after
    Unicode normalisation. ``details``: ``name``, ``holder``.
    """
    return Said(
        f"a portfolio named {holder_name!r} exists: names are unique ignoring case "
        f"(asked for {name!r})",
        _details(name=name, holder=holder),
    )


@refusal(code="portfolio_exists", error=Conflict, rule="PF-2")
def portfolio_exists(portfolio: str) -> Said:
    """Return the refusal of a new portfolio whose id is in use.

    Raised when creating a portfolio with an id already in use.
    """
    return Said(f"portfolio {portfolio!r} already exists")


@refusal(code="manager_exists", error=Conflict, rule="MG-1")
def manager_exists(manager: str) -> Said:
    """Return the refusal of a new manager whose id is in use.

    Raised when registering a manager with an id already in use.
    """
    return Said(f"manager {manager!r} already exists")


@refusal(code="customer_exists", error=Conflict, rule="MB-1")
def customer_exists(customer: str) -> Said:
    """Return the refusal of a new customer whose id a customer the caller sees holds.

    Raised when registering a customer with an id already in use by a customer the
    caller sees.
    """
    return Said(f"customer {customer!r} already exists")


@refusal(code="id_unavailable", error=Conflict, rule="VS-3")
def id_unavailable(kind: str, record: str) -> Said:
    """Return the refusal of an id held by a record the caller may not see.

    Raised when registering a customer or organization, or opening a ticket, with an id
    held by a record the caller may not see: it says only that the id cannot be used,
    never what holds it (no existence oracle). ``details``: ``kind``, ``id``.
    """
    return Said(
        f"{kind} id {record!r} cannot be used: choose another", _details(kind=kind, id=record)
    )


@refusal(code="organization_exists", error=Conflict, rule="MB-1")
def organization_exists(organization: str) -> Said:
    """Return the refusal of a new organization whose id one the caller sees holds.

    Raised when registering an organization with an id already in use by one the caller
    sees.
    """
    return Said(f"organization {organization!r} already exists")


# --- Membership: MB-2, MB-3, MG-1..MG-3, MG-5 -----------------------------------------


@refusal(code="portfolio_unavailable", error=RuleViolation, rule="MB-2")
def portfolio_unavailable(subject: str, name: str, portfolio: str) -> Said:
    """Return the refusal of placing ``subject`` in a portfolio with no active manager.

    Raised when a customer or organization would enter a portfolio with no active
    manager.
    """
    return Said(
        f"{subject} cannot enter portfolio {name!r}: it has no active manager",
        _details(portfolio=portfolio),
    )


@refusal(code="portfolio_would_be_orphaned", error=RuleViolation, rule="MB-2")
def portfolio_would_be_orphaned(name: str, portfolio: str) -> Said:
    """Return the refusal of an edit orphaning a portfolio that holds customers.

    Raised when editing a portfolio's managers would take off its last active manager
    while it holds customers.
    """
    return Said(
        f"portfolio {name!r} holds customers: its last active manager cannot be taken off "
        "(deactivate him with keep or transfer instead)",
        _details(portfolio=portfolio),
    )


@refusal(code="portfolios_would_be_orphaned", error=RuleViolation, rule="MG-3")
def portfolios_would_be_orphaned(manager: str, portfolios: Mapping[str, str]) -> Said:
    """Return the refusal of a manager leaving portfolios (id to name) with no manager.

    Raised when a manager leaves with neither transfer nor keep while he is the last
    active manager of portfolios that hold customers. ``details["portfolios"]`` names
    them.
    """
    names = ", ".join(repr(name) for name in portfolios.values())
    return Said(
        f"manager {manager!r} is the last active manager of {names}, which hold "
        "customers: choose transfer or keep",
        _details(manager=manager, portfolios=tuple(portfolios)),
    )


@refusal(code="successor_is_leaving", error=RuleViolation, rule="MG-3")
def successor_is_leaving(manager: str) -> Said:
    """Return the refusal of a leaving manager named his own successor.

    Raised when a leaving manager is named as his own successor.
    """
    return Said(f"manager {manager!r} cannot be his own successor")


@refusal(code="manager_inactive", error=RuleViolation, rule="MG-3")
def successor_inactive(manager: str) -> Said:
    """Return the refusal of an inactive successor.

    Raised when the named successor is inactive.
    """
    return Said(f"successor {manager!r} is inactive", _details(manager=manager))


@refusal(code="manager_inactive", error=RuleViolation, rule="MB-3")
def account_manager_inactive(customer: str, manager: str) -> Said:
    """Return the refusal of an inactive account manager.

    Raised when an inactive manager would become a customer's account manager.
    """
    return Said(
        f"manager {manager!r} is inactive and cannot be account manager of customer {customer!r}",
        _details(customer=customer, manager=manager),
    )


@refusal(code="manager_not_eligible", error=RuleViolation, rule="MG-1")
def manager_not_eligible(manager: str, reason: str | None) -> Said:
    """Return the refusal of a manager the eligibility policy rejects, saying why.

    Raised when a manager the eligibility policy rejects would join a portfolio,
    directly or as a successor.
    """
    return Said(
        f"manager {manager!r} may not manage portfolios: {reason}",
        _details(manager=manager, reason=reason),
    )


@refusal(code="manager_outside_portfolio", error=RuleViolation, rule="MB-3")
def account_manager_outside_portfolio(
    customer: str, manager: str, name: str, portfolio: str
) -> Said:
    """Return the refusal of an account manager who does not manage the portfolio.

    Raised when an account manager does not manage the customer's effective portfolio.
    """
    return Said(
        f"manager {manager!r} does not manage portfolio {name!r} of customer {customer!r}",
        _details(customer=customer, manager=manager, portfolio=portfolio),
    )


@refusal(code="manager_outside_portfolio", error=RuleViolation, rule="MG-2")
def manager_outside_portfolio(manager: str, named: str, portfolio: str) -> Said:
    """Return the refusal of a portfolio (``named`` by name or id) the manager does not manage.

    Raised when assigning a customer to a manager in a portfolio he does not manage, or
    marking such a portfolio as his default.
    """
    return Said(
        f"manager {manager!r} does not manage portfolio {named!r}",
        _details(manager=manager, portfolio=portfolio),
    )


@refusal(code="too_many_account_managers", error=RuleViolation, rule="MB-3")
def too_many_account_managers(customer: str, cap: int, count: int) -> Said:
    """Return the refusal of more account managers than the tenant's cap.

    Raised when a customer would have more account managers than the tenant's cap.
    """
    return Said(
        f"customer {customer!r} may have at most {cap} account manager(s), not {count}",
        _details(customer=customer, cap=cap),
    )


@refusal(code="cap_below_current", error=RuleViolation, rule="MB-3")
def cap_below_current(cap: int, most: int) -> Said:
    """Return the refusal of a cap below what a customer already has.

    Raised when lowering the cap below the number some customer already has.
    """
    return Said(
        f"a customer has {most} account managers: the cap cannot go below that",
        _details(cap=cap, most=most),
    )


@refusal(code="absence_overlaps", error=RuleViolation, rule="MG-5")
def absence_overlaps(absence: str, manager: str, other: str) -> Said:
    """Return the refusal of an absence overlapping (or sharing the id of) another.

    Raised when a new absence of a manager overlaps one he already has.
    """
    return Said(
        f"absence {absence!r} of {manager!r} overlaps absence {other!r}",
        _details(absence=other),
    )


@refusal(code="invalid_backup", error=RuleViolation, rule="MG-5")
def invalid_backup(backup: str, manager: str) -> Said:
    """Return the refusal of a backup who cannot stand in for the absent manager.

    Raised when the named backup is the absent manager himself, unknown or inactive.
    """
    return Said(f"manager {backup!r} cannot stand in for {manager!r}", _details(backup=backup))


# --- Routing, queues and who serves a ticket: RT, VS-7, PM-3, WA-1 --------------------


@refusal(code="not_offered", error=RuleViolation, rule="RT-1")
def not_offered(manager: str, ticket: str, offered: Sequence[str]) -> Said:
    """Return the refusal of a customer's choice of an agent not offered.

    Raised when a customer's choice names a manager who was not offered for the ticket.
    """
    return Said(
        f"manager {manager!r} was not offered for ticket {ticket!r}",
        _details(offered=offered),
    )


@refusal(code="not_available", error=RuleViolation, rule="MG-4")
def not_available(manager: str, ticket: str, exclusion: str) -> Said:
    """Return the refusal of a chosen agent who can no longer take the ticket.

    Raised when the chosen manager can no longer take the ticket (inactive, absent,
    offline, at capacity...); ``details["exclusion"]`` says why.
    """
    return Said(
        f"manager {manager!r} can no longer take ticket {ticket!r}: {exclusion}",
        _details(manager=manager, exclusion=exclusion),
    )


@refusal(code="cannot_serve", error=RuleViolation, rule="RT-2")
def cannot_serve(manager: str, name: str, department: str) -> Said:
    """Return the refusal of reassigning a ticket to one who cannot serve its department.

    Raised when reassigning a ticket to a manager who is inactive or not a member of its
    department.
    """
    return Said(
        f"manager {manager!r} cannot serve department {name!r}",
        _details(manager=manager, department=department),
    )


@refusal(
    code="not_a_member",
    error=PermissionDenied,
    rules={
        "VS-7, RT-8": "listing a department's queue, or taking a ticket from it, by someone "
        "who is not among its members (listing also allows VIEW_ALL). ``details``: "
        "``department``, ``actor``.",
    },
)
def not_a_member(kind: str, actor: str, action: str, name: str, department: str, rule: str) -> Said:
    """Return the refusal of one who is not a member of the department whose queue he asks.

    Raised when anyone but the host and the department's members lists its queue (VS-7)
    or takes from it (RT-8).
    """
    return Said(
        f"{kind} {actor!r} may not {action} department {name!r}: only its members may",
        _details(department=department, actor=actor),
        rule=rule,
    )


@refusal(code="take_first", error=PermissionDenied, rule="VS-7")
def take_first(ticket: str, department: str) -> Said:
    """Return the refusal of acting on a ticket seen only in one's department's queue.

    Raised when replying to, closing, reassigning or claiming the customer of a ticket
    one sees only because it waits in one's department's queue: take it first (RT-8).
    ``details``: ``ticket``, ``department``.
    """
    return Said(
        f"ticket {ticket!r} waits in the queue of department {department!r}: "
        "take it before acting on it",
        _details(ticket=ticket, department=department),
    )


@refusal(code="customer_choosing", error=RuleViolation, rule="RT-1")
def customer_choosing(ticket: str, offered: Sequence[str]) -> Said:
    """Return the refusal of taking a ticket whose customer chooses among offered agents.

    Raised when taking a ticket offered to agents for its customer to choose among: it
    waits in no queue. ``details``: ``ticket``, ``offered``.
    """
    return Said(
        f"ticket {ticket!r} waits for its customer to choose among the agents offered",
        _details(ticket=ticket, offered=offered),
    )


@refusal(code="already_taken", error=Conflict, rule="RT-8")
def already_taken(ticket: str, department: str) -> Said:
    """Return the refusal of taking a ticket another agent took first.

    Raised when taking a ticket from the queue after another agent took it: the first
    taker wins. ``details``: ``ticket``, ``department``.
    """
    return Said(
        f"ticket {ticket!r} was taken from the queue by another agent first",
        _details(ticket=ticket, department=department),
    )


@refusal(code="not_an_owner", error=PermissionDenied, rule="PM-3")
def not_an_owner(customer: str, action: str, ticket: str, actor: str) -> Said:
    """Return the refusal of one who is not among a customer's owners, under owner-only.

    Raised when someone who is not among the customer's owners acts on its open ticket,
    under *owner-only*.
    """
    return Said(
        f"only the owners of customer {customer!r} may {action} its open tickets",
        _details(ticket=ticket, actor=actor),
    )


@refusal(code="not_serving_agent", error=RuleViolation, rule="WA-1")
def not_serving_agent(ticket: str, assignee: str | None) -> Said:
    """Return the refusal of adding a ticket's customer by one not serving it.

    Raised when adding a customer to one's portfolio from a ticket one does not serve.
    """
    return Said(
        f"only the agent serving open ticket {ticket!r} adds its customer this way",
        _details(ticket=ticket, assignee=assignee),
    )


# --- Tickets and the portal: TK, VS-4 -------------------------------------------------


@refusal(
    code="ticket_exists",
    error=Conflict,
    rules={"RT-3, TK-1": "opening a ticket with an id already in use by a ticket the caller sees"},
)
def ticket_exists(ticket: str, rule: str) -> Said:
    """Return the refusal of a new ticket whose id a ticket the caller sees holds.

    Raised when opening a conversation (RT-3) or a portal ticket (TK-1) with an id
    already in use.
    """
    return Said(f"ticket {ticket!r} already exists", rule=rule)


@refusal(code="ticket_closed", error=RuleViolation, rule="TK-9")
def ticket_closed(ticket: str, state: str) -> Said:
    """Return the refusal of changing a closed ticket; ``state`` is closed or completed.

    Raised when changing a closed conversation or a completed portal ticket: it is
    read-only.
    """
    return Said(
        f"ticket {ticket!r} is {state}: it is read-only",
        _details(ticket=ticket, status="closed"),
    )


@refusal(code="ticket_cancelled", error=RuleViolation, rule="TK-9")
def ticket_cancelled(ticket: str) -> Said:
    """Return the refusal of changing a cancelled ticket.

    Raised when changing a cancelled ticket: it is read-only.
    """
    return Said(
        f"ticket {ticket!r} is cancelled: it is read-only",
        _details(ticket=ticket, status="cancelled"),
    )


@refusal(code="portal_only", error=PermissionDenied, rule="VS-4")
def portal_only(actor: str) -> Said:
    """Return the refusal of a customer principal anywhere but the portal.

    Raised when a customer principal calls anything but ``Carteira.portal``.
    """
    return Said(f"customer {actor!r} acts only through the portal", _details(actor=actor))


@refusal(code="customer_only", error=PermissionDenied, rule="VS-4")
def portal_customer_only(message: str) -> Said:
    """Return the refusal of anyone but a signed-in customer where the portal is his.

    Raised when anyone but a signed-in customer calls ``Carteira.portal``, or asks for
    the portal's views.
    """
    return Said(message)


@refusal(code="customer_only", error=PermissionDenied, rule="TK-1")
def customer_or_host_opens() -> Said:
    """Return the refusal of a manager opening a portal ticket.

    Raised when a manager opens a portal ticket: a customer opens his, or the host for
    him.
    """
    return Said("only a customer, or the host for him, opens a portal ticket")


@refusal(
    code="customer_only",
    error=PermissionDenied,
    rules={
        "TK-6": "the service side approves or rejects a portal ticket's understanding",
        "TK-8": "the service side cancels a portal ticket",
    },
)
def customer_only(ticket: str, action: str, rule: str) -> Said:
    """Return the refusal of the service side doing what only the ticket's customer does.

    Raised when a manager (or the host for the service side) tries what only the customer
    who opened the ticket does; ``rule`` is the action's.
    """
    return Said(
        f"only the customer who opened ticket {ticket!r} {action}",
        _details(ticket=ticket),
        rule=rule,
    )


@refusal(code="principal_unknown", error=PermissionDenied, rule="VS-4")
def principal_unknown(actor: str) -> Said:
    """Return the refusal of a customer principal naming no stored customer.

    Raised when a customer principal names no customer of the tenant.
    """
    return Said(f"customer {actor!r} may not act: unknown", _details(actor=actor))


@refusal(code="service_only", error=PermissionDenied, rule="TK-5")
def service_only() -> Said:
    """Return the refusal of a customer writing an internal note.

    Raised when a customer writes an internal note.
    """
    return Said("internal notes are the service side's")


@refusal(code="not_a_portal_ticket", error=RuleViolation, rule="TK-1")
def not_a_portal_ticket(ticket: str) -> Said:
    """Return the refusal of a portal-ticket action on a conversation.

    Raised when a portal-ticket action is asked of a conversation, which has no type or
    stage.
    """
    return Said(
        f"ticket {ticket!r} is a conversation, not a portal ticket", _details(ticket=ticket)
    )


@refusal(code="illegal_transition", error=RuleViolation, rule="TK-2")
def illegal_transition(ticket: str, source: str, target: str, allowed: Sequence[str]) -> Said:
    """Return the refusal of a move no transition of the ticket's type allows.

    Raised when moving a ticket between stages its type joins by no transition;
    ``details["allowed"]`` lists where it may go.
    """
    return Said(
        f"ticket {ticket!r} cannot move from {source!r} to {target!r}",
        {"ticket": ticket, "from": source, "to": target, "allowed": allowed},
    )


@refusal(code="stage_in_use", error=RuleViolation, rule="TK-2")
def stage_in_use(ticket_type: str, stages: Sequence[str], tickets: int) -> Said:
    """Return the refusal of a type change removing stages where open tickets stand.

    Raised when changing a ticket type so that stages holding open tickets disappear.
    """
    return Said(
        f"{tickets} open tickets stand at stages the change removes: {', '.join(stages)}",
        _details(ticket_type=ticket_type, stages=stages, tickets=tickets),
    )


@refusal(code="required_fields_missing", error=RuleViolation, rule="TK-3")
def required_fields_missing(ticket: str, stage: str, missing: Sequence[str]) -> Said:
    """Return the refusal of a ticket leaving a stage with required fields blank.

    Raised when a ticket leaves a stage whose required fields are not all filled;
    ``details["missing"]`` names them.
    """
    return Said(
        f"stage {stage!r} needs {', '.join(missing)} filled before the ticket leaves it",
        _details(ticket=ticket, stage=stage, missing=missing),
    )


@refusal(code="field_read_only", error=RuleViolation, rule="TK-3")
def field_read_only(field: str, stage: str) -> Said:
    """Return the refusal of filling a field read-only at the ticket's stage.

    Raised when filling a field that is read-only at the ticket's stage.
    """
    return Said(
        f"field {field!r} is read-only at stage {stage!r}", _details(field=field, stage=stage)
    )


@refusal(
    code="not_your_turn",
    error=RuleViolation,
    rules={
        "TK-7, TK-8": "the side not responsible at the stage moves the ticket, fills its "
        "fields, or (the customer) cancels it",
    },
)
def not_your_turn(ticket: str, responsible: str, side: str, action: str, rule: str) -> Said:
    """Return the refusal of ``side`` acting while the ``responsible`` side is.

    Raised when the side not responsible at the stage acts on the ticket; ``rule`` is
    the action's.
    """
    return Said(
        f"ticket {ticket!r} is with the {responsible} side: the {side} side cannot {action} it now",
        _details(ticket=ticket, responsible=responsible),
        rule=rule,
    )


@refusal(code="no_approval_pending", error=RuleViolation, rule="TK-6")
def no_approval_pending(ticket: str, stage: str) -> Said:
    """Return the refusal of approving or rejecting where no approval is asked.

    Raised when approving or rejecting where the stage asks no approval.
    """
    return Said(
        f"ticket {ticket!r} awaits no approval at stage {stage!r}",
        _details(ticket=ticket, stage=stage),
    )


@refusal(code="attachment_too_large", error=RuleViolation, rule="TK-4")
def attachment_too_large(size: int, limit: int) -> Said:
    """Return the refusal of a file over the tenant's size limit.

    Raised when a file is larger than the tenant's ``attachment_max_bytes``.
    """
    return Said(
        f"the file has {size} bytes, more than the {limit} allowed",
        _details(size=size, limit=limit),
    )


@refusal(code="content_type_not_allowed", error=RuleViolation, rule="TK-4")
def content_type_not_allowed(content_type: str, allowed: Sequence[str]) -> Said:
    """Return the refusal of a file of a type the tenant does not accept.

    Raised when a file's content type is not in the tenant's ``attachment_types``.
    """
    return Said(
        f"files of type {content_type!r} are not accepted",
        _details(content_type=content_type, allowed=allowed),
    )


@refusal(code="message_exists", error=Conflict, rule="TK-5")
def message_exists(message: str) -> Said:
    """Return the refusal of a message id the ticket's discussion already uses.

    Raised when a message id is already used in the ticket's discussion.
    """
    return Said(f"message {message!r} already exists")


@refusal(code="attachment_exists", error=Conflict)
def attachment_exists(attachment: str) -> Said:
    """Return the refusal of an attachment id the ticket already uses.

    Raised when an attachment id is already used on the ticket.
    """
    return Said(f"attachment {attachment!r} already exists")


@refusal(code="attachment_exists", error=Conflict, rule="TK-4")
def attachment_stored(key: str) -> Said:
    """Return the refusal of content an attachment store already holds under ``key``.

    Raised when content is already stored under the attachment's key. ``details``:
    ``kind``, ``id``.
    """
    return Said(f"attachment {key!r} already exists", _details(kind="attachment", id=key))


@refusal(code="not_cancelled", error=RuleViolation, rule="TK-8")
def not_cancelled(ticket: str, status: str) -> Said:
    """Return the refusal of deleting a ticket that is not cancelled.

    Raised when deleting a ticket that is not cancelled.
    """
    return Said(
        f"ticket {ticket!r} is {status}: only a cancelled ticket is deleted",
        _details(ticket=ticket, status=status),
    )


@refusal(code="attendant_inactive", error=RuleViolation, rule="RT-6")
def attendant_inactive(manager: str) -> Said:
    """Return the refusal of an inactive manager attending the portal.

    Raised when naming an inactive manager the portal's default attendant.
    """
    return Said(
        f"manager {manager!r} is inactive and cannot attend the portal",
        _details(manager=manager),
    )


# --- Imports, exports and spreadsheets: WA-8, VS-3 ------------------------------------

IMPORT_REFUSED = listed(
    code="import_refused",
    error="ImportRefused",
    rule="WA-8",
    when="an import (all or nothing) found bad rows and applied none; ``problems`` lists "
    "each as a ``RowProblem`` (source, line, column, code, reason, rule)",
)


@refusal(code="import_needs_view_all", error=PermissionDenied, rule="VS-3")
def import_needs_view_all(actor: str) -> Said:
    """Return the refusal of an import by one who does not see every customer.

    Raised when importing without seeing every customer (VIEW_ALL, the host, or
    segmentation off).
    """
    return _needs_view_all(actor, "import")


@refusal(code="export_needs_view_all", error=PermissionDenied, rule="VS-3")
def export_needs_view_all(actor: str) -> Said:
    """Return the refusal of an export by one who does not see every customer.

    Raised when exporting without seeing every customer.
    """
    return _needs_view_all(actor, "export")


def _needs_view_all(actor: str, action: str) -> Said:
    return Said(
        f"{actor!r} may not {action}: it needs to see every customer (VIEW_ALL)",
        _details(actor=actor, permission=Permission.VIEW_ALL.value),
    )


@refusal(code="duplicate_row", error=CarteiraError, rule="WA-8", shown_as="RowProblem")
def duplicate_row(kind: str, subject: str, first: int) -> Said:
    """Return the problem of a row naming a record an earlier row named.

    Raised when a row names a customer, organization, manager or portfolio an earlier
    row of the same table named; ``details["line"]`` is the earlier line.
    """
    return Said(
        f"{kind} {subject!r} was already given on line {first}",
        _details(kind=kind, id=subject, line=first),
    )


@refusal(code="managers_on_organization", error=RuleViolation, rule="MB-3", shown_as="RowProblem")
def managers_on_organization(organization: str) -> Said:
    """Return the problem of an organization's row listing account managers.

    Raised when an organization's row (no customer) lists account managers:
    organizations have none.
    """
    return Said(
        f"organization {organization!r} has no account managers: leave the managers cell "
        "empty on an organization's row"
    )


SPREADSHEET_INVALID = listed(
    code="spreadsheet_invalid",
    error="SpreadsheetError",
    rule="WA-8",
    when="a file read by ``carteira.spreadsheets`` has problems of its own; ``problems`` "
    "lists each, coded ``unknown_column``, ``duplicate_column``, ``missing_column``, "
    "``bad_encoding``, ``malformed_csv``, ``empty_file``, ``unreadable_file``, "
    "``too_many_cells``, ``unknown_table``, ``duplicate_table``, or one of the read "
    "limits' ``file_too_large``, ``too_many_rows`` and ``cell_too_long`` (see "
    "[importing spreadsheets](import.md))",
)
FILE_NOT_FOUND = listed(
    code="file_not_found",
    error="SpreadsheetError",
    rule="WA-8",
    when="the path to read is missing",
)
UNSUPPORTED_FORMAT = listed(
    code="unsupported_format",
    error="SpreadsheetError",
    rule="WA-8",
    when="the path to read is not ``.csv``, ``.xlsx`` or a directory",
)
KIND_NOT_APPLICABLE = listed(
    code="kind_not_applicable",
    error="SpreadsheetError",
    rule="WA-8",
    when="a kind was forced on more than one table",
)
FILE_CHANGED = listed(
    code="file_changed",
    error="SpreadsheetError",
    rule="WA-8",
    when="the rows of a streamed read (``read_dataset(..., stream=True)``) were read again "
    "after their file changed, moved or went away; read it again",
)
XLSX_UNAVAILABLE = listed(
    code="xlsx_unavailable",
    error="SpreadsheetError",
    rule="WA-8",
    when="reading or writing ``.xlsx`` without openpyxl (``pip install 'carteira[xlsx]'``)",
)
CANNOT_WRITE = listed(
    code="cannot_write",
    error="SpreadsheetError",
    rule="WA-8",
    when="``write_dataset`` cannot write what would read back equal (an unwritable path, a "
    "NUL in a CSV cell, a cell over 32,767 characters in XLSX...)",
)


# --- Opening a store: ST-2 ------------------------------------------------------------


@refusal(code="unknown_adapter", error=StorageError, rule="ST-2")
def unknown_adapter(name: str, known: Sequence[str]) -> Said:
    """Return the refusal of an adapter name no installed package registers.

    Raised when ``open_store`` or ``load_adapter`` names an adapter no installed package
    registers; the message lists those installed.
    """
    return Said(
        f"no storage adapter named {name!r} is installed (known: {', '.join(known) or 'none'})",
        _details(name=name, known=known),
    )


@refusal(code="invalid_url", error=StorageError, rule="ST-2")
def invalid_url(url: object) -> Said:
    """Return the refusal of something that is not a storage URL.

    Raised when ``open_store`` is given something that is not a URL (``memory://``,
    ``sqlite:///carteira.db``).
    """
    return Said(f"{url!r} is not a storage URL such as memory:// or sqlite:///carteira.db")


@refusal(code="adapter_unavailable", error=StorageError, rule="ST-2")
def adapter_unavailable(
    missing: str | None = None, *, needing: str = "the SQL adapter needs"
) -> Said:
    """Return the refusal of the SQL adapter without SQLAlchemy; ``missing``: the module.

    Raised when the SQL adapter is asked for without SQLAlchemy installed
    (``pip install 'carteira[sql]'``).
    """
    details = {} if missing is None else {"missing": missing}
    return Said(f"{needing} SQLAlchemy: pip install 'carteira[sql]'", details)


# --- Input, concurrency and storage: ER-2, ST, EV-2 -----------------------------------


@refusal(code="name_required", error=InvalidInput, rule="PF-1")
def name_required(path: str) -> Said:
    """Return the refusal of a blank portfolio name at ``path``.

    Raised when a portfolio name is blank after trimming.
    """
    return Said("portfolio name", errors=(FieldError(path, "is required"),))


@refusal(code="name_too_long", error=InvalidInput, rule="PF-1")
def name_too_long(path: str, length: int, most: int) -> Said:
    """Return the refusal of a portfolio name of ``length`` characters, over ``most``.

    Raised when a portfolio name has more than 128 characters after NFC normalisation.
    """
    return Said(
        "portfolio name", errors=(FieldError(path, f"has {length} characters, at most {most}"),)
    )


INVALID_INPUT = listed(
    code="invalid_input",
    error=InvalidInput,
    rules={
        "ER-2": "input of the wrong shape: an id that is not a non-blank string, a blank "
        "name, a wrong type, an unknown or missing field when structuring with "
        "``make_converter()``, a page ``limit`` outside 1..500",
        "PF-1": "a portfolio name that is not a string",
        "MG-1": "a profile that is not one of ``Profile``",
        "MG-3": "both ``transfer_to`` and ``keep`` given for a leaving manager",
        "MB-3": "an account-manager cap below 1",
        "MB-6": "``owners_at`` given a datetime without a timezone",
    },
)


@refusal(code="lease_lost", error=Conflict, rule="EV-2")
def lease_lost(tenant: str, holder: str) -> Said:
    """Return the refusal for a claim whose lease ran out and another publisher took.

    Raised when an outbox claim's lease ran out and another publisher claimed the
    tenant: ``extend`` and ``complete`` refuse, marking nothing; the relay stops the
    batch. ``details``: ``tenant``, ``holder``.
    """
    return Said(
        f"the lease of {holder!r} on tenant {tenant!r}'s outbox is lost: it ran out and "
        "another publisher may hold it; stop publishing this batch",
        _details(tenant=tenant, holder=holder),
    )


STALE_VERSION = listed(
    code="stale_version",
    error=ConcurrencyError,
    rule="ST-3",
    when="a write based on a version that changed since it was read; safe to retry",
)
STORAGE_FAILED = listed(
    code="storage_failed",
    error=StorageError,
    rule="ST-1",
    when="the store was used outside its unit of work; or the database failed in a way no "
    "other code names (the driver's error is chained), or a value cannot be stored (text "
    "holding U+0000)",
)
READ_ONLY = listed(
    code="read_only",
    error=StorageError,
    rule="ST-6",
    when="a write attempted through a read-only unit of work (what queries run in); nothing "
    "was written",
)


@refusal(code="schema_incomplete", error=StorageError, rule="ST-8")
def schema_incomplete(action: str, version: int, missing: Sequence[str]) -> Said:
    """Return the refusal to record a schema version whose parts are not all there.

    Raised when ``upgrade`` or ``stamp`` would record a schema version whose tables or
    indexes are not all in the database; nothing is recorded. ``details``: ``missing``,
    ``version``.
    """
    return Said(
        f"cannot {action} to carteira schema version {version}: the database lacks "
        f"{', '.join(missing)}; nothing was recorded",
        _details(missing=tuple(missing), version=version),
    )


@refusal(code="schema_recorded", error=StorageError, rule="ST-8")
def schema_recorded(found: int, supported: int) -> Said:
    """Return the refusal to stamp a database that records another version.

    Raised when ``stamp`` is asked of a database that already records an older version:
    run ``upgrade``. ``details``: ``found``, ``supported``.
    """
    return Said(
        f"the database already records carteira schema version {found}: run upgrade, not stamp",
        _details(found=found, supported=supported),
    )


@refusal(code="schema_too_new", error=StorageError, rule="ST-2")
def schema_too_new(found: int, supported: int) -> Said:
    """Return the refusal of a database newer than this carteira.

    Raised when the database records a carteira schema version newer than the installed
    carteira.
    """
    return Said(
        f"the database holds carteira schema version {found}, newer than this carteira's "
        f"{supported}: upgrade carteira before using this database",
        _details(found=found, supported=supported),
    )


@refusal(code="schema_unknown", error=StorageError, rule="ST-2")
def schema_version_unknown(found: object, supported: int) -> Said:
    """Return the refusal of a schema version no carteira wrote.

    Raised when the database records a schema version no carteira wrote (0, negative,
    not a whole number); nothing is written. ``details``: ``found``.
    """
    return Said(
        f"the database records carteira schema version {found!r}, which no carteira "
        "wrote: restore it from a backup, or correct carteira_schema_versions",
        _details(found=repr(found), supported=supported),
    )


@refusal(code="schema_unknown", error=StorageError, rule="ST-2")
def schema_unfinished(tables: Sequence[str]) -> Said:
    """Return the refusal of a database with carteira's tables and no schema version.

    Raised when the database holds tables or views with carteira's names but no
    version; nothing is written. ``details``: ``tables``.
    """
    return Said(
        f"the database already holds {', '.join(tables)} but records no carteira schema "
        "version: it was not made by carteira, or not finished; nothing was written",
        _details(tables=tuple(tables)),
    )


@refusal(code="outbox_needs_engine", error=StorageError, rule="EV-2")
def outbox_needs_engine() -> Said:
    """Return the refusal of an outbox on a store built on a host's connection.

    Raised when ``SqlStore.outbox()`` is asked of a store built on a host's connection:
    each claim commits on its own, so give relays a store on the database's URL or
    engine.
    """
    return Said(
        "a store on a host's connection has no outbox: give publishers a store on the "
        "database's URL or engine, where each claim commits on its own"
    )


@refusal(code="database_not_found", error=StorageError, rule="ST-6")
def database_not_found(path: str, named: str) -> Said:
    """Return the refusal of a command that only reads naming no SQLite file.

    Raised when a command-line command that only reads (listings, ``show``, ``route``,
    ``who-can-see``, ``history``, ``events``, ``settings show``, ``export``) names a
    SQLite file (``--db``, ``CARTEIRA_DB``, a ``sqlite:///`` URL) that does not exist: a
    query creates none; exit 4. ``details``: ``path``.
    """
    return Said(
        f"no database at {path}: a command that only reads creates none; check {named}",
        _details(path=path),
    )


@refusal(code="tenant_not_found", error=NotFound, rule="TN-1")
def tenant_not_found(tenant: str, where: str) -> Said:
    """Return the refusal of a command that only reads naming a tenant with no records.

    Raised when a command-line command that only reads names a tenant of which the
    database holds no record (its event log is empty), most likely a typo in
    ``--tenant``; exit 1. ``details``: ``kind`` ("tenant"), ``id``, ``database``.
    """
    return Said(
        f"tenant {tenant!r} has no records in {where}: check --tenant or CARTEIRA_TENANT",
        _details(kind="tenant", id=tenant, database=where),
    )


@refusal(code="foreign_database", error=StorageError, rule="ST-2")
def foreign_database(tables: Sequence[str]) -> Said:
    """Return the refusal to create carteira's schema beside another application's tables.

    Raised when a store opened on a URL or a path finds another application's tables and
    no carteira schema; nothing is written. ``SqlStore(..., create=True)`` adds
    carteira's tables beside them. ``details``: ``tables``.
    """
    more = ", ..." if len(tables) > 5 else ""
    return Said(
        f"the database holds other tables ({', '.join(tables[:5])}{more}) and no carteira "
        "schema: open it with create=True to add carteira's tables beside them; nothing was "
        "written",
        _details(tables=tuple(tables)),
    )


# --- A store's last line of defence: no rule; the services check first ----------------


@refusal(code="{kind}_exists", error=Conflict)
def stored_already(kind: str, record: str) -> Said:
    """Return a store's refusal of a new row whose id is taken.

    Raised when a store itself (in memory or SQL) is given a new row whose id a stored
    row holds.
    """
    return Said(f"{kind} {record!r} already exists", fill={"kind": kind})


@refusal(code="{kind}_exists", error=Conflict)
def batch_id_taken(kind: str, record: str, twice: bool) -> Said:
    """Return a store's refusal of a batch of new rows with a taken id (ST-5).

    Raised when a store's ``add_many`` is given an id already stored, or the same id
    twice in one batch. ``details``: ``id``.
    """
    why = "is given twice in one batch" if twice else "already exists"
    return Said(f"{kind} {record!r} {why}", _details(id=record), fill={"kind": kind})


@refusal(code="{kind}_exists", error=Conflict)
def stored_concurrently(kind: str) -> Said:
    """Return the SQL store's refusal of an id a concurrent unit of work stored first.

    Raised when a concurrent unit of work stored a row with the same id first.
    """
    return Said(f"a concurrent unit of work stored a {kind} with this id", fill={"kind": kind})


@refusal(code="{kind}_{index}_taken", error=Conflict)
def unique_key_taken(kind: str, record: str, index: str, holder: str) -> Said:
    """Return a store's refusal of a row colliding with ``holder`` on a unique ``index``.

    Raised when a store itself is given a row whose unique key (a portfolio's name)
    another row holds. ``details``: ``index``, ``holder``.
    """
    return Said(
        f"{kind} {record!r} collides with {holder!r} on {index}",
        _details(index=index, holder=holder),
        fill={"kind": kind, "index": index},
    )


@refusal(code="portfolio_name_taken", error=Conflict)
def name_taken_concurrently() -> Said:
    """Return the SQL store's refusal of a portfolio name a concurrent unit of work took.

    Raised when a concurrent unit of work stored a portfolio with the same name first.
    ``details``: ``index``.
    """
    return Said("a concurrent unit of work took this portfolio name", _details(index="name"))
