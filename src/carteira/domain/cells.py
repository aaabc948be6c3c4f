"""Deprecated: the cell formats moved to `carteira.spreadsheets.cells` (issue 17).

They are how a spreadsheet writes a value, not domain. Each name (`CellError`,
`parse_flag`, `format_roles`...) still reads from here, the very same object, with a
`DeprecationWarning` naming its new place; this module will be removed.
"""

from __future__ import annotations

import warnings

# What this module held; ``from carteira.domain.cells import *`` still gets them, warned.
__all__ = [  # noqa: F822 - each is read through __getattr__
    "CellError",
    "format_flag",
    "format_list",
    "format_roles",
    "parse_flag",
    "parse_list",
    "parse_profile",
    "parse_roles",
]


def __getattr__(name: str) -> object:
    """Return ``name`` from its new module, warning that this path is deprecated."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from carteira.spreadsheets import cells as moved  # noqa: PLC0415 (a deprecated door, opened on use)

    warnings.warn(
        f"{__name__}.{name} is deprecated: import {name} from {moved.__name__} (issue 17)",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(moved, name)
