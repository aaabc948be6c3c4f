"""Managers: their records, and what happens to their customers when they leave (MG-1, MG-3)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from carteira.domain import refusals
from carteira.domain.changed import Changed
from carteira.domain.customer import Customer
from carteira.domain.errors import FieldError, InvalidInput
from carteira.domain.events import LeaveMode, LeaveReason
from carteira.domain.identifiers import check_id, check_text
from carteira.domain.inputs import check_flag
from carteira.domain.manager import Manager
from carteira.domain.ownership import Way
from carteira.domain.permissions import Permission, Profile, Role
from carteira.domain.portfolio import Portfolio
from carteira.policies import membership
from carteira.services.context import Context, refuse_self_reach
from carteira.services.ownership import apply_moves, organization_portfolios, relink
from carteira.services.portfolios import holds_customers
from carteira.services.results import UNCHANGED, Unchanged

__all__ = [
    "Leave",
    "deactivate_manager",
    "reactivate_manager",
    "register_manager",
    "remove_manager",
    "update_manager",
]

_ADMIN = "administer managers"


@attrs.frozen
class Leave:
    """The caller's choice for a leaving manager's customers and portfolios (MG-3).

    ``transfer_to`` names a successor; ``keep`` keeps customers where they are; with
    neither, the change is refused if it would orphan a portfolio that holds customers.
    """

    transfer_to: str | None = None
    keep: bool = False

    def __attrs_post_init__(self) -> None:
        check_flag("manager departure", self.keep, path="$.keep")
        if self.transfer_to is not None and self.keep:
            raise InvalidInput(
                "manager departure",
                [FieldError("$.keep", "choose either transfer_to or keep, not both")],
                rule="MG-3",
            )


def register_manager(
    context: Context,
    manager_id: str,
    name: str,
    profile: Profile,
    roles: Iterable[Role],
    active: bool,
) -> Manager:
    """Make a host's staff member known as a manager (MG-1)."""
    context.actor.require(Permission.MANAGE_MANAGERS, _ADMIN, "MG-1")
    check_id("manager", manager_id)
    registered = Manager.register(
        manager_id,
        check_text("manager", name, path="$.name"),
        _profile(profile),
        _roles(roles),
        _flag(active),
        context.stamp,
    )
    manager = registered.value
    context.actor.require_within(manager.permissions, "grant these roles")
    if context.uow.managers.get(manager_id) is not None:
        raise refusals.manager_exists(manager_id)
    stored = context.uow.managers.add(manager)
    context.emit(*registered.events)
    return stored


def update_manager(
    context: Context,
    manager_id: str,
    name: str | Unchanged,
    profile: Profile | Unchanged,
    roles: Iterable[Role] | Unchanged,
    leave: Leave,
) -> Manager:
    """Change a manager's name, profile or roles (MG-1).

    If the change makes him ineligible he leaves his portfolios as ``leave`` says (MG-3).
    """
    context.actor.require(Permission.MANAGE_MANAGERS, _ADMIN, "MG-1")
    current = _administered(context, manager_id)
    edited = current.edit(
        name=None if name is UNCHANGED else check_text("manager", name, path="$.name"),
        profile=None if profile is UNCHANGED else _profile(profile),
        roles=None if roles is UNCHANGED else _roles(roles),
        stamp=context.stamp,
    )
    if not edited.events:
        return current
    changed = edited.value
    context.actor.require_within(changed.permissions, "grant these roles")
    if context.eligibility(current).eligible and not context.eligibility(changed).eligible:
        changed = _leave(context, changed, LeaveReason.INELIGIBLE, leave)
    return _save(context, Changed(changed, edited.events))


def deactivate_manager(context: Context, manager_id: str, leave: Leave) -> Manager:
    """Deactivate a manager: he leaves customers and portfolios as ``leave`` says (MG-3, MG-4)."""
    context.actor.require(Permission.MANAGE_MANAGERS, _ADMIN, "MG-3")
    current = _administered(context, manager_id)
    if not current.active:
        return current
    left = _leave(context, current, LeaveReason.DEACTIVATED, leave)
    return _save(context, left.deactivate(context.stamp))


def reactivate_manager(context: Context, manager_id: str) -> Manager:
    """Reactivate a manager; he gets back nothing he left (MG-3)."""
    context.actor.require(Permission.MANAGE_MANAGERS, _ADMIN, "MG-1")
    current = _administered(context, manager_id)
    if current.active:
        return current
    return _save(context, current.reactivate(context.stamp))


def remove_manager(context: Context, manager_id: str, leave: Leave) -> None:
    """Delete a manager's record after he leaves as ``leave`` says (MG-3)."""
    context.actor.require(Permission.MANAGE_MANAGERS, _ADMIN, "MG-3")
    current = _administered(context, manager_id)
    _leave(context, current, LeaveReason.REMOVED, leave)
    removed = current.remove(context.stamp)
    context.uow.managers.remove(current)
    context.emit(*removed.events)


def _save(context: Context, changed: Changed[Manager]) -> Manager:
    """Store a changed manager and emit its events (EV-1)."""
    stored = context.uow.managers.update(changed.value)
    context.emit(*changed.events)
    return stored


def _administered(context: Context, manager_id: str) -> Manager:
    """Load a manager the actor may administer: none holding more than he does (PM-2)."""
    manager = context.manager(manager_id)
    context.actor.require_within(manager.permissions, f"administer manager {manager_id!r}")
    return manager


def _leave(context: Context, manager: Manager, reason: LeaveReason, leave: Leave) -> Manager:
    """Settle what ``manager`` leaves as ``leave`` says; return him with no default (MG-3)."""
    portfolios = list(context.uow.portfolios.managed_by(manager.id))
    customers = list(context.uow.customers.managed_by(manager.id))
    if leave.transfer_to is not None:
        successor = _successor(context, manager, leave.transfer_to, portfolios)
        mode = LeaveMode.TRANSFER
        way = Way.DEACTIVATION_TRANSFER
        new_portfolios = [
            p.with_manager_replaced(manager.id, successor, context.stamp) for p in portfolios
        ]
        new_managers = [_replace(c.account_managers, manager.id, successor) for c in customers]
    else:
        if not leave.keep:
            read = context.uow.managers.get_many({m for p in portfolios for m in p.managers})
            membership.check_no_orphans(
                manager, portfolios, read, lambda p: holds_customers(context, p)
            )
        mode = LeaveMode.KEEP if leave.keep else LeaveMode.RELEASE
        way = Way.MANAGER_LEFT
        new_portfolios = [p.without_manager(manager.id, context.stamp) for p in portfolios]
        new_managers = [_replace(c.account_managers, manager.id, None) for c in customers]
    left = manager.leave(
        reason,
        mode,
        leave.transfer_to,
        (c.id for c in customers),
        (p.id for p in portfolios),
        context.stamp,
    )
    context.emit(*left.events)
    _write_portfolios(context, new_portfolios)
    _write_customers(context, customers, new_managers, way)
    return left.value


def _successor(
    context: Context, leaving: Manager, successor_id: str, portfolios: list[Portfolio]
) -> str:
    # Naming himself never reaches beyond what he sees, so the order of the checks
    # does not change which refusal a caller gets.
    refuse_self_reach(context, successor_id, leaving.id, "take a leaving manager's place")
    successor = context.manager(successor_id)
    membership.check_successor(leaving, successor, context.eligibility if portfolios else None)
    return successor_id


def _replace(managers: tuple[str, ...], leaving: str, successor: str | None) -> tuple[str, ...]:
    replaced = (successor if m == leaving else m for m in managers)
    return tuple(dict.fromkeys(m for m in replaced if m is not None))


def _write_portfolios(context: Context, portfolios: list[Changed[Portfolio]]) -> None:
    """Write every changed portfolio in one go (one statement on SQL, ST-4, ST-5)."""
    context.uow.portfolios.update_many([p.value for p in portfolios])
    context.emit(*(e for p in portfolios for e in p.events))


def _write_customers(
    context: Context, customers: list[Customer], managers: list[tuple[str, ...]], way: Way
) -> None:
    orgs = organization_portfolios(context, customers)
    moves = [relink(context, c, m, orgs) for c, m in zip(customers, managers, strict=True)]
    apply_moves(context, moves, way)


def _profile(value: object) -> Profile:
    profiles = {p.value: p for p in Profile}
    if isinstance(value, str) and value in profiles:
        return profiles[value]
    choices = ", ".join(profiles)
    raise InvalidInput(
        "manager", [FieldError("$.profile", f"must be one of {choices}")], rule="MG-1"
    )


def _roles(value: object) -> frozenset[Role]:
    if isinstance(value, str | Role) or not _iterable(value):
        raise InvalidInput("manager", [FieldError("$.roles", "must be a collection of roles")])
    roles = list(value)  # type: ignore[call-overload]
    bad = [i for i, r in enumerate(roles) if not isinstance(r, Role)]
    if bad:
        raise InvalidInput("manager", [FieldError(f"$.roles[{i}]", "must be a Role") for i in bad])
    return frozenset(roles)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("manager", [FieldError("$.active", "must be true or false")])
    return value


def _iterable(value: object) -> bool:
    try:
        iter(value)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True
