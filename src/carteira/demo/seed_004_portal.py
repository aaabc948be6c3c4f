"""Seed 004, a CRM's "Cliente On Line" module: the customer portal.

The article asks that customers open requests in a portal and follow them through a workflow
until they are done: a default attendant, stages with extra fields, attachments, the approval
of the service side's understanding, five filters, and rules for cancelling and deleting.
Here one request goes through every stage, and the others are cancelled and deleted.
"""

from __future__ import annotations

from datetime import timedelta

from carteira import (
    ExtraField,
    FieldAccess,
    FieldKind,
    FieldValue,
    PortalFilter,
    PortalTicket,
    Principal,
    Responsible,
    Result,
    Role,
    Stage,
    TicketType,
)
from carteira.demo._scene import OffScript, Scene, names, published, register_admin
from carteira.events import TicketDeleted, TicketOpened

#: The portal's five filters as the article names them, and what each shows (TK-7).
_FILTERS = {
    PortalFilter.ALL: ("Todos", "all", "every ticket of his"),
    PortalFilter.MINE: (
        "Em minha responsabilidade",
        "under my responsibility",
        "waiting for him to act",
    ),
    PortalFilter.AWAITING: (
        "Aguardando retorno",
        "awaiting return",
        "with the service side; he may only write and attach",
    ),
    PortalFilter.COMPLETED: ("Concluído", "completed", "read-only"),
    PortalFilter.CANCELLED: ("Cancelado", "cancelled", "read-only"),
}

_ACCESS = {
    FieldAccess.REQUIRED: "required",
    FieldAccess.READ_ONLY: "read-only",
    FieldAccess.INVISIBLE: "invisible to the customer",
    FieldAccess.EDITABLE: "editable",
}


def play(scene: Scene) -> None:
    """Seed 004: the customer portal, one request through its workflow, cancel and delete."""
    scene.title('Seed 004: the customer portal ("Cliente On Line")')
    admin = register_admin(scene)
    _portal_setup(scene, admin)
    _portal_open(scene)
    _portal_awaiting(scene)
    _portal_understanding(scene)
    _portal_history(scene)
    _portal_filters(scene)
    _portal_read_only(scene)
    _portal_delete(scene, admin)


def _portal_setup(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    app.register_manager(scene.host, "ana", "Ana", roles=[Role("agent")])
    app.update_settings(admin, portal_attendant="ana")
    say("The administrator names agent ana the portal's default attendant (atendente")
    say("padrão): she receives every portal ticket no other rule assigns (RT-6).")
    kind = _portal_ticket_type(scene, admin)
    fields = " and ".join(f"{f.name} ({_field_kind(f)})" for f in kind.fields)
    say(f'The administrator sets up the ticket type "{kind.name}" in group "{kind.group}",')
    say(f"with the extra fields {fields}.")
    say("Its workflow, stage by stage, with who must act there (TK-2, TK-3):")
    for number, stage in enumerate(kind.stages, start=1):
        say(f"  {number}. {_stage_line(kind, stage)}.")
    moves = ", ".join(f"{kind.stage(s).name} -> {kind.stage(t).name}" for s, t in _in_order(kind))
    say("The moves the side that must act may make (transitions):")
    say(f"  {moves}.")
    app.register_organization(admin, "mercantil", "Mercantil Ltda")
    for customer_id, name in [("marcos", "Marcos"), ("renata", "Renata")]:
        app.register_customer(admin, customer_id, name, organization="mercantil")
    say("Customers marcos and renata both work for the organization mercantil.")


def _portal_ticket_type(scene: Scene, admin: Principal) -> TicketType:
    customer, service = Responsible.CUSTOMER, Responsible.SERVICE
    stages = [
        Stage("solicitacao", "Solicitação", customer, {"modulo": FieldAccess.REQUIRED}),
        Stage("triagem", "Triagem", service, {"horas": FieldAccess.INVISIBLE}),
        Stage(
            "entendimento",
            "Entendimento",
            customer,
            asks_approval=True,
            approve_to="execucao",
            reject_to="triagem",
        ),
        Stage("execucao", "Execução", service, {"modulo": FieldAccess.READ_ONLY}),
        Stage("concluido", "Concluído", service, final=True),
    ]
    transitions = [
        ("solicitacao", "triagem"),
        ("triagem", "entendimento"),
        ("triagem", "solicitacao"),
        ("execucao", "concluido"),
    ]
    fields = [
        ExtraField("modulo", FieldKind.CHOICE, "Módulo", ["Fiscal", "Estoque", "Vendas"]),
        ExtraField("horas", FieldKind.NUMBER, "Horas estimadas"),
    ]
    return scene.app.save_ticket_type(
        admin,
        "custom",
        group="Desenvolvimento",
        name="Customização",
        stages=stages,
        transitions=transitions,
        fields=fields,
    ).value


def _field_kind(field: ExtraField) -> str:
    choices = f": {', '.join(field.choices)}" if field.choices else ""
    return f"{field.kind.value}{choices}"


def _stage_line(kind: TicketType, stage: Stage) -> str:
    """Describe a stage: whose it is, what it asks, how its fields may be used (TK-2, TK-3)."""
    if stage.final:
        return f"{stage.name}: final, the ticket is completed"
    side = "the customer's" if stage.responsible is Responsible.CUSTOMER else "the service side's"
    parts = [f"{stage.name}: {side}"]
    if stage.approve_to is not None and stage.reject_to is not None:
        on, back = kind.stage(stage.approve_to).name, kind.stage(stage.reject_to).name
        parts.append(f"he approves the understanding (-> {on}) or rejects it (-> {back})")
    parts += [f"{name} {_ACCESS[access]}" for name, access in stage.access.items()]
    return "; ".join(parts)


def _in_order(kind: TicketType) -> list[tuple[str, str]]:
    order = {s.id: n for n, s in enumerate(kind.stages)}
    return sorted(kind.transitions, key=lambda pair: (order[pair[0]], order[pair[1]]))


def _open(scene: Scene, ticket_id: str, subject: str, **values: FieldValue) -> Result[PortalTicket]:
    """Open a Customização request as marcos, in the portal (TK-1)."""
    return scene.app.portal.open_ticket(
        scene.customer("marcos"),
        group="Desenvolvimento",
        ticket_type="custom",
        subject=subject,
        request=f"{subject}, como no modelo em anexo.",
        values=values,
        ticket_id=ticket_id,
    )


def _shown(ticket: PortalTicket) -> str:
    """Say where a ticket stands and under which portal filter it shows (TK-7)."""
    name, meaning, _ = _FILTERS[ticket.view]
    return f"{ticket.stage_name}, under {name} ({meaning})"


def _portal_open(scene: Scene) -> None:
    app, say = scene.app, scene.say
    marcos = scene.customer("marcos")
    say(f"{scene.next_day()}: marcos signs in; the host application checks his password.")
    say(f'It then acts for him as Principal.customer("{scene.tenant}", "marcos"): a customer,')
    say("who acts only through app.portal and only on his own tickets (VS-4).")
    offered = [f"{k.group} / {k.name}" for k in app.portal.ticket_types(marcos)]
    say(f"The portal offers him the ticket types: {names(offered)}.")
    say("A request without a subject is refused:")
    scene.refused(lambda: _open(scene, "rq-0", " "))
    result = _open(scene, "rq-1", "Relatório de notas por filial")
    opened = next(e for e in result.events if isinstance(e, TicketOpened))
    if not opened.attendant:
        raise OffScript("the default attendant should have received rq-1")
    say(f'He opens rq-1, "{result.value.subject}", giving group, type, subject and request.')
    name, meaning, _ = _FILTERS[result.value.view]
    stage = result.value.stage_name
    say(f"It enters the type's first stage, {stage} (TK-1), and goes to {opened.assignee},")
    say(f"the default attendant (RT-6). He finds it under {name} ({meaning}).")
    say("He sends it on to the service side without the module, which Solicitação requires:")
    scene.refused(lambda: app.portal.move(marcos, "rq-1", "triagem"))
    app.portal.fill(marcos, "rq-1", {"modulo": "Fiscal"})
    sent = app.portal.move(marcos, "rq-1", "triagem").value
    say(f"He fills in modulo=Fiscal and sends it on: {_shown(sent)}.")


def _portal_awaiting(scene: Scene) -> None:
    app, say = scene.app, scene.say
    marcos, ana = scene.customer("marcos"), scene.who("ana")
    say("While it awaits return it is read-only to him (TK-7):")
    scene.refused(lambda: app.portal.fill(marcos, "rq-1", {"modulo": "Vendas"}))
    say("but he may still write in the discussion and attach files (TK-5, TK-4):")
    app.portal.post_message(marcos, "rq-1", "Segue o modelo.", message_id="m-1")
    added = app.portal.attach(
        marcos,
        "rq-1",
        name="modelo.csv",
        content_type="text/csv",
        content=b"filial;nota;valor\n",
        attachment_id="modelo",
    ).value
    say(f'  he writes "Segue o modelo." and attaches {added.name} ({added.size} bytes).')
    scene.clock.advance(timedelta(hours=2))
    estimate = app.fill_fields(ana, "rq-1", {"horas": 6}).value.values["horas"]
    text = "Igual ao relatório da filial 2."
    note = app.post_message(ana, "rq-1", text, internal=True, message_id="m-2").value
    say(f'ana fills in horas={estimate} (her estimate) and writes an internal note: "{note.text}"')
    seen = app.portal.ticket(marcos, "rq-1")
    if note.id in {m.id for m in seen.discussion}:
        raise OffScript("the customer should not see the internal note")
    authors = names(m.author for m in seen.discussion)
    say(f"What marcos sees now: fields {_values(seen)}; messages by {authors}.")
    say("horas, invisible at Triagem, is left out (TK-3), and so is the internal note.")


def _values(ticket: PortalTicket) -> str:
    return ", ".join(f"{name}={value}" for name, value in sorted(ticket.values.items()))


def _portal_understanding(scene: Scene) -> None:
    app, say = scene.app, scene.say
    marcos, ana = scene.customer("marcos"), scene.who("ana")
    understood = "Notas de saída por filial, em CSV."
    app.move_ticket(ana, "rq-1", "entendimento", note=understood)
    seen = app.portal.ticket(marcos, "rq-1")
    say(f'ana moves it to {seen.stage_name}, with her understanding: "{understood}"')
    say(f"Now at {_shown(seen)},")
    say("it waits for him to approve or reject that understanding (TK-6).")
    say(f"horas is visible at this stage: he sees {_values(seen)}.")
    scene.clock.advance(timedelta(hours=1))
    reason = "Faltaram as notas de entrada."
    back = app.portal.reject(marcos, "rq-1", reason=reason).value
    say(f'marcos rejects it: "{reason}" It goes back to {back.stage_name} (TK-6).')
    scene.clock.advance(timedelta(hours=1))
    app.move_ticket(ana, "rq-1", "entendimento", note="Notas de entrada e de saída, em CSV.")
    approved = app.portal.approve(marcos, "rq-1").value
    say("ana corrects her understanding; marcos approves it and it moves on to")
    say(f"{approved.stage_name}, with the service side (TK-6).")
    say("At Execução the module is read-only, for the service side too (TK-3):")
    scene.refused(lambda: app.fill_fields(ana, "rq-1", {"modulo": "Estoque"}))
    scene.clock.advance(timedelta(days=1))
    app.move_ticket(ana, "rq-1", "concluido", note="Relatório entregue.")
    done = app.portal.ticket(marcos, "rq-1")
    say(f"ana delivers the report and completes it: {_shown(done)}.")


def _portal_history(scene: Scene) -> None:
    marcos = scene.customer("marcos")
    seen = scene.app.portal.ticket(marcos, "rq-1")
    (kind,) = scene.app.portal.ticket_types(marcos)
    scene.say("The stage history of rq-1 (TK-2), one line per move, never rewritten:")
    for move in seen.history:
        when = move.at.strftime("%Y-%m-%d %H:%M")
        target = kind.stage(move.target).name
        if move.source is None:
            step = f"{move.actor} opened it at {target}"
        else:
            step = f"{move.actor} {move.kind.value} it: {kind.stage(move.source).name} -> {target}"
        note = f' ("{move.note}")' if move.note else ""
        scene.say(f"  {when} {step}{note}.")


def _portal_filters(scene: Scene) -> None:
    app, say = scene.app, scene.say
    marcos = scene.customer("marcos")
    _open(scene, "rq-2", "Relatório de estoque", modulo="Estoque")
    app.portal.move(marcos, "rq-2", "triagem")
    _open(scene, "rq-3", "Campo novo no pedido")
    _open(scene, "rq-4", "Campo novo no pedido")
    say("marcos opens rq-2 and sends it on, opens rq-3 to finish later, and opens rq-4 by")
    say("mistake: it repeats rq-3. A customer cancels only a ticket waiting for him (TK-8);")
    say("rq-2 is with the service side:")
    scene.refused(lambda: app.portal.cancel(marcos, "rq-2"))
    app.portal.cancel(marcos, "rq-4", reason="Repete o rq-3.")
    say("He cancels rq-4. His five filters now show (TK-7):")
    for view, (name, meaning, shows) in _FILTERS.items():
        listed = [t.id for t in app.portal.tickets(marcos, view).items]
        say(f"  {name} ({meaning}: {shows}): {names(listed)}.")


def _portal_read_only(scene: Scene) -> None:
    app, say = scene.app, scene.say
    marcos, renata = scene.customer("marcos"), scene.customer("renata")
    say("A completed ticket refuses every change, even a message (TK-9):")
    scene.refused(lambda: app.portal.post_message(marcos, "rq-1", "Obrigado!"))
    theirs = [t.id for t in app.portal.tickets(renata).items]
    say("renata works for mercantil too, but a customer sees his own tickets only (VS-4):")
    say(f"her Todos lists {names(theirs)}.")
    say("To her, rq-1 does not exist:")
    scene.refused(lambda: app.portal.ticket(renata, "rq-1"))


def _portal_delete(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    say("Only an administrator deletes a ticket, and only a cancelled one (TK-8).")
    say("Agent ana tries to delete rq-4:")
    scene.refused(lambda: app.delete_ticket(scene.who("ana"), "rq-4"))
    say("The administrator tries rq-3, which is not cancelled:")
    scene.refused(lambda: app.delete_ticket(admin, "rq-3"))
    result = app.delete_ticket(admin, "rq-4")
    deleted = next(e for e in result.events if isinstance(e, TicketDeleted))
    say("He deletes rq-4. What remains is the audit event, as the host would publish it:")
    say("  " + published(deleted))
    left = app.portal.tickets(scene.customer("marcos"), PortalFilter.CANCELLED).items
    say(f"marcos's Cancelado filter now shows: {names(t.id for t in left)}.")
