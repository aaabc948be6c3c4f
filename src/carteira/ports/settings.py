"""The settings port: one tenant's switches (VS-1, MB-3)."""

from __future__ import annotations

from typing import Protocol

from carteira.domain.settings import TenantSettings

__all__ = ["SettingsReader", "SettingsRepository"]


class SettingsReader(Protocol):
    """The tenant's settings, for reading; defaults (version 0) until first saved."""

    def get(self) -> TenantSettings:
        """Return the tenant's settings."""
        ...


class SettingsRepository(SettingsReader, Protocol):
    """The tenant's settings; defaults (version 0) until first saved."""

    def put(self, settings: TenantSettings) -> TenantSettings:
        """Store the settings (version-checked, ST-3).

        Return it as stored, one version on ([`stored_over`][carteira.domain.versions.stored_over]).
        """
        ...
