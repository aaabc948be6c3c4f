"""Seed 001, a chat platform for shops: one responsible salesperson per customer.

The article asks that a returning customer always reach the same salesperson, even after his
conversation ended: one responsible user per customer, reassignment, deactivation with
transfer, the ownership history, sticky routing, and the "second option" that lets every
salesperson reach customers outside his portfolio.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from carteira import Principal, Role, RoutingMode
from carteira.demo._scene import Scene, names, on_off, register_admin, walk, where
from carteira.events import Event, ManagerLeft, MembershipChanged


def play(scene: Scene) -> None:
    """Seed 001: one responsible user per customer, reassignment, deactivation with transfer."""
    scene.title("Seed 001: a store where each customer has one responsible salesperson")
    admin = register_admin(scene)
    app, say = scene.app, scene.say
    settings = app.settings(admin)
    cap, on = settings.max_account_managers, on_off(settings.segmentation)
    say(f"Segmentation is {on}, and a customer has at most {cap} responsible")
    say("user (usuário responsável; carteira says account manager, MB-3). A salesperson's")
    say("portfolio is the set of customers he is responsible for (MB-4).")
    for seller_id, name in [("joao", "João"), ("maria", "Maria"), ("pedro", "Pedro")]:
        app.register_manager(scene.host, seller_id, name, roles=[Role("seller")])
    app.register_customer(admin, "beatriz", "Beatriz")
    _store_assignments(scene, admin)
    _store_deactivation(scene, admin)
    _store_history(scene)
    _store_routing(scene, admin)
    _store_open_access(scene, admin)


def _store_assignments(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    result = app.assign_customer(admin, "beatriz", "joao")
    say(f"{scene.today()}: from her record, beatriz is given to salesperson joao:")
    say(f"  {_change(result.events)}.")
    say("Giving her two responsible users at once is refused:")
    scene.refused(
        lambda: app.set_customer_membership(admin, "beatriz", account_managers=["joao", "maria"])
    )
    day = scene.next_day(9)
    result = app.assign_customer(admin, "beatriz", "maria")
    say(f"{day}: beatriz is given to maria, who replaces joao:")
    say(f"  {_change(result.events)}.")


def _store_deactivation(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    day = scene.next_day(10)
    result = app.deactivate_manager(admin, "maria", transfer_to="pedro")
    left = next(e for e in result.events if isinstance(e, ManagerLeft))
    say(f'{day}: maria is deactivated choosing "transfer the portfolio" to pedro (WA-5);')
    say(f"  her customers move to him: {names(left.customers)}.")
    say(f"  {_change(result.events)}.")
    say("maria, now inactive, can no longer act:")
    scene.refused(lambda: app.customer(scene.who("maria"), "beatriz"))


def _store_history(scene: Scene) -> None:
    app, say = scene.app, scene.say
    say("The ownership history of beatriz (MB-6):")
    for change in app.owner_history(scene.host, "beatriz"):
        when = change.at.date().isoformat()
        way = f"{change.way.value} ({change.way.rule})"
        say(f"  {when} by {change.actor} via {way}: {where(change.after)}.")
    for day in ("2026-03-05", "2026-03-15", "2026-03-25"):
        at = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
        owner = app.owners_at(scene.host, "beatriz", at)
        say(f"Who owned beatriz on {day}? {names(owner.account_managers)}.")


def _store_routing(scene: Scene, admin: Principal) -> None:
    """Seed 001: the responsible user gets the customer's conversations, even later ones."""
    app, say = scene.app, scene.say
    app.save_department(admin, "chat", "Atendimento", routing=RoutingMode.PORTFOLIO)
    say("The store's chat department routes by portfolio: a returning customer goes")
    say("straight to the user responsible for her (sticky routing, RT-1, RT-2).")
    scene.online("pedro")
    scene.write_in("chat-1", "beatriz", "chat")
    app.close_ticket(scene.who("pedro"), "chat-1")
    after = app.customer(admin, "beatriz")
    say(f"pedro closes the conversation; beatriz is still {where(after.ownership)} (MB-5).")
    say(f"{scene.next_day()}: beatriz writes again while pedro is away from his desk.")
    scene.online(offline=["pedro"])
    say(f"  The chain walked: {walk(app.route(scene.host, 'beatriz', 'chat'))}.")
    scene.write_in("chat-2", "beatriz", "chat")
    again = app.customer(admin, "beatriz")
    say(f"Waiting in the queue changes no ownership: beatriz is {where(again.ownership)} (RT-5).")


def _store_open_access(scene: Scene, admin: Principal) -> None:
    """Seed 001's second option: sellers reach customers outside their portfolio (VS-6)."""
    app, say = scene.app, scene.say
    say("joao looks beatriz up; she is pedro's, so to him she does not exist:")
    scene.refused(lambda: app.customer(scene.who("joao"), "beatriz"))
    app.update_settings(admin, open_access=True)
    say("The store turns on the second option (segunda opção, VS-6): every salesperson")
    say("may reach customers outside his portfolio, segmentation staying on.")
    seen = app.customer(scene.who("joao"), "beatriz")
    say(f"joao now opens beatriz: she is still {where(seen.ownership)}.")
    say(f"  Her next conversation still walks {walk(app.route(scene.host, 'beatriz', 'chat'))}")
    say("  (the option does not change the portfolio's primary rule).")


def _change(events: Iterable[Event]) -> str:
    """Describe the first customer membership change among ``events``."""
    change = next(e for e in events if isinstance(e, MembershipChanged))
    return f"{change.subject_id}: {where(change.before)} -> {where(change.after)}"
