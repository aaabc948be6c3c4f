"""A small Flask JSON API embedding carteira on SQLite (issue 7, item 2).

Run it with ``flask --app 'app:create_app("carteira.db")' run`` from this folder; see
``examples/README.md``. Nothing is built at import time: :func:`create_app` opens the
database, builds one :class:`~carteira.Carteira` and registers the routes.

Who acts comes from request headers. This stands in for the host's real sign-in (a
session, a token); a real application must never trust such headers from the outside:

- ``X-Manager: ana``  - a staff member acting through the admin screens or his inbox;
- ``X-Customer: c1``  - a customer signed in to the portal;
- ``X-Tenant: acme``  - optional, the tenant (defaults to the app's tenant).

A request with neither ``X-Manager`` nor ``X-Customer`` is refused with 401.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, jsonify, request

from carteira import (
    UNCHANGED,
    Carteira,
    CarteiraError,
    ChoiceMode,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PortalFilter,
    Principal,
    Profile,
    Responsible,
    Role,
    RoutingMode,
    RuleViolation,
    Stage,
)
from carteira.adapters.sql import SqlStore
from carteira.ports.presence import Presence
from carteira.serialization import make_converter

__all__ = ["create_app"]

_T = TypeVar("_T")
_D = TypeVar("_D")

#: HTTP status of each kind of refusal; the first matching class wins.
_STATUS: tuple[tuple[type[CarteiraError], int], ...] = (
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (RuleViolation, 422),
    (InvalidInput, 400),
)


class Unauthenticated(Exception):
    """No acting party in the request's headers."""


class BadRequest(Exception):
    """The request body is not the JSON object this endpoint needs."""


def create_app(  # noqa: PLR0915 - one small closure per route
    db_path: str | Path,
    *,
    tenant: str = "acme",
    admin: tuple[str, str] | None = ("root", "Administrator"),
    presence: Presence | None = None,
) -> Flask:
    """Build the web application over the SQLite file at ``db_path``.

    ``admin`` is ``(id, name)`` of a first administrator, registered by the host itself
    when missing, so someone can sign in to the admin endpoints; ``None`` registers no
    one. ``presence`` tells routing who is online (RT-2); by default everyone is.
    """
    store = SqlStore.sqlite(db_path)
    carteira = Carteira(store.unit_of_work, presence=presence)
    if admin is not None:
        _bootstrap_admin(carteira, tenant, *admin)
    converter = make_converter()

    app = Flask(__name__)
    app.config["CARTEIRA_TENANT"] = tenant
    app.extensions["carteira"] = carteira
    app.extensions["carteira_store"] = store

    def out(value: object) -> Any:
        return converter.unstructure(value)

    def principal() -> Principal:
        tenant_id = request.headers.get("X-Tenant", tenant)
        manager = request.headers.get("X-Manager")
        customer = request.headers.get("X-Customer")
        if manager and not customer:
            return Principal.manager(tenant_id, manager)
        if customer and not manager:
            return Principal.customer(tenant_id, customer)
        raise Unauthenticated

    @app.errorhandler(CarteiraError)
    def refused(error: CarteiraError) -> tuple[Response, int]:
        status = next((s for kind, s in _STATUS if isinstance(error, kind)), 500)
        body: dict[str, Any] = {
            "code": error.code,
            "rule": error.rule,
            "message": str(error),
            "details": {k: _jsonable(v) for k, v in error.details.items()},
        }
        if isinstance(error, InvalidInput):
            body["errors"] = [str(e) for e in error.errors]
        return jsonify(error=body), status

    @app.errorhandler(Unauthenticated)
    def unauthenticated(_: Unauthenticated) -> tuple[Response, int]:
        message = "send exactly one of the X-Manager or X-Customer headers"
        body = {"code": "unauthenticated", "rule": None, "message": message}
        return jsonify(error=body), 401

    @app.errorhandler(BadRequest)
    def bad_request(error: BadRequest) -> tuple[Response, int]:
        body = {"code": "bad_request", "rule": None, "message": str(error)}
        return jsonify(error=body), 400

    # -- staff and portfolios (admin) ----------------------------------------------------

    @app.post("/managers")
    def add_manager() -> tuple[Response, int]:
        data = _body()
        roles = [Role.administrator()] if _opt(data, "administrator", bool, False) else []
        result = carteira.register_manager(
            principal(),
            _req(data, "id", str),
            _req(data, "name", str),
            profile=Profile(_opt(data, "profile", str, Profile.AGENT.value)),
            roles=roles,
        )
        return jsonify(out(result.value)), 201

    @app.get("/portfolios")
    def list_portfolios() -> Response:
        page = carteira.list_portfolios(
            principal(), after=request.args.get("after"), limit=_int_arg("limit", 50)
        )
        return jsonify(out(page))

    @app.post("/portfolios")
    def create_portfolio() -> tuple[Response, int]:
        data = _body()
        result = carteira.create_portfolio(
            principal(),
            _req(data, "name", str),
            description=_opt(data, "description", str, None),
            managers=_opt(data, "managers", list, []),
            portfolio_id=_opt(data, "id", str, None),
        )
        return jsonify(out(result.value)), 201

    @app.delete("/portfolios/<portfolio_id>")
    def delete_portfolio(portfolio_id: str) -> tuple[str, int]:
        carteira.delete_portfolio(principal(), portfolio_id)
        return "", 204

    @app.post("/portfolios/<portfolio_id>/managers")
    def add_portfolio_manager(portfolio_id: str) -> Response:
        who = principal()
        manager = _req(_body(), "manager", str)
        current = carteira.portfolio(who, portfolio_id).portfolio
        managers = [*current.managers, manager] if manager not in current.managers else None
        if managers is None:
            return jsonify(out(current))
        return jsonify(out(carteira.edit_portfolio(who, portfolio_id, managers=managers).value))

    @app.put("/settings")
    def update_settings() -> Response:
        data = _body()
        who = principal()
        carteira.update_settings(
            who,
            segmentation=_req(data, "segmentation", bool) if "segmentation" in data else UNCHANGED,
            max_account_managers=(
                _req(data, "max_account_managers", int)
                if "max_account_managers" in data
                else UNCHANGED
            ),
            portal_attendant=(
                _opt(data, "portal_attendant", str, None)
                if "portal_attendant" in data
                else UNCHANGED
            ),
        )
        return jsonify(out(carteira.settings(who)))

    # -- customers ------------------------------------------------------------------------

    @app.post("/customers")
    def register_customer() -> tuple[Response, int]:
        data = _body()
        result = carteira.register_customer(
            principal(),
            _req(data, "id", str),
            _req(data, "name", str),
            organization=_opt(data, "organization", str, None),
        )
        return jsonify(out(result.value)), 201

    @app.post("/customers/<customer_id>/assign")
    def assign_customer(customer_id: str) -> Response:
        data = _body()
        result = carteira.assign_customer(
            principal(),
            customer_id,
            _req(data, "manager", str),
            portfolio=_opt(data, "portfolio", str, None),
        )
        return jsonify(out(result.value))

    # -- departments, conversations, the agent inbox and routing ------------------------------

    @app.post("/departments")
    def save_department() -> tuple[Response, int]:
        data = _body()
        result = carteira.save_department(
            principal(),
            _req(data, "id", str),
            _req(data, "name", str),
            routing=RoutingMode(_opt(data, "routing", str, RoutingMode.PORTFOLIO.value)),
            choice=ChoiceMode(_opt(data, "choice", str, ChoiceMode.AUTOMATIC.value)),
        )
        return jsonify(out(result.value)), 201

    @app.post("/tickets")
    def open_ticket() -> tuple[Response, int]:
        data = _body()
        result = carteira.open_ticket(
            principal(),
            _req(data, "id", str),
            _req(data, "customer", str),
            _req(data, "department", str),
        )
        return jsonify(out(result.value)), 201

    @app.get("/inbox")
    def inbox() -> Response:
        page = carteira.visible_tickets(
            principal(),
            open_only=request.args.get("open_only", "false").lower() in {"1", "true", "yes"},
            after=request.args.get("after"),
            limit=_int_arg("limit", 50),
        )
        return jsonify(out(page))

    @app.post("/route")
    def route() -> Response:
        data = _body()
        decision = carteira.route(
            principal(), _req(data, "customer", str), _req(data, "department", str)
        )
        return jsonify(
            outcome=decision.outcome.value,
            reason=decision.reason.value,
            step=decision.step.value,
            assignee=decision.assignee,
            candidates=list(decision.candidates),
            considered=[
                {
                    "manager": c.manager,
                    "step": c.step.value,
                    "excluded": c.excluded.value if c.excluded else None,
                }
                for c in decision.considered
            ],
        )

    # -- ticket types (admin) and the customer portal -----------------------------------------

    @app.put("/ticket-types/<type_id>")
    def save_ticket_type(type_id: str) -> Response:
        data = _body()
        stages = [
            Stage(
                _req(s, "id", str),
                _req(s, "name", str),
                Responsible(_req(s, "responsible", str)),
                final=_opt(s, "final", bool, False),
            )
            for s in _opt(data, "stages", list, [])
            if isinstance(s, dict)
        ]
        transitions = [(str(a), str(b)) for a, b in _opt(data, "transitions", list, [])]
        result = carteira.save_ticket_type(
            principal(),
            type_id,
            group=_req(data, "group", str),
            name=_req(data, "name", str),
            stages=stages,
            transitions=transitions,
            department=_opt(data, "department", str, None),
        )
        return jsonify(out(result.value))

    @app.get("/portal/ticket-types")
    def portal_ticket_types() -> Response:
        return jsonify(out(carteira.portal.ticket_types(principal())))

    @app.post("/portal/tickets")
    def portal_open() -> tuple[Response, int]:
        data = _body()
        result = carteira.portal.open_ticket(
            principal(),
            group=_req(data, "group", str),
            ticket_type=_req(data, "type", str),
            subject=_req(data, "subject", str),
            request=_req(data, "request", str),
        )
        return jsonify(out(result.value)), 201

    @app.get("/portal/tickets")
    def portal_tickets() -> Response:
        view = request.args.get("view", PortalFilter.ALL.value)
        try:
            portal_filter = PortalFilter(view)
        except ValueError as error:
            choices = ", ".join(f.value for f in PortalFilter)
            raise BadRequest(f"view must be one of {choices}") from error
        page = carteira.portal.tickets(
            principal(),
            portal_filter,
            after=request.args.get("after"),
            limit=_int_arg("limit", 50),
        )
        return jsonify(out(page))

    @app.get("/portal/tickets/<ticket_id>")
    def portal_ticket(ticket_id: str) -> Response:
        return jsonify(out(carteira.portal.ticket(principal(), ticket_id)))

    @app.post("/portal/tickets/<ticket_id>/messages")
    def portal_message(ticket_id: str) -> tuple[Response, int]:
        text = _req(_body(), "text", str)
        result = carteira.portal.post_message(principal(), ticket_id, text)
        return jsonify(out(result.value)), 201

    return app


def _bootstrap_admin(carteira: Carteira, tenant: str, admin_id: str, name: str) -> None:
    """Register the first administrator as the host itself, unless he exists already."""
    host = Principal.system(tenant)
    with contextlib.suppress(Conflict):
        carteira.register_manager(
            host, admin_id, name, profile=Profile.ADMINISTRATOR, roles=[Role.administrator()]
        )


def _body() -> Mapping[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _req(data: Mapping[str, Any], key: str, kind: type[_T]) -> _T:
    value = data.get(key)
    if not isinstance(value, kind):
        raise BadRequest(f"{key!r} is required and must be a {kind.__name__}")
    return value


def _opt(data: Mapping[str, Any], key: str, kind: type[_T], default: _D) -> _T | _D:
    if data.get(key) is None:
        return default
    return _req(data, key, kind)


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise BadRequest(f"{name!r} must be an integer") from error


def _jsonable(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
