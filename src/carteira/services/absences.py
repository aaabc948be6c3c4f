"""Absences with a backup: scheduled ahead, over by themselves (MG-5)."""

from __future__ import annotations

from carteira.domain.absence import Absence
from carteira.domain.identifiers import check_id
from carteira.domain.manager import Manager
from carteira.domain.permissions import Permission
from carteira.services.context import Context, refuse_self_reach

__all__ = ["cancel_absence", "schedule_absence"]


def schedule_absence(context: Context, manager_id: str, absence: Absence) -> Manager:
    """Schedule a period away with a backup; membership does not change (MG-5).

    A manager schedules his own; anyone else needs MANAGE_MANAGERS. The backup must be
    another active manager, and absences of one manager may not overlap.
    """
    manager = _authorized(context, manager_id)
    check_id("absence", absence.id, path="$.absence_id")
    refuse_self_reach(context, absence.backup, manager.id, "stand in for another manager")
    changed = manager.schedule_absence(absence, context.manager(absence.backup), context.stamp)
    stored = context.uow.managers.update(changed.value)
    context.emit(*changed.events)
    return stored


def cancel_absence(context: Context, manager_id: str, absence_id: str) -> Manager:
    """Withdraw a scheduled absence (MG-5)."""
    manager = _authorized(context, manager_id)
    absence_id = check_id("absence", absence_id, path="$.absence_id")
    changed = manager.cancel_absence(absence_id, context.stamp)
    stored = context.uow.managers.update(changed.value)
    context.emit(*changed.events)
    return stored


def _authorized(context: Context, manager_id: str) -> Manager:
    """Load a manager whose absences the actor may change (MG-5, PM-2).

    His own; or, with MANAGE_MANAGERS, another holding no permission the actor lacks.
    """
    if context.actor.is_system or context.actor.id != manager_id:
        context.actor.require(Permission.MANAGE_MANAGERS, "schedule another's absence", "MG-5")
    manager = context.manager(manager_id)
    context.actor.require_within(manager.permissions, f"schedule {manager_id!r}'s absences")
    return manager
