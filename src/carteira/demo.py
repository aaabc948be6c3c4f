"""A guided tour of carteira: the portfolio and routing scenarios of seeds 000 to 003.

Run it with ``python -m carteira.demo`` (``make demo``). It uses only the public API,
on the in-memory adapter with a :class:`~carteira.ManualClock` and an
:class:`~carteira.InMemoryPresence` set by hand, so every run prints the same story.
Each seed gets its own tenant in one store: a help desk (000), a chat platform for a
store (001, with sticky routing), an omnichannel help desk where a customer may have
several agents (002) and a customer-success team (003).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TextIO

from carteira import (
    Carteira,
    CarteiraError,
    ChoiceMode,
    Event,
    InMemoryPresence,
    InMemoryStore,
    Journey,
    ManagerLeft,
    ManualClock,
    MembershipChanged,
    Ownership,
    Permission,
    PortfolioDeleted,
    Principal,
    Profile,
    ProfileEligibility,
    Role,
    RoutingDecision,
    RoutingMode,
    Subject,
    TicketOpened,
    make_converter,
)

__all__ = ["main"]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class _OffScript(Exception):
    """The library did something the demo did not expect (a refusal that did not come)."""


class _Scene:
    """One tenant's stage: the app, the clock, the host's principal, the narration."""

    def __init__(
        self,
        out: TextIO,
        app: Carteira,
        clock: ManualClock,
        tenant: str,
        presence: InMemoryPresence | None = None,
    ) -> None:
        self.out = out
        self.app = app
        self.clock = clock
        self.tenant = tenant
        self.host = Principal.system(tenant)
        self.presence = presence or InMemoryPresence()
        self._present: dict[str, bool] = {}

    def who(self, manager_id: str) -> Principal:
        """Return the principal of one of this tenant's managers."""
        return Principal.manager(self.tenant, manager_id)

    def say(self, text: str = "") -> None:
        """Print one line of the story."""
        print(text, file=self.out)

    def title(self, text: str) -> None:
        """Print a scenario's heading."""
        self.say()
        self.say(f"== {text} ==")

    def refused(self, action: Callable[[], object]) -> CarteiraError:
        """Run ``action``, which must be refused, and narrate the refusal in one sentence."""
        try:
            action()
        except CarteiraError as error:
            rule = f"{error.rule}, " if error.rule else ""
            self.say(f"  Refused ({rule}{error.code}): {error.message}.")
            return error
        raise _OffScript("an action the demo expected to be refused went through")

    def next_day(self, days: int = 1) -> str:
        """Move the clock forward and return the new date as text."""
        return self.clock.advance(timedelta(days=days)).date().isoformat()

    def today(self) -> str:
        """Return the clock's date as text."""
        return self.clock.now().date().isoformat()

    def online(self, *online: str, offline: Iterable[str] = ()) -> None:
        """Tell presence who came online and who left, and say who is on now (RT-2)."""
        changes = [(m, True) for m in online] + [(m, False) for m in offline]
        for manager_id, present in changes:
            self.presence.set_online(self.tenant, manager_id, present)
            self._present[manager_id] = present
        on = sorted(m for m, present in self._present.items() if present)
        off = sorted(m for m, present in self._present.items() if not present)
        self.say(f"Presence: online {_names(on)}; offline {_names(off)}.")

    def write_in(self, ticket_id: str, customer_id: str, department_id: str) -> TicketOpened:
        """Open a ticket for the customer as the host does, and narrate where it went."""
        result = self.app.open_ticket(self.host, ticket_id, customer_id, department_id)
        opened = next(e for e in result.events if isinstance(e, TicketOpened))
        self.say(f"  {customer_id} writes in ({ticket_id}): {_routed(opened)}.")
        return opened


def _names(ids: Iterable[str]) -> str:
    listed = list(ids)
    return ", ".join(listed) if listed else "(none)"


def _where(ownership: Ownership) -> str:
    """Describe an ownership in words (MB-4)."""
    if not ownership.in_portfolio:
        return "outside portfolio"
    managers = ownership.account_managers
    owner = f"account manager {_names(managers)}" if managers else '"no manager"'
    if ownership.portfolio is None:
        return f"in portfolio: {owner}"
    through = " via its organization" if ownership.inherited else ""
    return f"in portfolio {ownership.portfolio}{through}, {owner}"


def _routed(opened: TicketOpened) -> str:
    """Describe where a new conversation went, with the reason and the step (RT-3, RT-7)."""
    how = f"{opened.reason}, step {opened.step}"
    if opened.outcome == "assign":
        return f"straight to {opened.assignee} ({how})"
    if opened.outcome == "offer":
        return f"the customer is offered {_names(opened.offered)} ({how})"
    return f"to the {opened.department_id} queue ({opened.reason})"


def _walk(decision: RoutingDecision) -> str:
    """Describe the owner chain a decision walked: who, at which step, why not (RT-7)."""
    steps = [
        f"{c.manager} at {c.step.value} ({c.excluded.value if c.excluded else 'available'})"
        for c in decision.considered
    ]
    return "; ".join(steps) if steps else "nobody"


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _admin(scene: _Scene) -> Principal:
    """Register the tenant's administrator, holding every permission, and return him."""
    scene.app.register_manager(
        scene.host, "admin", "Admin", profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
    )
    return scene.who("admin")


# -- seed 000: a help desk ------------------------------------------------------------------


def _seed_000_helpdesk(scene: _Scene) -> None:
    """Seed 000: regional portfolios, restricted visibility, deletion that unassigns."""
    scene.title("Seed 000: a help desk with a portfolio per region")
    admin = _helpdesk_setup(scene)
    _helpdesk_visibility(scene)
    _helpdesk_delete(scene, admin)


def _helpdesk_setup(scene: _Scene) -> Principal:
    app, say = scene.app, scene.say
    admin = _admin(scene)
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
    for customer_id, name in [("mariana", "Mariana"), ("jane", "Jane"), ("olga", "Olga")]:
        app.register_customer(admin, customer_id, name)
    app.set_customer_membership(admin, "mariana", portfolio="sul")
    app.set_customer_membership(admin, "jane", portfolio="norte")
    app.set_organization_portfolio(admin, "andes", "sul")
    say("From their records (WA-3): customer mariana goes to sul, jane to norte, and")
    say("organization andes to sul; its customer diego follows it. olga stays outside.")
    return admin


def _helpdesk_visibility(scene: _Scene) -> None:
    app, say = scene.app, scene.say
    segmentation = _on(app.settings(scene.host).segmentation)
    say(f"Segmentation (segmentação) is {segmentation}: agents see their portfolios (VS-1, VS-2).")
    page = app.customers_of_portfolio(scene.who("ana"), "sul")
    say(f"ana lists the customers of sul: {_names(c.id for c in page.items)}.")
    diego = app.customer(scene.who("ana"), "diego")
    say(f"ana opens diego: {_where(diego.ownership)}.")
    say("carla (norte only) looks for mariana; to her the customer does not exist:")
    scene.refused(lambda: app.customer(scene.who("carla"), "mariana"))
    olga = app.customer(scene.who("davi"), "olga")
    say(f"davi holds VIEW_UNASSIGNED and sees olga, who is {_where(olga.ownership)} (VS-2 c).")
    say("but davi serves no portfolio, so mariana is hidden from him:")
    scene.refused(lambda: app.customer(scene.who("davi"), "mariana"))


def _helpdesk_delete(scene: _Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    app.assign_customer(admin, "mariana", "ana")
    mariana = app.customer(admin, "mariana")
    say(f"ana becomes mariana's responsible agent: {_where(mariana.ownership)}.")
    result = app.delete_portfolio(admin, "sul")
    deleted = next(e for e in result.events if isinstance(e, PortfolioDeleted))
    say(f'Deleted portfolio "{deleted.name}" (PF-5). Nothing else is deleted; the event lists')
    say(f"the customers left outside portfolio: {_names(deleted.customers)},")
    say(f"and the organizations left outside portfolio: {_names(deleted.organizations)}.")
    mariana = app.customer(admin, "mariana")
    say(f"mariana is now {_where(mariana.ownership)}.")
    say("The event as the host would publish it (make_converter):")
    say("  " + json.dumps(make_converter().unstructure(deleted, Event), ensure_ascii=False))


# -- seed 001: a chat platform for a store --------------------------------------------------


def _seed_001_store(scene: _Scene) -> None:
    """Seed 001: one responsible user per customer, reassignment, deactivation with transfer."""
    scene.title("Seed 001: a store where each customer has one responsible salesperson")
    admin = _admin(scene)
    app, say = scene.app, scene.say
    settings = app.settings(admin)
    cap, on = settings.max_account_managers, _on(settings.segmentation)
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


def _store_assignments(scene: _Scene, admin: Principal) -> None:
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


def _store_deactivation(scene: _Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    day = scene.next_day(10)
    result = app.deactivate_manager(admin, "maria", transfer_to="pedro")
    left = next(e for e in result.events if isinstance(e, ManagerLeft))
    say(f'{day}: maria is deactivated choosing "transfer the portfolio" to pedro (WA-5);')
    say(f"  her customers move to him: {_names(left.customers)}.")
    say(f"  {_change(result.events)}.")
    say("maria, now inactive, can no longer act:")
    scene.refused(lambda: app.customer(scene.who("maria"), "beatriz"))


def _store_history(scene: _Scene) -> None:
    app, say = scene.app, scene.say
    say("The ownership history of beatriz (MB-6):")
    for change in app.owner_history(scene.host, "beatriz"):
        when = change.at.date().isoformat()
        way = f"{change.way.value} ({change.way.rule})"
        say(f"  {when} by {change.actor} via {way}: {_where(change.after)}.")
    for day in ("2026-03-05", "2026-03-15", "2026-03-25"):
        at = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
        owner = app.owners_at(scene.host, "beatriz", at)
        say(f"Who owned beatriz on {day}? {_names(owner.account_managers)}.")


def _store_routing(scene: _Scene, admin: Principal) -> None:
    """Seed 001: the responsible user gets the customer's conversations, even later ones."""
    app, say = scene.app, scene.say
    app.save_department(admin, "chat", "Atendimento", routing=RoutingMode.PORTFOLIO)
    say("The store's chat department routes by portfolio: a returning customer goes")
    say("straight to the user responsible for her (sticky routing, RT-1, RT-2).")
    scene.online("pedro")
    scene.write_in("chat-1", "beatriz", "chat")
    app.close_ticket(scene.who("pedro"), "chat-1")
    after = app.customer(admin, "beatriz")
    say(f"pedro closes the conversation; beatriz is still {_where(after.ownership)} (MB-5).")
    say(f"{scene.next_day()}: beatriz writes again while pedro is away from his desk.")
    scene.online(offline=["pedro"])
    say(f"  The chain walked: {_walk(app.route(scene.host, 'beatriz', 'chat'))}.")
    scene.write_in("chat-2", "beatriz", "chat")
    again = app.customer(admin, "beatriz")
    say(f"Waiting in the queue changes no ownership: beatriz is {_where(again.ownership)} (RT-5).")


def _change(events: Iterable[Event]) -> str:
    """Describe the first customer membership change among ``events``."""
    change = next(e for e in events if isinstance(e, MembershipChanged))
    return f"{change.subject_id}: {_where(change.before)} -> {_where(change.after)}"


# -- seed 002: an omnichannel help desk -----------------------------------------------------


def _seed_002_omnichannel(scene: _Scene) -> None:
    """Seed 002: several agents per customer, direct transfer, queue, the customer chooses."""
    scene.title("Seed 002: an omnichannel help desk where customers have several agents")
    admin = _admin(scene)
    app, say = scene.app, scene.say
    app.update_settings(admin, max_account_managers=3)
    for agent_id, name in [("lia", "Lia"), ("otavio", "Otávio"), ("sara", "Sara"), ("rui", "Rui")]:
        app.register_manager(scene.host, agent_id, name, roles=[Role("agent")])
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


def _omni_direct(scene: _Scene) -> None:
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
    say("financeiro routes by queue, whoever owns the customer:")
    scene.write_in("f-1", "clara", "financeiro")


def _omni_absence(scene: _Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    start = scene.clock.now()
    end = start + timedelta(days=7)
    app.schedule_absence(admin, "otavio", start=start, end=end, backup="rui", absence_id="ferias")
    say(f"otavio is on holiday until {end.date().isoformat()}, with rui as his backup (MG-5).")
    say("His chat is still logged in, but an absent agent is never routed to:")
    scene.online("otavio", "rui")
    say(f"  The chain walked: {_walk(app.route(scene.host, 'davi', 'suporte'))}.")
    scene.write_in("s-4", "davi", "suporte")
    seen = app.explain(scene.who("rui"), Subject.CUSTOMER, "davi")
    say(f"  Meanwhile rui sees davi ({seen.clause.value}, through {seen.via}),")
    davi = app.customer(admin, "davi")
    say(f"  and nothing moved: davi is {_where(davi.ownership)}.")
    say(f"{scene.next_day(8)}: the holiday is over; everything returns to otavio by itself.")
    scene.write_in("s-5", "davi", "suporte")
    sees = app.can_view(scene.who("rui"), Subject.CUSTOMER, "davi")
    say(f"  Does rui still see davi? {'yes' if sees else 'no'}.")


# -- seed 003: customer success -------------------------------------------------------------


def _seed_003_success(scene: _Scene) -> None:
    """Seed 003: name rules, eligible managers, default portfolio, keep, final deletion."""
    scene.title("Seed 003: customer-success portfolios and their managers")
    admin = _admin(scene)
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


def _success_names(scene: _Scene, admin: Principal) -> None:
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


def _success_unavailable(scene: _Scene, admin: Principal) -> None:
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


def _success_default(scene: _Scene, admin: Principal) -> None:
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


def _success_manager_leaves(scene: _Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    say("lucia is deactivated without saying what happens to her customers (MG-3):")
    scene.refused(lambda: app.deactivate_manager(admin, "lucia"))
    app.deactivate_manager(admin, "lucia", keep=True)
    mercado = app.customer(admin, "mercado")
    if not mercado.no_manager:
        raise _OffScript("after keep, mercado should show no manager")
    say(f'With "keep" her customers stay: mercado is {_where(mercado.ownership)}')
    say("(nenhum gerente de sucesso).")
    orphans = [s.portfolio.name for s in app.orphaned_portfolios(admin)]
    say(f"Orphaned portfolios, listed for an administrator: {_names(orphans)}.")
    say("A portfolio without a manager still takes no new customer:")
    scene.refused(lambda: app.set_customer_membership(admin, "oficina", portfolio="sp"))


def _success_delete(scene: _Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    deleted = next(
        e for e in app.delete_portfolio(admin, "cps").events if isinstance(e, PortfolioDeleted)
    )
    say(f"Deleted Campinas for good; customers left outside: {_names(deleted.customers)}.")
    say("There is no undo: looking it up again finds nothing.")
    scene.refused(lambda: app.customers_of_portfolio(admin, "cps"))
    app.create_portfolio(admin, "Campinas", managers=["rafael"], portfolio_id="cps-2")
    again = app.customers_of_portfolio(admin, "cps-2").items
    say(f"A new portfolio named Campinas (cps-2) starts empty: {_names(c.id for c in again)}.")


# -- tenancy --------------------------------------------------------------------------------


def _tenancy(scene: _Scene) -> None:
    """TN-1: each tenant sees only its own records, even the host's own principal."""
    scene.title("Tenants")
    scene.say("The store's host asks for mariana, a customer of the help desk tenant:")
    scene.refused(lambda: scene.app.customer(scene.host, "mariana"))


def main(out: TextIO = sys.stdout) -> int:
    """Play the scenarios of seeds 000 to 003, narrating to ``out``; return 0 on success."""
    data = InMemoryStore()
    clock = ManualClock(START)
    presence = InMemoryPresence()
    app = Carteira(data.unit_of_work, clock=clock, presence=presence)
    any_agent = ProfileEligibility.of(Profile)
    helpdesk_app = Carteira(data.unit_of_work, clock=clock, eligibility=any_agent)
    print("carteira demo: customer portfolios, played on the in-memory store.", file=out)
    try:
        _seed_000_helpdesk(_Scene(out, helpdesk_app, clock, "helpdesk"))
        _seed_001_store(_Scene(out, app, clock, "store", presence))
        _seed_002_omnichannel(_Scene(out, app, clock, "omni", presence))
        _seed_003_success(_Scene(out, app, clock, "success"))
        _tenancy(_Scene(out, app, clock, "store"))
    except _OffScript as error:
        print(f"The demo went off script: {error}", file=out)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
