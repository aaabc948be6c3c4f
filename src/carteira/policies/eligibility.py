"""Who may join a portfolio: the replaceable eligibility policy (MG-1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import attrs

from carteira.domain import refusals
from carteira.domain.manager import Manager
from carteira.domain.permissions import Profile

__all__ = [
    "DEFAULT_ELIGIBLE_PROFILES",
    "Eligibility",
    "EligibilityPolicy",
    "ProfileEligibility",
    "require_eligible",
]

DEFAULT_ELIGIBLE_PROFILES = frozenset({Profile.ADMINISTRATOR, Profile.ANALYST})


@attrs.frozen
class Eligibility:
    """The policy's answer: eligible or not, and why not."""

    eligible: bool
    reason: str | None = None


class EligibilityPolicy(Protocol):
    """Decides whether a manager may manage portfolios (MG-1)."""

    def __call__(self, manager: Manager) -> Eligibility:
        """Return whether ``manager`` may join or stay in a portfolio."""
        ...


@attrs.frozen
class ProfileEligibility:
    """The default policy: active, with a profile allowed to manage portfolios (MG-1).

    Seed 003 allows Analyst and Administrator; pass other profiles to change that.
    """

    profiles: frozenset[Profile] = DEFAULT_ELIGIBLE_PROFILES

    @classmethod
    def of(cls, profiles: Iterable[Profile]) -> ProfileEligibility:
        """Return the policy allowing exactly ``profiles``."""
        return cls(frozenset(profiles))

    def __call__(self, manager: Manager) -> Eligibility:
        """Return whether ``manager`` is active and has an allowed profile."""
        if not manager.active:
            return Eligibility(False, "inactive")
        if manager.profile not in self.profiles:
            return Eligibility(False, f"profile {manager.profile.value} may not manage portfolios")
        return Eligibility(True)


def require_eligible(manager: Manager, policy: EligibilityPolicy) -> None:
    """Refuse ``manager`` when ``policy`` says he may not manage portfolios (MG-1)."""
    verdict = policy(manager)
    if not verdict.eligible:
        raise refusals.manager_not_eligible(manager.id, verdict.reason)
