"""The in-memory adapter: the reference implementation of carteira's storage ports."""

from carteira.adapters.memory.store import InMemoryStore, InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]
