"""A real uvicorn server process per database, and a tenant of its own per test.

The server runs ``uvicorn --factory app:create_app`` in a process of its own, on a new
SQLite file or a new PostgreSQL schema (``CARTEIRA_TEST_POSTGRES_URL``, default the local
server's database ``test``; without it the PostgreSQL tests skip, unless ``CI=true``: then
they fail). Tests talk to it over HTTP with httpx, as any client would. Each test works in
a tenant of its own, whose first administrator the host provisions the way a host's
sign-up job would: straight through carteira, as ``Principal.system``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest
from sqlalchemy import create_engine, text

from carteira import Carteira, Principal, Profile, Role
from carteira.adapters.sql import SqlStore

HERE = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "CARTEIRA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_schema() -> tuple[str, Callable[[], None]]:
    """Return the URL of a new PostgreSQL schema and its drop; skip (or fail on CI) without one."""
    admin = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach it, whatever the driver raises
        admin.dispose()
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(f"{reason} (set CI=true to make this a failure)")
    name = f"carteira_fastapi_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    return f"{POSTGRES_URL}?options=-csearch_path%3D{name}", drop


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    """Yield the URL of a new, empty database of each kind."""
    if request.param == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="carteira-fastapi-"))
        yield f"sqlite:///{folder / 'carteira.db'}"
        shutil.rmtree(folder, ignore_errors=True)
        return
    url, drop = _postgres_schema()
    yield url
    drop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(database_url: str) -> Iterator[str]:
    """Run ``uvicorn --factory app:create_app`` on ``database_url``; yield its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "app:create_app", "--host"]
    command += ["127.0.0.1", "--port", str(port), "--log-level", "warning"]
    environment = {**os.environ, "CARTEIRA_DATABASE_URL": database_url}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=HERE, env=environment, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base, process, log)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.seek(0)
            output = log.read().decode()
        assert "Traceback" not in output, output


def _wait_for(base: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    """Return once the server answers ``GET /health``; fail with its output if it dies."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"the server did not start:\n{log.read().decode()}")
        time.sleep(0.05)


@pytest.fixture
def start_server() -> Callable[[str], AbstractContextManager[str]]:
    """Start another server process on a database: ``with start_server(url) as base:``."""
    return running_server


@pytest.fixture(scope="module")
def server(database: str) -> Iterator[str]:
    """The base URL of a server process on the module's database of each kind."""
    with running_server(database) as base:
        yield base


@pytest.fixture
def tenant(database: str, server: str) -> str:
    """A new tenant with its first administrator, ``root``, provisioned by the host."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    store = SqlStore(database, create=False)
    try:
        Carteira(store.unit_of_work).register_manager(
            Principal.system(name),
            "root",
            "Administrator",
            profile=Profile.ADMINISTRATOR,
            roles=[Role.administrator()],
        )
    finally:
        store.close()
    return name


@pytest.fixture
def client(server: str, tenant: str) -> Iterator[httpx.Client]:
    """An HTTP client of the server, in the test's tenant."""
    with httpx.Client(base_url=server, headers={"X-Tenant": tenant}, timeout=30) as found:
        yield found
