"""Deprecated: moved to `carteira.relay`; importing from here still works, with a warning.

The composition root (which builds default adapters) left `carteira.services`, whose
use cases reach storage only through the ports (issue 17).
"""

from __future__ import annotations

import warnings

__all__: list[str] = []


def __getattr__(name: str) -> object:
    """Return ``name`` from `carteira.relay`, warning that this module moved."""
    import carteira.relay as moved  # noqa: PLC0415 (a deprecated door, opened on use)

    if name.startswith("__") or not hasattr(moved, name):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"carteira.services.relay is deprecated: import {name} from carteira.relay",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(moved, name)
