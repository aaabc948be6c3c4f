"""The visibility rule, stated once as data that every store answers (VS-1, VS-2, MG-4, ST-7).

Who may see a customer, an organization or a ticket is written here and nowhere else: each
[`Rule`][carteira.Rule] is an ordered list of [`Grant`][carteira.Grant]s, and a grant holds
when every one of its [`Test`][carteira.Test]s does. Three readers interpret the same rules:

- the policy ([`customer_visibility`][carteira.customer_visibility] and its siblings) answers
  them in Python over loaded records, naming the clause that decided (VS-5);
- [`scope_of`][carteira.scope_of] turns them into the sets a listing walks (VS-3, ST-4);
- the SQL adapter compiles them into one statement per check, per batch and into the filter
  a host adds to its own queries (ST-7); the in-memory adapter answers them over its tables.

A test is either about the viewer alone (who he is, what he holds, the tenant's switches) or
about the viewer and one object (does one of his identities manage its portfolio...). A
viewer's *identities* are his own id and the ids of the managers absent right now who named
him their backup (MG-5).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

from carteira.domain.errors import FieldError, InvalidInput

__all__ = [
    "CUSTOMER_RULE",
    "ORGANIZATION_RULE",
    "RULES",
    "TICKET_RULE",
    "Answer",
    "Clause",
    "Grant",
    "Rule",
    "Subject",
    "Test",
    "first_grant",
    "subject_of",
]


class Subject(enum.StrEnum):
    """What a visibility question is about."""

    CUSTOMER = "customer"
    ORGANIZATION = "organization"
    TICKET = "ticket"


_SUBJECTS = {s.value: s for s in Subject}


def subject_of(value: object) -> Subject:
    """Return the [`Subject`][carteira.Subject] ``value`` names, or refuse it (ER-2).

    A host may pass the enum or its string value; anything else is
    [`InvalidInput`][carteira.InvalidInput] naming ``$.subject``.
    """
    if value.__class__ is Subject:  # the usual case, without a look-up
        return value
    if isinstance(value, str) and value in _SUBJECTS:
        return _SUBJECTS[value]
    choices = ", ".join(_SUBJECTS)
    raise InvalidInput("subject", [FieldError("$.subject", f"must be one of {choices}")])


class Clause(enum.StrEnum):
    """Why a view was granted or denied (VS-5)."""

    SYSTEM = "system"
    SEGMENTATION_OFF = "segmentation_off"
    OPEN_ACCESS = "open_access"
    MANAGES_PORTFOLIO = "manages_portfolio"
    ACCOUNT_MANAGER = "account_manager"
    OUTSIDE_PORTFOLIO = "outside_portfolio_view_unassigned"
    VIEW_ALL = "view_all"
    ASSIGNEE = "ticket_assignee"
    DEPARTMENT_QUEUE = "department_queue"
    INACTIVE = "inactive"
    OUTSIDE_WITHOUT_PERMISSION = "outside_portfolio_without_view_unassigned"
    NOT_OWNER = "not_owner"


class Test(enum.Enum):
    """One question a grant asks; every reader of the rules knows how to answer each."""

    #: The host application itself is asking.
    SYSTEM = "system"
    #: The viewer is an active manager (MG-4).
    ACTIVE = "active"
    #: The tenant's segmentation switch is off (VS-1).
    SEGMENTATION_OFF = "segmentation_off"
    #: The tenant's open-access switch is on (VS-6).
    OPEN_ACCESS = "open_access"
    #: One of the viewer's roles grants VIEW_ALL (VS-2 d).
    HOLDS_VIEW_ALL = "holds_view_all"
    #: One of the viewer's roles grants VIEW_UNASSIGNED (VS-2 c).
    HOLDS_VIEW_UNASSIGNED = "holds_view_unassigned"
    #: One of his identities manages the object's (effective) portfolio (VS-2 a, MB-1).
    MANAGES_PORTFOLIO = "manages_portfolio"
    #: One of his identities is an account manager of the customer (VS-2 b, MB-3).
    ACCOUNT_MANAGER = "account_manager"
    #: The object is outside portfolio (MB-4): no effective portfolio, no account manager.
    OUTSIDE_PORTFOLIO = "outside_portfolio"
    #: The viewer himself is the ticket's current assignee (VS-2).
    SERVES_TICKET = "serves_ticket"
    #: The ticket waits in the queue of a department he may serve (VS-7, RT-2).
    WAITS_IN_HIS_QUEUE = "waits_in_his_queue"
    #: The ticket's customer is visible to him under `CUSTOMER_RULE` (VS-2).
    SEES_CUSTOMER = "sees_customer"

    @property
    def about_viewer(self) -> bool:
        """Tell whether the answer depends on the viewer and the tenant only, not the object."""
        return self in _ABOUT_VIEWER


_ABOUT_VIEWER = frozenset(
    {
        Test.SYSTEM,
        Test.ACTIVE,
        Test.SEGMENTATION_OFF,
        Test.OPEN_ACCESS,
        Test.HOLDS_VIEW_ALL,
        Test.HOLDS_VIEW_UNASSIGNED,
    }
)


@attrs.frozen
class Grant:
    """A way to be granted a view: ``clause`` when every one of ``tests`` holds.

    ``clause`` is ``None`` for the grant that passes on the customer's own clause
    (a ticket seen because its customer is).
    """

    clause: Clause | None
    tests: tuple[Test, ...]


@attrs.frozen
class Rule:
    """Who sees one kind of object: its grants in the order explanations prefer (VS-5).

    A viewer who meets no grant is denied with ``denied``, or with ``denied_outside`` when
    the object is outside portfolio, or with [`Clause.INACTIVE`][carteira.Clause] when he is
    not an active manager.
    """

    subject: Subject
    grants: tuple[Grant, ...]
    denied: Clause = Clause.NOT_OWNER
    denied_outside: Clause = Clause.OUTSIDE_WITHOUT_PERMISSION


def _common(*owned: Grant) -> tuple[Grant, ...]:
    """Grants every rule starts with (VS-1, VS-6, MG-4) and ends with (VS-2 d)."""
    return (
        Grant(Clause.SYSTEM, (Test.SYSTEM,)),
        Grant(Clause.SEGMENTATION_OFF, (Test.ACTIVE, Test.SEGMENTATION_OFF)),
        Grant(Clause.OPEN_ACCESS, (Test.ACTIVE, Test.OPEN_ACCESS)),
        *owned,
        Grant(Clause.VIEW_ALL, (Test.ACTIVE, Test.HOLDS_VIEW_ALL)),
    )


CUSTOMER_RULE = Rule(
    Subject.CUSTOMER,
    _common(
        Grant(Clause.MANAGES_PORTFOLIO, (Test.ACTIVE, Test.MANAGES_PORTFOLIO)),
        Grant(Clause.ACCOUNT_MANAGER, (Test.ACTIVE, Test.ACCOUNT_MANAGER)),
        Grant(
            Clause.OUTSIDE_PORTFOLIO,
            (Test.ACTIVE, Test.OUTSIDE_PORTFOLIO, Test.HOLDS_VIEW_UNASSIGNED),
        ),
    ),
)
"""VS-1, VS-6, VS-2 (a)-(d) for customers; an inactive manager sees nothing (MG-4)."""

ORGANIZATION_RULE = Rule(
    Subject.ORGANIZATION,
    _common(
        Grant(Clause.MANAGES_PORTFOLIO, (Test.ACTIVE, Test.MANAGES_PORTFOLIO)),
        Grant(
            Clause.OUTSIDE_PORTFOLIO,
            (Test.ACTIVE, Test.OUTSIDE_PORTFOLIO, Test.HOLDS_VIEW_UNASSIGNED),
        ),
    ),
)
"""VS-1, VS-6, VS-2 (a), (c), (d) for organizations."""

TICKET_RULE = Rule(
    Subject.TICKET,
    (
        Grant(None, (Test.SEES_CUSTOMER,)),
        Grant(Clause.ASSIGNEE, (Test.ACTIVE, Test.SERVES_TICKET)),
        Grant(Clause.DEPARTMENT_QUEUE, (Test.ACTIVE, Test.WAITS_IN_HIS_QUEUE)),
    ),
)
"""VS-2 and VS-7 for tickets: he sees the ticket's customer, or he serves the ticket, or it
waits in the queue of a department he may serve (a member, or anyone where the department
lists no members). The last grants nothing about the customer's record."""


@attrs.frozen
class Seen:
    """A store's answer to "which of these may he see?" (VS-2, ST-7).

    ``admitted`` is false when the principal may not ask at all (an unknown or inactive
    manager, MG-4); ``ids`` are those of the asked records he sees.
    """

    admitted: bool
    ids: frozenset[str] = frozenset()


RULES = {rule.subject: rule for rule in (CUSTOMER_RULE, ORGANIZATION_RULE, TICKET_RULE)}
"""Every rule, by the subject it is about."""

Answer = bool | str
"""How a test came out: ``False``, ``True``, or the id of the absent manager it held through."""


def first_grant(rule: Rule, answer: Callable[[Test], Answer]) -> tuple[Grant, str | None] | None:
    """Return the first grant of ``rule`` whose tests all hold, and whom it held through.

    ``answer`` answers one test; a text answer is the absent manager a stand-in held it
    through (MG-5). Tests are asked in order and a grant stops at its first failing test.
    """
    for grant in rule.grants:
        via: str | None = None
        for test in grant.tests:
            found = answer(test)
            if found is False:
                break
            if isinstance(found, str):
                via = found
        else:
            return grant, via
    return None
