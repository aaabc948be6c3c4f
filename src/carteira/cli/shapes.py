"""The JSON forms the command line prints, built by [`make_converter`][carteira.make_converter]."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import cattrs

from carteira.domain.events import Event
from carteira.domain.ownership import Ownership
from carteira.policies.routing import RoutingDecision
from carteira.policies.visibility import Visibility
from carteira.serialization import make_converter
from carteira.services.queries import CustomerView, PortfolioSummary
from carteira.services.results import Result

__all__ = [
    "command",
    "converter",
    "customer_view",
    "decision",
    "event",
    "events",
    "ownership",
    "plain",
    "summary",
    "visibility",
]


@cache
def converter() -> cattrs.Converter:
    """Return the converter, built on first use."""
    return make_converter()


def plain(value: object) -> Any:
    """Return an entity or value object as JSON-ready data."""
    return converter().unstructure(value)


def event(value: Event) -> Any:
    """Return an event as JSON-ready data, tagged with its ``type`` (EV-1)."""
    return converter().unstructure(value, Event)


def events(values: Iterable[Event]) -> list[Any]:
    """Return events as JSON-ready data."""
    return [event(e) for e in values]


def command(result: Result[Any], key: str) -> dict[str, Any]:
    """Return a command's value under ``key`` and the events it produced (EV-1)."""
    value = None if result.value is None else plain(result.value)
    return {key: value, "events": events(result.events)}


def summary(found: PortfolioSummary) -> dict[str, Any]:
    """Return a listed portfolio: its fields, its state, whose default it is (PF-3, MB-2, MG-6)."""
    return {
        **plain(found.portfolio),
        "available": found.available,
        "orphaned": found.orphaned,
        "default": found.default,
        "defaults": list(found.defaults),
    }


def ownership(found: Ownership) -> dict[str, Any]:
    """Return an ownership with whether it is in portfolio (MB-4)."""
    data: dict[str, Any] = plain(found)
    data["in_portfolio"] = found.in_portfolio
    return data


def customer_view(view: CustomerView) -> dict[str, Any]:
    """Return a customer with who owns it now (MB-4, MG-3)."""
    return {
        "customer": plain(view.customer),
        "ownership": ownership(view.ownership),
        "no_manager": view.no_manager,
    }


def visibility(manager: str, found: Visibility) -> dict[str, Any]:
    """Return a visibility decision with its clause (VS-5)."""
    return {
        "manager": manager,
        "granted": found.granted,
        "clause": found.clause.value,
        "via": found.via,
    }


def decision(found: RoutingDecision, rule: str, department: str) -> dict[str, Any]:
    """Return a routing decision with its reason, step and rule (RT-3, RT-4, RT-7)."""
    return {
        "outcome": found.outcome.value,
        "assignee": found.assignee,
        "candidates": list(found.candidates),
        "reason": found.reason.value,
        "rule": rule,
        "step": found.step.value,
        "department": department,
        "considered": [
            {
                "manager": c.manager,
                "step": c.step.value,
                "excluded": None if c.excluded is None else c.excluded.value,
            }
            for c in found.considered
        ],
    }


def listed(values: Sequence[object]) -> list[Any]:
    """Return entities as a JSON-ready list."""
    return [plain(v) for v in values]
