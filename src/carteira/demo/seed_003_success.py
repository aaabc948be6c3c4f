"""Seed 003, a customer-success module: named portfolios and their success managers.

The article asks for unique portfolio names, eligible managers, a default portfolio per
manager, final deletion, and no customer in a portfolio without a manager. Here a
customer-success team tries each of them, and a manager leaves keeping his customers.
"""

from __future__ import annotations

from carteira import Journey, Principal, Profile
from carteira.demo._scene import OffScript, Scene, names, register_admin, where
from carteira.events import PortfolioDeleted


def play(scene: Scene) -> None:
    """Seed 003: name rules, eligible managers, default portfolio, keep, final deletion."""
    scene.title("Seed 003: customer-success portfolios and their managers")
    admin = register_admin(scene)
    app = scene.app
    for manager_id, name, profile in [
        ("lucia", "Lúcia", Profile.ANALYST),
        ("rafael", "Rafael", Profile.ANALYST),
        ("tiago", "Tiago", Profile.AGENT),
    ]:
        app.register_manager(scene.host, manager_id, name, profile=profile)
    for customer_id in ("padaria", "mercado", "farmacia", "oficina"):
        app.register_customer(admin, customer_id, customer_id.capitalize())
    _success_names(scene, admin)
    _success_unavailable(scene, admin)
    _success_default(scene, admin)
    _success_manager_leaves(scene, admin)
    _success_delete(scene, admin)


def _success_names(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    app.create_portfolio(admin, "São Paulo", managers=["lucia"], portfolio_id="sp")
    onboarding = Journey("onboarding", "Onboarding")
    app.create_portfolio(
        admin, "Campinas", managers=["lucia"], journey=onboarding, portfolio_id="cps"
    )
    say('Created "São Paulo" (sp) and "Campinas" (cps, journey Onboarding), managed by lucia.')
    say("Names are unique ignoring case, accented letters included (PF-1):")
    scene.refused(lambda: app.create_portfolio(admin, "SÃO PAULO", portfolio_id="sp2"))
    scene.refused(lambda: app.create_portfolio(admin, "são paulo", portfolio_id="sp3"))
    say("A name is required:")
    scene.refused(lambda: app.create_portfolio(admin, "   ", portfolio_id="blank"))


def _success_unavailable(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    app.create_portfolio(admin, "Rio de Janeiro", portfolio_id="rio")
    listed = [f"{s.portfolio.name} ({_state(s.available)})" for s in app.list_portfolios(admin)]
    say("Created rio with no manager and no journey (PF-3). The portfolio list now reads:")
    say(f"  {'; '.join(listed)}.")
    say("An unavailable portfolio receives no customer (MB-2):")
    scene.refused(lambda: app.set_customer_membership(admin, "padaria", portfolio="rio"))
    say("tiago has the Agent profile, so he cannot be a success manager:")
    scene.refused(lambda: app.edit_portfolio(admin, "rio", managers=["tiago"]))
    app.edit_portfolio(admin, "rio", managers=["rafael"])
    app.set_customer_membership(admin, "padaria", portfolio="rio")
    say("With analyst rafael as its manager rio is available, and padaria enters it.")


def _state(available: bool) -> str:
    return "available" if available else "unavailable"


def _success_default(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    app.set_default_portfolio(scene.who("lucia"), "lucia", "cps")
    mine = app.portfolios_of_manager(scene.who("lucia"), "lucia")
    shown = [s.portfolio.name + (" (default)" if s.default else "") for s in mine]
    say(f"lucia marks Campinas as her default; her portfolios: {', '.join(shown)} (MG-2).")
    mercado = app.assign_customer(admin, "mercado", "lucia").value
    say(f"mercado is assigned to lucia naming no portfolio: it goes to {mercado.portfolio},")
    say("her default portfolio.")
    farmacia = app.assign_customer(admin, "farmacia", "lucia", portfolio="sp").value
    say(f"farmacia is assigned to lucia naming São Paulo (sp): it goes to {farmacia.portfolio}.")
    say("rafael does not manage São Paulo, so he cannot take a customer there:")
    scene.refused(lambda: app.assign_customer(admin, "oficina", "rafael", portfolio="sp"))


def _success_manager_leaves(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    say("lucia is deactivated without saying what happens to her customers (MG-3):")
    scene.refused(lambda: app.deactivate_manager(admin, "lucia"))
    app.deactivate_manager(admin, "lucia", keep=True)
    mercado = app.customer(admin, "mercado")
    if not mercado.no_manager:
        raise OffScript("after keep, mercado should show no manager")
    say(f'With "keep" her customers stay: mercado is {where(mercado.ownership)}')
    say("(nenhum gerente de sucesso).")
    orphans = [s.portfolio.name for s in app.orphaned_portfolios(admin)]
    say(f"Orphaned portfolios, listed for an administrator: {names(orphans)}.")
    say("A portfolio without a manager still takes no new customer:")
    scene.refused(lambda: app.set_customer_membership(admin, "oficina", portfolio="sp"))


def _success_delete(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    deleted = next(
        e for e in app.delete_portfolio(admin, "cps").events if isinstance(e, PortfolioDeleted)
    )
    say(f"Deleted Campinas for good; customers left outside: {names(deleted.customers)}.")
    say("There is no undo: looking it up again finds nothing.")
    scene.refused(lambda: app.customers_of_portfolio(admin, "cps"))
    app.create_portfolio(admin, "Campinas", managers=["rafael"], portfolio_id="cps-2")
    again = app.customers_of_portfolio(admin, "cps-2").items
    say(f"A new portfolio named Campinas (cps-2) starts empty: {names(c.id for c in again)}.")
