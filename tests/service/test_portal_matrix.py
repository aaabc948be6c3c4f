"""The portal-ticket matrix: ticket state by action by actor, every cell asserted (TK-1..TK-9).

One ticket of a type like seed 004's refund (draft with the customer, triage with the
service side, an understanding the customer approves, work, done) is put in each of five
states through the public API, afresh for every cell. Eight actors try twelve actions on
it. ``TABLE`` below is the whole table, written out: a cell is ``ALLOW`` (the action
succeeds and has its effect), ``HIDDEN`` (a view or listing that does not show the
ticket) or the :class:`Refusal` expected, by error class and stable code. Every cell not
allowed is refused and changes nothing: storage and the attachment store are compared
before and after (PM-2, invariant 8). Actors who may not see the ticket get exactly the
answer they get for a ticket id that does not exist, so a refusal reveals nothing (VS-3,
VS-4). An inactive manager is refused everything (MG-4).

Who sees the ticket (VS-2, segmentation on): the assigned agent only because he is its
assignee (the portal's attendant, RT-6), the portfolio agent because he manages the
customer's effective portfolio, the administrator through VIEW_ALL; the blind agent
manages another portfolio.

The service side has no approve, reject or cancel of its own (TK-6, TK-8): managers'
cells for them run the customer portal's calls with a manager principal, which refuse.
Likewise a customer has no internal note and no delete: his cells for them run the
service side's calls, which refuse any customer principal (``portal_only``, VS-4).
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count, product
from typing import Any, Literal, NamedTuple

import pytest

from carteira import (
    Attachment,
    Carteira,
    CarteiraError,
    CustomerPortal,
    ExtraField,
    FieldAccess,
    FieldKind,
    InMemoryAttachmentStore,
    InMemoryStore,
    ManualClock,
    Message,
    NotFound,
    PermissionDenied,
    PortalFilter,
    Principal,
    PrincipalKind,
    Profile,
    Responsible,
    Role,
    RuleViolation,
    Stage,
    Subject,
    TicketStatus,
)
from carteira.events import TicketDeleted
from carteira.policies import Clause

TENANT = "acme"
HOST = Principal.system(TENANT)
TICKET = "t1"
MISSING = "t404"
SCAN = "a0"
SCAN_CONTENT = b"invoice scan"

# -- the axes ------------------------------------------------------------------------------

STATES = ("with_customer", "awaiting", "approval", "completed", "cancelled")
ACTIONS = (
    "view",
    "list",
    "move",
    "fill",
    "message",
    "note",
    "attach",
    "read_attachment",
    "approve",
    "reject",
    "cancel",
    "delete",
)
ACTORS: dict[str, Principal] = {
    "requester": Principal.customer(TENANT, "c1"),
    "same_org_customer": Principal.customer(TENANT, "c2"),
    "other_org_customer": Principal.customer(TENANT, "c3"),
    "assigned_agent": Principal.manager(TENANT, "ana"),
    "portfolio_agent": Principal.manager(TENANT, "paulo"),
    "blind_agent": Principal.manager(TENANT, "otto"),
    "inactive_agent": Principal.manager(TENANT, "ina"),
    "administrator": Principal.manager(TENANT, "admin"),
}
#: Actors who may not learn that the ticket exists (VS-3, VS-4).
UNAWARE = frozenset({"same_org_customer", "other_org_customer", "blind_agent"})

#: The stage each state's "move" asks for: the next one along the workflow. The
#: understanding has no transition out (approval and rejection are the way, TK-6), and a
#: completed ticket has no next stage: TK-9 refuses before the target is looked at.
NEXT = {
    "with_customer": "triage",
    "awaiting": "understanding",
    "approval": "work",
    "completed": "work",
    "cancelled": "triage",
}
#: The one portal view besides All that lists the ticket in each state (TK-7).
VIEW_OF = {
    "with_customer": PortalFilter.MINE,
    "awaiting": PortalFilter.AWAITING,
    "approval": PortalFilter.MINE,
    "completed": PortalFilter.COMPLETED,
    "cancelled": PortalFilter.CANCELLED,
}

# -- the table -----------------------------------------------------------------------------


class Refusal(NamedTuple):
    """An expected refusal: the error's class and its stable code (ER-1)."""

    error: type[CarteiraError]
    code: str


Expected = Literal["allow", "hidden"] | Refusal
Row = tuple[str, str, tuple[Expected, ...]]

Y: Expected = "allow"
H: Expected = "hidden"  # a view or listing that does not show the ticket
NF = Refusal(NotFound, "not_found")  # as if it did not exist (VS-3, VS-4)
OFF = Refusal(PermissionDenied, "principal_inactive")  # MG-4
PORTAL = Refusal(PermissionDenied, "portal_only")  # a customer off the portal (VS-4)
CUST = Refusal(PermissionDenied, "customer_only")  # the customer's alone (TK-6, TK-8)
PERM = Refusal(PermissionDenied, "permission_denied")  # no DELETE_TICKETS (TK-8, PM-2)
TURN = Refusal(RuleViolation, "not_your_turn")  # the other side is responsible (TK-7)
ILLEGAL = Refusal(RuleViolation, "illegal_transition")  # TK-2
NOAPP = Refusal(RuleViolation, "no_approval_pending")  # TK-6
LIVE = Refusal(RuleViolation, "not_cancelled")  # only a cancelled one is deleted (TK-8)
DONE = Refusal(RuleViolation, "ticket_closed")  # completed: read-only (TK-9)
GONE = Refusal(RuleViolation, "ticket_cancelled")  # cancelled: read-only (TK-9)

ALL5 = (Y, Y, Y, Y, Y)
#: The customer's calls, which the service side has no equivalent of (TK-6, TK-8).
PORTAL_ONLY = ("approve", "reject", "cancel")
OPEN3 = (Y, Y, Y, DONE, GONE)  # TK-4, TK-5: any open ticket, whoever is responsible


def _same(expected: Expected) -> tuple[Expected, ...]:
    return (expected,) * len(STATES)


def _unaware_customer(actor: str) -> list[Row]:
    """Another customer, of the same organization or not: nothing at all (VS-4)."""
    return [
        (actor, "view", _same(NF)),
        (actor, "list", _same(H)),
        (actor, "move", _same(NF)),
        (actor, "fill", _same(NF)),
        (actor, "message", _same(NF)),
        (actor, "note", _same(PORTAL)),
        (actor, "attach", _same(NF)),
        (actor, "read_attachment", _same(NF)),
        (actor, "approve", _same(NF)),
        (actor, "reject", _same(NF)),
        (actor, "cancel", _same(NF)),
        (actor, "delete", _same(PORTAL)),
    ]


def _seeing_manager(actor: str, delete: tuple[Expected, ...]) -> list[Row]:
    """A manager who sees the ticket (VS-2): the service side's turn is triage."""
    return [
        (actor, "view", ALL5),
        (actor, "list", ALL5),
        (actor, "move", (TURN, Y, TURN, DONE, GONE)),
        (actor, "fill", (TURN, Y, TURN, DONE, GONE)),
        (actor, "message", OPEN3),
        (actor, "note", OPEN3),
        (actor, "attach", OPEN3),
        (actor, "read_attachment", ALL5),
        (actor, "approve", _same(CUST)),
        (actor, "reject", _same(CUST)),
        (actor, "cancel", _same(CUST)),
        (actor, "delete", delete),
    ]


#: actor, action, then one expectation per state, in the order of ``STATES``:
#: (with_customer, awaiting, approval, completed, cancelled).
TABLE: list[Row] = [
    # The requester: his own ticket, whatever its state (VS-4, TK-7).
    ("requester", "view", ALL5),
    ("requester", "list", ALL5),
    ("requester", "move", (Y, TURN, ILLEGAL, DONE, GONE)),  # TK-2, TK-7
    # TK-3 + TK-7: fields the stage leaves editable, while the ticket is his to act on;
    # the understanding stage restricts none, so "amount" is editable there too.
    ("requester", "fill", (Y, TURN, Y, DONE, GONE)),
    ("requester", "message", OPEN3),  # TK-5
    ("requester", "note", _same(PORTAL)),  # internal notes are the service side's
    ("requester", "attach", OPEN3),  # TK-4
    ("requester", "read_attachment", ALL5),
    ("requester", "approve", (NOAPP, NOAPP, Y, DONE, GONE)),  # TK-6
    ("requester", "reject", (NOAPP, NOAPP, Y, DONE, GONE)),  # TK-6
    ("requester", "cancel", (Y, TURN, Y, DONE, GONE)),  # TK-8: under his responsibility
    ("requester", "delete", _same(PORTAL)),  # TK-8: never a customer
    *_unaware_customer("same_org_customer"),
    *_unaware_customer("other_org_customer"),
    *_seeing_manager("assigned_agent", _same(PERM)),
    *_seeing_manager("portfolio_agent", _same(PERM)),
    # TK-8: only an administrator deletes, and only a cancelled ticket.
    *_seeing_manager("administrator", (LIVE, LIVE, LIVE, LIVE, Y)),
    # The blind agent: as if the ticket did not exist (VS-3). Delete asks for the
    # permission first, which he lacks; that refusal names no ticket either.
    ("blind_agent", "view", _same(H)),
    ("blind_agent", "list", _same(H)),
    *[
        ("blind_agent", action, _same(NF))
        for action in ACTIONS
        if action not in {"view", "list", "delete", *PORTAL_ONLY}
    ],
    ("blind_agent", "delete", _same(PERM)),
    # MG-4: an inactive manager sees nothing and does nothing.
    *[("inactive_agent", action, _same(OFF)) for action in ACTIONS if action not in PORTAL_ONLY],
    # The portal's own calls refuse every manager before anything else (VS-4).
    *[
        (actor, action, _same(CUST))
        for actor in ("blind_agent", "inactive_agent")
        for action in PORTAL_ONLY
    ],
]

CELLS = [
    pytest.param(state, action, actor, row[i], id=f"{state}-{action}-{actor}")
    for actor, action, row in TABLE
    for i, state in enumerate(STATES)
]

# -- the world -----------------------------------------------------------------------------

C, S = Responsible.CUSTOMER, Responsible.SERVICE
STAGES = [
    Stage("draft", "Rascunho", C, {"invoice": FieldAccess.REQUIRED}),
    Stage("triage", "Triagem", S),
    Stage(
        "understanding",
        "Entendimento",
        C,
        asks_approval=True,
        approve_to="work",
        reject_to="triage",
    ),
    Stage("work", "Execução", S, {"invoice": FieldAccess.READ_ONLY}),
    Stage("done", "Concluído", S, final=True),
]
TRANSITIONS = [("draft", "triage"), ("triage", "understanding"), ("work", "done")]
FIELDS = [ExtraField("invoice", FieldKind.TEXT), ExtraField("amount", FieldKind.NUMBER)]


@dataclass
class World:
    """One tenant with the eight actors and ticket t1 in one state."""

    app: Carteira
    store: InMemoryStore
    attachments: InMemoryAttachmentStore

    def saved(self) -> tuple[Any, list[str]]:
        """Everything stored: rows, indexes, events, and the attachments' keys."""
        return self.store.snapshot(), self.attachments.keys(TENANT)


def build(state: str) -> World:
    """Build the tenant and put t1 in ``state``, through the public API only."""
    store, attachments = InMemoryStore(), InMemoryAttachmentStore()
    ids = (f"id{i}" for i in count(1))
    app = Carteira(
        store.unit_of_work, clock=ManualClock(), attachments=attachments, new_id=lambda: next(ids)
    )
    app.register_manager(
        HOST, "admin", "Admin", profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
    )
    app.register_manager(HOST, "ana", "Ana", profile=Profile.AGENT)
    for manager in ("paulo", "otto", "ina"):
        app.register_manager(HOST, manager, manager.title(), profile=Profile.ANALYST)
    app.create_portfolio(HOST, "Sul", managers=["paulo", "ina"], portfolio_id="sul")
    app.create_portfolio(HOST, "Norte", managers=["otto"], portfolio_id="norte")
    app.register_organization(HOST, "o1", "Padarias Reunidas")
    app.register_organization(HOST, "o2", "Mercado")
    app.set_organization_portfolio(HOST, "o1", "sul")
    app.set_organization_portfolio(HOST, "o2", "norte")
    app.register_customer(HOST, "c1", "Padaria", organization="o1")
    app.register_customer(HOST, "c2", "Confeitaria", organization="o1")
    app.register_customer(HOST, "c3", "Quitanda", organization="o2")
    app.deactivate_manager(HOST, "ina")
    app.update_settings(HOST, portal_attendant="ana")
    app.save_ticket_type(
        HOST,
        "refund",
        group="Financeiro",
        name="Reembolso",
        stages=STAGES,
        transitions=TRANSITIONS,
        fields=FIELDS,
    )
    me, ana = ACTORS["requester"], ACTORS["assigned_agent"]
    app.portal.open_ticket(
        me,
        group="Financeiro",
        ticket_type="refund",
        subject="Cobrança em dobro",
        request="Fui cobrado duas vezes",
        values={"invoice": "NF-1"},
        ticket_id=TICKET,
    )
    app.portal.attach(
        me,
        TICKET,
        name="nota.txt",
        content_type="text/plain",
        content=SCAN_CONTENT,
        attachment_id=SCAN,
    )
    if state == "cancelled":
        app.portal.cancel(me, TICKET, reason="duplicate")
    if state in {"awaiting", "approval", "completed"}:
        app.portal.move(me, TICKET, "triage")
    if state in {"approval", "completed"}:
        app.move_ticket(ana, TICKET, "understanding")
    if state == "completed":
        app.portal.approve(me, TICKET)
        app.move_ticket(ana, TICKET, "done")
    return World(app, store, attachments)


# -- the actions ---------------------------------------------------------------------------

Perform = Callable[[Carteira, Principal, str, str], Any]


def _list_customer(app: Carteira, p: Principal, ticket_id: str, state: str) -> set[PortalFilter]:
    return {v for v in PortalFilter if ticket_id in {t.id for t in app.portal.tickets(p, v).items}}


def _list_manager(app: Carteira, p: Principal, ticket_id: str, state: str) -> bool:
    return ticket_id in {t.id for t in app.visible_tickets(p).items}


def _attach(app: Carteira, p: Principal, ticket_id: str, state: str) -> Any:
    call = app.portal.attach if p.kind is PrincipalKind.CUSTOMER else app.attach
    return call(p, ticket_id, name="more.txt", content_type="text/plain", content=b"more")


# action → (the customer's call, the manager's call)
PERFORM: dict[str, tuple[Perform, Perform]] = {
    "view": (
        lambda app, p, t, s: app.portal.ticket(p, t),
        lambda app, p, t, s: app.can_view(p, Subject.TICKET, t),
    ),
    "list": (_list_customer, _list_manager),
    "move": (
        lambda app, p, t, s: app.portal.move(p, t, NEXT[s]),
        lambda app, p, t, s: app.move_ticket(p, t, NEXT[s]),
    ),
    "fill": (
        lambda app, p, t, s: app.portal.fill(p, t, {"amount": 12.5}),
        lambda app, p, t, s: app.fill_fields(p, t, {"amount": 12.5}),
    ),
    "message": (
        lambda app, p, t, s: app.portal.post_message(p, t, "any news?"),
        lambda app, p, t, s: app.post_message(p, t, "any news?"),
    ),
    "note": (
        lambda app, p, t, s: app.post_message(p, t, "checking", internal=True),
        lambda app, p, t, s: app.post_message(p, t, "checking", internal=True),
    ),
    "attach": (_attach, _attach),
    "read_attachment": (
        lambda app, p, t, s: app.portal.attachment(p, t, SCAN),
        lambda app, p, t, s: app.attachment(p, t, SCAN),
    ),
    # The service side has no approve, reject or cancel: a manager can only try the portal's.
    "approve": (
        lambda app, p, t, s: app.portal.approve(p, t),
        lambda app, p, t, s: app.portal.approve(p, t),
    ),
    "reject": (
        lambda app, p, t, s: app.portal.reject(p, t, reason="not what I asked"),
        lambda app, p, t, s: app.portal.reject(p, t, reason="not what I asked"),
    ),
    "cancel": (
        lambda app, p, t, s: app.portal.cancel(p, t, reason="no longer needed"),
        lambda app, p, t, s: app.portal.cancel(p, t, reason="no longer needed"),
    ),
    "delete": (
        lambda app, p, t, s: app.delete_ticket(p, t),
        lambda app, p, t, s: app.delete_ticket(p, t),
    ),
}
QUERIES = frozenset({"view", "list", "read_attachment"})


class Outcome(NamedTuple):
    """What a cell did: its class (allow, hidden or a refusal), value and error."""

    got: Expected
    value: Any
    error: CarteiraError | None


def attempt(world: World, actor: str, action: str, state: str, ticket_id: str) -> Outcome:
    """Run ``action`` as ``actor`` on ``ticket_id`` and classify what happened."""
    principal = ACTORS[actor]
    perform = PERFORM[action][0 if principal.kind is PrincipalKind.CUSTOMER else 1]
    try:
        value = perform(world.app, principal, ticket_id, state)
    except CarteiraError as error:
        return Outcome(Refusal(type(error), error.code), None, error)
    if action in {"view", "list"} and not value:
        return Outcome(H, value, None)
    return Outcome(Y, value, None)


def _ticket(world: World) -> Any:
    return world.app.portal.ticket(ACTORS["requester"], TICKET)


def check_effect(world: World, action: str, state: str, value: Any) -> None:
    """An allowed cell did what its action says (TK-2..TK-8)."""
    if action == "view":
        assert value is True or value.id == TICKET
    elif action == "list":
        assert value is True or value == {PortalFilter.ALL, VIEW_OF[state]}
    elif action == "read_attachment":
        attachment, content = value
        assert isinstance(attachment, Attachment)
        assert (attachment.id, content) == (SCAN, SCAN_CONTENT)
    elif action in {"move", "approve", "reject"}:
        target = {"approve": "work", "reject": "triage"}.get(action, NEXT[state])
        assert value.value.stage == target
        assert _ticket(world).history[-1].target == target
    elif action == "fill":
        assert _ticket(world).values["amount"] == 12.5
    elif action in {"message", "note"}:
        assert isinstance(value.value, Message)
        assert value.value.internal is (action == "note")
        thread = world.store.snapshot()[TENANT]["tickets"][0][TICKET].discussion
        assert thread[-1] == value.value
    elif action == "attach":
        assert world.attachments.keys(TENANT) == sorted(
            [f"{TICKET}/{SCAN}", f"{TICKET}/{value.value.id}"]
        )
    elif action == "cancel":
        assert value.value.status is TicketStatus.CANCELLED
    else:
        assert action == "delete"
        assert any(isinstance(e, TicketDeleted) for e in value.events)
        assert TICKET not in world.store.snapshot()[TENANT]["tickets"][0]
        assert world.attachments.keys(TENANT) == []


def _fingerprint(outcome: Outcome) -> tuple[Any, ...]:
    error = outcome.error
    if error is None:
        return (outcome.got,)
    return (type(error), error.code, error.rule, error.details.get("kind"))


# -- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "action", "actor", "expected"), CELLS)
def test_tk_matrix(state: str, action: str, actor: str, expected: Expected) -> None:
    """One cell: allowed cells take effect; the others refuse and change nothing (PM-2)."""
    world = build(state)
    before = world.saved()
    outcome = attempt(world, actor, action, state, TICKET)
    assert outcome.got == expected, outcome.error
    if outcome.got == Y and action not in QUERIES:
        assert world.saved() != before
    else:
        assert world.saved() == before
    if outcome.got == Y:
        check_effect(world, action, state, outcome.value)
    if actor in UNAWARE:
        # VS-3, VS-4: the same answer as for a ticket that does not exist.
        missing = attempt(world, actor, action, state, MISSING)
        assert _fingerprint(missing) == _fingerprint(outcome)
        assert world.saved() == before


def test_tk_matrix_covers_every_state_action_and_actor_once() -> None:
    """The table is complete: every state x action x actor cell appears exactly once."""
    assert all(len(row) == len(STATES) for _, _, row in TABLE)
    cells = Counter((state, action, actor) for state, action, actor, _ in _rows())
    assert set(cells) == set(product(STATES, ACTIONS, ACTORS))
    assert set(cells.values()) == {1}
    assert len(CELLS) == len(STATES) * len(ACTIONS) * len(ACTORS)


def test_tk_matrix_allows_what_the_spec_lists() -> None:
    """The allowed cells, per actor: a summary that makes a changed cell visible."""
    allowed = Counter(actor for _, _, actor, expected in _rows() if expected == Y)
    assert allowed == {
        "requester": 28,
        "assigned_agent": 26,
        "portfolio_agent": 26,
        "administrator": 27,
    }


def _rows() -> list[tuple[str, str, str, Expected]]:
    return [
        (state, action, actor, row[i])
        for actor, action, row in TABLE
        for i, state in enumerate(STATES)
    ]


def test_vs2_the_actors_see_the_ticket_through_the_clauses_the_matrix_assumes() -> None:
    """Segmentation is on; each seeing manager sees t1 by his own VS-2 clause; RT-6."""
    world = build("with_customer")
    app = world.app
    assert app.settings(HOST).segmentation
    assert world.store.snapshot()[TENANT]["tickets"][0][TICKET].assignee == "ana"
    clauses = {
        actor: app.explain(ACTORS[actor], Subject.TICKET, TICKET).clause
        for actor in ("assigned_agent", "portfolio_agent", "administrator")
    }
    assert clauses == {
        "assigned_agent": Clause.ASSIGNEE,
        "portfolio_agent": Clause.MANAGES_PORTFOLIO,
        "administrator": Clause.VIEW_ALL,
    }
    assert not app.can_view(ACTORS["assigned_agent"], Subject.CUSTOMER, "c1")
    assert not app.can_view(ACTORS["blind_agent"], Subject.TICKET, TICKET)


def test_tk6_tk8_the_service_side_has_no_approve_reject_or_cancel() -> None:
    """Approval and cancellation are the customer's calls; notes and deletion are not."""
    for name in ("approve", "reject", "cancel", "approve_ticket", "cancel_ticket"):
        assert not hasattr(Carteira, name)
    for name in ("delete", "delete_ticket", "post_note"):
        assert not hasattr(CustomerPortal, name)
    assert "internal" not in inspect.signature(CustomerPortal.post_message).parameters
