"""What the catalog's tests share: a portal ticket type and its tickets (TK-1), hostile values."""

from __future__ import annotations

from typing import Any

from carteira import Carteira, Principal, Responsible, Stage

GROUP, TYPE = "G", "ask"


def save_ask_type(app: Carteira, system: Principal) -> None:
    """Save ticket type ``ask``: the customer's ``new``, then the service's final ``done``."""
    stages = [
        Stage("new", "Novo", Responsible.CUSTOMER),
        Stage("done", "Feito", Responsible.SERVICE, final=True),
    ]
    app.save_ticket_type(
        system, TYPE, group=GROUP, name="Pedido", stages=stages, transitions=[("new", "done")]
    )


def open_ask(app: Carteira, customer: Principal, ticket_id: str) -> Any:
    """Open an ``ask`` ticket from the portal as ``customer``."""
    return app.portal.open_ticket(
        customer,
        group=GROUP,
        ticket_type=TYPE,
        subject="Ajuda",
        request="Preciso de ajuda",
        ticket_id=ticket_id,
    )


def nested(depth: int) -> list[Any]:
    """Return a list nested ``depth`` deep: its ``repr`` alone overflows the stack."""
    top: list[Any] = []
    here = top
    for _ in range(depth):
        inner: list[Any] = []
        here.append(inner)
        here = inner
    return top
