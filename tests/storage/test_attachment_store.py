"""Attachment content stores: write-once bytes per tenant and key (TK-4, TN-1)."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carteira.adapters.attachments import FileSystemAttachmentStore, InMemoryAttachmentStore
from carteira.domain.errors import Conflict, NotFound, StorageError
from carteira.ports.attachments import AttachmentStore

TENANT = "acme"
OTHER = "globex"

Factory = Callable[[Path], AttachmentStore]


def _in_memory(root: Path) -> AttachmentStore:
    return InMemoryAttachmentStore()


def _on_disk(root: Path) -> AttachmentStore:
    return FileSystemAttachmentStore(root)


FACTORIES = [
    pytest.param(_in_memory, id="memory"),
    pytest.param(_on_disk, id="filesystem"),
]

HOSTILE = [
    pytest.param("../../etc/passwd", id="parent-traversal"),
    pytest.param("a/b", id="slash"),
    pytest.param(".", id="dot"),
    pytest.param("..", id="dotdot"),
    pytest.param("/", id="root"),
    pytest.param("con", id="con"),
    pytest.param("NUL", id="nul-device"),
    pytest.param("C:\\Windows\\system32", id="windows-path"),
    pytest.param(" leading and trailing ", id="spaces"),
    pytest.param("ação/日本語/🙂", id="unicode"),
    pytest.param("\ud800", id="lone-surrogate"),
    pytest.param("x" * 255, id="255-ascii"),
    pytest.param("🙂" * 255, id="255-emoji"),
]


@pytest.fixture(params=FACTORIES)
def attachments(request: pytest.FixtureRequest, tmp_path: Path) -> AttachmentStore:
    factory: Factory = request.param
    return factory(tmp_path / "store")


@pytest.fixture
def on_disk(tmp_path: Path) -> FileSystemAttachmentStore:
    return FileSystemAttachmentStore(tmp_path / "store")


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# Round trips and refusals, for every adapter ------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"hello", b"\x00\xff" * 7, os.urandom(1024 * 1024)],
    ids=["empty", "short", "binary", "1MiB"],
)
def test_tk4_content_round_trips_byte_for_byte(
    attachments: AttachmentStore, content: bytes
) -> None:
    attachments.put(TENANT, "report.pdf", content)
    assert content == attachments.get(TENANT, "report.pdf")


def test_tk4_a_missing_key_is_not_found(attachments: AttachmentStore) -> None:
    with pytest.raises(NotFound) as caught:
        attachments.get(TENANT, "nope")
    assert (caught.value.kind, caught.value.record_id) == ("attachment", "nope")
    assert caught.value.code == "not_found"


def test_tk4_a_taken_key_is_a_conflict_and_keeps_the_first_content(
    attachments: AttachmentStore,
) -> None:
    attachments.put(TENANT, "k", b"first")
    with pytest.raises(Conflict) as caught:
        attachments.put(TENANT, "k", b"second")
    assert (caught.value.code, caught.value.rule) == ("attachment_exists", "TK-4")
    assert "'k'" in str(caught.value)
    assert attachments.get(TENANT, "k") == b"first"
    assert attachments.keys(TENANT) == ["k"]


def test_tk4_delete_removes_and_is_idempotent(attachments: AttachmentStore) -> None:
    attachments.put(TENANT, "k", b"x")
    attachments.delete(TENANT, "k")
    attachments.delete(TENANT, "k")
    attachments.delete(TENANT, "never-there")
    attachments.delete("no-such-tenant", "k")
    with pytest.raises(NotFound):
        attachments.get(TENANT, "k")
    assert attachments.keys(TENANT) == []
    attachments.put(TENANT, "k", b"again")  # a deleted key can be used again
    assert attachments.get(TENANT, "k") == b"again"


def test_tk4_keys_are_sorted_and_per_tenant(attachments: AttachmentStore) -> None:
    assert attachments.keys(TENANT) == []
    for key in ["b", "a", "c/d", "B", "ç"]:
        attachments.put(TENANT, key, key.encode())
    attachments.put(OTHER, "z", b"z")
    assert attachments.keys(TENANT) == ["B", "a", "b", "c/d", "ç"]
    assert attachments.keys(OTHER) == ["z"]


def test_tk4_tn1_tenants_are_isolated(attachments: AttachmentStore) -> None:
    attachments.put(TENANT, "k", b"acme's")
    with pytest.raises(NotFound):
        attachments.get(OTHER, "k")
    attachments.put(OTHER, "k", b"globex's")  # same key, another tenant: no conflict
    assert attachments.get(TENANT, "k") == b"acme's"
    assert attachments.get(OTHER, "k") == b"globex's"
    attachments.delete(OTHER, "k")
    assert attachments.get(TENANT, "k") == b"acme's"
    assert attachments.keys(OTHER) == []


@pytest.mark.parametrize("name", HOSTILE)
def test_tk4_tn1_hostile_keys_and_tenants_round_trip(
    attachments: AttachmentStore, name: str
) -> None:
    attachments.put(name, name, b"as key and tenant")
    attachments.put(TENANT, name, b"as key")
    attachments.put(name, "plain", b"as tenant")
    assert attachments.get(name, name) == b"as key and tenant"
    assert attachments.get(TENANT, name) == b"as key"
    assert attachments.get(name, "plain") == b"as tenant"
    assert sorted([name, "plain"]) == attachments.keys(name)
    assert [name] == attachments.keys(TENANT)


@pytest.mark.parametrize("factory", FACTORIES)
def test_tk4_concurrent_puts_of_one_key_let_exactly_one_win(
    factory: Factory, tmp_path: Path
) -> None:
    attachments = factory(tmp_path / "store")
    start = threading.Barrier(8)
    won: list[int] = []
    refused: list[int] = []
    other: list[BaseException] = []

    def put(i: int) -> None:
        start.wait()
        try:
            attachments.put(TENANT, "race", b"writer %d" % i)
        except Conflict:
            refused.append(i)
        except BaseException as exc:  # reported by the assert below
            other.append(exc)
        else:
            won.append(i)

    threads = [threading.Thread(target=put, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert other == []
    assert len(won) == 1
    assert len(refused) == 7
    assert b"writer %d" % won[0] == attachments.get(TENANT, "race")
    assert attachments.keys(TENANT) == ["race"]
    if isinstance(attachments, FileSystemAttachmentStore):
        assert len(_files(tmp_path / "store")) == 1  # no temporaries left


@pytest.mark.parametrize("factory", FACTORIES)
@given(
    stored=st.dictionaries(st.text(min_size=1, max_size=255), st.binary(max_size=512), max_size=8)
)
def test_tk4_what_is_put_is_what_is_read_back(factory: Factory, stored: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory(prefix="attach-prop-") as scratch:
        attachments = factory(Path(scratch) / "store")
        for key, content in stored.items():
            attachments.put(TENANT, key, content)
        assert stored == {key: attachments.get(TENANT, key) for key in attachments.keys(TENANT)}
        assert sorted(stored) == attachments.keys(TENANT)
        assert attachments.keys(OTHER) == []


# The file system adapter: layout, containment, failures -------------------------------


def test_tk4_files_are_named_by_hashes_only(on_disk: FileSystemAttachmentStore) -> None:
    on_disk.put(TENANT, "report.pdf", b"x")
    (path,) = _files(on_disk.root)
    relative = path.relative_to(on_disk.root)
    assert len(relative.parts) == 2
    assert len(relative.parts[0]) == 64
    assert relative.name.endswith(".att")
    assert TENANT not in str(relative)
    assert "report" not in str(relative)


@pytest.mark.parametrize("name", HOSTILE)
def test_tk4_tn1_hostile_names_stay_inside_the_root(tmp_path: Path, name: str) -> None:
    root = tmp_path / "box" / "store"
    root.mkdir(parents=True)
    outside_before = set(tmp_path.parent.iterdir())
    attachments = FileSystemAttachmentStore(root)

    attachments.put(name, name, b"1")
    attachments.put(TENANT, name, b"2")
    attachments.put(name, "plain", b"3")

    resolved_root = root.resolve()
    created = {p for p in tmp_path.rglob("*") if not p.is_dir()}
    assert len(created) == 3
    for path in created:
        assert path.resolve().is_relative_to(resolved_root)
        assert not path.is_symlink()
    assert outside_before == set(tmp_path.parent.iterdir())
    assert [root] == list((tmp_path / "box").iterdir())


def test_tk4_the_constructor_creates_nothing(tmp_path: Path) -> None:
    attachments = FileSystemAttachmentStore(tmp_path / "store")
    assert attachments.keys(TENANT) == []
    with pytest.raises(NotFound):
        attachments.get(TENANT, "k")
    attachments.delete(TENANT, "k")
    assert not (tmp_path / "store").exists()


def _failing_on_call(n: int, real: Callable[..., object]) -> Callable[..., object]:
    calls = [0]

    def fake(*args: object) -> object:
        calls[0] += 1
        if calls[0] == n:
            raise OSError(5, "Input/output error (injected)")
        return real(*args)

    return fake


@pytest.mark.parametrize(
    ("function", "call"),
    [("fsync", 1), ("link", 1), ("fsync", 2)],
    ids=["fsync-of-the-file", "link", "fsync-of-the-directory"],
)
def test_tk4_a_failed_write_raises_storage_error_and_leaves_nothing(
    on_disk: FileSystemAttachmentStore,
    monkeypatch: pytest.MonkeyPatch,
    function: str,
    call: int,
) -> None:
    on_disk.put(TENANT, "kept", b"already there")
    before = _files(on_disk.root)

    monkeypatch.setattr(os, function, _failing_on_call(call, getattr(os, function)))
    with pytest.raises(StorageError) as caught:
        on_disk.put(TENANT, "new", os.urandom(4096))
    monkeypatch.undo()

    assert (caught.value.code, caught.value.rule) == ("storage_failed", "TK-4")
    assert isinstance(caught.value.__cause__, OSError)
    assert before == _files(on_disk.root)  # no partial file, no temporary
    assert on_disk.keys(TENANT) == ["kept"]
    with pytest.raises(NotFound):
        on_disk.get(TENANT, "new")
    on_disk.put(TENANT, "new", b"works now")
    assert on_disk.get(TENANT, "new") == b"works now"


def test_tk4_os_errors_of_every_operation_become_storage_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    attachments = FileSystemAttachmentStore(blocker)
    operations: list[Callable[[], object]] = [
        lambda: attachments.put(TENANT, "k", b"x"),
        lambda: attachments.get(TENANT, "k"),
        lambda: attachments.delete(TENANT, "k"),
        lambda: attachments.keys(TENANT),
    ]
    for operation in operations:
        with pytest.raises(StorageError) as caught:
            operation()
        assert caught.value.rule == "TK-4"


def test_tk4_a_damaged_file_is_a_storage_error(on_disk: FileSystemAttachmentStore) -> None:
    on_disk.put(TENANT, "k", b"x")
    (path,) = _files(on_disk.root)
    path.write_bytes(b"garbage")
    with pytest.raises(StorageError):
        on_disk.get(TENANT, "k")
    with pytest.raises(StorageError):
        on_disk.keys(TENANT)


def test_tk4_stray_temporaries_are_ignored(on_disk: FileSystemAttachmentStore) -> None:
    on_disk.put(TENANT, "k", b"x")
    (path,) = _files(on_disk.root)
    (path.parent / ".tmp-left-by-a-crash").write_bytes(b"half")
    assert on_disk.keys(TENANT) == ["k"]
