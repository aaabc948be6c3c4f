"""Attachment content beside its metadata: stored only when accepted, never lost (TK-4).

The content goes to the [`AttachmentStore`][carteira.AttachmentStore] inside
the command, after every check passed, and is taken back if the command then fails:
a refused or failed upload leaves nothing behind. A deleted ticket's contents go once
its deletion is committed (TK-8).
"""

from __future__ import annotations

import hashlib

from carteira.domain.errors import Conflict, FieldError, InvalidInput
from carteira.domain.portal import Attachment
from carteira.domain.principal import Principal
from carteira.domain.ticket import Ticket
from carteira.ports.attachments import AttachmentStore
from carteira.services import portal, workflow
from carteira.services.context import Context
from carteira.services.results import Result
from carteira.services.runner import Runner

__all__ = ["content_key", "drop_contents", "read_upload", "store_upload"]


def content_key(ticket_id: str, attachment_id: str) -> str:
    """Return where an attachment's content is stored within its tenant (TK-4, TN-1).

    One key per ticket and attachment: ``/`` and ``%`` in either id are percent-encoded,
    so ``("a/b", "c")`` and ``("a", "b/c")`` no longer meet under ``a/b/c``. Ids holding
    neither keep the key they always had.
    """
    return f"{_key_part(ticket_id)}/{_key_part(attachment_id)}"


def _key_part(record_id: str) -> str:
    return record_id.replace("%", "%25").replace("/", "%2F")


def store_upload(
    run: Runner,
    store: AttachmentStore,
    principal: Principal,
    ticket_id: str,
    attachment_id: str,
    name: str,
    content_type: str,
    content: bytes,
    *,
    portal_side: bool,
) -> Result[Attachment]:
    """Check, store the content, record the metadata; on any failure, store nothing (TK-4)."""
    stored: list[str] = []

    def body(context: Context) -> Attachment:
        # A retried attempt (ST-3) starts clean: what an earlier one stored goes first.
        while stored:
            store.delete(principal.tenant, stored.pop())
        if not isinstance(content, bytes | bytearray | memoryview):
            raise InvalidInput("attachment", [FieldError("$.content", "must be bytes")])
        data = bytes(content)
        digest = hashlib.sha256(data).hexdigest()
        attachment = workflow.attach(
            context,
            ticket_id,
            attachment_id,
            name,
            content_type,
            len(data),
            digest,
        )
        key = content_key(ticket_id, attachment.id)
        try:
            store.put(principal.tenant, key, data)
        except Conflict:
            raise  # the content there is not ours to take back
        except BaseException as error:
            # A store may have written part or all of it before failing.
            _take_back(store, principal.tenant, key, error)
            raise
        stored.append(key)
        return attachment

    try:
        return run.command(principal, body, portal=portal_side)
    except BaseException as error:
        for key in stored:
            _take_back(store, principal.tenant, key, error)
        raise


def _take_back(store: AttachmentStore, tenant: str, key: str, error: BaseException) -> None:
    try:
        store.delete(tenant, key)
    except Exception as failure:  # keep the first error; say what else went wrong
        error.add_note(f"and the content stored under {key!r} could not be removed: {failure}")


def read_upload(
    run: Runner,
    store: AttachmentStore,
    principal: Principal,
    ticket_id: str,
    attachment_id: str,
    *,
    portal_side: bool,
) -> tuple[Attachment, bytes]:
    """Return an attachment's metadata and content, if the principal reaches its ticket."""
    attachment = run.query(
        principal,
        lambda c: portal.attachment_of(c, ticket_id, attachment_id),
        portal=portal_side,
    )
    return attachment, store.get(principal.tenant, content_key(ticket_id, attachment_id))


def drop_contents(store: AttachmentStore, tenant: str, ticket: Ticket) -> None:
    """Delete the stored content of every attachment of a deleted ticket (TK-8)."""
    for attachment in ticket.attachments:
        store.delete(tenant, content_key(ticket.id, attachment.id))
