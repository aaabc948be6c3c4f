"""Who may join a portfolio: the replaceable eligibility policy (MG-1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import attrs

from carteira.domain.manager import Manager
from carteira.domain.permissions import Profile

__all__ = ["DEFAULT_ELIGIBLE_PROFILES", "Eligibility", "EligibilityPolicy", "ProfileEligibility"]

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
