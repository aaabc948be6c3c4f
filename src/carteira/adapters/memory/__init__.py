"""The in-memory adapter: the reference implementation of carteira's storage ports."""

from carteira.adapters.memory.store import (
    InMemoryReadUnitOfWork,
    InMemoryStore,
    InMemoryUnitOfWork,
)

__all__ = ["InMemoryReadUnitOfWork", "InMemoryStore", "InMemoryUnitOfWork"]
