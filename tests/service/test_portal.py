"""Portal tickets, rule by rule (TK-1..TK-9, RT-6, VS-4), on seed 004's portal."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from carteira import (
    Carteira,
    Conflict,
    CustomerPortal,
    ExtraField,
    FieldAccess,
    FieldKind,
    InMemoryAttachmentStore,
    InMemoryStore,
    InvalidInput,
    ManualClock,
    MoveKind,
    NotFound,
    PermissionDenied,
    PortalFilter,
    Principal,
    Profile,
    Responsible,
    Role,
    RoutingMode,
    RuleViolation,
    Stage,
    TicketStatus,
)
from carteira.domain.events import TicketDeleted, TicketOpened

TENANT = "acme"
HOST = Principal.system(TENANT)
ME = Principal.customer(TENANT, "c1")
NEIGHBOUR = Principal.customer(TENANT, "c2")
ANA = Principal.manager(TENANT, "ana")
CUSTOMER, SERVICE = Responsible.CUSTOMER, Responsible.SERVICE

STAGES = [
    Stage("draft", "Rascunho", CUSTOMER, {"invoice": FieldAccess.REQUIRED}),
    Stage("triage", "Triagem", SERVICE, {"cost": FieldAccess.INVISIBLE}),
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
]
TRANSITIONS = [
    ("draft", "triage"),
    ("triage", "understanding"),
    ("triage", "draft"),
    ("work", "done"),
]
FIELDS = [
    ExtraField("invoice", FieldKind.TEXT),
    ExtraField("amount", FieldKind.NUMBER),
    ExtraField("cost", FieldKind.NUMBER),
]


class Portal:
    """A tenant with seed 004's portal: an attendant, two customers, a refund workflow."""

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.files = InMemoryAttachmentStore()
        self.clock = ManualClock()
        self.app = Carteira(self.store.unit_of_work, clock=self.clock, attachments=self.files)
        app = self.app
        app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
        app.register_manager(
            HOST, "root", "Root", profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
        )
        app.register_organization(HOST, "org", "Org")
        app.register_customer(HOST, "c1", "Padaria", organization="org")
        app.register_customer(HOST, "c2", "Vizinha", organization="org")
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

    def open(self, ticket_id: str = "t1", who: Principal = ME, **changes: Any) -> Any:
        form = {
            "group": "Financeiro",
            "ticket_type": "refund",
            "subject": "Cobrança em dobro",
            "request": "Fui cobrado duas vezes",
            "ticket_id": ticket_id,
            **changes,
        }
        return self.app.portal.open_ticket(who, **form)

    def to_triage(self, ticket_id: str = "t1") -> None:
        self.app.portal.fill(ME, ticket_id, {"invoice": "NF-1"})
        self.app.portal.move(ME, ticket_id, "triage")

    def to_understanding(self, ticket_id: str = "t1") -> None:
        self.to_triage(ticket_id)
        self.app.move_ticket(ANA, ticket_id, "understanding")

    def to_done(self, ticket_id: str = "t1") -> None:
        self.to_understanding(ticket_id)
        self.app.portal.approve(ME, ticket_id)
        self.app.move_ticket(ANA, ticket_id, "done")

    def unchanged(self, action: Callable[[], object], error: type[Exception]) -> Any:
        """Run a refused action: it raises ``error`` and changes nothing (invariant 8)."""
        before, files = self.store.snapshot(), self.files.keys(TENANT)
        with pytest.raises(error) as caught:
            action()
        assert self.store.snapshot() == before
        assert self.files.keys(TENANT) == files
        return caught.value


@pytest.fixture
def portal() -> Portal:
    return Portal()


# -- TK-1 opening, RT-6 the default attendant ---------------------------------------------------


def test_tk1_a_new_ticket_enters_its_types_first_stage(portal: Portal) -> None:
    seen = portal.open().value
    assert (seen.stage, seen.stage_name, seen.responsible) == ("draft", "Rascunho", CUSTOMER)
    assert seen.view is PortalFilter.MINE
    assert [(m.source, m.target, m.kind, m.actor) for m in seen.history] == [
        (None, "draft", MoveKind.OPENED, "c1")
    ]


@pytest.mark.parametrize("missing", ["group", "ticket_type", "subject", "request"])
def test_tk1_group_type_subject_and_request_are_all_required(portal: Portal, missing: str) -> None:
    error = portal.unchanged(lambda: portal.open(**{missing: "  "}), InvalidInput)
    path = "$.type" if missing == "ticket_type" else f"$.{missing}"
    assert [e.path for e in error.errors] == [path]
    assert error.rule == "TK-1"


def test_tk1_the_type_must_belong_to_the_group_given(portal: Portal) -> None:
    error = portal.unchanged(lambda: portal.open(group="Suporte"), InvalidInput)
    assert [e.path for e in error.errors] == ["$.type"]
    portal.unchanged(lambda: portal.open(ticket_type="nope"), NotFound)


def test_tk1_an_id_is_taken_once(portal: Portal) -> None:
    portal.open()
    portal.unchanged(portal.open, Conflict)


def test_rt6_the_default_attendant_receives_what_nothing_else_assigns(portal: Portal) -> None:
    result = portal.open()
    opened = next(e for e in result.events if isinstance(e, TicketOpened))
    assert (opened.assignee, opened.attendant, opened.ticket_type) == ("ana", True, "refund")
    assert portal.app.can_view(ANA, "ticket", "t1")


def test_rt6_without_an_active_attendant_the_ticket_waits_in_the_queue(portal: Portal) -> None:
    portal.app.register_manager(HOST, "bia", "Bia", profile=Profile.ANALYST)
    portal.app.update_settings(HOST, portal_attendant="bia")
    portal.app.deactivate_manager(HOST, "bia", keep=True)
    opened = next(e for e in portal.open().events if isinstance(e, TicketOpened))
    assert (opened.assignee, opened.attendant) == (None, False)


def test_rt6_a_type_routed_by_department_reaches_the_owner_first(portal: Portal) -> None:
    app = portal.app
    app.register_manager(HOST, "caio", "Caio", profile=Profile.ANALYST)
    app.create_portfolio(HOST, "Sul", managers=["caio"], portfolio_id="sul")
    app.assign_customer(HOST, "c1", "caio")
    app.save_department(HOST, "fin", name="Financeiro", routing=RoutingMode.PORTFOLIO)
    app.save_ticket_type(
        HOST, "refund", group="Financeiro", name="Reembolso", stages=STAGES,
        transitions=TRANSITIONS, fields=FIELDS, department="fin",
    )  # fmt: skip
    opened = next(e for e in portal.open().events if isinstance(e, TicketOpened))
    assert (opened.assignee, opened.attendant, opened.step) == (
        "caio",
        False,
        "primary_account_manager",
    )
    opened = next(e for e in portal.open("t2", NEIGHBOUR).events if isinstance(e, TicketOpened))
    assert (opened.assignee, opened.attendant) == ("ana", True)


def test_rt6_the_attendant_must_be_active_when_named(portal: Portal) -> None:
    portal.app.register_manager(HOST, "bia", "Bia", profile=Profile.ANALYST, active=False)
    error = portal.unchanged(
        lambda: portal.app.update_settings(HOST, portal_attendant="bia"), RuleViolation
    )
    assert (error.code, error.rule) == ("attendant_inactive", "RT-6")


# -- TK-2 workflow and stage history ------------------------------------------------------------


def test_tk2_a_move_outside_the_transitions_is_refused_with_the_legal_ones(portal: Portal) -> None:
    portal.open()
    portal.app.portal.fill(ME, "t1", {"invoice": "NF-1"})
    error = portal.unchanged(lambda: portal.app.portal.move(ME, "t1", "work"), RuleViolation)
    assert (error.code, error.rule) == ("illegal_transition", "TK-2")
    assert error.details["allowed"] == ["triage"]
    portal.unchanged(lambda: portal.app.portal.move(ME, "t1", "nowhere"), InvalidInput)


def test_tk2_every_move_is_appended_and_the_history_is_never_rewritten(portal: Portal) -> None:
    portal.open()
    history = portal.app.portal.ticket(ME, "t1").history
    portal.clock.advance()
    portal.to_triage()
    portal.clock.advance()
    portal.app.move_ticket(ANA, "t1", "understanding", note="entendi assim")
    portal.app.portal.reject(ME, "t1", reason="não é isso")
    later = portal.app.portal.ticket(ME, "t1").history
    assert later[: len(history)] == history
    assert [(m.source, m.target, m.kind, m.actor, m.note) for m in later[1:]] == [
        ("draft", "triage", MoveKind.MOVED, "c1", ""),
        ("triage", "understanding", MoveKind.MOVED, "ana", "entendi assim"),
        ("understanding", "triage", MoveKind.REJECTED, "c1", "não é isso"),
    ]
    assert later[1].at < later[2].at


def test_tk2_a_stage_holding_open_tickets_cannot_be_removed(portal: Portal) -> None:
    portal.open()
    error = portal.unchanged(
        lambda: portal.app.save_ticket_type(
            HOST, "refund", group="Financeiro", name="Reembolso", stages=STAGES[1:],
            transitions=[("triage", "understanding"), ("work", "done")], fields=FIELDS,
        ),
        RuleViolation,
    )  # fmt: skip
    assert (error.code, error.details["stages"]) == ("stage_in_use", ["draft"])


# -- TK-3 extra fields --------------------------------------------------------------------------


def test_tk3_required_fields_are_filled_before_leaving_the_stage(portal: Portal) -> None:
    portal.open()
    error = portal.unchanged(lambda: portal.app.portal.move(ME, "t1", "triage"), RuleViolation)
    assert (error.code, error.details["missing"]) == ("required_fields_missing", ["invoice"])


def test_tk3_values_are_checked_against_the_field_definition(portal: Portal) -> None:
    portal.open()
    error = portal.unchanged(
        lambda: portal.app.portal.fill(ME, "t1", {"amount": "12", "ghost": 1}), InvalidInput
    )
    assert sorted(e.path for e in error.errors) == ["$.values['amount']", "$.values['ghost']"]
    seen = portal.app.portal.fill(ME, "t1", {"amount": 12.5, "invoice": "NF-1"}).value
    assert seen.values == {"amount": 12.5, "invoice": "NF-1"}
    assert portal.app.portal.fill(ME, "t1", {"amount": None}).value.values == {"invoice": "NF-1"}


def test_tk3_a_read_only_field_does_not_change_there(portal: Portal) -> None:
    portal.open()
    portal.to_understanding()
    portal.app.portal.approve(ME, "t1")
    error = portal.unchanged(
        lambda: portal.app.fill_fields(ANA, "t1", {"invoice": "NF-2"}), RuleViolation
    )
    assert (error.code, error.rule) == ("field_read_only", "TK-3")


def test_tk3_an_invisible_field_is_left_out_of_the_customers_view(portal: Portal) -> None:
    portal.open()
    portal.to_triage()
    ticket = portal.app.fill_fields(ANA, "t1", {"cost": 99}).value
    assert ticket.values["cost"] == 99
    assert "cost" not in portal.app.portal.ticket(ME, "t1").values


# -- TK-4 attachments ---------------------------------------------------------------------------


def test_tk4_a_file_can_be_attached_while_the_ticket_awaits_return(portal: Portal) -> None:
    portal.open()
    portal.to_triage()
    added = portal.app.portal.attach(
        ME, "t1", name="nota.pdf", content_type="application/pdf", content=b"%PDF-1.7"
    ).value
    assert (added.size, added.added_by) == (8, "c1")
    assert portal.app.portal.attachment(ME, "t1", added.id) == (added, b"%PDF-1.7")
    assert portal.app.attachment(ANA, "t1", added.id)[1] == b"%PDF-1.7"


def test_tk4_a_refused_upload_stores_nothing(portal: Portal) -> None:
    portal.open()
    portal.app.update_settings(HOST, attachment_max_bytes=4)
    attach = portal.app.portal.attach
    too_big = portal.unchanged(
        lambda: attach(ME, "t1", name="a.txt", content_type="text/plain", content=b"12345"),
        RuleViolation,
    )
    assert too_big.code == "attachment_too_large"
    wrong = portal.unchanged(
        lambda: attach(
            ME, "t1", name="a.exe", content_type="application/x-msdownload", content=b"MZ"
        ),
        RuleViolation,
    )
    assert wrong.code == "content_type_not_allowed"
    portal.unchanged(
        lambda: attach(ME, "t1", name=" ", content_type="text/plain", content=b"1"), InvalidInput
    )


def test_tk4_content_stored_for_a_command_that_then_fails_is_taken_back(portal: Portal) -> None:
    portal.open()

    class Broken(InMemoryAttachmentStore):
        def put(self, tenant: str, key: str, content: bytes) -> None:
            super().put(tenant, key, content)
            raise OSError("disk full after writing")

    files = Broken()
    app = Carteira(portal.store.unit_of_work, clock=portal.clock, attachments=files)
    before = portal.store.snapshot()
    with pytest.raises(OSError, match="disk full"):
        app.portal.attach(ME, "t1", name="a.txt", content_type="text/plain", content=b"1")
    assert files.keys(TENANT) == []
    assert portal.store.snapshot() == before


# -- TK-5 discussion ----------------------------------------------------------------------------


def test_tk5_the_discussion_stays_open_to_the_customer_whoever_is_responsible(
    portal: Portal,
) -> None:
    portal.open()
    portal.to_triage()
    portal.app.portal.post_message(ME, "t1", "alguma novidade?")
    portal.app.post_message(ANA, "t1", "verificando", internal=True)
    portal.app.post_message(ANA, "t1", "estamos verificando")
    seen = portal.app.portal.ticket(ME, "t1").discussion
    assert [(m.author, m.text) for m in seen] == [
        ("c1", "alguma novidade?"),
        ("ana", "estamos verificando"),
    ]


def test_tk5_a_message_has_text(portal: Portal) -> None:
    portal.open()
    portal.unchanged(lambda: portal.app.portal.post_message(ME, "t1", "   "), InvalidInput)


# -- TK-6 understanding approval ----------------------------------------------------------------


def test_tk6_approval_moves_on_and_rejection_goes_back_with_its_reason(portal: Portal) -> None:
    portal.open()
    portal.to_understanding()
    seen = portal.app.portal.ticket(ME, "t1")
    assert (seen.awaiting_approval, seen.view) == (True, PortalFilter.MINE)
    portal.unchanged(lambda: portal.app.portal.reject(ME, "t1", reason=" "), InvalidInput)
    back = portal.app.portal.reject(ME, "t1", reason="faltou o estorno").value
    assert (back.stage, back.history[-1].note) == ("triage", "faltou o estorno")
    portal.app.move_ticket(ANA, "t1", "understanding")
    on = portal.app.portal.approve(ME, "t1").value
    assert (on.stage, on.responsible, on.history[-1].kind) == ("work", SERVICE, MoveKind.APPROVED)


def test_tk6_nothing_to_approve_outside_an_approval_stage(portal: Portal) -> None:
    portal.open()
    error = portal.unchanged(lambda: portal.app.portal.approve(ME, "t1"), RuleViolation)
    assert (error.code, error.rule) == ("no_approval_pending", "TK-6")


# -- TK-7 portal views, VS-4 his own tickets only -----------------------------------------------


def test_tk7_each_view_lists_the_tickets_in_it(portal: Portal) -> None:
    for ticket_id in ("t1", "t2", "t3", "t4", "t5"):
        portal.open(ticket_id)
    portal.to_triage("t2")
    portal.to_understanding("t3")
    portal.to_done("t4")
    portal.app.portal.cancel(ME, "t5", reason="duplicado")
    views = {v: [t.id for t in portal.app.portal.tickets(ME, v).items] for v in PortalFilter}
    assert views == {
        PortalFilter.ALL: ["t1", "t2", "t3", "t4", "t5"],
        PortalFilter.MINE: ["t1", "t3"],
        PortalFilter.AWAITING: ["t2"],
        PortalFilter.COMPLETED: ["t4"],
        PortalFilter.CANCELLED: ["t5"],
    }
    page = portal.app.portal.tickets(ME, PortalFilter.ALL, limit=2)
    assert ([t.id for t in page.items], page.next_after) == (["t1", "t2"], "t2")
    rest = portal.app.portal.tickets(ME, PortalFilter.ALL, after="t2", limit=2)
    assert [t.id for t in rest.items] == ["t3", "t4"]


def test_vs4_a_customer_never_reaches_another_customers_ticket(portal: Portal) -> None:
    portal.open()
    added = portal.app.portal.attach(
        ME, "t1", name="a.txt", content_type="text/plain", content=b"1"
    )
    attachment_id = added.value.id
    them = portal.app.portal
    for action in (
        lambda: them.ticket(NEIGHBOUR, "t1"),
        lambda: them.move(NEIGHBOUR, "t1", "triage"),
        lambda: them.fill(NEIGHBOUR, "t1", {"amount": 1}),
        lambda: them.post_message(NEIGHBOUR, "t1", "oi"),
        lambda: them.attach(NEIGHBOUR, "t1", name="b.txt", content_type="text/plain", content=b"2"),
        lambda: them.attachment(NEIGHBOUR, "t1", attachment_id),
        lambda: them.approve(NEIGHBOUR, "t1"),
        lambda: them.cancel(NEIGHBOUR, "t1"),
    ):
        error = portal.unchanged(action, NotFound)
        assert error.details == {"kind": "ticket", "id": "t1"}
    assert them.tickets(NEIGHBOUR).items == []


def _agent_side_methods() -> list[Any]:
    return [
        pytest.param(name, id=name)
        for name, _ in inspect.getmembers(Carteira, inspect.isfunction)
        if not name.startswith("_")
    ]


@pytest.mark.parametrize("name", _agent_side_methods())
def test_vs4_a_customer_acts_only_through_the_portal(portal: Portal, name: str) -> None:
    method = getattr(portal.app, name)
    arguments = {
        p.name: "x"
        for p in list(inspect.signature(method).parameters.values())[1:]
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    error = portal.unchanged(lambda: method(ME, **arguments), PermissionDenied)
    assert (error.code, error.rule) == ("portal_only", "VS-4")


def test_vs4_an_unknown_customer_may_not_act(portal: Portal) -> None:
    error = portal.unchanged(
        lambda: portal.app.portal.tickets(Principal.customer(TENANT, "ghost")), PermissionDenied
    )
    assert error.code == "principal_unknown"


# -- TK-8 cancel and delete, TK-9 read-only states ----------------------------------------------


def test_tk8_the_customer_cancels_only_under_his_responsibility(portal: Portal) -> None:
    portal.open()
    portal.to_triage()
    error = portal.unchanged(lambda: portal.app.portal.cancel(ME, "t1"), RuleViolation)
    assert (error.code, error.details["responsible"]) == ("not_your_turn", "service")
    portal.app.move_ticket(ANA, "t1", "draft")
    cancelled = portal.app.portal.cancel(ME, "t1", reason="engano").value
    assert (cancelled.status, cancelled.view) == (TicketStatus.CANCELLED, PortalFilter.CANCELLED)


def test_tk8_only_an_administrator_deletes_and_only_a_cancelled_ticket(portal: Portal) -> None:
    portal.open()
    root = Principal.manager(TENANT, "root")
    portal.app.portal.attach(ME, "t1", name="a.txt", content_type="text/plain", content=b"1")
    error = portal.unchanged(lambda: portal.app.delete_ticket(root, "t1"), RuleViolation)
    assert error.code == "not_cancelled"
    portal.app.portal.cancel(ME, "t1")
    portal.unchanged(lambda: portal.app.delete_ticket(ANA, "t1"), PermissionDenied)
    deleted = portal.app.delete_ticket(root, "t1")
    audit = [e for e in deleted.events if isinstance(e, TicketDeleted)]
    assert [(e.ticket_id, e.customer_id, e.subject, e.actor) for e in audit] == [
        ("t1", "c1", "Cobrança em dobro", "root")
    ]
    assert portal.files.keys(TENANT) == []
    portal.unchanged(lambda: portal.app.portal.ticket(ME, "t1"), NotFound)
    assert any(isinstance(e, TicketDeleted) for _, e in portal.app.read_events(HOST))


@pytest.mark.parametrize("ending", ["completed", "cancelled"])
def test_tk9_a_completed_or_cancelled_ticket_refuses_every_change(
    portal: Portal, ending: str
) -> None:
    portal.open()
    if ending == "completed":
        portal.to_done()
    else:
        portal.app.portal.cancel(ME, "t1")
    me, agent = portal.app.portal, portal.app
    for action in (
        lambda: me.move(ME, "t1", "triage"),
        lambda: me.fill(ME, "t1", {"amount": 1}),
        lambda: me.post_message(ME, "t1", "ainda aí?"),
        lambda: me.attach(ME, "t1", name="a.txt", content_type="text/plain", content=b"1"),
        lambda: me.approve(ME, "t1"),
        lambda: me.cancel(ME, "t1"),
        lambda: agent.move_ticket(ANA, "t1", "done"),
        lambda: agent.fill_fields(ANA, "t1", {"amount": 1}),
        lambda: agent.post_message(ANA, "t1", "oi"),
    ):
        error = portal.unchanged(action, RuleViolation)
        assert (error.code, error.rule) == (
            f"ticket_{'closed' if ending == 'completed' else 'cancelled'}",
            "TK-9",
        )


def _portal_methods() -> list[Any]:
    return [
        pytest.param(name, id=name)
        for name, _ in inspect.getmembers(CustomerPortal, inspect.isfunction)
        if not name.startswith("_")
    ]


@pytest.mark.parametrize("name", _portal_methods())
@pytest.mark.parametrize("who", [ANA, HOST], ids=["manager", "host"])
def test_vs4_the_portal_takes_signed_in_customers_only(
    portal: Portal, name: str, who: Principal
) -> None:
    portal.open()
    method = getattr(portal.app.portal, name)
    arguments = {
        p.name: "t1" if p.name == "ticket_id" else "x"
        for p in list(inspect.signature(method).parameters.values())[1:]
        if p.default is inspect.Parameter.empty
    }
    error = portal.unchanged(lambda: method(who, **arguments), PermissionDenied)
    assert (error.code, error.rule) == ("customer_only", "VS-4")


def test_tk3_blank_text_does_not_fill_a_required_field(portal: Portal) -> None:
    portal.open()
    portal.app.portal.fill(ME, "t1", {"invoice": "   "})
    error = portal.unchanged(lambda: portal.app.portal.move(ME, "t1", "triage"), RuleViolation)
    assert error.details["missing"] == ["invoice"]


def test_tk5_a_message_id_is_used_once_per_ticket(portal: Portal) -> None:
    portal.open()
    portal.app.portal.post_message(ME, "t1", "primeira", message_id="m1")
    error = portal.unchanged(
        lambda: portal.app.post_message(ANA, "t1", "segunda", message_id="m1"), Conflict
    )
    assert (error.code, error.rule) == ("message_exists", "TK-5")
