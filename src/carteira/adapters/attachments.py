r"""Attachment stores: in memory, and one file per attachment on disk (TK-4, TN-1).

[`FileSystemAttachmentStore`][carteira.FileSystemAttachmentStore] keeps, under its root::

    <root>/<sha256(tenant)>/<sha256(key)>.att

Both names are the lowercase hex SHA-256 of the UTF-8 text (lone surrogates passed
through), so no tenant or key, however hostile (``"../.."``, ``"a/b"``, ``"con"``, any
unicode), ever becomes part of a path. A file holds a header, then the content::

    b"carteira-attachment/1\n"     magic and format version
    4 bytes, big-endian             length n of the UTF-8 key
    n bytes                         the original key, which keys() returns
    the rest                        the content

A put writes the whole file to a ``.tmp-*`` file in the tenant's directory, flushes and
fsyncs it, then publishes it with `os.link` under its final name. Unlike
`os.replace`, a link fails when the name exists, so nothing is ever overwritten
and of two concurrent puts of one key exactly one wins. The temporary is removed
whatever happens, and on POSIX the directory is fsynced so the new name survives a
crash. Readers ignore ``.tmp-*`` files (a killed process may leave one behind); empty
tenant directories are left in place after deletes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import struct
import tempfile
import threading
from pathlib import Path

from carteira.domain import refusals
from carteira.domain.errors import Conflict, NotFound, StorageError

__all__ = ["FileSystemAttachmentStore", "InMemoryAttachmentStore"]

_MAGIC = b"carteira-attachment/1\n"
_KEY_LENGTH = struct.Struct(">I")
_SUFFIX = ".att"
_TEMP_PREFIX = ".tmp-"
_FILE_NAME = re.compile(r"[0-9a-f]{64}\.att")


def _exists(key: str) -> Conflict:
    return refusals.attachment_stored(key)


class InMemoryAttachmentStore:
    """Attachment content in a dict, for tests, demos and single-process hosts (TK-4).

    Safe to share between threads: every operation holds one lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._content: dict[str, dict[str, bytes]] = {}

    def put(self, tenant: str, key: str, content: bytes) -> None:
        """Store ``content`` under ``key`` in ``tenant``; a taken key is a conflict."""
        with self._lock:
            stored = self._content.setdefault(tenant, {})
            if key in stored:
                raise _exists(key)
            stored[key] = bytes(content)

    def get(self, tenant: str, key: str) -> bytes:
        """Return the content under ``key`` in ``tenant``, or raise ``NotFound``."""
        with self._lock:
            content = self._content.get(tenant, {}).get(key)
        if content is None:
            raise NotFound("attachment", key)
        return content

    def delete(self, tenant: str, key: str) -> None:
        """Remove the content under ``key`` in ``tenant``, if any."""
        with self._lock:
            self._content.get(tenant, {}).pop(key, None)

    def keys(self, tenant: str) -> list[str]:
        """Return the keys holding content in ``tenant``, sorted."""
        with self._lock:
            return sorted(self._content.get(tenant, {}))


class FileSystemAttachmentStore:
    """Attachment content as one file per ``(tenant, key)`` under ``root`` (TK-4, TN-1).

    Writes are atomic and write-once (see the module docstring for the layout). Every
    ``OSError`` surfaces as [`StorageError`][carteira.StorageError]. Directories
    are created on the first put; the constructor touches nothing. Safe to share between
    threads and between processes using the same root.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._root = Path(root)

    @property
    def root(self) -> Path:
        """The directory everything is stored under."""
        return self._root

    def put(self, tenant: str, key: str, content: bytes) -> None:
        """Store ``content`` under ``key`` in ``tenant``; a taken key is a conflict."""
        directory = self._directory(tenant)
        final = directory / _file_name(key)
        try:
            if os.path.lexists(final):
                raise _exists(key)
            directory.mkdir(parents=True, exist_ok=True)
            published = _write_new(directory, final, key, content)
        except OSError as exc:
            raise _failed("put", key, exc) from exc
        if not published:
            raise _exists(key)

    def get(self, tenant: str, key: str) -> bytes:
        """Return the content under ``key`` in ``tenant``, or raise ``NotFound``."""
        path = self._directory(tenant) / _file_name(key)
        try:
            with path.open("rb") as source:
                data = source.read()
        except FileNotFoundError:
            raise NotFound("attachment", key) from None
        except OSError as exc:
            raise _failed("get", key, exc) from exc
        header = _header(key)
        if not data.startswith(header):
            raise _corrupt(path.name)
        return data[len(header) :]

    def delete(self, tenant: str, key: str) -> None:
        """Remove the content under ``key`` in ``tenant``, if any."""
        directory = self._directory(tenant)
        try:
            os.unlink(directory / _file_name(key))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise _failed("delete", key, exc) from exc
        try:
            _sync_directory(directory)
        except OSError as exc:
            raise _failed("delete", key, exc) from exc

    def keys(self, tenant: str) -> list[str]:
        """Return the keys holding content in ``tenant``, sorted, read from the headers."""
        directory = self._directory(tenant)
        found: list[str] = []
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            return found
        except OSError as exc:
            raise _failed("keys", None, exc) from exc
        for name in names:
            if not _FILE_NAME.fullmatch(name):
                continue
            try:
                key = _read_key(directory / name)
            except FileNotFoundError:
                continue  # deleted since the listing
            except OSError as exc:
                raise _failed("keys", None, exc) from exc
            found.append(key)
        return sorted(found)

    def _directory(self, tenant: str) -> Path:
        return self._root / _digest(tenant)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _digest(text: str) -> str:
    return hashlib.sha256(_encode(text)).hexdigest()


def _file_name(key: str) -> str:
    return _digest(key) + _SUFFIX


def _header(key: str) -> bytes:
    raw = _encode(key)
    return _MAGIC + _KEY_LENGTH.pack(len(raw)) + raw


def _write_new(directory: Path, final: Path, key: str, content: bytes) -> bool:
    """Write the file beside ``final`` and link it there; ``False`` if ``final`` exists."""
    fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=directory)
    try:
        with open(fd, "wb") as out:
            out.write(_header(key))
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, final)
        except FileExistsError:
            return False
        try:
            _sync_directory(directory)
        except OSError:
            # Not known to be durable: take it back so the put is all or nothing.
            with contextlib.suppress(OSError):
                os.unlink(final)
            raise
        return True
    finally:
        # A leftover temporary is harmless (readers skip it); keep the original error.
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _sync_directory(directory: Path) -> None:
    """Make a new or removed name in ``directory`` durable (POSIX only)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_key(path: Path) -> str:
    with path.open("rb") as source:
        prefix = source.read(len(_MAGIC) + _KEY_LENGTH.size)
        if len(prefix) != len(_MAGIC) + _KEY_LENGTH.size or not prefix.startswith(_MAGIC):
            raise _corrupt(path.name)
        (length,) = _KEY_LENGTH.unpack(prefix[len(_MAGIC) :])
        raw = source.read(length)
    try:
        key = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise _corrupt(path.name) from None
    if len(raw) != length or _file_name(key) != path.name:
        raise _corrupt(path.name)
    return key


def _failed(operation: str, key: str | None, exc: OSError) -> StorageError:
    subject = f"attachment {key!r}" if key is not None else "attachment keys"
    return StorageError(
        f"could not {operation} {subject}: {exc.strerror or exc}",
        rule="TK-4",
        details={"operation": operation, "id": key, "errno": exc.errno},
    )


def _corrupt(name: str) -> StorageError:
    return StorageError(
        f"attachment file {name!r} is not a carteira attachment or is damaged",
        rule="TK-4",
        details={"operation": "read", "file": name},
    )
