"""Deprecated doors: a module whose names moved answers for them, warning (issue 17).

A module that moved keeps its old path as a door: ``__getattr__ = moved_to("new.home",
__name__, names)`` returns each name from its new module, the very same object, with a
`DeprecationWarning` naming where to import it from now. The new module is imported on
first use only, so the door costs nothing until a host walks through it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection
from importlib import import_module

__all__ = ["moved_to"]


def moved_to(
    home: str,
    old: str,
    names: Collection[str] | None = None,
    *,
    public: str | None = None,
) -> Callable[[str], object]:
    """Return the ``__getattr__`` of module ``old``, whose names now live in module ``home``.

    ``names`` limits the door to what ``old`` held (``None``: any name ``home`` has).
    Where ``public`` (a namespace re-exporting part of ``home``) lists a name in its
    ``__all__``, the warning sends the host there instead.
    """

    def __getattr__(name: str) -> object:  # noqa: N807 (a module's __getattr__)
        if name.startswith("__") or (names is not None and name not in names):
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        moved = import_module(home)
        if not hasattr(moved, name):
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        where = home
        if public is not None and name in getattr(import_module(public), "__all__", ()):
            where = public
        warnings.warn(
            f"{old}.{name} is deprecated: import {name} from {where} (issue 17)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(moved, name)

    return __getattr__
