"""The Ticket aggregate and the ticket policies, without storage (TK, RT, PM-3, VS-4, issue 17).

Each method of [`Ticket`][carteira.Ticket] checks its rule and returns the new ticket
with its events; each policy in ``carteira.policies.tickets`` says who may act. Neither
reads nor writes anything: these tests call them on plain values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from carteira.domain.actor import Actor
from carteira.domain.customer import Customer
from carteira.domain.department import Department as MovedDepartment
from carteira.domain.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from carteira.domain.events import (
    AttachmentAdded,
    Event,
    MessagePosted,
    TicketAssigned,
    TicketCancelled,
    TicketClosed,
    TicketDeleted,
    TicketFieldsChanged,
    TicketMoved,
    TicketOpened,
    TicketReplied,
)
from carteira.domain.manager import Manager
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.portal import MoveKind, StageMove
from carteira.domain.portfolio import Portfolio
from carteira.domain.principal import Principal, PrincipalKind
from carteira.domain.routing_outcome import Outcome, Reason, Routed, Step
from carteira.domain.settings import TenantSettings
from carteira.domain.stamp import Stamp
from carteira.domain.ticket import Department, Ticket, TicketStatus
from carteira.domain.workflow import (
    ExtraField,
    FieldAccess,
    FieldKind,
    Responsible,
    Stage,
    TicketType,
)
from carteira.policies import routing as routing_policy
from carteira.policies import tickets as policy
from carteira.policies.routing import RoutingDecision
from carteira.serialization import make_converter

CUSTOMER, SERVICE = Responsible.CUSTOMER, Responsible.SERVICE
AT = datetime(2024, 5, 1, 12, tzinfo=UTC)
STAMP = Stamp("acme", "ana", AT)
BY_CUSTOMER = Stamp("acme", "c1", AT, PrincipalKind.CUSTOMER)


def _kind() -> TicketType:
    return TicketType(
        "acme",
        "refund",
        "Financeiro",
        "Reembolso",
        (
            Stage("draft", "Rascunho", CUSTOMER, {"invoice": FieldAccess.REQUIRED}),
            Stage("triage", "Triagem", SERVICE, {"amount": FieldAccess.INVISIBLE}),
            Stage(
                "understanding",
                "Entendimento",
                CUSTOMER,
                asks_approval=True,
                approve_to="work",
                reject_to="triage",
            ),
            Stage("work", "Execução", SERVICE, {"invoice": FieldAccess.READ_ONLY}),
            Stage("done", "Concluído", SERVICE, final=True),
        ),
        {("draft", "triage"), ("triage", "understanding"), ("work", "done")},
        (ExtraField("invoice", FieldKind.TEXT), ExtraField("amount", FieldKind.NUMBER)),
    )


KIND = _kind()


def _portal(stage: str = "draft", **changes: Any) -> Ticket:
    responsible = KIND.stage(stage).responsible
    ticket = Ticket(
        "acme",
        "t1",
        "c1",
        "",
        AT,
        type="refund",
        subject="Refund",
        request="Please",
        stage=stage,
        responsible=responsible,
    )
    return attrs.evolve(ticket, **changes)


def _conversation(**changes: Any) -> Ticket:
    return attrs.evolve(Ticket("acme", "t1", "c1", "vendas", AT), **changes)


def _names(events: tuple[Event, ...]) -> list[str]:
    return [type(e).__name__ for e in events]


def _actor(kind: PrincipalKind, *permissions: Permission, identity: str = "ana") -> Actor:
    principal = Principal("acme", identity, kind)
    if kind is PrincipalKind.SYSTEM:
        return Actor.system(principal)
    if kind is PrincipalKind.CUSTOMER:
        return Actor.customer(principal)
    role = Role("agent", set(permissions))
    manager = Manager("acme", identity, identity.title(), Profile.ANALYST, frozenset({role}))
    return Actor.of_manager(principal, manager)


# --- The department moved; the routing words moved (issue 17) -------------------------


def test_rt1_department_is_the_same_class_from_ticket_and_department_modules() -> None:
    """RT-1: ``Department`` lives in domain.department and is re-exported by domain.ticket."""
    assert Department is MovedDepartment


def test_rt7_outcome_reason_and_step_are_the_same_objects_in_policy_and_domain() -> None:
    """RT-7: the routing words are domain enums, re-exported unchanged by the policy."""
    assert routing_policy.Outcome is Outcome
    assert routing_policy.Reason is Reason
    assert routing_policy.Step is Step


def test_rt7_ticket_opened_types_the_routing_words_and_serializes_them_as_strings() -> None:
    """RT-7, EV-1: TicketOpened holds enums, written as the same strings as before."""
    event = TicketOpened(
        **STAMP.fields(),
        ticket_id="t1",
        customer_id="c1",
        department_id="vendas",
        outcome="assign",
        reason="one_candidate",
        step="primary_account_manager",
        assignee="bia",
        offered=(),
    )
    assert (event.outcome, event.reason, event.step) == (
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        Step.PRIMARY,
    )
    data = make_converter().unstructure(event, Event)
    assert (data["outcome"], data["reason"], data["step"]) == (
        "assign",
        "one_candidate",
        "primary_account_manager",
    )


def test_rt7_a_ticket_opened_stored_before_with_string_words_still_loads() -> None:
    """RT-7, EV-1: an event logged when the words were plain strings structures as before."""
    old = {
        "type": "TicketOpened",
        "tenant": "acme",
        "actor": "system",
        "at": "2024-05-01T12:00:00+00:00",
        "actor_kind": "system",
        "ticket_id": "t1",
        "customer_id": "c1",
        "department_id": "vendas",
        "outcome": "queue",
        "reason": "all_offline",
        "step": "queue",
        "assignee": None,
        "offered": [],
    }
    event = make_converter().structure(old, Event)
    assert isinstance(event, TicketOpened)
    assert event.outcome is Outcome.QUEUE
    assert event.reason is Reason.ALL_OFFLINE
    assert event.step is Step.QUEUE
    assert event.reason == "all_offline"


def test_ev1_stamp_fields_are_what_every_event_carries() -> None:
    """EV-1: ``Stamp.fields`` gives the tenant, actor, instant and actor kind."""
    assert BY_CUSTOMER.fields() == {
        "tenant": "acme",
        "actor": "c1",
        "at": AT,
        "actor_kind": PrincipalKind.CUSTOMER,
    }


# --- Opening (RT-3, RT-6, TK-1) ---------------------------------------------------------


def test_rt3_a_conversation_opens_where_routing_placed_it() -> None:
    """RT-3: assigned to the one routing picked, since the instant, with TicketOpened."""
    placed = Routed(Outcome.ASSIGN, Reason.ONE_CANDIDATE, Step.PRIMARY, "bia")
    ticket, events = Ticket.opened(STAMP, "t1", "c1", "vendas", placed)
    assert (ticket.assignee, ticket.assigned_at, ticket.type, ticket.stage) == (
        "bia",
        AT,
        None,
        None,
    )
    (event,) = events
    assert isinstance(event, TicketOpened)
    assert (event.outcome, event.reason, event.step, event.assignee) == (
        Outcome.ASSIGN,
        Reason.ONE_CANDIDATE,
        Step.PRIMARY,
        "bia",
    )
    assert (event.ticket_type, event.stage, event.attendant) == (None, None, False)


def test_rt1_an_offered_conversation_waits_for_the_customers_choice() -> None:
    """RT-1: offered to the candidates, it is assigned to no one and not queued."""
    decision = RoutingDecision(
        Outcome.OFFER, Reason.CUSTOMER_CHOOSES, Step.ALL_ACCOUNT_MANAGERS, None, ("ana", "bia")
    )
    ticket, _ = Ticket.opened(STAMP, "t1", "c1", "vendas", policy.routed(decision))
    assert (ticket.assignee, ticket.offered, ticket.queued) == (None, ("ana", "bia"), False)


def test_tk1_a_portal_ticket_enters_its_types_first_stage() -> None:
    """TK-1, TK-2: first stage, its responsible side, the opening entry in the history."""
    ticket, (event,) = Ticket.opened(
        BY_CUSTOMER,
        "t1",
        "c1",
        "",
        Routed(),
        kind=KIND,
        subject="Refund",
        request="Please",
        values={"invoice": "NF-1"},
    )
    assert (ticket.type, ticket.stage, ticket.responsible, ticket.status) == (
        "refund",
        "draft",
        CUSTOMER,
        TicketStatus.OPEN,
    )
    assert dict(ticket.values) == {"invoice": "NF-1"}
    assert ticket.history == (
        StageMove(None, "draft", "c1", PrincipalKind.CUSTOMER, AT, MoveKind.OPENED, ""),
    )
    assert isinstance(event, TicketOpened)
    assert (event.ticket_type, event.stage) == ("refund", "draft")


def test_rt6_a_portal_ticket_nothing_assigns_goes_to_the_attendant() -> None:
    """RT-6: queued by routing, it goes to the active attendant, the words kept."""
    queued = policy.routed(None)
    placed = policy.to_attendant(queued, "rita")
    assert (placed.assignee, placed.attendant, placed.outcome, placed.reason) == (
        "rita",
        True,
        Outcome.QUEUE,
        Reason.NONE_ASSIGNED,
    )
    assert policy.to_attendant(queued, None) == queued


def test_rt6_the_attendant_takes_nothing_routing_assigned_or_offered() -> None:
    """RT-6: only what nothing else assigns goes to the attendant."""
    assigned = Routed(Outcome.ASSIGN, Reason.ONE_CANDIDATE, Step.PRIMARY, "bia")
    offered = Routed(
        Outcome.OFFER, Reason.CUSTOMER_CHOOSES, Step.ALL_ACCOUNT_MANAGERS, None, ("a",)
    )
    assert policy.to_attendant(assigned, "rita") == assigned
    assert policy.to_attendant(offered, "rita") == offered


# --- Workflow moves (TK-2, TK-3, TK-6, TK-8, TK-9) --------------------------------------


def test_tk2_a_move_appends_to_the_history_and_hands_the_ticket_over() -> None:
    """TK-2: the move goes along a transition, from, to, who, when, note."""
    ticket = _portal(values={"invoice": "NF-1"})
    moved, events = ticket.move(KIND, "triage", "sent", BY_CUSTOMER)
    assert (moved.stage, moved.responsible, moved.last_activity) == ("triage", SERVICE, AT)
    assert moved.history[-1] == StageMove(
        "draft", "triage", "c1", PrincipalKind.CUSTOMER, AT, MoveKind.MOVED, "sent"
    )
    (event,) = events
    assert isinstance(event, TicketMoved)
    assert (event.source, event.target, event.kind, event.note) == (
        "draft",
        "triage",
        "moved",
        "sent",
    )
    assert ticket.history == ()  # the old value is untouched


def test_tk2_a_move_outside_the_transitions_is_refused() -> None:
    """TK-2: ``illegal_transition`` lists where the ticket may go."""
    with pytest.raises(RuleViolation) as caught:
        _portal(values={"invoice": "NF-1"}).move(KIND, "work", "", BY_CUSTOMER)
    assert (caught.value.code, caught.value.rule) == ("illegal_transition", "TK-2")
    assert caught.value.details["allowed"] == ["triage"]


def test_tk2_a_move_to_an_unknown_stage_is_invalid_input() -> None:
    """TK-2, ER-2: a target the type lacks is malformed input."""
    with pytest.raises(InvalidInput):
        _portal().move(KIND, "nowhere", "", BY_CUSTOMER)


def test_tk3_leaving_a_stage_needs_its_required_fields() -> None:
    """TK-3: ``required_fields_missing`` names them; blank text counts as missing."""
    with pytest.raises(RuleViolation) as caught:
        _portal(values={"invoice": "  "}).move(KIND, "triage", "", BY_CUSTOMER)
    assert (caught.value.code, caught.value.rule) == ("required_fields_missing", "TK-3")
    assert caught.value.details["missing"] == ["invoice"]


def test_tk3_fill_reports_the_fields_it_changed_and_nothing_when_unchanged() -> None:
    """TK-3: one TicketFieldsChanged naming the fields; the same values change nothing."""
    ticket = _portal()
    filled, (event,) = ticket.fill(KIND, CUSTOMER, {"invoice": "NF-1"}, BY_CUSTOMER)
    assert isinstance(event, TicketFieldsChanged)
    assert event.fields == ("invoice",)
    again = filled.fill(KIND, CUSTOMER, {"invoice": "NF-1"}, BY_CUSTOMER)
    assert again.value is filled
    assert again.events == ()


def test_tk3_a_read_only_field_refuses_changes() -> None:
    """TK-3: ``field_read_only``."""
    with pytest.raises(RuleViolation) as caught:
        _portal("work").fill(KIND, SERVICE, {"invoice": "x"}, STAMP)
    assert (caught.value.code, caught.value.rule) == ("field_read_only", "TK-3")


def test_tk3_a_field_invisible_to_the_customer_is_no_field_for_him() -> None:
    """TK-3: an invisible field is not there for the portal user; the service side fills it."""
    with pytest.raises(InvalidInput):
        _portal("triage").fill(KIND, CUSTOMER, {"amount": 3}, BY_CUSTOMER)
    filled, _ = _portal("triage").fill(KIND, SERVICE, {"amount": 3}, STAMP)
    assert filled.values["amount"] == 3


def test_tk6_approval_moves_on_and_rejection_goes_back_with_its_reason() -> None:
    """TK-6: approve to ``approve_to``; reject, with a reason, to ``reject_to``."""
    ticket = _portal("understanding")
    approved, _ = ticket.decide(KIND, True, "", BY_CUSTOMER)
    assert (approved.stage, approved.history[-1].kind) == ("work", MoveKind.APPROVED)
    rejected, _ = ticket.decide(KIND, False, "not that", BY_CUSTOMER)
    assert (rejected.stage, rejected.history[-1].note) == ("triage", "not that")
    with pytest.raises(InvalidInput):
        ticket.decide(KIND, False, "", BY_CUSTOMER)


def test_tk6_no_decision_where_the_stage_asks_none() -> None:
    """TK-6: ``no_approval_pending``."""
    with pytest.raises(RuleViolation) as caught:
        _portal().decide(KIND, True, "", BY_CUSTOMER)
    assert (caught.value.code, caught.value.rule) == ("no_approval_pending", "TK-6")


def test_tk2_entering_a_final_stage_completes_the_ticket() -> None:
    """TK-2, TK-9: the move to a final stage also closes it."""
    moved, events = _portal("work").move(KIND, "done", "", STAMP)
    assert moved.status is TicketStatus.CLOSED
    assert _names(events) == ["TicketMoved", "TicketClosed"]


def test_tk8_cancel_keeps_the_stage_and_turns_the_ticket_read_only() -> None:
    """TK-8: a cancellation entry, source equal to target, and TicketCancelled."""
    cancelled, (event,) = _portal().cancel("changed my mind", BY_CUSTOMER)
    assert cancelled.status is TicketStatus.CANCELLED
    assert cancelled.history[-1].kind is MoveKind.CANCELLED
    assert (cancelled.history[-1].source, cancelled.history[-1].target) == ("draft", "draft")
    assert isinstance(event, TicketCancelled)
    assert event.reason == "changed my mind"


def test_tk8_only_a_cancelled_ticket_is_deleted_leaving_an_audit_event() -> None:
    """TK-8: ``not_cancelled``; the deletion returns the ticket and TicketDeleted."""
    with pytest.raises(RuleViolation) as caught:
        _portal().delete(STAMP)
    assert (caught.value.code, caught.value.rule) == ("not_cancelled", "TK-8")
    ticket = _portal(status=TicketStatus.CANCELLED)
    deleted, (event,) = ticket.delete(STAMP)
    assert deleted is ticket
    assert isinstance(event, TicketDeleted)
    assert (event.customer_id, event.ticket_type, event.subject) == ("c1", "refund", "Refund")


@pytest.mark.parametrize(
    ("status", "type_id", "code", "word"),
    [
        (TicketStatus.CLOSED, "refund", "ticket_closed", "completed"),
        (TicketStatus.CLOSED, None, "ticket_closed", "closed"),
        (TicketStatus.CANCELLED, "refund", "ticket_cancelled", "cancelled"),
    ],
)
def test_tk9_completed_closed_and_cancelled_tickets_refuse_every_change(
    status: TicketStatus, type_id: str | None, code: str, word: str
) -> None:
    """TK-9: every change method refuses, naming the state; a completed portal ticket says so."""
    ticket = _portal(status=status, type=type_id)
    changes = [
        lambda: ticket.move(KIND, "triage", "", STAMP),
        lambda: ticket.fill(KIND, SERVICE, {}, STAMP),
        lambda: ticket.cancel("", STAMP),
        lambda: ticket.post("m1", "hi", False, SERVICE, STAMP),
        lambda: ticket.reply(STAMP),
        lambda: ticket.close(STAMP),
        lambda: ticket.take("ana", STAMP),
        lambda: ticket.reassign(None, None, STAMP),
    ]
    for change in changes:
        with pytest.raises(RuleViolation) as caught:
            change()
        assert (caught.value.code, caught.value.rule) == (code, "TK-9")
        assert f"is {word}:" in caught.value.message


def test_tk1_a_conversation_is_not_a_portal_ticket() -> None:
    """TK-1: ``not_a_portal_ticket``."""
    with pytest.raises(RuleViolation) as caught:
        _conversation().require_portal()
    assert (caught.value.code, caught.value.rule) == ("not_a_portal_ticket", "TK-1")
    assert _portal().require_portal() == "refund"


# --- Discussion and attachments (TK-4, TK-5) --------------------------------------------


def test_tk5_a_message_joins_the_discussion_once() -> None:
    """TK-5: the message is the last of the discussion; its id is used once."""
    posted, (event,) = _portal("triage").post("m1", "hello", False, CUSTOMER, BY_CUSTOMER)
    message = posted.discussion[-1]
    assert (message.id, message.author, message.text, message.internal) == (
        "m1",
        "c1",
        "hello",
        False,
    )
    assert isinstance(event, MessagePosted)
    with pytest.raises(Conflict) as caught:
        posted.post("m1", "again", False, CUSTOMER, BY_CUSTOMER)
    assert (caught.value.code, caught.value.rule) == ("message_exists", "TK-5")


def test_tk5_internal_notes_are_the_service_sides() -> None:
    """TK-5: ``service_only`` for a customer; the service side writes them."""
    with pytest.raises(PermissionDenied) as caught:
        _portal().post("m1", "psst", True, CUSTOMER, BY_CUSTOMER)
    assert (caught.value.code, caught.value.rule) == ("service_only", "TK-5")
    posted, _ = _portal().post("m1", "psst", True, SERVICE, STAMP)
    assert posted.discussion[-1].internal


def test_tk4_an_attachment_is_recorded_within_the_tenants_limits() -> None:
    """TK-4: accepted type and size; refused type, size, and a taken id."""
    settings = TenantSettings(attachment_max_bytes=100, attachment_types=("text/plain",))
    ticket = _portal("triage")  # awaiting return: the customer still attaches
    attached, (event,) = ticket.attach(
        "a1", "notes.txt", "text/plain", 10, "00", settings, BY_CUSTOMER
    )
    assert attached.attachments[-1].name == "notes.txt"
    assert isinstance(event, AttachmentAdded)
    with pytest.raises(RuleViolation) as caught:
        ticket.attach("a1", "x.pdf", "application/pdf", 10, "00", settings, BY_CUSTOMER)
    assert (caught.value.code, caught.value.rule) == ("content_type_not_allowed", "TK-4")
    with pytest.raises(RuleViolation) as caught:
        ticket.attach("a1", "big.txt", "text/plain", 101, "00", settings, BY_CUSTOMER)
    assert (caught.value.code, caught.value.details) == (
        "attachment_too_large",
        {"size": 101, "limit": 100},
    )
    with pytest.raises(Conflict) as taken:
        attached.attach("a1", "n.txt", "text/plain", 1, "00", settings, BY_CUSTOMER)
    assert taken.value.code == "attachment_exists"


# --- Assignment (RT-1, RT-2, RT-8, PM-3) ------------------------------------------------


def test_rt8_the_first_taker_wins_and_a_second_is_refused() -> None:
    """RT-8: taking assigns; another taker gets ``already_taken``; one's own is no change."""
    taken, (event,) = _conversation().take("ana", STAMP)
    assert (taken.assignee, taken.assigned_at) == ("ana", AT)
    assert isinstance(event, TicketAssigned)
    assert (event.assignee, event.previous) == ("ana", None)
    assert taken.take("ana", STAMP).events == ()
    with pytest.raises(Conflict) as caught:
        taken.take("bia", STAMP)
    assert (caught.value.code, caught.value.rule) == ("already_taken", "RT-8")


def test_rt1_a_ticket_offered_to_the_customer_is_not_in_the_queue() -> None:
    """RT-1, RT-8: ``customer_choosing``."""
    with pytest.raises(RuleViolation) as caught:
        _conversation(offered=("ana", "bia")).take("rita", STAMP)
    assert (caught.value.code, caught.value.rule) == ("customer_choosing", "RT-1")


def test_rt1_the_customer_chooses_only_among_those_offered() -> None:
    """RT-1: the choice assigns and clears the offer; ``not_offered`` otherwise."""
    ticket = _conversation(offered=("ana", "bia"))
    chosen, _ = ticket.choose("bia", STAMP)
    assert (chosen.assignee, chosen.offered) == ("bia", ())
    with pytest.raises(RuleViolation) as caught:
        ticket.choose("rita", STAMP)
    assert (caught.value.code, caught.value.rule) == ("not_offered", "RT-1")


def test_rt2_reassigning_needs_an_active_manager_the_department_admits() -> None:
    """RT-2: ``cannot_serve``; ``None`` hands the ticket back to the queue."""
    department = Department("acme", "vendas", "Vendas", members={"ana"})
    ticket = _conversation(assignee="ana", assigned_at=AT)
    bia = Manager("acme", "bia", "Bia", Profile.ANALYST)
    with pytest.raises(RuleViolation) as caught:
        ticket.reassign(bia, department, STAMP)
    assert (caught.value.code, caught.value.rule) == ("cannot_serve", "RT-2")
    back, (event,) = ticket.reassign(None, None, STAMP)
    assert (back.assignee, back.assigned_at, back.queued) == (None, None, True)
    assert isinstance(event, TicketAssigned)


def test_pm3_reply_and_close_record_their_events() -> None:
    """PM-3, MB-5: a reply touches the activity; a close closes, both with their events."""
    replied, (reply,) = _conversation().reply(STAMP)
    assert (replied.last_activity, isinstance(reply, TicketReplied)) == (AT, True)
    closed, (close,) = _conversation().close(STAMP)
    assert (closed.status, isinstance(close, TicketClosed)) == (TicketStatus.CLOSED, True)


# --- Policies: who may act ---------------------------------------------------------------


def test_tk7_only_the_side_responsible_acts_at_its_turn() -> None:
    """TK-7: ``not_your_turn``, with the rule the caller names (TK-8 for a cancel)."""
    policy.require_turn(_portal(), CUSTOMER, "move")
    with pytest.raises(RuleViolation) as caught:
        policy.require_turn(_portal(), SERVICE, "move")
    assert (caught.value.code, caught.value.rule) == ("not_your_turn", "TK-7")
    with pytest.raises(RuleViolation) as cancel:
        policy.require_turn(_portal("triage"), CUSTOMER, "cancel", rule="TK-8")
    assert cancel.value.rule == "TK-8"


def test_tk6_only_the_customer_approves() -> None:
    """TK-6, TK-8: ``customer_only``."""
    policy.require_customer(CUSTOMER, _portal(), "approves", "TK-6")
    with pytest.raises(PermissionDenied) as caught:
        policy.require_customer(SERVICE, _portal(), "approves", "TK-6")
    assert (caught.value.code, caught.value.rule) == ("customer_only", "TK-6")


def test_tk1_only_a_customer_or_the_host_opens_a_portal_ticket() -> None:
    """TK-1: a manager is refused ``customer_only``."""
    policy.require_customer_or_host(_actor(PrincipalKind.CUSTOMER, identity="c1"))
    policy.require_customer_or_host(_actor(PrincipalKind.SYSTEM, identity="host"))
    with pytest.raises(PermissionDenied) as caught:
        policy.require_customer_or_host(_actor(PrincipalKind.MANAGER))
    assert (caught.value.code, caught.value.rule) == ("customer_only", "TK-1")


def test_vs4_the_portals_views_are_a_signed_in_customers() -> None:
    """VS-4: anyone but a customer principal is refused ``customer_only``."""
    policy.require_portal_customer(Principal("acme", "c1", PrincipalKind.CUSTOMER), "no")
    for other in (Principal("acme", "ana"), "c1"):
        with pytest.raises(PermissionDenied) as caught:
            policy.require_portal_customer(other, "portal only")
        assert (caught.value.code, caught.value.rule, caught.value.message) == (
            "customer_only",
            "VS-4",
            "portal only",
        )


def test_pm3_owner_only_binds_agents_but_not_the_host_nor_override_holders() -> None:
    """PM-3: the setting off, the host, OVERRIDE_OWNER_ONLY: no restriction."""
    agent = _actor(PrincipalKind.MANAGER)
    assert policy.owner_only_binds(agent, True)
    assert not policy.owner_only_binds(agent, False)
    assert not policy.owner_only_binds(_actor(PrincipalKind.SYSTEM, identity="host"), True)
    overriding = _actor(PrincipalKind.MANAGER, Permission.OVERRIDE_OWNER_ONLY)
    assert not policy.owner_only_binds(overriding, True)


def test_pm3_only_owners_and_their_backups_act_under_owner_only() -> None:
    """PM-3: account managers, portfolio managers, backups of absent ones; others refused."""
    customer = Customer("acme", "c1", "Loja", portfolio="p1", account_managers=("bia",))
    portfolio = Portfolio("acme", "p1", "Sul", managers=("rui",))
    owners = policy.owners_of(customer, portfolio)
    assert owners == {"bia", "rui"}
    ana = _actor(PrincipalKind.MANAGER)
    policy.require_owner(_conversation(), ana, owners, frozenset({"rui"}), "reply to")
    with pytest.raises(PermissionDenied) as caught:
        policy.require_owner(_conversation(), ana, owners, frozenset(), "reply to")
    assert (caught.value.code, caught.value.rule) == ("not_an_owner", "PM-3")
    assert caught.value.details == {"ticket": "t1", "actor": "ana"}


def test_rt8_vs7_only_members_take_from_or_list_a_queue() -> None:
    """RT-8, VS-7: ``not_a_member``; the host and members pass."""
    department = Department("acme", "vendas", "Vendas", members={"bia"})
    policy.require_member(department, _actor(PrincipalKind.SYSTEM, identity="h"), "take", "RT-8")
    policy.require_member(department, _actor(PrincipalKind.MANAGER, identity="bia"), "x", "RT-8")
    with pytest.raises(PermissionDenied) as caught:
        policy.require_member(
            department, _actor(PrincipalKind.MANAGER), "take the tickets of", "RT-8"
        )
    assert (caught.value.code, caught.value.rule) == ("not_a_member", "RT-8")


def test_rt8_only_an_agent_holding_assign_self_takes_from_a_queue() -> None:
    """RT-8: the host and customers are refused; so is an agent without ASSIGN_SELF."""
    for kind in (PrincipalKind.SYSTEM, PrincipalKind.CUSTOMER):
        with pytest.raises(PermissionDenied) as caught:
            policy.require_taker(_actor(kind, identity="x"))
        assert caught.value.rule == "RT-8"
    with pytest.raises(PermissionDenied):
        policy.require_taker(_actor(PrincipalKind.MANAGER))
    policy.require_taker(_actor(PrincipalKind.MANAGER, Permission.ASSIGN_SELF))


def test_wa1_only_the_agent_serving_an_open_ticket_adds_its_customer() -> None:
    """WA-1: ``not_serving_agent``."""
    policy.require_serving_agent(_conversation(assignee="ana"), "ana")
    for ticket in (
        _conversation(assignee="bia"),
        _conversation(assignee="ana", status=TicketStatus.CLOSED),
    ):
        with pytest.raises(RuleViolation) as caught:
            policy.require_serving_agent(ticket, "ana")
        assert (caught.value.code, caught.value.rule) == ("not_serving_agent", "WA-1")


def test_rt1_only_the_host_records_a_customers_choice() -> None:
    """RT-1: the host acts for the customer; anyone else is refused."""
    _actor(PrincipalKind.SYSTEM, identity="h").require_host("records a customer's choice", "RT-1")
    with pytest.raises(PermissionDenied) as caught:
        _actor(PrincipalKind.MANAGER).require_host("records a customer's choice", "RT-1")
    assert (caught.value.rule, caught.value.message) == (
        "RT-1",
        "only the host application records a customer's choice",
    )
