"""The application-service API a host calls: [`Carteira`][carteira.Carteira] (PM-2, EV-1, ST-1)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from carteira.adapters.attachments import InMemoryAttachmentStore
from carteira.adapters.clock import SystemClock
from carteira.adapters.presence import EveryoneOnline
from carteira.domain.absence import Absence
from carteira.domain.customer import Customer, Organization
from carteira.domain.events import Event, MembershipChanged
from carteira.domain.manager import Manager
from carteira.domain.ownership import Ownership, Way
from carteira.domain.permissions import Profile, Role
from carteira.domain.portal import Attachment, Message
from carteira.domain.portfolio import Journey, Portfolio
from carteira.domain.principal import Principal
from carteira.domain.settings import TenantSettings
from carteira.domain.ticket import ChoiceMode, Department, RoutingMode, Ticket
from carteira.domain.workflow import ExtraField, FieldValue, Stage, TicketType
from carteira.policies.eligibility import EligibilityPolicy, ProfileEligibility
from carteira.policies.routing import RoutingDecision, TieBreak, fewest_open_then_longest_idle
from carteira.policies.visibility import Visibility
from carteira.ports.attachments import AttachmentStore
from carteira.ports.clock import Clock
from carteira.ports.presence import Presence
from carteira.ports.unit_of_work import ReadUnitOfWorkFactory, UnitOfWorkFactory
from carteira.services import (
    absences,
    customers,
    exports,
    imports,
    managers,
    portfolios,
    queries,
    queue,
    records,
    routing,
    settings,
    ticket_types,
    tickets,
    uploads,
    visibility,
    ways,
    workflow,
)
from carteira.services.customer_portal import CustomerPortal
from carteira.services.imports import ImportReport
from carteira.services.managers import Leave
from carteira.services.queries import CustomerView, PortfolioSummary
from carteira.services.results import UNCHANGED, Page, Result, Unchanged
from carteira.services.runner import Runner, full_jitter
from carteira.services.visibility import Subject
from carteira.spreadsheets.dataset import DataSet

__all__ = ["Carteira"]


def _new_id() -> str:
    return uuid.uuid4().hex


def _beside(method: object, name: str) -> Any:
    """Return the method ``name`` of the store ``method`` is a method of, or ``None`` (ST-6).

    How a store's read-only units of work and its one-shot check are found beside the
    ``unit_of_work`` method a host passes.
    """
    found = getattr(getattr(method, "__self__", None), name, None)
    return found if callable(found) else None


def _absence(absence_id: str, start: datetime, end: datetime, backup: str) -> Absence:
    return Absence(absence_id, start, end, backup)


class Carteira:
    """Every command and query of carteira, for one storage backend.

    Each call takes the acting [`Principal`][carteira.Principal] first, runs in one unit
    of work of that principal's tenant (TN-1, ST-1), checks permissions and
    visibility before changing anything (PM-2), and either applies all of its change
    or none. Commands return a [`Result`][carteira.Result] holding the value and the
    domain events produced (EV-1); refusals raise a [`CarteiraError`][carteira.CarteiraError].

    ``presence`` tells routing who is online (RT-2); without one, everyone counts as online.
    Queries (``can_view``, listings, ``route``...) run in read-only units of work (ST-6):
    ``read_unit_of_work``, or else the ``read_unit_of_work`` method of the store whose
    ``unit_of_work`` method was given (carteira's stores have one); a store without one
    answers queries in ordinary units of work, rolled back. ``can_view`` asks that store's
    ``check_visible`` (`carteira.ports.VisibilityCheck`) when
    it has one: the same answer without a unit of work around it.
    ``tie_break`` picks among several available owners in automatic departments (RT-1).
    ``eligibility`` replaces the MG-1 policy; ``clock`` is where "now" comes from. ``attachments``
    keeps the content of files attached to tickets (TK-4); without one, it stays in memory. A
    command or query whose unit of work meets a concurrent change
    ([`ConcurrencyError`][carteira.ConcurrencyError]) is run again from the start, up to
    ``attempts`` times in all (ST-3), ``backoff(n)`` seconds after its n-th failure (by
    default a random pause below 5 ms doubled per failure, at most 200 ms, so writers
    that met do not meet again in step). The customer's side of portal tickets is ``portal``
    ([`CustomerPortal`][carteira.CustomerPortal]).

    >>> from carteira import Carteira, InMemoryStore, Principal
    >>> app = Carteira(InMemoryStore().unit_of_work)
    >>> admin = Principal.system("acme")
    >>> app.create_portfolio(admin, "Sul").value.name
    'Sul'
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        *,
        clock: Clock | None = None,
        eligibility: EligibilityPolicy | None = None,
        presence: Presence | None = None,
        tie_break: TieBreak = fewest_open_then_longest_idle,
        new_id: Callable[[], str] = _new_id,
        attachments: AttachmentStore | None = None,
        attempts: int = 3,
        read_unit_of_work: ReadUnitOfWorkFactory | None = None,
        backoff: Callable[[int], float] = full_jitter,
    ) -> None:
        readers = read_unit_of_work or _beside(unit_of_work, "read_unit_of_work")
        self._run = Runner(
            unit_of_work,
            clock or SystemClock(),
            eligibility or ProfileEligibility(),
            presence or EveryoneOnline(),
            tie_break,
            attempts,
            readers,
            _beside(readers, "check_visible"),
            backoff,
        )
        self._new_id = new_id
        self._attachments = attachments if attachments is not None else InMemoryAttachmentStore()
        #: The customer's side: open, follow, discuss, approve, cancel (TK, VS-4).
        self.portal = CustomerPortal(self._run, self._attachments, new_id)

    # -- portfolios (PF) ---------------------------------------------------------------

    def create_portfolio(
        self,
        principal: Principal,
        name: str,
        *,
        description: str | None = None,
        journey: Journey | None = None,
        managers: Sequence[str] = (),
        portfolio_id: str | None = None,
    ) -> Result[Portfolio]:
        """Create a portfolio; managers and journey are optional (PF-1..PF-3, PF-6)."""
        new_id = portfolio_id if portfolio_id is not None else self._new_id()
        return self._run.command(
            principal,
            lambda c: portfolios.create_portfolio(c, new_id, name, description, journey, managers),
        )

    def edit_portfolio(
        self,
        principal: Principal,
        portfolio_id: str,
        *,
        name: str | Unchanged = UNCHANGED,
        description: str | Unchanged | None = UNCHANGED,
        journey: Journey | Unchanged | None = UNCHANGED,
        managers: Sequence[str] | Unchanged = UNCHANGED,
    ) -> Result[Portfolio]:
        """Edit a portfolio's name, description, journey or managers (PF-4, MB-2)."""
        return self._run.command(
            principal,
            lambda c: portfolios.edit_portfolio(
                c, portfolio_id, name, description, journey, managers
            ),
        )

    def delete_portfolio(self, principal: Principal, portfolio_id: str) -> Result[None]:
        """Delete a portfolio for good; its customers and organizations go outside (PF-5)."""
        return self._run.command(principal, lambda c: portfolios.delete_portfolio(c, portfolio_id))

    def set_default_portfolio(
        self, principal: Principal, manager_id: str, portfolio_id: str | None
    ) -> Result[Manager]:
        """Mark one of a manager's portfolios as his default, or clear it (MG-2)."""
        return self._run.command(
            principal, lambda c: portfolios.set_default_portfolio(c, manager_id, portfolio_id)
        )

    # -- managers (MG) -----------------------------------------------------------------

    def register_manager(
        self,
        principal: Principal,
        manager_id: str,
        name: str,
        *,
        profile: Profile = Profile.AGENT,
        roles: Iterable[Role] = (),
        active: bool = True,
    ) -> Result[Manager]:
        """Make one of the host's staff known as a manager (MG-1)."""
        return self._run.command(
            principal,
            lambda c: managers.register_manager(c, manager_id, name, profile, roles, active),
        )

    def update_manager(
        self,
        principal: Principal,
        manager_id: str,
        *,
        name: str | Unchanged = UNCHANGED,
        profile: Profile | Unchanged = UNCHANGED,
        roles: Iterable[Role] | Unchanged = UNCHANGED,
        transfer_to: str | None = None,
        keep: bool = False,
    ) -> Result[Manager]:
        """Change a manager's name, profile or roles; if he becomes ineligible he leaves (MG-3)."""
        leave = Leave(transfer_to, keep)
        return self._run.command(
            principal,
            lambda c: managers.update_manager(c, manager_id, name, profile, roles, leave),
        )

    def deactivate_manager(
        self,
        principal: Principal,
        manager_id: str,
        *,
        transfer_to: str | None = None,
        keep: bool = False,
    ) -> Result[Manager]:
        """Deactivate a manager: transfer to a successor, keep, or refuse to orphan (MG-3)."""
        leave = Leave(transfer_to, keep)
        return self._run.command(
            principal, lambda c: managers.deactivate_manager(c, manager_id, leave)
        )

    def reactivate_manager(self, principal: Principal, manager_id: str) -> Result[Manager]:
        """Reactivate a manager; what he left stays where it went."""
        return self._run.command(principal, lambda c: managers.reactivate_manager(c, manager_id))

    def remove_manager(
        self,
        principal: Principal,
        manager_id: str,
        *,
        transfer_to: str | None = None,
        keep: bool = False,
    ) -> Result[None]:
        """Delete a manager's record after he leaves as chosen (MG-3)."""
        leave = Leave(transfer_to, keep)
        return self._run.command(principal, lambda c: managers.remove_manager(c, manager_id, leave))

    # -- customers and organizations (MB, WA-3) ----------------------------------------

    def register_customer(
        self,
        principal: Principal,
        customer_id: str,
        name: str,
        *,
        organization: str | None = None,
    ) -> Result[Customer]:
        """Make one of the host's customers known; it starts outside portfolio (MB-4)."""
        return self._run.command(
            principal, lambda c: customers.register_customer(c, customer_id, name, organization)
        )

    def update_customer(
        self,
        principal: Principal,
        customer_id: str,
        *,
        name: str | Unchanged = UNCHANGED,
        organization: str | Unchanged | None = UNCHANGED,
    ) -> Result[Customer]:
        """Rename a customer or move it to another organization (MB-1, MB-3)."""
        return self._run.command(
            principal, lambda c: customers.update_customer(c, customer_id, name, organization)
        )

    def register_organization(
        self, principal: Principal, organization_id: str, name: str
    ) -> Result[Organization]:
        """Make one of the host's organizations known; it starts outside portfolio."""
        return self._run.command(
            principal, lambda c: customers.register_organization(c, organization_id, name)
        )

    def update_organization(
        self, principal: Principal, organization_id: str, *, name: str
    ) -> Result[Organization]:
        """Rename an organization."""
        return self._run.command(
            principal, lambda c: customers.update_organization(c, organization_id, name)
        )

    def set_organization_portfolio(
        self, principal: Principal, organization_id: str, portfolio_id: str | None
    ) -> Result[Organization]:
        """Put an organization in a portfolio or take it out (WA-3, MB-1, MB-2)."""
        return self._run.command(
            principal,
            lambda c: customers.set_organization_portfolio(c, organization_id, portfolio_id),
        )

    def set_customer_membership(
        self,
        principal: Principal,
        customer_id: str,
        *,
        portfolio: str | Unchanged | None = UNCHANGED,
        account_managers: Sequence[str] | Unchanged = UNCHANGED,
    ) -> Result[Customer]:
        """Set a customer's portfolio and/or account managers from its record (WA-3, MB-2, MB-3)."""
        return self._run.command(
            principal,
            lambda c: customers.set_customer_membership(
                c, customer_id, portfolio, account_managers
            ),
        )

    def assign_customer(
        self,
        principal: Principal,
        customer_id: str,
        manager_id: str,
        *,
        portfolio: str | None = None,
    ) -> Result[Customer]:
        """Make a manager an account manager of a customer, in his default portfolio (MG-2)."""
        return self._run.command(
            principal,
            lambda c: customers.assign_customer(c, customer_id, manager_id, portfolio, Way.RECORD),
        )

    def unassign_customer(
        self, principal: Principal, customer_id: str, manager_id: str
    ) -> Result[Customer]:
        """Remove a manager from a customer's account managers; the portfolio stays (MB-3)."""
        return self._run.command(
            principal,
            lambda c: customers.unassign_customer(c, customer_id, manager_id, Way.RECORD),
        )

    # -- settings ------------------------------------------------------------------------

    def update_settings(
        self,
        principal: Principal,
        *,
        segmentation: bool | Unchanged = UNCHANGED,
        max_account_managers: int | Unchanged = UNCHANGED,
        owner_only: bool | Unchanged = UNCHANGED,
        portal_attendant: str | Unchanged | None = UNCHANGED,
        attachment_max_bytes: int | Unchanged = UNCHANGED,
        attachment_types: Iterable[str] | Unchanged = UNCHANGED,
        open_access: bool | Unchanged = UNCHANGED,
    ) -> Result[TenantSettings]:
        """Change the tenant's settings; only those named change.

        Segmentation (VS-1), open access (VS-6: every active manager sees everything,
        while membership and routing still follow the portfolios), the account-manager
        cap (MB-3), owner-only (PM-3), the portal's default attendant (RT-6), and the
        attachments' size limit and allowed content types (TK-4).
        """
        return self._run.command(
            principal,
            lambda c: settings.update_settings(
                c,
                segmentation,
                max_account_managers,
                owner_only,
                portal_attendant,
                attachment_max_bytes,
                attachment_types,
                open_access,
            ),
        )

    # -- absences (MG-5) -------------------------------------------------------------------

    def schedule_absence(
        self,
        principal: Principal,
        manager_id: str,
        *,
        start: datetime,
        end: datetime,
        backup: str,
        absence_id: str | None = None,
    ) -> Result[Manager]:
        """Schedule a period away with a backup; it ends by itself (MG-5)."""
        new_id = absence_id if absence_id is not None else self._new_id()
        return self._run.command(
            principal,
            lambda c: absences.schedule_absence(
                c, manager_id, _absence(new_id, start, end, backup)
            ),
        )

    def cancel_absence(
        self, principal: Principal, manager_id: str, absence_id: str
    ) -> Result[Manager]:
        """Withdraw a scheduled absence (MG-5)."""
        return self._run.command(
            principal, lambda c: absences.cancel_absence(c, manager_id, absence_id)
        )

    # -- departments, tickets and routing (RT, PM-3) ---------------------------------------

    def save_department(
        self,
        principal: Principal,
        department_id: str,
        name: str,
        *,
        routing: RoutingMode = RoutingMode.PORTFOLIO,
        choice: ChoiceMode = ChoiceMode.AUTOMATIC,
        members: Iterable[str] | None = None,
        capacity: int | None = None,
        capacities: Mapping[str, int] | None = None,
        account_managers_only: bool = False,
    ) -> Result[Department]:
        """Create or change a department's routing setup (RT-1, RT-2)."""
        return self._run.command(
            principal,
            lambda c: tickets.save_department(
                c,
                department_id,
                name,
                routing,
                choice,
                members,
                capacity,
                capacities or {},
                account_managers_only,
            ),
        )

    def route(self, principal: Principal, customer_id: str, department_id: str) -> RoutingDecision:
        """Return where a new conversation of a customer would go, changing nothing (RT-4)."""
        run = self._run
        return run.glance(
            principal,
            lambda uow, at: routing.decide(
                uow, principal, at, customer_id, department_id, run.presence, run.tie_break
            ),
        )

    def open_ticket(
        self, principal: Principal, ticket_id: str, customer_id: str, department_id: str
    ) -> Result[Ticket]:
        """Open a ticket and route it through the owner chain (RT-1..RT-5, RT-7)."""
        return self._run.command(
            principal, lambda c: tickets.open_ticket(c, ticket_id, customer_id, department_id)
        )

    def choose_agent(self, principal: Principal, ticket_id: str, manager_id: str) -> Result[Ticket]:
        """Record the customer's choice among the offered agents (RT-1)."""
        return self._run.command(
            principal, lambda c: tickets.choose_agent(c, ticket_id, manager_id)
        )

    def reassign_ticket(
        self, principal: Principal, ticket_id: str, manager_id: str | None
    ) -> Result[Ticket]:
        """Give an open ticket to another manager, or back to the queue (PM-3)."""
        return self._run.command(principal, lambda c: tickets.reassign(c, ticket_id, manager_id))

    def department_queue(
        self,
        principal: Principal,
        department_id: str,
        *,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Ticket]:
        """Return a page of the tickets waiting in a department's queue, oldest first (VS-7).

        For the department's members (every active manager where it lists none), holders
        of VIEW_ALL and the host. Pass the page's ``next_after`` back as ``after``.
        """
        return self._run.query(
            principal, lambda c: queue.queue(c, department_id, after=after, limit=limit)
        )

    def take_ticket(self, principal: Principal, ticket_id: str) -> Result[Ticket]:
        """Take a ticket from one's department's queue; the first taker wins (RT-8).

        A second taker is refused with [`Conflict`][carteira.Conflict] ``already_taken``;
        membership does not change (MB-5).
        """
        return self._run.command(principal, lambda c: queue.take(c, ticket_id))

    def reply(self, principal: Principal, ticket_id: str) -> Result[Ticket]:
        """Record a reply on an open ticket (PM-3)."""
        return self._run.command(principal, lambda c: tickets.reply(c, ticket_id))

    def close_ticket(
        self, principal: Principal, ticket_id: str, *, associate: bool = False
    ) -> Result[Ticket]:
        """Close a ticket; ``associate`` answers WA-2's question (MB-5, WA-2, PM-3)."""
        return self._run.command(principal, lambda c: ways.close_ticket(c, ticket_id, associate))

    def offers_association(self, principal: Principal, ticket_id: str) -> bool:
        """Tell whether closing this ticket should ask to associate its customer (WA-2)."""
        return self._run.query(principal, lambda c: ways.offers_association(c, ticket_id))

    # -- portal tickets, the service side (TK) ---------------------------------------------

    def save_ticket_type(
        self,
        principal: Principal,
        type_id: str,
        *,
        group: str,
        name: str,
        stages: Sequence[Stage],
        transitions: Iterable[tuple[str, str]] = (),
        fields: Sequence[ExtraField] = (),
        department: str | None = None,
    ) -> Result[TicketType]:
        """Create or change a ticket type and its workflow (TK-2, TK-3, TK-6)."""
        return self._run.command(
            principal,
            lambda c: ticket_types.save_ticket_type(
                c, type_id, group, name, stages, transitions, fields, department
            ),
        )

    def ticket_types(self, principal: Principal) -> Sequence[TicketType]:
        """Return every ticket type, by group and name (TK-1)."""
        return self._run.query(principal, ticket_types.ticket_types)

    def open_portal_ticket(
        self,
        principal: Principal,
        customer_id: str,
        *,
        group: str,
        ticket_type: str,
        subject: str,
        request: str,
        values: Mapping[str, FieldValue] | None = None,
        ticket_id: str | None = None,
    ) -> Result[Ticket]:
        """Open a portal ticket for a customer, as the host application (TK-1, RT-6)."""
        new_id = ticket_id if ticket_id is not None else self._new_id()
        return self._run.command(
            principal,
            lambda c: workflow.open_portal_ticket(
                c, new_id, customer_id, group, ticket_type, subject, request, values or {}
            ),
        )

    def move_ticket(
        self, principal: Principal, ticket_id: str, target: str, *, note: str = ""
    ) -> Result[Ticket]:
        """Move a portal ticket with the service side to another stage (TK-2, PM-3)."""
        return self._run.command(principal, lambda c: workflow.move(c, ticket_id, target, note))

    def fill_fields(
        self, principal: Principal, ticket_id: str, values: Mapping[str, FieldValue | None]
    ) -> Result[Ticket]:
        """Fill or clear extra fields of a portal ticket with the service side (TK-3)."""
        return self._run.command(principal, lambda c: workflow.fill(c, ticket_id, values))

    def post_message(
        self,
        principal: Principal,
        ticket_id: str,
        text: str,
        *,
        internal: bool = False,
        message_id: str | None = None,
    ) -> Result[Message]:
        """Write in an open portal ticket's discussion; ``internal`` hides it (TK-5)."""
        new_id = message_id if message_id is not None else self._new_id()
        return self._run.command(
            principal, lambda c: workflow.post_message(c, ticket_id, new_id, text, internal)
        )

    def attach(
        self,
        principal: Principal,
        ticket_id: str,
        *,
        name: str,
        content_type: str,
        content: bytes,
        attachment_id: str | None = None,
    ) -> Result[Attachment]:
        """Attach a file to an open portal ticket (TK-4)."""
        new_id = attachment_id if attachment_id is not None else self._new_id()
        return uploads.store_upload(
            self._run,
            self._attachments,
            principal,
            ticket_id,
            new_id,
            name,
            content_type,
            content,
            portal_side=False,
        )

    def attachment(
        self, principal: Principal, ticket_id: str, attachment_id: str
    ) -> tuple[Attachment, bytes]:
        """Return an attachment of a portal ticket the principal sees (TK-4, VS-2)."""
        return uploads.read_upload(
            self._run, self._attachments, principal, ticket_id, attachment_id, portal_side=False
        )

    def delete_ticket(self, principal: Principal, ticket_id: str) -> Result[Ticket]:
        """Delete a cancelled ticket, as an administrator; an audit event remains (TK-8)."""
        result = self._run.command(principal, lambda c: workflow.delete(c, ticket_id))
        uploads.drop_contents(self._attachments, principal.tenant, result.value)
        return result

    # -- the ways from agents' work (WA-1, WA-4, WA-6, WA-7) --------------------------------

    def add_to_my_portfolio(self, principal: Principal, ticket_id: str) -> Result[Customer]:
        """WA-1: the serving agent adds the ticket's customer to his own portfolio."""
        return self._run.command(principal, lambda c: ways.add_to_my_portfolio(c, ticket_id))

    def bulk_close(
        self, principal: Principal, agent_id: str, *, associate: bool = False
    ) -> Result[list[Ticket]]:
        """WA-4: close all open conversations of an agent; ``associate`` assigns them.

        Every one is closed; the value lists only those the caller sees (VS-3). The
        result's events, the host's record of what changed, name them all.
        """
        return self._run.command(principal, lambda c: ways.bulk_close(c, agent_id, associate))

    def assign_to_me(self, principal: Principal, ticket_id: str) -> Result[Customer]:
        """WA-6: make the acting agent an account manager of the ticket's customer."""
        return self._run.command(principal, lambda c: ways.assign_to_me(c, ticket_id))

    def unassign_me(self, principal: Principal, ticket_id: str) -> Result[Customer]:
        """WA-6: take the acting agent off the ticket's customer."""
        return self._run.command(principal, lambda c: ways.unassign_me(c, ticket_id))

    def assign_customers(
        self, principal: Principal, agent_id: str, customer_ids: Sequence[str]
    ) -> Result[list[Customer]]:
        """WA-7: from an agent's record, assign a list of customers to him."""
        return self._run.command(
            principal, lambda c: ways.assign_customers(c, agent_id, customer_ids)
        )

    def unassign_customers(
        self, principal: Principal, agent_id: str, customer_ids: Sequence[str]
    ) -> Result[list[Customer]]:
        """WA-7: from an agent's record, unassign a list of customers from him."""
        return self._run.command(
            principal, lambda c: ways.unassign_customers(c, agent_id, customer_ids)
        )

    # -- spreadsheets (WA-8) -------------------------------------------------------------

    def import_dataset(
        self,
        principal: Principal,
        dataset: DataSet,
        *,
        partial: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> Result[ImportReport]:
        """WA-8: import managers, portfolios and memberships read from a spreadsheet.

        Every row is checked first; a bad row refuses the whole import with
        [`ImportRefused`][carteira.ImportRefused] listing every bad row, unless ``partial``, which
        applies the good rows and reports the bad ones
        ([`ImportReport.bad_rows`][carteira.ImportReport.bad_rows]). Importing the same rows twice
        changes nothing the second time. ``progress`` is told ``(rows done, rows in all)`` as the
        memberships are checked.
        """
        return imports.run_import(
            self._run,
            principal,
            dataset,
            partial=partial,
            new_id=self._new_id,
            progress=progress,
        )

    def export_dataset(self, principal: Principal) -> DataSet:
        """Return the tenant's managers, portfolios, memberships and history as tables (WA-8).

        The format [`import_dataset`][carteira.Carteira.import_dataset] reads: exported, then
        imported into an empty database, they give the same managers, portfolios and memberships.
        """
        return self._run.query(principal, exports.export_dataset)

    # -- visibility (VS) ---------------------------------------------------------------------

    def can_view(self, principal: Principal, subject: Subject, object_id: str) -> bool:
        """Tell whether the principal sees a customer, organization or ticket (VS-2)."""
        return self._run.check(principal, subject, object_id)

    def visible_among(
        self, principal: Principal, subject: Subject, object_ids: Iterable[str]
    ) -> frozenset[str]:
        """Return those of ``object_ids`` the principal sees, in one call (VS-2).

        For filtering a host's own search results: unknown ids are simply not seen.
        """
        return self._run.glance(
            principal,
            lambda uow, at: visibility.visible_among(uow, principal, at, subject, object_ids),
        )

    def explain(
        self,
        principal: Principal,
        subject: Subject,
        object_id: str,
        *,
        viewer_id: str | None = None,
    ) -> Visibility:
        """Say which clause lets a manager see an object, or why not (VS-5)."""
        return self._run.query(
            principal, lambda c: visibility.explain(c, subject, object_id, viewer_id)
        )

    def visible_customers(
        self,
        principal: Principal,
        *,
        search: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Customer]:
        """Return a page of the customers the principal sees, by id (VS-3).

        ``search`` keeps those where each of its words begins a word of the name or the
        id, case and accents aside: ``tomas ne`` finds "Tomás Neto" (VS-8).
        """
        return self._run.glance(
            principal,
            lambda uow, at: visibility.visible_customers(uow, principal, at, search, after, limit),
        )

    def visible_organizations(
        self,
        principal: Principal,
        *,
        search: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Organization]:
        """Return a page of the organizations the principal sees, by id (VS-3).

        ``search`` keeps them as it keeps customers (VS-8).
        """
        return self._run.glance(
            principal,
            lambda uow, at: visibility.visible_organizations(
                uow, principal, at, search, after, limit
            ),
        )

    def visible_tickets(
        self,
        principal: Principal,
        *,
        open_only: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Ticket]:
        """Return a page of the tickets the principal sees, by id (VS-2, VS-3)."""
        return self._run.glance(
            principal,
            lambda uow, at: visibility.visible_tickets(uow, principal, at, open_only, after, limit),
        )

    def settings(self, principal: Principal) -> TenantSettings:
        """Return the tenant's settings."""
        return self._run.query(principal, lambda c: c.settings)

    # -- queries -------------------------------------------------------------------------

    def list_portfolios(
        self, principal: Principal, *, after: str | None = None, limit: int = 50
    ) -> Page[PortfolioSummary]:
        """Return a page of portfolios by name, each marked available or not (PF-3, ST-4).

        Pass the page's ``next_after`` back as ``after`` for the next one.
        """
        return self._run.query(principal, lambda c: queries.list_portfolios(c, after, limit))

    def portfolio(self, principal: Principal, portfolio_id: str) -> PortfolioSummary:
        """Return one portfolio, marked available or not as listings mark it (PF-3)."""
        return self._run.query(principal, lambda c: queries.portfolio_summary(c, portfolio_id))

    def list_managers(
        self,
        principal: Principal,
        *,
        active: bool | None = None,
        eligible: bool | None = None,
        portfolio: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Manager]:
        """Return a page of the tenant's managers by id (MG-1, ST-4).

        ``active`` and ``eligible`` keep those that are (``True``) or are not (``False``),
        by the eligibility policy; ``portfolio`` keeps that portfolio's managers. Needs
        MANAGE_MANAGERS or MANAGE_PORTFOLIOS. Pass ``next_after`` back as ``after``.
        """
        return self._run.query(
            principal,
            lambda c: records.list_managers(
                c, active=active, eligible=eligible, portfolio=portfolio, after=after, limit=limit
            ),
        )

    def organization(self, principal: Principal, organization_id: str) -> Organization:
        """Return one organization's record, if the principal may see it (VS-3, TN-1)."""
        return self._run.query(principal, lambda c: records.organization_record(c, organization_id))

    def portfolios_of_manager(
        self,
        principal: Principal,
        manager_id: str,
        *,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[PortfolioSummary]:
        """Return a page of the portfolios a manager manages, his default first (MG-2)."""
        return self._run.query(
            principal, lambda c: queries.portfolios_of_manager(c, manager_id, after, limit)
        )

    def orphaned_portfolios(self, principal: Principal) -> list[PortfolioSummary]:
        """Return the portfolios holding customers with no active manager (MB-2, MG-3)."""
        return self._run.query(principal, queries.orphaned_portfolios)

    def customers_of_portfolio(
        self, principal: Principal, portfolio_id: str, *, after: str | None = None, limit: int = 50
    ) -> Page[Customer]:
        """Return a page of a portfolio's customers the principal may see (MB-1, VS-3)."""
        return self._run.query(
            principal, lambda c: queries.customers_of_portfolio(c, portfolio_id, after, limit)
        )

    def customer(self, principal: Principal, customer_id: str) -> CustomerView:
        """Return a customer the principal may see, with who owns it (MB-4)."""
        return self._run.query(principal, lambda c: queries.customer_view(c, customer_id))

    def owner_history(self, principal: Principal, customer_id: str) -> Sequence[MembershipChanged]:
        """Return every ownership change of a customer, oldest first (MB-6)."""
        return self._run.query(principal, lambda c: queries.owner_history(c, customer_id))

    def owners_at(self, principal: Principal, customer_id: str, at: datetime) -> Ownership:
        """Return who owned a customer at instant ``at`` (MB-6)."""
        return self._run.query(principal, lambda c: queries.owners_at(c, customer_id, at))

    def read_events(
        self, principal: Principal, *, after: int = 0, limit: int = 100
    ) -> Sequence[tuple[int, Event]]:
        """Return stored events after position ``after``, for the host's publisher (EV-1)."""
        return self._run.query(principal, lambda c: queries.read_events(c, after, limit))

    def unpublished_events(
        self, principal: Principal, *, limit: int = 100
    ) -> Sequence[tuple[int, Event]]:
        """Return the first events not yet marked published: the host's outbox (EV-1)."""
        return self._run.query(principal, lambda c: queries.unpublished_events(c, limit))

    def mark_published(self, principal: Principal, positions: Iterable[int]) -> Result[int]:
        """Mark events published after the host sent them on; return how many were new (EV-1).

        Marking is idempotent: a position already marked, or past the log's end, counts
        for nothing.
        """
        return self._run.command(principal, lambda c: queries.mark_published(c, positions))
