"""Seed 000, a help desk's enterprise feature: a portfolio of customers per region.

The article asks for portfolios of customers and organizations, each with its agents, so
that agents see and serve only the customers of their portfolios. Here a help desk serves
South and North America: regional portfolios, restricted visibility (segmentation), a search
that ignores accents, and a deletion that leaves the customers outside portfolio.
"""

from __future__ import annotations

from carteira import Permission, Principal, Role
from carteira.demo._scene import Scene, names, on_off, published, register_admin, where
from carteira.events import PortfolioDeleted


def play(scene: Scene) -> None:
    """Seed 000: regional portfolios, restricted visibility, deletion that unassigns."""
    scene.title("Seed 000: a help desk with a portfolio per region")
    admin = _helpdesk_setup(scene)
    _helpdesk_visibility(scene)
    _helpdesk_delete(scene, admin)


def _helpdesk_setup(scene: Scene) -> Principal:
    app, say = scene.app, scene.say
    admin = register_admin(scene)
    say("In this help desk any agent (atendente) may serve a portfolio, so its Carteira")
    say("is built with an eligibility policy that admits every profile (MG-1).")
    plain, outside = Role("agent"), Role("agent-outside", [Permission.VIEW_UNASSIGNED])
    for agent_id, name, role in [
        ("ana", "Ana", plain),
        ("bruno", "Bruno", plain),
        ("carla", "Carla", plain),
        ("davi", "Davi", outside),
    ]:
        app.register_manager(scene.host, agent_id, name, roles=[role])
    app.create_portfolio(admin, "América do Sul", managers=["ana", "bruno"], portfolio_id="sul")
    app.create_portfolio(admin, "América do Norte", managers=["carla"], portfolio_id="norte")
    say('Created portfolio "América do Sul" (sul) served by ana and bruno,')
    say('and "América do Norte" (norte) served by carla.')
    say("Agent ana tries to create a portfolio herself:")
    scene.refused(lambda: app.create_portfolio(scene.who("ana"), "Europa", portfolio_id="eu"))
    app.register_organization(admin, "andes", "Andes Ltda")
    app.register_customer(admin, "diego", "Diego", organization="andes")
    people = [("mariana", "Mariana Conceição"), ("jane", "Jane"), ("olga", "Olga")]
    for customer_id, name in people:
        app.register_customer(admin, customer_id, name)
    app.set_customer_membership(admin, "mariana", portfolio="sul")
    app.set_customer_membership(admin, "jane", portfolio="norte")
    app.set_organization_portfolio(admin, "andes", "sul")
    say("From their records (WA-3): customer mariana goes to sul, jane to norte, and")
    say("organization andes to sul; its customer diego follows it. olga stays outside.")
    return admin


def _helpdesk_visibility(scene: Scene) -> None:
    app, say = scene.app, scene.say
    segmentation = on_off(app.settings(scene.host).segmentation)
    say(f"Segmentation (segmentação) is {segmentation}: agents see their portfolios (VS-1, VS-2).")
    page = app.customers_of_portfolio(scene.who("ana"), "sul")
    say(f"ana lists the customers of sul: {names(c.id for c in page.items)}.")
    diego = app.customer(scene.who("ana"), "diego")
    say(f"ana opens diego: {where(diego.ownership)}.")
    found = app.visible_customers(scene.who("ana"), search="conceicao")
    shown = names(f"{c.id} ({c.name})" for c in found)
    say(f'ana types "conceicao", without the accents, and finds {shown} (VS-8).')
    hidden = app.visible_customers(scene.who("carla"), search="conceicao")
    say(f"carla types the same and finds {names(c.id for c in hidden)}: a search obeys VS-3.")
    say("carla (norte only) looks for mariana; to her the customer does not exist:")
    scene.refused(lambda: app.customer(scene.who("carla"), "mariana"))
    olga = app.customer(scene.who("davi"), "olga")
    say(f"davi holds VIEW_UNASSIGNED and sees olga, who is {where(olga.ownership)} (VS-2 c).")
    say("but davi serves no portfolio, so mariana is hidden from him:")
    scene.refused(lambda: app.customer(scene.who("davi"), "mariana"))


def _helpdesk_delete(scene: Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    app.assign_customer(admin, "mariana", "ana")
    mariana = app.customer(admin, "mariana")
    say(f"ana becomes mariana's responsible agent: {where(mariana.ownership)}.")
    result = app.delete_portfolio(admin, "sul")
    deleted = next(e for e in result.events if isinstance(e, PortfolioDeleted))
    say(f'Deleted portfolio "{deleted.name}" (PF-5). Nothing else is deleted; the event lists')
    say(f"the customers left outside portfolio: {names(deleted.customers)},")
    say(f"and the organizations left outside portfolio: {names(deleted.organizations)}.")
    mariana = app.customer(admin, "mariana")
    say(f"mariana is now {where(mariana.ownership)}.")
    say("The event as the host would publish it (make_converter):")
    say("  " + published(deleted))
