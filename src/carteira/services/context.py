"""What one command works with: its unit of work, its actor, its instant, its events."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from carteira._moved import moved_to
from carteira.domain.actor import Actor
from carteira.domain.customer import Customer, Organization
from carteira.domain.errors import NotFound
from carteira.domain.events import Event, MembershipChanged
from carteira.domain.identifiers import check_id
from carteira.domain.manager import Manager
from carteira.domain.permissions import ALL_PERMISSIONS
from carteira.domain.portfolio import Portfolio
from carteira.domain.settings import TenantSettings
from carteira.domain.stamp import Stamp
from carteira.domain.ticket import Department, Ticket
from carteira.domain.visibility import Viewer, standing_in
from carteira.policies.eligibility import EligibilityPolicy
from carteira.policies.routing import TieBreak, fewest_open_then_longest_idle
from carteira.ports.presence import Presence
from carteira.ports.unit_of_work import ReadUnitOfWork, UnitOfWork

__all__ = ["Context", "ReadContext", "refuse_self_reach"]


def refuse_self_reach(context: Context, beneficiary: str, owner: str | None, action: str) -> None:
    """Ask the actor to refuse taking another's reach for himself (PM-2, PF-6, MG-3, MG-5).

    [`Actor.refuse_self_reach`][carteira.domain.actor.Actor.refuse_self_reach] decides;
    the tenant's segmentation is read only if it must.
    """
    context.actor.refuse_self_reach(
        beneficiary, owner, action, segmentation=lambda: context.settings.segmentation
    )


@attrs.define(kw_only=True)
class ReadContext:
    """One query's working set: its read-only unit of work, actor and instant (ST-6).

    Everything a query reads goes through here; commands get a
    [`Context`][carteira.services.context.Context], which adds writing and events.
    """

    uow: ReadUnitOfWork
    actor: Actor
    stamp: Stamp
    eligibility: EligibilityPolicy
    presence: Presence
    tie_break: TieBreak = fewest_open_then_longest_idle
    _viewer: Viewer | None = attrs.field(default=None, init=False)

    @property
    def settings(self) -> TenantSettings:
        """The tenant's settings."""
        return self.uow.settings.get()

    def portfolio(self, portfolio_id: str) -> Portfolio:
        """Return the portfolio or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.portfolios.get(check_id("portfolio", portfolio_id))
        if found is None:
            raise NotFound("portfolio", portfolio_id)
        return found

    def manager(self, manager_id: str) -> Manager:
        """Return the manager or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.managers.get(check_id("manager", manager_id))
        if found is None:
            raise NotFound("manager", manager_id)
        return found

    def default_portfolio(self, manager: Manager) -> str | None:
        """Return the portfolio ``manager``'s work goes to by default (MG-2, MG-6)."""
        if manager.default_portfolio is not None:
            return manager.default_portfolio
        managed = self.uow.portfolios.page(after=None, limit=2, manager=manager.id)
        return manager.default_among([p.id for p in managed])

    def customer(self, customer_id: str) -> Customer:
        """Return the customer or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.customers.get(check_id("customer", customer_id))
        if found is None:
            raise NotFound("customer", customer_id)
        return found

    def organization(self, organization_id: str) -> Organization:
        """Return the organization or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.organizations.get(check_id("organization", organization_id))
        if found is None:
            raise NotFound("organization", organization_id)
        return found

    def organization_of(self, customer: Customer) -> Organization | None:
        """Return the customer's organization, if it has one."""
        return None if customer.organization is None else self.organization(customer.organization)

    @property
    def viewer(self) -> Viewer:
        """The actor as the visibility policy sees him, with whom he stands in for (MG-5)."""
        if self._viewer is None:
            self._viewer = self.viewer_of(self.actor.manager, system=self.actor.is_system)
        return self._viewer

    def viewer_of(self, manager: Manager | None, *, system: bool = False) -> Viewer:
        """Return how the visibility policy sees ``manager`` right now (MG-4, MG-5)."""
        if manager is None:
            # The host sees everything; a portal customer sees nothing through the
            # agents' side (his own tickets come through the portal, VS-4).
            if system:
                return Viewer(self.actor.id, True, ALL_PERMISSIONS, system=True)
            return Viewer(self.actor.id, False, frozenset())
        named_him = self.uow.managers.backed_up_by(manager.id)
        absent = standing_in(manager.id, named_him, self.stamp.at)
        return Viewer(manager.id, manager.active, manager.permissions, absent)

    def ticket(self, ticket_id: str) -> Ticket:
        """Return the ticket or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.tickets.get(check_id("ticket", ticket_id))
        if found is None:
            raise NotFound("ticket", ticket_id)
        return found

    def department(self, department_id: str) -> Department:
        """Return the department or refuse with [`NotFound`][carteira.NotFound] (TN-1)."""
        found = self.uow.departments.get(check_id("department", department_id))
        if found is None:
            raise NotFound("department", department_id)
        return found


@attrs.define(kw_only=True)
class Context(ReadContext):
    """One command's working set: a writing unit of work and the events it produced."""

    uow: UnitOfWork
    events: list[Event] = attrs.field(factory=list)
    flushed: int = 0

    def emit(self, *events: Event) -> None:
        """Add events this command produced, in order."""
        self.events.extend(events)

    @property
    def emitted(self) -> int:
        """How many events this command has produced so far, flushed or not."""
        return self.flushed + len(self.events)

    def flush(self) -> None:
        """Record the events so far, and the ownership history they carry, in the unit of work.

        They are kept with the command's changes, or dropped with them (EV-1, MB-6). A
        command that makes more events than memory should hold (an import) flushes as it goes.
        """
        self.uow.history.append(_membership(self.events))
        self.uow.events.append(self.events)
        self.flushed += len(self.events)
        self.events.clear()


def _membership(events: Iterable[Event]) -> list[MembershipChanged]:
    return [e for e in events if isinstance(e, MembershipChanged)]


# The runner moved to services.runner (issue 17); its old path still answers, warning.
__getattr__ = moved_to("carteira.services.runner", __name__, {"Runner", "full_jitter"})
