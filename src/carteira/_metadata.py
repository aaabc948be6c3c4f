"""``carteira.__version__``, read from the installed distribution on first use (issue 16).

Read lazily: ``importlib.metadata`` takes longer to import than the rest of ``carteira``,
and most hosts never ask. The package's ``__init__`` takes `__getattr__` from here
(PEP 562), so importing carteira still builds and reads nothing.
"""

from __future__ import annotations

__all__ = ["__getattr__"]


def __getattr__(name: str) -> str:
    """Return ``__version__``, the installed distribution's version; refuse other names."""
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("carteira")
    raise AttributeError(f"module 'carteira' has no attribute {name!r}")
