"""An oracle of visibility, owner-only and routing eligibility, written apart from the library.

It reads a tenant's rows from ``InMemoryStore.snapshot()`` and states SPEC rules VS-1,
VS-2, VS-6, VS-7, MG-4, MG-5, PM-3, RT-2 and RT-8 in the plainest way, so that tests compare the
library's answers with an independent reading of the rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carteira import Customer, Manager, Organization, Permission, Ticket, TicketStatus


class World:
    """One tenant's rows at one instant."""

    def __init__(self, data: dict[str, Any], now: datetime) -> None:
        def rows(table: str) -> dict[str, Any]:
            return dict(data[table][0]) if data else {}

        self.managers: dict[str, Manager] = rows("managers")
        self.portfolios = rows("portfolios")
        self.customers: dict[str, Customer] = rows("customers")
        self.organizations: dict[str, Organization] = rows("organizations")
        self.tickets: dict[str, Ticket] = rows("tickets")
        self.departments = rows("departments")
        self.segmentation = data["settings"].segmentation if data else True
        self.open_access = data["settings"].open_access if data else False
        self.owner_only = data["settings"].owner_only if data else False
        self.now = now

    def effective(self, customer: Customer) -> str | None:
        """MB-1: its own portfolio, else its organization's.

        Restated on purpose, not asked of `Customer`: the oracle is the rules written a
        second time, plainly, so that a mistake in the library's one statement shows.
        """
        if customer.portfolio is not None:
            return customer.portfolio
        org = customer.organization
        return None if org is None else self.organizations[org].portfolio

    def absent(self, manager: Manager) -> bool:
        """MG-5: an absence covers now."""
        return any(a.start <= self.now < a.end for a in manager.absences)

    def stands_in_for(self, manager_id: str) -> set[str]:
        """MG-5: the managers absent now who named him backup."""
        return {
            m.id
            for m in self.managers.values()
            if any(a.backup == manager_id and a.start <= self.now < a.end for a in m.absences)
        }

    def permissions(self, manager_id: str) -> set[Permission]:
        manager = self.managers[manager_id]
        return {p for role in manager.roles for p in role.permissions}

    def active(self, manager_id: str) -> bool:
        manager = self.managers.get(manager_id)
        return manager is not None and manager.active

    def sees_customer(self, manager_id: str, customer: Customer) -> bool:
        """VS-1, VS-2 a-d, VS-6, MG-4, MG-5."""
        if not self.active(manager_id):
            return False
        if not self.segmentation or self.open_access:
            return True
        me = {manager_id} | self.stands_in_for(manager_id)
        effective = self.effective(customer)
        if effective is not None and me & set(self.portfolios[effective].managers):
            return True
        if me & set(customer.account_managers):
            return True
        held = self.permissions(manager_id)
        outside = effective is None and not customer.account_managers
        return (outside and Permission.VIEW_UNASSIGNED in held) or Permission.VIEW_ALL in held

    def sees_organization(self, manager_id: str, organization: Organization) -> bool:
        """VS-2 a, c, d and VS-6 for organizations."""
        if not self.active(manager_id):
            return False
        if not self.segmentation or self.open_access:
            return True
        me = {manager_id} | self.stands_in_for(manager_id)
        portfolio = organization.portfolio
        if portfolio is not None and me & set(self.portfolios[portfolio].managers):
            return True
        held = self.permissions(manager_id)
        outside = portfolio is None
        return (outside and Permission.VIEW_UNASSIGNED in held) or Permission.VIEW_ALL in held

    def sees_ticket(self, manager_id: str, ticket: Ticket) -> bool:
        """VS-2: he sees its customer, or he serves it; VS-7: it waits in his queue."""
        if not self.active(manager_id):
            return False
        customer = self.customers[ticket.customer]
        if self.sees_customer(manager_id, customer) or ticket.assignee == manager_id:
            return True
        return self.waits_for(manager_id, ticket)

    def member(self, manager_id: str, department: str) -> bool:
        """RT-2, VS-7: the department lists him, or lists no one."""
        setup = self.departments.get(department)
        return setup is not None and (setup.members is None or manager_id in setup.members)

    @staticmethod
    def waiting(ticket: Ticket) -> bool:
        """VS-7, RT-1: open, no one serving it, no customer choosing among offered agents."""
        return ticket.status is TicketStatus.OPEN and ticket.assignee is None and not ticket.offered

    def waits_for(self, manager_id: str, ticket: Ticket) -> bool:
        """VS-7: it waits in the queue of a department of his."""
        return self.waiting(ticket) and self.member(manager_id, ticket.department)

    def queue(self, department: str) -> list[str]:
        """VS-7: the open unserved tickets of a department, oldest first, then by id."""
        mine = (t for t in self.tickets.values() if t.department == department)
        waiting = [t for t in mine if self.waiting(t)]
        return [t.id for t in sorted(waiting, key=lambda t: (t.opened_at, t.id))]

    def may_list_queue(self, actor: str, department: str) -> bool:
        """VS-7: the host, an active member, or an active holder of VIEW_ALL."""
        if actor == "system":
            return True
        if not self.active(actor):
            return False
        return self.member(actor, department) or Permission.VIEW_ALL in self.permissions(actor)

    def may_take(self, actor: str, ticket_id: str) -> bool:
        """RT-8: an active member with ASSIGN_SELF takes an open ticket no one else serves."""
        ticket = self.tickets.get(ticket_id)
        if actor == "system" or ticket is None or not self.active(actor):
            return False
        if Permission.ASSIGN_SELF not in self.permissions(actor):
            return False
        if ticket.status is not TicketStatus.OPEN or ticket.assignee not in (None, actor):
            return False
        if ticket.assignee == actor:
            return True
        member = self.member(actor, ticket.department)
        return self.waiting(ticket) and member and self.may_act_on(actor, ticket)

    def owners(self, customer: Customer) -> set[str]:
        """PM-3: account managers and the managers of the effective portfolio."""
        effective = self.effective(customer)
        managers = set() if effective is None else set(self.portfolios[effective].managers)
        return set(customer.account_managers) | managers

    def may_act_on(self, actor: str, ticket: Ticket) -> bool:
        """PM-3 under owner-only: owners, their backups while absent, override holders."""
        if actor == "system" or not self.owner_only:
            return True
        if not self.active(actor):
            return False
        if Permission.OVERRIDE_OWNER_ONLY in self.permissions(actor):
            return True
        owners = self.owners(self.customers[ticket.customer])
        return actor in owners or bool(owners & self.stands_in_for(actor))

    def open_load(self, department: str, manager_id: str) -> int:
        return sum(
            1
            for t in self.tickets.values()
            if t.open and t.department == department and t.assignee == manager_id
        )

    def routable(self, manager_id: str, department: str, online: set[str]) -> bool:
        """RT-2, MG-4, MG-5: active, present, member, online, under capacity."""
        manager = self.managers.get(manager_id)
        if manager is None or not manager.active or self.absent(manager):
            return False
        setup = self.departments[department]
        if setup.members is not None and manager_id not in setup.members:
            return False
        if manager_id not in online:
            return False
        capacity = setup.capacities.get(manager_id, setup.capacity)
        return capacity is None or self.open_load(department, manager_id) < capacity

    def owner_chain(self, customer: Customer) -> set[str]:
        """RT-7: account managers, portfolio managers, and the backups of absent ones."""
        effective = self.effective(customer)
        chain = set(customer.account_managers)
        if effective is not None:
            chain |= set(self.portfolios[effective].managers)
        for owner in list(chain):
            manager = self.managers.get(owner)
            for absence in () if manager is None else manager.absences:
                if absence.start <= self.now < absence.end:
                    chain.add(absence.backup)
        return chain
