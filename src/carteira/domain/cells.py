"""Deprecated: the cell formats moved to `carteira.spreadsheets.cells` (issue 17).

They are how a spreadsheet writes a value, not domain. Each name (`CellError`,
`parse_flag`, `format_roles`...) still reads from here, the very same object, with a
`DeprecationWarning` naming its new place; this module will be removed.
"""

from __future__ import annotations

from carteira._moved import moved_to

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


__getattr__ = moved_to("carteira.spreadsheets.cells", __name__, __all__)
