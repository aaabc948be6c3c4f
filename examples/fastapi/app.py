"""A small FastAPI JSON API embedding carteira through AsyncCarteira (issue 16, item 2).

The asyncio twin of ``examples/webapp`` (Flask): the same endpoints, on SQLite (aiosqlite)
or PostgreSQL (psycopg's async connections), every carteira call awaited so that the
event loop keeps serving other requests while one waits for the database. Run it with
``uvicorn --factory app:create_app`` from this folder; ``CARTEIRA_DATABASE_URL`` names
the database (default ``sqlite:///carteira.db``). See ``README.md`` here.

Nothing is built at import time: :func:`create_app` returns the application, whose
lifespan opens the database, creates the host's own table and carteira's schema, and
registers a first administrator, ``root``, in the default tenant.

The host owns its customers' records: ``POST /customers`` writes the host's row and
registers the customer in carteira in **one transaction** (``AsyncCarteira.within`` on
the host's connection), so a refusal by carteira leaves no host row behind either.

Who acts comes from request headers. This stands in for the host's real sign-in (a
session, a token); a real application must never trust such headers from the outside:

- ``X-Manager: ana``  - a staff member acting through the admin screens or his inbox;
- ``X-Customer: c1``  - a customer signed in to the portal;
- ``X-Tenant: acme``  - optional, the tenant (defaults to the app's tenant).

A request with neither ``X-Manager`` nor ``X-Customer`` is refused with 401.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, MetaData, String, Table, select

from carteira import (
    UNCHANGED,
    CarteiraError,
    ChoiceMode,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PortalFilter,
    Principal,
    PrincipalKind,
    Profile,
    Responsible,
    Role,
    RoutingMode,
    RuleViolation,
    Stage,
)
from carteira.aio import AsyncCarteira
from carteira.serialization import make_converter

__all__ = ["create_app"]

_E = TypeVar("_E")
_V = TypeVar("_V")

#: HTTP status of each kind of refusal; the first matching class wins.
_STATUS: tuple[tuple[type[CarteiraError], int], ...] = (
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (RuleViolation, 422),
    (InvalidInput, 400),
)

#: The host's own records, beside carteira's tables: its customers, with what carteira
#: never keeps (here an e-mail address).
host_metadata = MetaData()
host_customers = Table(
    "host_customers",
    host_metadata,
    Column("tenant", String(255), primary_key=True),
    Column("id", String(255), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("email", String(255)),
)


class Unauthenticated(Exception):
    """No acting party in the request's headers."""


class BadRequest(Exception):
    """The request is not what this endpoint needs."""


class AwayList:
    """The presence port: every manager is online but those who said they are away (RT-2).

    A real host feeds presence from its chat's sign-ins; this one from ``PUT /presence``.
    """

    def __init__(self) -> None:
        self._away: set[tuple[str, str]] = set()

    def set_online(self, tenant: str, manager_id: str, online: bool) -> None:
        """Record that ``manager_id`` of ``tenant`` is online, or away."""
        if online:
            self._away.discard((tenant, manager_id))
        else:
            self._away.add((tenant, manager_id))

    def online(self, tenant: str, manager_ids: Iterable[str]) -> frozenset[str]:
        """Return those of ``manager_ids`` not away."""
        return frozenset(m for m in manager_ids if (tenant, m) not in self._away)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class NewManager(_Body):
    id: str
    name: str
    profile: str = Profile.AGENT.value
    administrator: bool = False


class NewPortfolio(_Body):
    name: str
    id: str | None = None
    description: str | None = None
    managers: list[str] = Field(default_factory=list)


class PortfolioManager(_Body):
    manager: str


class Settings(_Body):
    segmentation: bool | None = None
    max_account_managers: int | None = None
    portal_attendant: str | None = None


class NewCustomer(_Body):
    id: str
    name: str
    organization: str | None = None
    email: str | None = None


class Assignment(_Body):
    manager: str
    portfolio: str | None = None


class NewDepartment(_Body):
    id: str
    name: str
    routing: str = RoutingMode.PORTFOLIO.value
    choice: str = ChoiceMode.AUTOMATIC.value


class NewTicket(_Body):
    id: str
    customer: str
    department: str


class RouteQuestion(_Body):
    customer: str
    department: str


class NewStage(_Body):
    id: str
    name: str
    responsible: str
    final: bool = False


class TicketTypeBody(_Body):
    group: str
    name: str
    stages: list[NewStage] = Field(default_factory=list)
    transitions: list[list[str]] = Field(default_factory=list)
    department: str | None = None


class PortalTicketBody(_Body):
    group: str
    type: str
    subject: str
    request: str


class MessageBody(_Body):
    text: str


class Presence(_Body):
    online: bool


def _carteira(request: Request) -> AsyncCarteira:
    found: AsyncCarteira = request.app.state.carteira
    return found


def _principal(
    request: Request,
    x_manager: Annotated[str | None, Header()] = None,
    x_customer: Annotated[str | None, Header()] = None,
    x_tenant: Annotated[str | None, Header()] = None,
) -> Principal:
    tenant: str = x_tenant or request.app.state.tenant
    if x_manager and not x_customer:
        return Principal.manager(tenant, x_manager)
    if x_customer and not x_manager:
        return Principal.customer(tenant, x_customer)
    raise Unauthenticated


#: Who acts (from the headers) and the application's one AsyncCarteira, for each endpoint.
Who = Annotated[Principal, Depends(_principal)]
App = Annotated[AsyncCarteira, Depends(_carteira)]


def create_app(  # noqa: PLR0915 - one small closure per route
    database_url: str | None = None,
    *,
    tenant: str = "acme",
    admin: tuple[str, str] | None = ("root", "Administrator"),
    presence: AwayList | None = None,
) -> FastAPI:
    """Build the web application over ``database_url``.

    Without a URL it reads ``CARTEIRA_DATABASE_URL`` (default ``sqlite:///carteira.db``),
    so ``uvicorn --factory app:create_app`` serves it. ``admin`` is ``(id, name)`` of a
    first administrator of ``tenant``, registered by the host itself when missing;
    ``None`` registers no one. ``presence`` tells routing who is online (RT-2); staff
    update it with ``PUT /presence``.
    """
    url = database_url or os.environ.get("CARTEIRA_DATABASE_URL", "sqlite:///carteira.db")
    away = presence if presence is not None else AwayList()
    converter = make_converter()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        carteira = await AsyncCarteira.open(url, presence=away)
        try:
            async with carteira.engine.begin() as connection:
                await connection.run_sync(host_metadata.create_all)
            if admin is not None:
                await _bootstrap_admin(carteira, tenant, *admin)
            app.state.carteira = carteira
            yield
        finally:
            await carteira.close()

    app = FastAPI(title="carteira on FastAPI", lifespan=lifespan)
    app.state.tenant = tenant

    def out(value: object, status: int = 200) -> JSONResponse:
        return JSONResponse(converter.unstructure(value), status_code=status)

    @app.exception_handler(CarteiraError)
    async def refused(request: Request, error: CarteiraError) -> JSONResponse:
        status = next((s for kind, s in _STATUS if isinstance(error, kind)), 500)
        body: dict[str, Any] = {
            "code": error.code,
            "rule": error.rule,
            "message": str(error),
            "details": {k: _jsonable(v) for k, v in error.details.items()},
        }
        if isinstance(error, InvalidInput):
            body["errors"] = [{"path": e.path, "message": e.message} for e in error.errors]
        return JSONResponse({"error": body}, status_code=status)

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, error: Unauthenticated) -> JSONResponse:
        message = "send exactly one of the X-Manager or X-Customer headers"
        body = {"code": "unauthenticated", "rule": None, "message": message}
        return JSONResponse({"error": body}, status_code=401)

    @app.exception_handler(BadRequest)
    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: Exception) -> JSONResponse:
        body = {"code": "bad_request", "rule": None, "message": _problem(error)}
        return JSONResponse({"error": body}, status_code=400)

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    # -- staff and portfolios (admin) ----------------------------------------------------

    @app.post("/managers")
    async def add_manager(data: NewManager, who: Who, carteira: App) -> JSONResponse:
        result = await carteira.register_manager(
            who,
            data.id,
            data.name,
            profile=_choice(Profile, data.profile, "profile"),
            roles=[Role.administrator()] if data.administrator else [],
        )
        return out(result.value, 201)

    @app.get("/portfolios")
    async def list_portfolios(
        who: Who, carteira: App, after: str | None = None, limit: int = 50
    ) -> JSONResponse:
        return out(await carteira.list_portfolios(who, after=after, limit=limit))

    @app.post("/portfolios")
    async def create_portfolio(data: NewPortfolio, who: Who, carteira: App) -> JSONResponse:
        result = await carteira.create_portfolio(
            who,
            data.name,
            description=data.description,
            managers=data.managers,
            portfolio_id=data.id,
        )
        return out(result.value, 201)

    @app.delete("/portfolios/{portfolio_id}")
    async def delete_portfolio(portfolio_id: str, who: Who, carteira: App) -> Response:
        await carteira.delete_portfolio(who, portfolio_id)
        return Response(status_code=204)

    @app.post("/portfolios/{portfolio_id}/managers")
    async def add_portfolio_manager(
        portfolio_id: str, data: PortfolioManager, who: Who, carteira: App
    ) -> JSONResponse:
        current = (await carteira.portfolio(who, portfolio_id)).portfolio
        if data.manager in current.managers:
            return out(current)
        managers = [*current.managers, data.manager]
        return out((await carteira.edit_portfolio(who, portfolio_id, managers=managers)).value)

    @app.put("/settings")
    async def update_settings(data: Settings, who: Who, carteira: App) -> JSONResponse:
        given = data.model_fields_set
        await carteira.update_settings(
            who,
            segmentation=(
                _required(data.segmentation, "segmentation")
                if "segmentation" in given
                else UNCHANGED
            ),
            max_account_managers=(
                _required(data.max_account_managers, "max_account_managers")
                if "max_account_managers" in given
                else UNCHANGED
            ),
            portal_attendant=data.portal_attendant if "portal_attendant" in given else UNCHANGED,
        )
        return out(await carteira.settings(who))

    # -- customers: the host's row and carteira's, in one transaction ----------------------

    @app.post("/customers")
    async def register_customer(data: NewCustomer, who: Who, carteira: App) -> JSONResponse:
        async with carteira.engine.begin() as connection:  # commits, or rolls back on error
            await connection.execute(
                host_customers.insert().values(
                    tenant=who.tenant, id=data.id, name=data.name, email=data.email
                )
            )
            result = await carteira.within(connection).register_customer(
                who, data.id, data.name, organization=data.organization
            )
        return out(result.value, 201)

    @app.get("/host/customers")
    async def host_records(who: Who, carteira: App) -> list[dict[str, Any]]:
        """Return the host's own customer rows (no authorization of its own: a demo)."""
        statement = (
            select(host_customers.c.id, host_customers.c.name, host_customers.c.email)
            .where(host_customers.c.tenant == who.tenant)
            .order_by(host_customers.c.id)
        )
        async with carteira.engine.connect() as connection:
            rows = await connection.execute(statement)
            return [dict(row._mapping) for row in rows]

    @app.post("/customers/{customer_id}/assign")
    async def assign_customer(
        customer_id: str, data: Assignment, who: Who, carteira: App
    ) -> JSONResponse:
        result = await carteira.assign_customer(
            who, customer_id, data.manager, portfolio=data.portfolio
        )
        return out(result.value)

    # -- departments, conversations, presence, the agent inbox and routing -----------------

    @app.put("/presence")
    async def set_presence(data: Presence, who: Who) -> dict[str, bool]:
        if who.kind is not PrincipalKind.MANAGER:
            raise BadRequest("only staff have a presence")
        away.set_online(who.tenant, who.id, data.online)
        return {"online": data.online}

    @app.post("/departments")
    async def save_department(data: NewDepartment, who: Who, carteira: App) -> JSONResponse:
        result = await carteira.save_department(
            who,
            data.id,
            data.name,
            routing=_choice(RoutingMode, data.routing, "routing"),
            choice=_choice(ChoiceMode, data.choice, "choice"),
        )
        return out(result.value, 201)

    @app.post("/tickets")
    async def open_ticket(data: NewTicket, who: Who, carteira: App) -> JSONResponse:
        result = await carteira.open_ticket(who, data.id, data.customer, data.department)
        return out(result.value, 201)

    @app.get("/inbox")
    async def inbox(
        who: Who,
        carteira: App,
        open_only: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> JSONResponse:
        page = await carteira.visible_tickets(who, open_only=open_only, after=after, limit=limit)
        return out(page)

    @app.post("/route")
    async def route(data: RouteQuestion, who: Who, carteira: App) -> dict[str, Any]:
        decision = await carteira.route(who, data.customer, data.department)
        return {
            "outcome": decision.outcome.value,
            "reason": decision.reason.value,
            "step": decision.step.value,
            "assignee": decision.assignee,
            "candidates": list(decision.candidates),
            "considered": [
                {
                    "manager": c.manager,
                    "step": c.step.value,
                    "excluded": c.excluded.value if c.excluded else None,
                }
                for c in decision.considered
            ],
        }

    # -- ticket types (admin) and the customer portal ---------------------------------------

    @app.put("/ticket-types/{type_id}")
    async def save_ticket_type(
        type_id: str, data: TicketTypeBody, who: Who, carteira: App
    ) -> JSONResponse:
        stages = [
            Stage(s.id, s.name, _choice(Responsible, s.responsible, "responsible"), final=s.final)
            for s in data.stages
        ]
        result = await carteira.save_ticket_type(
            who,
            type_id,
            group=data.group,
            name=data.name,
            stages=stages,
            transitions=[_pair(t) for t in data.transitions],
            department=data.department,
        )
        return out(result.value)

    @app.get("/portal/ticket-types")
    async def portal_ticket_types(who: Who, carteira: App) -> JSONResponse:
        return out(await carteira.portal.ticket_types(who))

    @app.post("/portal/tickets")
    async def portal_open(data: PortalTicketBody, who: Who, carteira: App) -> JSONResponse:
        result = await carteira.portal.open_ticket(
            who, group=data.group, ticket_type=data.type, subject=data.subject, request=data.request
        )
        return out(result.value, 201)

    @app.get("/portal/tickets")
    async def portal_tickets(
        who: Who,
        carteira: App,
        view: str = PortalFilter.ALL.value,
        after: str | None = None,
        limit: int = 50,
    ) -> JSONResponse:
        portal_filter = _choice(PortalFilter, view, "view")
        return out(await carteira.portal.tickets(who, portal_filter, after=after, limit=limit))

    @app.get("/portal/tickets/{ticket_id}")
    async def portal_ticket(ticket_id: str, who: Who, carteira: App) -> JSONResponse:
        return out(await carteira.portal.ticket(who, ticket_id))

    @app.post("/portal/tickets/{ticket_id}/messages")
    async def portal_message(
        ticket_id: str, data: MessageBody, who: Who, carteira: App
    ) -> JSONResponse:
        result = await carteira.portal.post_message(who, ticket_id, data.text)
        return out(result.value, 201)

    return app


async def _bootstrap_admin(carteira: AsyncCarteira, tenant: str, admin_id: str, name: str) -> None:
    """Register the first administrator as the host itself, unless he exists already."""
    host = Principal.system(tenant)
    with contextlib.suppress(Conflict):
        await carteira.register_manager(
            host, admin_id, name, profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
        )


def _choice(kind: type[_E], value: str, name: str) -> _E:
    """Return the member of the enumeration ``kind`` named by ``value``, or a bad request."""
    try:
        return kind(value)  # type: ignore[call-arg]
    except ValueError as error:
        choices = ", ".join(str(getattr(m, "value", m)) for m in kind)  # type: ignore[attr-defined]
        raise BadRequest(f"{name} must be one of {choices}") from error


def _pair(transition: list[str]) -> tuple[str, str]:
    if len(transition) != 2:
        raise BadRequest("each transition is a [from, to] pair of stage ids")
    return transition[0], transition[1]


def _required(value: _V | None, name: str) -> _V:
    if value is None:
        raise BadRequest(f"{name!r} may not be null")
    return value


def _problem(error: Exception) -> str:
    if isinstance(error, RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return f"{where or 'the body'}: {first.get('msg', 'is not what this endpoint takes')}"
    return str(error)


def _jsonable(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
