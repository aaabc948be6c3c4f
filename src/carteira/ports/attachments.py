"""The attachment store port: where the bytes of ticket attachments live (TK-4, TN-1).

Only content is stored here; what an attachment is called, who added it and to which
ticket it belongs are metadata kept with the ticket. A store keeps bytes under a
``(tenant, key)`` pair: the same key in two tenants names two different contents (TN-1).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["AttachmentStore"]


class AttachmentStore(Protocol):
    """Stores and returns attachment content per tenant, write-once per key (TK-4).

    ``tenant`` and ``key`` are opaque strings (non-blank, at most 255 characters, any
    unicode); a store must not give them any meaning, such as a path. Validating them
    is the caller's job.
    """

    def put(self, tenant: str, key: str, content: bytes) -> None:
        """Store ``content`` under ``key`` in ``tenant``, all or nothing (TK-4).

        Raises [`Conflict`][carteira.Conflict] (code ``attachment_exists``)
        when the key already holds content, storing nothing and keeping the first
        content, and [`StorageError`][carteira.StorageError] when the backend
        fails, leaving nothing behind.
        """
        ...

    def get(self, tenant: str, key: str) -> bytes:
        """Return the content under ``key`` in ``tenant`` (TK-4).

        Raises [`NotFound`][carteira.NotFound] (``"attachment"``) when there
        is none, also when another tenant holds the key (TN-1).
        """
        ...

    def delete(self, tenant: str, key: str) -> None:
        """Remove the content under ``key`` in ``tenant``; an absent key is no error.

        Idempotent, so it can compensate a put whose transaction failed (TK-4).
        """
        ...

    def keys(self, tenant: str) -> list[str]:
        """Return the keys holding content in ``tenant``, sorted (for tests and audits)."""
        ...
