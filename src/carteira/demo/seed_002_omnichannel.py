"""Seed 002, an omnichannel help desk: a customer may have several agents.

The article asks that a department send a customer straight to his assigned agents when they
are online and to its queue when they are not, and that he choose among them when several are
online. Here: direct transfer, the customer's choice, the queue another agent takes from, and
an agent's holiday with a backup.
"""

from __future__ import annotations

from datetime import timedelta

from carteira import ChoiceMode, Permission, Principal, Role, RoutingMode, Subject
from carteira.demo._scene import Scene, names, register_admin, walk, where


def play(scene: Scene) -> None:
    """Seed 002: several agents per customer, direct transfer, queue, the customer chooses."""
    scene.title("Seed 002: an omnichannel help desk where customers have several agents")
    admin = register_admin(scene)
    app, say = scene.app, scene.say
    app.update_settings(admin, max_account_managers=3)
    agent = Role("agent", {Permission.ASSIGN_SELF})
    for agent_id, name in [("lia", "Lia"), ("otavio", "Otávio"), ("sara", "Sara"), ("rui", "Rui")]:
        app.register_manager(scene.host, agent_id, name, roles=[agent])
    for customer_id, name in [("clara", "Clara"), ("davi", "Davi")]:
        app.register_customer(admin, customer_id, name)
    app.set_customer_membership(admin, "clara", account_managers=["lia", "otavio", "sara"])
    app.set_customer_membership(admin, "davi", account_managers=["otavio"])
    say("Here a customer may have up to 3 assigned agents (MB-3): clara has lia (her")
    say("primary agent), otavio and sara; davi has otavio.")
    app.save_department(
        admin,
        "suporte",
        "Suporte",
        routing=RoutingMode.PORTFOLIO,
        choice=ChoiceMode.CUSTOMER_CHOOSES,
    )
    app.save_department(admin, "financeiro", "Financeiro", routing=RoutingMode.QUEUE)
    say('Department suporte has "direct transfer to assigned agents" on, and lets the')
    say("customer choose when several are online (RT-1); financeiro routes by queue.")
    _omni_direct(scene)
    _omni_absence(scene, admin)


def _omni_direct(scene: Scene) -> None:
    app, say = scene.app, scene.say
    scene.online("otavio", "sara", "rui", offline=["lia"])
    say("Only one agent assigned and online: the conversation is transferred to him.")
    scene.write_in("s-1", "davi", "suporte")
    say("clara's primary agent is offline, two of her other agents are online (RT-7):")
    scene.write_in("s-2", "clara", "suporte")
    ticket = app.choose_agent(scene.host, "s-2", "sara").value
    say(f"  clara picks sara in the chat (choose_agent); s-2 is now served by {ticket.assignee}.")
    say("None of clara's agents is online: the department's queue, with the reason (RT-3).")
    scene.online(offline=["otavio", "sara"])
    scene.write_in("s-3", "clara", "suporte")
    _omni_queue(scene)
    say("financeiro routes by queue, whoever owns the customer:")
    scene.write_in("f-1", "clara", "financeiro")


def _omni_queue(scene: Scene) -> None:
    """VS-7, RT-8: "para que outra pessoa possa atendê-lo": another agent takes it."""
    app, say = scene.app, scene.say
    rui = scene.who("rui")
    waiting = names([t.id for t in app.department_queue(rui, "suporte")])
    say(f"  It waits so that another agent can serve it: rui lists suporte's queue: {waiting}")
    seen = app.explain(rui, Subject.TICKET, "s-3").clause.value
    clara = "is" if app.can_view(rui, Subject.CUSTOMER, "clara") else "is not"
    say(f"  (he sees s-3 as {seen}, VS-7; clara's own record {clara} shown to him).")
    taken = app.take_ticket(rui, "s-3").value
    say(f"  rui takes s-3 (RT-8): it is now served by {taken.assignee}. lia tries a moment later:")
    scene.refused(lambda: app.take_ticket(scene.who("lia"), "s-3"))
    agents = app.customer(scene.host, "clara").ownership.account_managers
    say(f"  The first taker wins; clara's agents are still {names(agents)} (MB-5).")


def _omni_absence(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    start = scene.clock.now()
    end = start + timedelta(days=7)
    app.schedule_absence(admin, "otavio", start=start, end=end, backup="rui", absence_id="ferias")
    say(f"otavio is on holiday until {end.date().isoformat()}, with rui as his backup (MG-5).")
    say("His chat is still logged in, but an absent agent is never routed to:")
    scene.online("otavio", "rui")
    say(f"  The chain walked: {walk(app.route(scene.host, 'davi', 'suporte'))}.")
    scene.write_in("s-4", "davi", "suporte")
    seen = app.explain(scene.who("rui"), Subject.CUSTOMER, "davi")
    say(f"  Meanwhile rui sees davi ({seen.clause.value}, through {seen.via}),")
    davi = app.customer(admin, "davi")
    say(f"  and nothing moved: davi is {where(davi.ownership)}.")
    say(f"{scene.next_day(8)}: the holiday is over; everything returns to otavio by itself.")
    scene.write_in("s-5", "davi", "suporte")
    sees = app.can_view(scene.who("rui"), Subject.CUSTOMER, "davi")
    say(f"  Does rui still see davi? {'yes' if sees else 'no'}.")
