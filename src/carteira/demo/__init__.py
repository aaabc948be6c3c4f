"""A guided tour of carteira: the scenarios of seeds 000 to 004, on SQLite.

Run it with ``carteira demo`` (``make demo``, ``python -m carteira.demo``). It builds a SQLite
database through `SqlStore` (a fresh file in a new temporary directory unless given one) and plays
every scenario through the public API, with a [`ManualClock`][carteira.ManualClock] and an
[`InMemoryPresence`][carteira.InMemoryPresence] set by hand, so every run tells the same story. The
temporary directory is removed at the end unless kept (``--keep``); a kept or given database is
named at the end, with commands to look around in it. Each seed gets its
own tenant in that one database: a help desk (000), a chat platform for a store (001, with sticky
routing), an omnichannel help desk where a customer may have several agents (002), a
customer-success team (003) and a customer portal where customers open and follow their own tickets
through a workflow (004).
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from carteira import (
    Carteira,
    CarteiraError,
    ChoiceMode,
    Event,
    ExtraField,
    FieldAccess,
    FieldKind,
    FieldValue,
    InMemoryPresence,
    Journey,
    ManagerLeft,
    ManualClock,
    MembershipChanged,
    Ownership,
    Permission,
    PortalFilter,
    PortalTicket,
    PortfolioDeleted,
    Principal,
    Profile,
    ProfileEligibility,
    Responsible,
    Result,
    Role,
    RoutingDecision,
    RoutingMode,
    Stage,
    StorageError,
    Subject,
    TicketDeleted,
    TicketOpened,
    TicketType,
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

    def customer(self, customer_id: str) -> Principal:
        """Return the principal of one of this tenant's customers, signed in to the portal."""
        return Principal.customer(self.tenant, customer_id)

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
    people = [("mariana", "Mariana Conceição"), ("jane", "Jane"), ("olga", "Olga")]
    for customer_id, name in people:
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
    found = app.visible_customers(scene.who("ana"), search="conceicao")
    shown = _names(f"{c.id} ({c.name})" for c in found)
    say(f'ana types "conceicao", without the accents, and finds {shown} (VS-8).')
    hidden = app.visible_customers(scene.who("carla"), search="conceicao")
    say(f"carla types the same and finds {_names(c.id for c in hidden)}: a search obeys VS-3.")
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
    _store_open_access(scene, admin)


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


def _store_open_access(scene: _Scene, admin: Principal) -> None:
    """Seed 001's second option: sellers reach customers outside their portfolio (VS-6)."""
    app, say = scene.app, scene.say
    say("joao looks beatriz up; she is pedro's, so to him she does not exist:")
    scene.refused(lambda: app.customer(scene.who("joao"), "beatriz"))
    app.update_settings(admin, open_access=True)
    say("The store turns on the second option (segunda opção, VS-6): every salesperson")
    say("may reach customers outside his portfolio, segmentation staying on.")
    seen = app.customer(scene.who("joao"), "beatriz")
    say(f"joao now opens beatriz: she is still {_where(seen.ownership)}.")
    say(f"  Her next conversation still walks {_walk(app.route(scene.host, 'beatriz', 'chat'))}")
    say("  (the option does not change the portfolio's primary rule).")


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
    _omni_queue(scene)
    say("financeiro routes by queue, whoever owns the customer:")
    scene.write_in("f-1", "clara", "financeiro")


def _omni_queue(scene: _Scene) -> None:
    """VS-7, RT-8: "para que outra pessoa possa atendê-lo": another agent takes it."""
    app, say = scene.app, scene.say
    rui = scene.who("rui")
    waiting = _names([t.id for t in app.department_queue(rui, "suporte")])
    say(f"  It waits so that another agent can serve it: rui lists suporte's queue: {waiting}")
    seen = app.explain(rui, Subject.TICKET, "s-3").clause.value
    clara = "is" if app.can_view(rui, Subject.CUSTOMER, "clara") else "is not"
    say(f"  (he sees s-3 as {seen}, VS-7; clara's own record {clara} shown to him).")
    taken = app.take_ticket(rui, "s-3").value
    say(f"  rui takes s-3 (RT-8): it is now served by {taken.assignee}. lia tries a moment later:")
    scene.refused(lambda: app.take_ticket(scene.who("lia"), "s-3"))
    agents = app.customer(scene.host, "clara").ownership.account_managers
    say(f"  The first taker wins; clara's agents are still {_names(agents)} (MB-5).")


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


# -- seed 004: the customer portal ----------------------------------------------------------

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


def _seed_004_portal(scene: _Scene) -> None:
    """Seed 004: the customer portal, one request through its workflow, cancel and delete."""
    scene.title('Seed 004: the customer portal ("Cliente On Line")')
    admin = _admin(scene)
    _portal_setup(scene, admin)
    _portal_open(scene)
    _portal_awaiting(scene)
    _portal_understanding(scene)
    _portal_history(scene)
    _portal_filters(scene)
    _portal_read_only(scene)
    _portal_delete(scene, admin)


def _portal_setup(scene: _Scene, admin: Principal) -> None:
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


def _portal_ticket_type(scene: _Scene, admin: Principal) -> TicketType:
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


def _open(
    scene: _Scene, ticket_id: str, subject: str, **values: FieldValue
) -> Result[PortalTicket]:
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


def _portal_open(scene: _Scene) -> None:
    app, say = scene.app, scene.say
    marcos = scene.customer("marcos")
    say(f"{scene.next_day()}: marcos signs in; the host application checks his password.")
    say(f'It then acts for him as Principal.customer("{scene.tenant}", "marcos"): a customer,')
    say("who acts only through app.portal and only on his own tickets (VS-4).")
    offered = [f"{k.group} / {k.name}" for k in app.portal.ticket_types(marcos)]
    say(f"The portal offers him the ticket types: {_names(offered)}.")
    say("A request without a subject is refused:")
    scene.refused(lambda: _open(scene, "rq-0", " "))
    result = _open(scene, "rq-1", "Relatório de notas por filial")
    opened = next(e for e in result.events if isinstance(e, TicketOpened))
    if not opened.attendant:
        raise _OffScript("the default attendant should have received rq-1")
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


def _portal_awaiting(scene: _Scene) -> None:
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
        raise _OffScript("the customer should not see the internal note")
    authors = _names(m.author for m in seen.discussion)
    say(f"What marcos sees now: fields {_values(seen)}; messages by {authors}.")
    say("horas, invisible at Triagem, is left out (TK-3), and so is the internal note.")


def _values(ticket: PortalTicket) -> str:
    return ", ".join(f"{name}={value}" for name, value in sorted(ticket.values.items()))


def _portal_understanding(scene: _Scene) -> None:
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


def _portal_history(scene: _Scene) -> None:
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


def _portal_filters(scene: _Scene) -> None:
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
        say(f"  {name} ({meaning}: {shows}): {_names(listed)}.")


def _portal_read_only(scene: _Scene) -> None:
    app, say = scene.app, scene.say
    marcos, renata = scene.customer("marcos"), scene.customer("renata")
    say("A completed ticket refuses every change, even a message (TK-9):")
    scene.refused(lambda: app.portal.post_message(marcos, "rq-1", "Obrigado!"))
    theirs = [t.id for t in app.portal.tickets(renata).items]
    say("renata works for mercantil too, but a customer sees his own tickets only (VS-4):")
    say(f"her Todos lists {_names(theirs)}.")
    say("To her, rq-1 does not exist:")
    scene.refused(lambda: app.portal.ticket(renata, "rq-1"))


def _portal_delete(scene: _Scene, admin: Principal) -> None:
    app, say = scene.app, scene.say
    say("Only an administrator deletes a ticket, and only a cancelled one (TK-8).")
    say("Agent ana tries to delete rq-4:")
    scene.refused(lambda: app.delete_ticket(scene.who("ana"), "rq-4"))
    say("The administrator tries rq-3, which is not cancelled:")
    scene.refused(lambda: app.delete_ticket(admin, "rq-3"))
    result = app.delete_ticket(admin, "rq-4")
    deleted = next(e for e in result.events if isinstance(e, TicketDeleted))
    say("He deletes rq-4. What remains is the audit event, as the host would publish it:")
    say("  " + json.dumps(make_converter().unstructure(deleted, Event), ensure_ascii=False))
    left = app.portal.tickets(scene.customer("marcos"), PortalFilter.CANCELLED).items
    say(f"marcos's Cancelado filter now shows: {_names(t.id for t in left)}.")


# -- tenancy --------------------------------------------------------------------------------


def _tenancy(scene: _Scene) -> None:
    """TN-1: each tenant sees only its own records, even the host's own principal."""
    scene.title("Tenants")
    scene.say("The store's host asks for mariana, a customer of the help desk tenant:")
    scene.refused(lambda: scene.app.customer(scene.host, "mariana"))


#: The seeds' tenants, in the order the demo plays them, with a command to try in each.
TENANTS = {
    "helpdesk": "customer list",
    "store": "history beatriz",
    "omni": "route clara --department suporte --online otavio --online sara",
    "success": "portfolio list",
    "portal": "events --limit 5",
}


def _sqlite(path: Path) -> Any:
    try:
        from carteira.adapters.sql import SqlStore  # noqa: PLC0415 - the optional extra
    except ImportError as error:
        raise StorageError(
            "the demo runs on SQLite, which needs SQLAlchemy: pip install 'carteira[sql]'",
            code="adapter_unavailable",
            rule="ST-2",
        ) from error
    return SqlStore.sqlite(path)


def _database(db: str | Path | None) -> tuple[Path, Path | None]:
    """Return the SQLite file to build and the temporary directory made for it, if any."""
    if db is not None:
        return Path(db), None
    folder = Path(tempfile.mkdtemp(prefix="carteira-demo-"))
    return folder / "carteira.db", folder


def main(out: TextIO = sys.stdout, *, db: str | Path | None = None, keep: bool = False) -> int:
    """Play the scenarios of seeds 000 to 004 on a new SQLite database, narrating to ``out``.

    ``db`` is the SQLite file to build; it should not exist yet. Without it the database
    is a fresh file in a new temporary directory, removed at the end unless ``keep``.
    Return 0 on success, 1 if the story went off script; a missing SQL extra raises
    [`StorageError`][carteira.StorageError].
    """
    path, folder = _database(db)
    try:
        data = _sqlite(path)
        try:
            code = _play(out, data)
        finally:
            data.close()
        if code == 0 and (folder is None or keep):
            _epilogue(out, path, folder)
        elif code == 0:
            _removed(out)
    finally:
        if folder is not None and not keep:
            shutil.rmtree(folder, ignore_errors=True)
    return code


def _play(out: TextIO, data: Any) -> int:
    clock = ManualClock(START)
    presence = InMemoryPresence()
    app = Carteira(data.unit_of_work, clock=clock, presence=presence)
    any_agent = ProfileEligibility.of(Profile)
    helpdesk_app = Carteira(data.unit_of_work, clock=clock, eligibility=any_agent)
    print(
        "carteira demo: customer portfolios and the customer portal, on a SQLite database.",
        file=out,
    )
    try:
        _seed_000_helpdesk(_Scene(out, helpdesk_app, clock, "helpdesk"))
        _seed_001_store(_Scene(out, app, clock, "store", presence))
        _seed_002_omnichannel(_Scene(out, app, clock, "omni", presence))
        _seed_003_success(_Scene(out, app, clock, "success"))
        _seed_004_portal(_Scene(out, app, clock, "portal"))
        _tenancy(_Scene(out, app, clock, "store"))
    except _OffScript as error:
        print(f"The demo went off script: {error}", file=out)
        return 1
    return 0


def _command_line() -> str:
    """Where ``carteira`` is: on the PATH, else beside this Python (``.venv/bin``)."""
    if shutil.which("carteira"):
        return "carteira, on your PATH"
    beside = Path(sys.executable).with_name("carteira")
    if beside.exists():
        return f"{shlex.quote(str(beside))}, or carteira once that folder is on your PATH"
    return "python -m carteira"


def _epilogue(out: TextIO, path: Path, folder: Path | None) -> None:
    """Say where the database is and how to look around in it with the command line.

    ``folder`` is the temporary directory it was kept in, for the reader to remove.
    """
    where = shlex.quote(str(path))
    print(file=out)
    print("== The database ==", file=out)
    print(f"Everything above is stored in the SQLite file {path}", file=out)
    print(f"(tenants {', '.join(TENANTS)}). Look around with the command line", file=out)
    print(f"({_command_line()}):", file=out)
    for tenant, command in TENANTS.items():
        print(f"  carteira --db {where} --tenant {tenant} {command}", file=out)
    if folder is not None:
        print(f"Remove the folder {folder} when done.", file=out)


def _removed(out: TextIO) -> None:
    """Say that the database went with its temporary directory, and how to keep one."""
    print(file=out)
    print("== The database ==", file=out)
    print(
        "Everything above was stored in a SQLite file in a temporary folder, now removed.", file=out
    )
    print("To keep the database and look around in it with the command line, run", file=out)
    print("carteira demo --keep (or carteira demo --db demo.db, to build that file).", file=out)
