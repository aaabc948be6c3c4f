"""A Hypothesis state machine over portal tickets, from both sides (TK-1..TK-9, VS-4).

One tenant holds seed 004's portal: an attendant (``ana``, who receives every portal
ticket, RT-6), an agent who sees none of the customers (``bia``), an administrator
(``root``), the host, and two customers of one organization. Two ticket types between
them have a customer stage with a REQUIRED field, service stages with an INVISIBLE and
a READ_ONLY field, an approval stage each and a final stage each.

Each step runs one portal command (open, move, fill, message, attach, approve, reject,
cancel, delete) for a random actor with random, often invalid, arguments, and then
checks:

7. stage histories, discussions and attachments only grow, one move at most per
   command; a completed or cancelled ticket never changes again, except that an
   administrator may delete a cancelled one, which leaves a TicketDeleted event and
   nothing else behind (TK-2, TK-8, TK-9);
8. a refused command leaves the store and the attachment store exactly as they were
   (PM-2, ER-1, ST-1);
- a customer reaches only his own tickets and their attachments, one by one or
  listed (VS-4), sees no invisible field and no internal note (TK-3, TK-5), and each
  portal view lists exactly his tickets whose status and responsibility put them there
  (TK-7);
- the attachment store holds exactly the content of the stored attachments (TK-4, TK-8).

Every rule takes only strings, ints, bytes, booleans, dates, ``None`` and dicts of them,
so a failing run prints a program that replays it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from itertools import count
from typing import Any, NamedTuple

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from carteira import (
    Carteira,
    CarteiraError,
    ExtraField,
    FieldAccess,
    FieldKind,
    InMemoryAttachmentStore,
    InMemoryStore,
    ManualClock,
    NotFound,
    PortalFilter,
    Principal,
    Profile,
    Responsible,
    Role,
    Stage,
    Ticket,
    TicketStatus,
)
from carteira.events import TicketClosed, TicketDeleted

TENANT = "acme"
HOST = Principal.system(TENANT)
CUSTOMER, SERVICE = Responsible.CUSTOMER, Responsible.SERVICE
REQUIRED, READ_ONLY, INVISIBLE = FieldAccess.REQUIRED, FieldAccess.READ_ONLY, FieldAccess.INVISIBLE
EDITABLE = FieldAccess.EDITABLE
CUSTOMERS = ("c1", "c2")
ADMINS = ("root", "host")
LIMIT = 8
"""The attachment size limit set for the tenant, in bytes (TK-4)."""


class Kind(NamedTuple):
    """A ticket type as this test defines it; the oracle reads it, not the library."""

    group: str
    name: str
    stages: tuple[Stage, ...]
    transitions: tuple[tuple[str, str], ...]
    fields: tuple[ExtraField, ...]


KINDS = {
    "refund": Kind(
        "Financeiro",
        "Reembolso",
        (
            Stage("draft", "Rascunho", CUSTOMER, {"invoice": REQUIRED, "cost": INVISIBLE}),
            Stage("triage", "Triagem", SERVICE, {"cost": INVISIBLE}),
            Stage(
                "understanding",
                "Entendimento",
                CUSTOMER,
                {"cost": INVISIBLE},
                asks_approval=True,
                approve_to="work",
                reject_to="triage",
            ),
            Stage("work", "Execução", SERVICE, {"invoice": READ_ONLY}),
            Stage("done", "Concluído", SERVICE, final=True),
        ),
        (
            ("draft", "triage"),
            ("triage", "understanding"),
            ("triage", "draft"),
            ("work", "done"),
            ("work", "triage"),
        ),
        (
            ExtraField("invoice", FieldKind.TEXT),
            ExtraField("amount", FieldKind.NUMBER),
            ExtraField("cost", FieldKind.NUMBER),
            ExtraField("due", FieldKind.DATE),
        ),
    ),
    "question": Kind(
        "Suporte",
        "Dúvida",
        (
            Stage("ask", "Pergunta", CUSTOMER),
            Stage("answer", "Resposta", SERVICE, {"channel": READ_ONLY}),
            Stage(
                "confirm",
                "Confirmação",
                CUSTOMER,
                asks_approval=True,
                approve_to="closed",
                reject_to="answer",
            ),
            Stage("closed", "Encerrado", CUSTOMER, final=True),
        ),
        (("ask", "answer"), ("ask", "closed"), ("answer", "confirm"), ("answer", "ask")),
        (
            ExtraField("channel", FieldKind.CHOICE, choices=("email", "phone")),
            ExtraField("urgent", FieldKind.BOOLEAN),
        ),
    ),
}
STAGE_IDS = tuple(s.id for kind in KINDS.values() for s in kind.stages)
FIELD_NAMES = (*(f.name for kind in KINDS.values() for f in kind.fields), "ghost")
VALUES = ("NF-1", "", 12, 12.5, True, date(2026, 1, 2), "email", "fax", None)

# Actors are drawn at random; ``"turn"`` stands for the side whose turn it is at the
# ticket's stage (its customer, or the attendant), so that workflows get somewhere,
# while the wrong customer, the blind agent and the wrong side keep refusals coming.
actors = st.sampled_from(("turn", "turn", "turn", "c1", "c2", "ana", "root", "host", "bia"))
customer_acts = st.sampled_from(("turn", "turn", "turn", "c1", "c2", "ana", "root", "bia"))
openers = st.sampled_from(("c1", "c2", "c1", "c2", "host", "host", "ana", "root", "bia"))
customers = st.sampled_from(("c1", "c1", "c2"))
# Mostly the door the actor should use; now and then the other one (PM-2, VS-4).
wrong_door = st.sampled_from((False, False, False, False, True))
kinds = st.sampled_from(("refund", "question", "refund", "question", "refund", "question", "ghost"))
subjects = st.sampled_from(("Cobrança em dobro", "Cobrança em dobro", "Cobrança em dobro", "  "))
field_values = st.one_of(
    st.sampled_from(({"invoice": "NF-1"}, {"channel": "email"}, {"cost": 99}, {"urgent": True})),
    st.dictionaries(st.sampled_from(FIELD_NAMES), st.sampled_from(VALUES), min_size=1, max_size=3),
)
# ``None`` asks the machine for one of the legal moves from where the ticket stands.
stages = st.one_of(st.none(), st.sampled_from((*STAGE_IDS, "nowhere", "")))
notes = st.sampled_from(("", "", "entendi assim", "   "))
reasons = st.sampled_from(("não é isso", "não é isso", "", "   "))
texts = st.sampled_from(("alguma novidade?", "alguma novidade?", "   ", ""))
content_types = st.sampled_from(
    ("text/plain", "application/pdf", "text/plain", "application/x-msdownload")
)
contents = st.sampled_from((b"", b"1", b"%PDF-1.7", b"123456789"))
file_names = st.sampled_from(("nota.txt", "nota.txt", "nota.txt", " "))
given_ids = st.sampled_from((None, None, None, "x1"))
TOUCHES = ("move", "fill", "post message", "attach", "approve", "reject", "cancel", "delete")


def _principal(actor: str) -> Principal:
    if actor == "host":
        return HOST
    if actor in CUSTOMERS:
        return Principal.customer(TENANT, actor)
    return Principal.manager(TENANT, actor)


def _stage(ticket: Ticket) -> Stage:
    assert ticket.type is not None
    return next(s for s in KINDS[ticket.type].stages if s.id == ticket.stage)


def _view_of(ticket: Ticket) -> PortalFilter:
    """The TK-7 oracle: the view besides *All* that shows ``ticket``."""
    if ticket.status is TicketStatus.CLOSED:
        return PortalFilter.COMPLETED
    if ticket.status is TicketStatus.CANCELLED:
        return PortalFilter.CANCELLED
    return PortalFilter.MINE if _stage(ticket).responsible is CUSTOMER else PortalFilter.AWAITING


def _finished(ticket: Ticket) -> bool:
    return not ticket.open


def _awaits_approval(ticket: Ticket) -> bool:
    return ticket.open and _stage(ticket).asks_approval


class PortalMachine(RuleBasedStateMachine):
    """Random portal commands from every kind of actor; invariants 7 and 8, VS-4, TK-7."""

    tickets = Bundle("tickets")

    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryStore()
        self.files = InMemoryAttachmentStore()
        self.clock = ManualClock()
        ids = (f"n{i}" for i in count(1))
        self.app = Carteira(
            self.store.unit_of_work,
            clock=self.clock,
            attachments=self.files,
            new_id=lambda: next(ids),
        )
        self.fresh = count(1)
        self.seen: dict[str, Ticket] = {}
        """Every stored ticket as it was after the last step."""
        self.final: dict[str, Ticket] = {}
        """Every completed or cancelled ticket as it was when it became so."""
        self.deleted: set[str] = set()
        self.last: tuple[str, str, str] = ("", "", "")
        """The last command applied: its label, actor and ticket."""
        self.cached: Mapping[str, Ticket] | None = None
        self.applied = 0
        """How many commands applied so far: the portal's answers change only then."""
        self.checked: dict[str, int] = {}

    @initialize(target=tickets)
    def seed_portal(self) -> Any:
        """Seed 004's world: attendant, administrator, blind agent, two customers, two types."""
        app = self.app
        app.register_manager(HOST, "ana", "Ana", profile=Profile.ANALYST)
        app.register_manager(HOST, "bia", "Bia", profile=Profile.AGENT)
        app.register_manager(
            HOST, "root", "Root", profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
        )
        app.register_organization(HOST, "org", "Org")
        app.register_customer(HOST, "c1", "Padaria", organization="org")
        app.register_customer(HOST, "c2", "Vizinha", organization="org")
        app.update_settings(HOST, portal_attendant="ana", attachment_max_bytes=LIMIT)
        for type_id, kind in KINDS.items():
            app.save_ticket_type(
                HOST,
                type_id,
                group=kind.group,
                name=kind.name,
                stages=kind.stages,
                transitions=kind.transitions,
                fields=kind.fields,
            )
        for ticket, customer, kind in (("s1", "c1", "refund"), ("s2", "c2", "question")):
            app.portal.open_ticket(
                _principal(customer),
                group=KINDS[kind].group,
                ticket_type=kind,
                subject="Primeiro",
                request="Primeiro pedido",
                ticket_id=ticket,
            )
        self.cached = None
        return multiple("s1", "s2")

    # -- TK-1 opening ------------------------------------------------------------------------

    @rule(
        target=tickets,
        actor=openers,
        customer=customers,
        kind=kinds,
        wrong_group=wrong_door,
        subject=subjects,
        values=st.one_of(st.just({}), field_values),
    )
    def open_ticket(
        self,
        actor: str,
        customer: str,
        kind: str,
        wrong_group: bool,
        subject: str,
        values: dict[str, Any],
    ) -> Any:
        return self._open(
            actor, f"t{next(self.fresh)}", customer, kind, wrong_group, subject, values
        )

    @rule(target=tickets, actor=openers, ticket=tickets, kind=kinds)
    def open_with_a_taken_id(self, actor: str, ticket: str, kind: str) -> Any:
        owner = self.seen[ticket].customer if ticket in self.seen else "c1"
        return self._open(actor, ticket, owner, kind, False, "De novo", {})

    def _open(
        self,
        actor: str,
        ticket: str,
        customer: str,
        kind: str,
        wrong_group: bool,
        subject: str,
        values: dict[str, Any],
    ) -> Any:
        group = KINDS[kind].group if kind in KINDS else "Financeiro"
        if wrong_group:
            group = "Suporte" if group == "Financeiro" else "Financeiro"
        form = {
            "group": group,
            "ticket_type": kind,
            "subject": subject,
            "request": "Fui cobrado duas vezes",
            "values": values,
            "ticket_id": ticket,
        }
        if actor in CUSTOMERS:
            customer = actor
            result = self._attempt(
                "open", actor, ticket, lambda p: self.app.portal.open_ticket(p, **form)
            )
        else:
            result = self._attempt(
                "open", actor, ticket, lambda p: self.app.open_portal_ticket(p, customer, **form)
            )
        if result is None:
            return multiple()
        assert actor in (*CUSTOMERS, "host"), f"{actor} opened a portal ticket"
        self.deleted.discard(ticket)
        stored = self._rows()[ticket]
        assert (stored.customer, stored.type) == (customer, kind)
        assert stored.stage == KINDS[kind].stages[0].id, "TK-1: not in the first stage"
        return ticket

    # -- TK-2, TK-3 moving and filling -------------------------------------------------------

    @rule(
        actor=actors,
        ticket=tickets,
        stage=stages,
        pick=st.integers(0, 3),
        note=notes,
        swap=wrong_door,
    )
    def move(
        self, actor: str, ticket: str, stage: str | None, pick: int, note: str, swap: bool
    ) -> None:
        actor = self._who(actor, ticket)
        target = self._legal_target(ticket, pick) if stage is None else stage
        if (actor in CUSTOMERS) != swap:
            result = self._attempt(
                "move", actor, ticket, lambda p: self.app.portal.move(p, ticket, target, note=note)
            )
        else:
            result = self._attempt(
                "move", actor, ticket, lambda p: self.app.move_ticket(p, ticket, target, note=note)
            )
        if result is not None:
            self._on_the_turn(actor, ticket)

    def _legal_target(self, ticket: str, pick: int) -> str:
        stored = self._rows().get(ticket)
        if stored is None or stored.type is None:
            return STAGE_IDS[pick % len(STAGE_IDS)]
        allowed = sorted(t for s, t in KINDS[stored.type].transitions if s == stored.stage)
        return allowed[pick % len(allowed)] if allowed else STAGE_IDS[pick % len(STAGE_IDS)]

    @rule(actor=actors, ticket=tickets, values=field_values, swap=wrong_door)
    def fill(self, actor: str, ticket: str, values: dict[str, Any], swap: bool) -> None:
        actor = self._who(actor, ticket)
        if (actor in CUSTOMERS) != swap:
            result = self._attempt(
                "fill", actor, ticket, lambda p: self.app.portal.fill(p, ticket, values)
            )
        else:
            result = self._attempt(
                "fill", actor, ticket, lambda p: self.app.fill_fields(p, ticket, values)
            )
        if result is not None:
            self._on_the_turn(actor, ticket)

    # -- TK-4, TK-5 discussion and attachments -----------------------------------------------

    @rule(
        actor=actors,
        ticket=tickets,
        text=texts,
        internal=st.sampled_from((False, False, True)),
        message_id=given_ids,
        swap=wrong_door,
    )
    def post_message(
        self, actor: str, ticket: str, text: str, internal: bool, message_id: str | None, swap: bool
    ) -> None:
        actor = self._who(actor, ticket)
        portal = (actor in CUSTOMERS) != swap and not internal

        def command(p: Principal) -> Any:
            if portal:
                return self.app.portal.post_message(p, ticket, text, message_id=message_id)
            return self.app.post_message(p, ticket, text, internal=internal, message_id=message_id)

        label = "post internal note" if internal else "post message"
        if self._attempt(label, actor, ticket, command) is not None:
            assert not (internal and actor in CUSTOMERS), "TK-5: a customer wrote an internal note"

    @rule(
        actor=actors,
        ticket=tickets,
        name=file_names,
        content_type=content_types,
        content=contents,
        attachment_id=given_ids,
        swap=wrong_door,
    )
    def attach(
        self,
        actor: str,
        ticket: str,
        name: str,
        content_type: str,
        content: bytes,
        attachment_id: str | None,
        swap: bool,
    ) -> None:
        actor = self._who(actor, ticket)
        upload = self.app.portal.attach if (actor in CUSTOMERS) != swap else self.app.attach
        result = self._attempt(
            "attach",
            actor,
            ticket,
            lambda p: upload(
                p,
                ticket,
                name=name,
                content_type=content_type,
                content=content,
                attachment_id=attachment_id,
            ),
        )
        if result is not None:
            assert len(content) <= LIMIT, "TK-4: an attachment over the limit was accepted"
            assert content_type != "application/x-msdownload", "TK-4: a refused type went in"

    # -- TK-6 approval, TK-8 cancel and delete -----------------------------------------------

    @rule(actor=customer_acts, ticket=tickets, note=notes)
    def approve(self, actor: str, ticket: str, note: str) -> None:
        actor = self._who(actor, ticket)
        before = self._rows().get(ticket)
        result = self._attempt(
            "approve", actor, ticket, lambda p: self.app.portal.approve(p, ticket, note=note)
        )
        if result is not None:
            assert before is not None
            self._only_his_customer(actor, ticket, "approve")
            assert self._rows()[ticket].stage == _stage(before).approve_to

    @rule(actor=customer_acts, ticket=tickets, reason=reasons)
    def reject(self, actor: str, ticket: str, reason: str) -> None:
        actor = self._who(actor, ticket)
        before = self._rows().get(ticket)
        result = self._attempt(
            "reject", actor, ticket, lambda p: self.app.portal.reject(p, ticket, reason=reason)
        )
        if result is not None:
            assert before is not None
            assert reason.strip(), "TK-6: a rejection without a reason"
            self._only_his_customer(actor, ticket, "reject")
            assert self._rows()[ticket].stage == _stage(before).reject_to

    @rule(actor=actors, ticket=tickets, reason=notes)
    def cancel(self, actor: str, ticket: str, reason: str) -> None:
        actor = self._who(actor, ticket)
        before = self._rows().get(ticket)
        result = self._attempt(
            "cancel", actor, ticket, lambda p: self.app.portal.cancel(p, ticket, reason=reason)
        )
        if result is not None:
            assert before is not None
            self._only_his_customer(actor, ticket, "cancel")
            assert _stage(before).responsible is CUSTOMER, "TK-8: cancelled off his turn"

    @rule(actor=st.sampled_from(("root", "host", "root", "ana", "bia", "c1")), ticket=tickets)
    def delete(self, actor: str, ticket: str) -> None:
        result = self._attempt("delete", actor, ticket, lambda p: self.app.delete_ticket(p, ticket))
        if result is not None:
            assert actor in ADMINS, f"TK-8: {actor} deleted a ticket"
            assert [e.ticket_id for e in result.events if isinstance(e, TicketDeleted)] == [ticket]

    @precondition(lambda self: self._picked(lambda row: row.status is TicketStatus.CANCELLED, 0))
    @rule(actor=st.sampled_from(("root", "host", "ana", "c1")), pick=st.integers(0, 7))
    def delete_a_cancelled_ticket(self, actor: str, pick: int) -> None:
        """Delete one of the cancelled tickets, so that deletions are tried often (TK-8)."""
        ticket = self._picked(lambda row: row.status is TicketStatus.CANCELLED, pick)
        assert ticket is not None
        self.delete(actor, ticket)

    @precondition(lambda self: self._picked(_awaits_approval, 0))
    @rule(actor=customer_acts, pick=st.integers(0, 7), approve=st.booleans(), reason=reasons)
    def decide_a_pending_ticket(self, actor: str, pick: int, approve: bool, reason: str) -> None:
        """Approve or reject one of the tickets awaiting approval, so that both happen (TK-6)."""
        ticket = self._picked(_awaits_approval, pick)
        assert ticket is not None
        (self.approve if approve else self.reject)(actor, ticket, reason)

    @precondition(lambda self: self._picked(_finished, 0))
    @rule(actor=actors, pick=st.integers(0, 7), command=st.sampled_from(TOUCHES))
    def touch_a_finished_ticket(self, actor: str, pick: int, command: str) -> None:
        """Try a change that would apply to an open ticket on a finished one (TK-8, TK-9)."""
        ticket = self._picked(_finished, pick)
        assert ticket is not None
        kind = self._rows()[ticket].type
        if command == "move":
            self.move(actor, ticket, None, pick, "", False)
        elif command == "fill":
            self.fill(
                actor, ticket, {"amount": 12} if kind == "refund" else {"urgent": True}, False
            )
        elif command == "post message":
            self.post_message(actor, ticket, "alguma novidade?", False, None, False)
        elif command == "attach":
            self.attach(actor, ticket, "nota.txt", "text/plain", b"1", None, False)
        elif command == "approve":
            self.approve(actor, ticket, "")
        elif command == "reject":
            self.reject(actor, ticket, "não é isso")
        elif command == "cancel":
            self.cancel(actor, ticket, "")
        else:
            self.delete("root" if actor == "turn" else actor, ticket)

    # -- moving workflows along ----------------------------------------------------------------

    @precondition(lambda self: self._picked(lambda row: row.open, 0))
    @rule(pick=st.integers(0, 7), reject=st.booleans())
    def advance(self, pick: int, reject: bool) -> None:
        """The side whose turn it is takes one of the open tickets one step on.

        It approves or rejects where the stage asks approval, fills a missing required
        field, or else makes one of the legal moves. The random rules above refuse far
        more than they apply; this one makes approvals, rejections and completions
        happen in most runs.
        """
        ticket = self._picked(lambda row: row.open, pick)
        assert ticket is not None
        row = self._rows()[ticket]
        stage = _stage(row)
        missing = sorted(
            n for n, a in stage.access.items() if a is REQUIRED and n not in row.values
        )
        if stage.asks_approval:
            decide = self.reject if reject else self.approve
            decide("turn", ticket, "não é isso")
        elif missing:
            self.fill("turn", ticket, {missing[0]: "NF-1"}, False)
        else:
            self.move("turn", ticket, None, pick, "", False)

    def _picked(self, which: Callable[[Ticket], bool], pick: int) -> str | None:
        found = sorted(i for i, row in self._rows().items() if which(row))
        return found[pick % len(found)] if found else None

    # -- running a command -------------------------------------------------------------------

    def _attempt(
        self, label: str, actor: str, ticket: str, command: Callable[[Principal], Any]
    ) -> Any:
        """Run one command; invariant 8 if refused, and who may have applied it if not."""
        self.clock.advance(timedelta(minutes=1))
        before, files = self.store.snapshot(), self.files.keys(TENANT)
        self.cached, self.last = None, ("", "", "")
        try:
            result = command(_principal(actor))
        except CarteiraError as error:
            event(f"{label}: refused ({error.code})")
            assert self.store.snapshot() == before, f"a refused {label} changed the store"
            assert self.files.keys(TENANT) == files, f"a refused {label} changed the files"
            return None
        event(f"{label}: applied")
        self.applied += 1
        if any(isinstance(e, TicketClosed) for e in result.events):
            event(f"{label}: applied, completing the ticket")
        self.last = (label, actor, ticket)
        assert actor != "bia", f"bia, who sees no customer, applied {label}"
        if actor in CUSTOMERS and label != "open":
            self._only_his_customer(actor, ticket, label)
        return result

    def _who(self, actor: str, ticket: str) -> str:
        """Resolve ``"turn"``: the ticket's customer where it is his turn, else the attendant."""
        if actor != "turn":
            return actor
        row = self._rows().get(ticket)
        if row is None or not row.open or row.responsible is CUSTOMER:
            return row.customer if row is not None else "c1"
        return "ana"

    def _only_his_customer(self, actor: str, ticket: str, label: str) -> None:
        """VS-4: a customer's command applies to his own ticket only."""
        assert actor in CUSTOMERS, f"TK-6/TK-8: {actor} did {label} for the customer"
        assert self.seen[ticket].customer == actor, f"{actor} did {label} on another's ticket"

    def _on_the_turn(self, actor: str, ticket: str) -> None:
        """TK-7: only the side responsible at the stage moves or fills."""
        side = CUSTOMER if actor in CUSTOMERS else SERVICE
        assert _stage(self.seen[ticket]).responsible is side, f"{actor} acted off his turn"

    # -- invariant 7 ---------------------------------------------------------------------------

    @invariant()
    def histories_only_grow_and_finished_tickets_stay(self) -> None:
        """Invariant 7 (TK-2, TK-8, TK-9)."""
        rows = self._rows()
        for ticket_id, old in self.seen.items():
            new = rows.get(ticket_id)
            if new is None:
                self._check_deleted(old)
                continue
            self._check_grown(old, new)
            if ticket_id in self.final:
                assert new == self.final[ticket_id], f"finished {ticket_id} changed"
        for ticket_id in self.deleted:
            assert ticket_id not in rows, f"deleted {ticket_id} came back"
        self.seen = dict(rows)
        for ticket_id, row in rows.items():
            assert (row.status is TicketStatus.CLOSED) == _stage(row).final
            assert row.responsible is _stage(row).responsible
            if row.status is not TicketStatus.OPEN:
                self.final.setdefault(ticket_id, row)

    def _check_grown(self, old: Ticket, new: Ticket) -> None:
        assert new.history[: len(old.history)] == old.history, f"{old.id}: history rewritten"
        assert new.discussion[: len(old.discussion)] == old.discussion, f"{old.id}: discussion"
        assert new.attachments[: len(old.attachments)] == old.attachments, f"{old.id}: files"
        assert len(new.history) - len(old.history) <= 1, f"{old.id}: two moves in one command"
        if len(new.history) > len(old.history):
            move = new.history[-1]
            assert (move.source, move.target) == (old.stage, new.stage), f"{old.id}: bad entry"
        else:
            assert new.stage == old.stage, f"{old.id} changed stage without a history entry"

    def _check_deleted(self, old: Ticket) -> None:
        label, actor, ticket = self.last
        assert (label, ticket) == ("delete", old.id), f"{old.id} vanished"
        assert old.status is TicketStatus.CANCELLED, f"TK-8: {old.status} {old.id} deleted"
        assert actor in ADMINS
        self.final.pop(old.id, None)
        self.deleted.add(old.id)
        audit = [
            e
            for e in self._events()
            if isinstance(e, TicketDeleted)
            and e.ticket_id == old.id
            and e.actor == _principal(actor).id
        ]
        assert audit, f"TK-8: no TicketDeleted for {old.id} in the event log"
        for customer in CUSTOMERS:
            with pytest.raises(NotFound):
                self.app.portal.ticket(_principal(customer), old.id)
        assert not self.app.can_view(_principal("root"), "ticket", old.id)

    def _events(self) -> list[Any]:
        found: list[Any] = []
        after = 0
        while page := self.app.read_events(HOST, after=after, limit=500):
            found.extend(e for _, e in page)
            after = page[-1][0]
        return found

    # -- VS-4, TK-7, TK-4 ----------------------------------------------------------------------

    @invariant()
    def customers_reach_their_own_tickets_only(self) -> None:
        """VS-4, TK-3, TK-5: one by one, his own as he may see them; others not found."""
        if not self._changed("one by one"):
            return
        rows = self._rows()
        for customer in CUSTOMERS:
            me = _principal(customer)
            for row in rows.values():
                if row.customer == customer:
                    self._check_portal_ticket(me, row)
                else:
                    self._check_stranger(me, row)

    def _check_stranger(self, me: Principal, row: Ticket) -> None:
        with pytest.raises(NotFound) as caught:
            self.app.portal.ticket(me, row.id)
        assert caught.value.details == {"kind": "ticket", "id": row.id}, "VS-4: a leak"
        for attachment in row.attachments[:1]:
            with pytest.raises(NotFound):
                self.app.portal.attachment(me, row.id, attachment.id)

    def _check_portal_ticket(self, me: Principal, row: Ticket) -> None:
        seen = self.app.portal.ticket(me, row.id)
        stage = _stage(row)
        hidden = {n for n, a in stage.access.items() if a is INVISIBLE}
        assert dict(seen.values) == {n: v for n, v in row.values.items() if n not in hidden}
        assert seen.discussion == tuple(m for m in row.discussion if not m.internal)
        assert (seen.history, seen.attachments) == (row.history, row.attachments)
        assert seen.view is _view_of(row)
        # TK-7: read-only for him unless it is open and his turn (discussion and files apart).
        his_turn = row.open and stage.responsible is CUSTOMER
        assert (seen.cancellable, seen.awaiting_approval) == (
            his_turn,
            his_turn and stage.asks_approval,
        )
        assert row.type is not None
        kind = KINDS[row.type]
        moves = sorted(t for s, t in kind.transitions if s == stage.id)
        assert seen.moves == (tuple(moves) if his_turn else ())
        editable = [
            f.name
            for f in kind.fields
            if stage.access.get(f.name, EDITABLE) in (REQUIRED, EDITABLE)
        ]
        assert seen.editable == (tuple(editable) if his_turn else ())
        for attachment in row.attachments:
            found, content = self.app.portal.attachment(me, row.id, attachment.id)
            assert found == attachment
            assert hashlib.sha256(content).hexdigest() == attachment.sha256

    @invariant()
    def each_view_lists_exactly_its_tickets(self) -> None:
        """TK-7: All, Mine, Awaiting, Completed, Cancelled, each his own and only those."""
        if not self._changed("views"):
            return
        rows = self._rows()
        for customer in CUSTOMERS:
            me = _principal(customer)
            for view in PortalFilter:
                listed = [t.id for t in self.app.portal.tickets(me, view, limit=500).items]
                expected = sorted(
                    i
                    for i, row in rows.items()
                    if row.customer == customer
                    and (view is PortalFilter.ALL or _view_of(row) is view)
                )
                assert listed == expected, f"{customer} {view}: {listed} != {expected}"

    @invariant()
    def stored_files_are_the_stored_attachments(self) -> None:
        """TK-4, TK-8: no content without its metadata, no metadata without its content."""
        expected = sorted(f"{t.id}/{a.id}" for t in self._rows().values() for a in t.attachments)
        assert self.files.keys(TENANT) == expected

    def _changed(self, check: str) -> bool:
        """Tell whether a command applied since ``check`` last ran, and note that it runs.

        A refused command leaves the store as it was (invariant 8, checked on the spot),
        so the portal's answers cannot have changed; asking again only costs time.
        """
        if self.checked.get(check) == self.applied:
            return False
        self.checked[check] = self.applied
        return True

    # -- reading the store directly ------------------------------------------------------------

    def _rows(self) -> Mapping[str, Ticket]:
        """The stored tickets by id, read once per step (every command forgets them)."""
        if self.cached is None:
            data = self.store.snapshot().get(TENANT)
            self.cached = data["tickets"][0] if data else {}
        return self.cached


TestPortalMachine = PortalMachine.TestCase
