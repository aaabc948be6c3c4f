"""The demo's stage and narration, shared by the seed modules.

A `Scene` is one tenant's stage: the app, the clock, presence and the host's principal, with
the sentences every seed tells the same way (a refusal, who is online, where a conversation
went). The small describers below (`where`, `routed`, `walk`, ...) turn carteira's results
into the words of the help articles.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TextIO

from carteira import (
    Carteira,
    CarteiraError,
    InMemoryPresence,
    ManualClock,
    Ownership,
    Principal,
    Profile,
    Role,
    make_converter,
)
from carteira.events import Event, TicketOpened
from carteira.policies import RoutingDecision


class OffScript(Exception):
    """The library did something the demo did not expect (a refusal that did not come)."""


class Scene:
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
        raise OffScript("an action the demo expected to be refused went through")

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
        self.say(f"Presence: online {names(on)}; offline {names(off)}.")

    def write_in(self, ticket_id: str, customer_id: str, department_id: str) -> TicketOpened:
        """Open a ticket for the customer as the host does, and narrate where it went."""
        result = self.app.open_ticket(self.host, ticket_id, customer_id, department_id)
        opened = next(e for e in result.events if isinstance(e, TicketOpened))
        self.say(f"  {customer_id} writes in ({ticket_id}): {routed(opened)}.")
        return opened


def names(ids: Iterable[str]) -> str:
    """List ids separated by commas, or say "(none)"."""
    listed = list(ids)
    return ", ".join(listed) if listed else "(none)"


def where(ownership: Ownership) -> str:
    """Describe an ownership in words (MB-4)."""
    if not ownership.in_portfolio:
        return "outside portfolio"
    managers = ownership.account_managers
    owner = f"account manager {names(managers)}" if managers else '"no manager"'
    if ownership.portfolio is None:
        return f"in portfolio: {owner}"
    through = " via its organization" if ownership.inherited else ""
    return f"in portfolio {ownership.portfolio}{through}, {owner}"


def routed(opened: TicketOpened) -> str:
    """Describe where a new conversation went, with the reason and the step (RT-3, RT-7)."""
    how = f"{opened.reason}, step {opened.step}"
    if opened.outcome == "assign":
        return f"straight to {opened.assignee} ({how})"
    if opened.outcome == "offer":
        return f"the customer is offered {names(opened.offered)} ({how})"
    return f"to the {opened.department_id} queue ({opened.reason})"


def walk(decision: RoutingDecision) -> str:
    """Describe the owner chain a decision walked: who, at which step, why not (RT-7)."""
    steps = [
        f"{c.manager} at {c.step.value} ({c.excluded.value if c.excluded else 'available'})"
        for c in decision.considered
    ]
    return "; ".join(steps) if steps else "nobody"


def on_off(flag: bool) -> str:
    """Say whether a setting is on or off."""
    return "on" if flag else "off"


def register_admin(scene: Scene) -> Principal:
    """Register the tenant's administrator, holding every permission, and return him."""
    scene.app.register_manager(
        scene.host, "admin", "Admin", profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
    )
    return scene.who("admin")


def published(event: Event) -> str:
    """Return the event as the host would publish it: its JSON through `make_converter`."""
    return json.dumps(make_converter().unstructure(event, Event), ensure_ascii=False)
