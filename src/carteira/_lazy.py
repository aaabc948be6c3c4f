"""The package's public names, each imported when it is first used (PEP 562, issue 16).

``carteira/__init__.py`` imports every public name under ``if TYPE_CHECKING:``: type
checkers, editors and the API reference read those imports, and at run time nothing of
them runs, so ``import carteira`` costs a few milliseconds instead of loading every
module. The first use of a name (``carteira.Carteira``, ``from carteira import
Carteira``) reads those same import lines from the package's source, imports the one
module that holds the name and keeps the value in the package, so later uses cost a
plain attribute read. ``__version__`` is read from the installed distribution.

A name imported there but absent from ``__all__`` is deprecated: it moved to a public
namespace (issue 17), the module its import line names (``from carteira.events import
TicketOpened as TicketOpened``). It still resolves, to the very same object, but every
use warns with a `DeprecationWarning` naming that module, and it is never kept in the
package, so the next use warns again; ``dir(carteira)`` and ``from carteira import *``
leave it out.
"""

from __future__ import annotations

import sys
import warnings
from functools import cache

__all__ = ["__dir__", "__getattr__"]

_PACKAGE = "carteira"


def __getattr__(name: str) -> object:
    """Return the public ``name`` of carteira, importing the module that holds it."""
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version(_PACKAGE)
    found = _exports().get(name)
    if found is None:
        raise AttributeError(f"module {_PACKAGE!r} has no attribute {name!r}")
    from importlib import import_module  # noqa: PLC0415

    module, attribute = found
    value = getattr(import_module(module), attribute)
    package = sys.modules[_PACKAGE]
    if name in package.__all__:
        setattr(package, name, value)
    else:
        warnings.warn(
            f"{_PACKAGE}.{name} is deprecated: import {name} from {module} (issue 17)",
            DeprecationWarning,
            stacklevel=2,
        )
    return value


def __dir__() -> list[str]:
    """Return the package's names: what it holds now and every public name."""
    package = sys.modules[_PACKAGE]
    return sorted(set(vars(package)) | set(package.__all__))


@cache
def _exports() -> dict[str, tuple[str, str]]:
    """Map each name the package imports under ``TYPE_CHECKING`` to its module and name.

    Public names and deprecated ones alike; ``__all__`` tells them apart.
    """
    import ast  # noqa: PLC0415

    spec = sys.modules[_PACKAGE].__spec__
    read = getattr(spec and spec.loader, "get_source", None)
    source = None if read is None else read(_PACKAGE)
    if source is None:
        raise ImportError(f"cannot read {_PACKAGE}'s source to find its public names")
    found: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for line in node.body:
                if isinstance(line, ast.ImportFrom) and line.module:
                    for alias in line.names:
                        found[alias.asname or alias.name] = (line.module, alias.name)
    return found
