"""The event loop's latency while a web server answers 40 concurrent carteira requests.

Run on demand (pytest does not collect it)::

    .venv/bin/python benchmarks/bench_event_loop.py --json benchmarks/results/event_loop.json

It needs the PostgreSQL server of the tests (``CARTEIRA_TEST_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) for ``--database postgresql``; it
works in a schema of its own, dropped at the end, and puts the SQLite file in a
temporary directory.

Three processes, so that no client shares the server's loop or interpreter lock:

- the **server**: uvicorn serving a FastAPI app on the database, one endpoint per way of
  calling carteira from ``async def``, plus ``GET /ping`` (an ``async def`` that answers
  at once) and a timer task that wakes every 5 ms and records how late it woke (the
  loop's *lag*);
- the **load**: 40 keep-alive connections, each sending its next request as soon as the
  last one is answered (closed loop), to one endpoint, with a random manager and customer
  each time;
- the **pinger**: one connection sending ``GET /ping`` every 10 ms and timing the answer.

The ways (``--ways``):

- ``naive``: the synchronous ``Carteira`` called inside ``async def``: the loop waits for
  every database round trip;
- ``threads``: a FastAPI ``def`` endpoint, which Starlette runs in anyio's pool of 40
  worker threads (the usual advice);
- ``threads-N``: the same call in worker threads, at most N at once (``threads-2`` is
  what ``AsyncCarteira`` would be if it ran its calls in threads);
- ``async``: ``AsyncCarteira`` as built by default (2 calls at once, each in a greenlet
  on the loop, every round trip awaited);
- ``async-N``: ``AsyncCarteira(concurrency=N)``: ``async-40`` lets every request in.

Both synchronous and asyncio engines have pools of 40 connections, so that no way waits
for a connection. Once started, the server freezes its start-up objects (``gc.freeze()``,
what a long-running server does; ``--no-freeze`` does not): otherwise a full collection
of the garbage collector scans them all, about 60 ms on the machine measured, stopping the
loop whatever the way. The full collections that remain are timed and reported
(``full_collections_ms``).

For each database and workload, a round runs the pinger and the timer against the idle
server (``idle``: no load), then beside each way's load in turn, after 1 s of warm-up;
``--rounds`` rounds (3) interleave the ways, so that a noisy minute on a shared machine
touches them all, and every figure reported is the median over the rounds. Reported: the
ping's latency and the timer's lag (p50, p99, worst), their p99 and worst as ratios to
idle, and the load's requests per second and latency. Workloads: ``can_view`` (one
visibility check, the issue's case) and ``page`` (a page of 20 visible customers from a
random point: more of carteira's Python work per call).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from carteira import Principal, Subject

TENANT = "bench"
MANAGERS = 10
CUSTOMERS = 600
WAYS = ("naive", "threads", "threads-2", "async", "async-8", "async-40")
WORKLOADS = ("can_view", "page")
LAG_PERIOD = 0.005
PING_EVERY = 0.010
WARM_UP = 1.0


# -- the server --------------------------------------------------------------------------


def build_app(url: str, *, freeze: bool = True) -> Any:
    """Return the FastAPI app the server runs: ``/ping``, ``/lag`` and one route per way."""
    import anyio  # noqa: PLC0415
    from fastapi import FastAPI  # noqa: PLC0415
    from sqlalchemy import create_engine  # noqa: PLC0415
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    from carteira import Carteira  # noqa: PLC0415
    from carteira.adapters.sql import SqlStore  # noqa: PLC0415
    from carteira.aio import AsyncCarteira  # noqa: PLC0415

    state: dict[str, Any] = {"lags": [], "collections": _full_collections()}

    async def timer() -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(LAG_PERIOD)
            state["lags"].append(time.perf_counter() - start - LAG_PERIOD)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async_url = _driver(url, "sqlite+aiosqlite", "postgresql+psycopg_async")
        # Pools as large as the load, so that no way waits for a connection.
        store = SqlStore(create_engine(url, pool_size=40, max_overflow=0), create=False)
        engine = create_async_engine(async_url, pool_size=40, max_overflow=0)
        state.update(sync=Carteira(store.unit_of_work), engine=engine, limiters={}, facades={})
        state["facades"][None] = AsyncCarteira(engine)  # as built by default
        if freeze:  # what a long-running server does once started up
            gc.collect()
            gc.freeze()
        ticking = asyncio.create_task(timer())
        yield
        ticking.cancel()
        await engine.dispose()
        store.engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/lag")
    async def lag() -> dict[str, Any]:
        found, state["lags"] = state["lags"], []
        collections = list(state["collections"])
        state["collections"].clear()
        return {"lags": found, "collections": collections}

    @app.get("/threads/{workload}")
    def threads(workload: str, m: str, c: str) -> dict[str, Any]:
        """A ``def`` endpoint: Starlette runs it in anyio's pool of 40 worker threads."""
        return _answer(_work(state["sync"], workload, m, c))

    @app.get("/way/{way}/{workload}")
    async def by_way(way: str, workload: str, m: str, c: str) -> dict[str, Any]:
        kind, _, limit = way.partition("-")
        if kind == "naive":
            return _answer(_work(state["sync"], workload, m, c))
        if kind == "threads":
            limiter = state["limiters"].setdefault(limit, anyio.CapacityLimiter(int(limit)))
            call = partial(_work, state["sync"], workload, m, c)
            return _answer(await anyio.to_thread.run_sync(call, limiter=limiter))
        concurrency = int(limit) if limit else None
        if concurrency is not None and concurrency not in state["facades"]:
            facade = AsyncCarteira(state["engine"], concurrency=concurrency)
            state["facades"][concurrency] = facade
        return _answer(await _work(state["facades"][concurrency], workload, m, c))

    return app


def _work(carteira: Any, workload: str, manager: str, customer: str) -> Any:
    """Return the call the workload makes, on a sync or an async carteira alike."""
    who = Principal.manager(TENANT, manager)
    if workload == "can_view":
        return carteira.can_view(who, Subject.CUSTOMER, customer)
    return carteira.visible_customers(who, after=customer, limit=20)


def _answer(value: Any) -> dict[str, Any]:
    return {"seen": value} if isinstance(value, bool) else {"items": len(value.items)}


def _full_collections() -> list[float]:
    """Return the list the durations of the garbage collector's full collections go to.

    They stop the loop whatever the way; timed, they tell a stall of the collector from
    one of the way.
    """
    durations: list[float] = []
    started: list[float] = []

    def collecting(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            durations.append(time.perf_counter() - started.pop())

    gc.callbacks.append(collecting)
    return durations


def _driver(url: str, sqlite: str, postgresql: str) -> str:
    """Return ``url`` with the driver named for its database."""
    from sqlalchemy import make_url  # noqa: PLC0415

    found = make_url(url)
    driver = sqlite if found.get_backend_name() == "sqlite" else postgresql
    return found.set(drivername=driver).render_as_string(hide_password=False)


def serve(url: str, port: int, *, freeze: bool) -> None:
    import uvicorn  # noqa: PLC0415

    config = uvicorn.Config(
        build_app(url, freeze=freeze),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="asyncio",
        lifespan="on",
    )
    uvicorn.Server(config).run()


# -- the clients -------------------------------------------------------------------------


def _request(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()


_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.I)


def _complete(buffer: bytes) -> int:
    """Return the length of the first whole response in ``buffer``, or 0."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return 0
    found = _LENGTH.search(buffer, 0, end)
    if found is None:
        raise RuntimeError(f"no content-length: {buffer[:end]!r}")
    total = end + 4 + int(found.group(1))
    return total if len(buffer) >= total else 0


def ping(port: int, seconds: float) -> dict[str, Any]:
    """Send ``GET /ping`` every 10 ms on one connection for ``seconds``; return latencies."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request, latencies = _request("/ping"), []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        sock.sendall(request)
        buffer = b""
        while not (size := _complete(buffer)):
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection")
            buffer += chunk
        if not buffer[:size].startswith(b"HTTP/1.1 200"):
            raise RuntimeError(buffer[:size].decode(errors="replace"))
        latencies.append(time.perf_counter() - start)
        time.sleep(PING_EVERY)
    sock.close()
    return {"latencies": latencies}


async def _load(port: int, path: str, clients: int, seconds: float) -> dict[str, Any]:
    started = time.perf_counter()
    measure_from, end = started + WARM_UP, started + WARM_UP + seconds
    latencies: list[float] = []
    errors = [0]
    customers = [f"c{n:04d}" for n in range(CUSTOMERS)]

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        pick = random.Random()
        while (now := time.perf_counter()) < end:
            query = f"?m=m{pick.randrange(MANAGERS):02d}&c={pick.choice(customers)}"
            writer.write(_request(path + query))
            head = await reader.readuntil(b"\r\n\r\n")
            found = _LENGTH.search(head)
            await reader.readexactly(int(found.group(1)) if found else 0)
            if not head.startswith(b"HTTP/1.1 200"):
                errors[0] += 1
            if now >= measure_from:
                latencies.append(time.perf_counter() - now)
        writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return {"latencies": latencies, "seconds": seconds, "errors": errors[0]}


def load(port: int, path: str, clients: int, seconds: float) -> dict[str, Any]:
    """Keep ``clients`` requests to ``path`` in flight for warm-up plus ``seconds``."""
    return asyncio.run(_load(port, path, clients, seconds))


# -- the run -----------------------------------------------------------------------------


def stats(values: list[float]) -> dict[str, float]:
    """Milliseconds: p50, p99, worst and how many values."""
    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0, "count": 0}
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered) * 1000, 3),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3),
        "max": round(ordered[-1] * 1000, 3),
        "count": len(ordered),
    }


def _child(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        stdout=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = process.communicate(timeout=300)
    if process.returncode:
        raise RuntimeError(f"{process.args} failed with {process.returncode}")
    return json.loads(out)


def _get(port: int, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
        return json.loads(answer.read())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, *, freeze: bool) -> Iterator[int]:
    """Run the server on ``url`` in a process of its own; yield its port once it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "serve", url, str(port), str(freeze)]
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/ping")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()  # uvicorn shuts down on SIGTERM
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def phase(port: int, way: str | None, workload: str, clients: int, seconds: float) -> dict:
    """Ping and time the loop for ``seconds``, beside a way's load (after warm-up) or idle."""
    loader = None
    if way is not None:
        path = f"/threads/{workload}" if way == "threads" else f"/way/{way}/{workload}"
        loader = _child("load", str(port), path, str(clients), str(seconds))
        time.sleep(WARM_UP)
    _get(port, "/lag")  # forget the lag of the warm-up
    pinger = _child("ping", str(port), str(seconds))
    pings = _result(pinger)["latencies"]
    loop = _get(port, "/lag")
    found: dict[str, Any] = {
        "ping_ms": stats(pings),
        "lag_ms": stats(loop["lags"]),
        "full_collections_ms": stats(loop["collections"]),
    }
    if loader is not None:
        served = _result(loader)
        found["load"] = {
            "requests_per_second": round(len(served["latencies"]) / served["seconds"], 1),
            "latency_ms": stats(served["latencies"]),
            "errors": served["errors"],
        }
    return found


def median_of(values: list[Any]) -> Any:
    """The median of each figure over the rounds, nested as the figures are."""
    if isinstance(values[0], dict):
        return {key: median_of([value[key] for value in values]) for key in values[0]}
    return round(statistics.median(values), 3)


def ratios(found: dict, idle: dict) -> dict[str, float]:
    """Each way's ping and lag p99 and worst, divided by the idle server's."""
    return {
        f"{kind}_{q}": round(found[f"{kind}_ms"][q] / max(idle[f"{kind}_ms"][q], 1e-6), 2)
        for kind in ("ping", "lag")
        for q in ("p99", "max")
    }


def seed(url: str) -> None:
    """Fill tenant ``bench``: managers, portfolios and customers, a third of each kind."""
    from carteira import Carteira, Profile  # noqa: PLC0415
    from carteira.adapters.sql import SqlStore  # noqa: PLC0415

    store = SqlStore(url)
    app = Carteira(store.unit_of_work)
    host = Principal.system(TENANT)
    for n in range(MANAGERS):
        app.register_manager(host, f"m{n:02d}", f"Manager {n}", profile=Profile.ANALYST)
        app.create_portfolio(host, f"Portfolio {n}", managers=[f"m{n:02d}"], portfolio_id=f"p{n}")
    for n in range(CUSTOMERS):
        customer = f"c{n:04d}"
        app.register_customer(host, customer, f"Customer {n}")
        if n % 3 == 0:  # in a portfolio, through its manager
            app.assign_customer(
                host, customer, f"m{n % MANAGERS:02d}", portfolio=f"p{n % MANAGERS}"
            )
        elif n % 3 == 1:  # an account manager whose portfolio holds it too
            app.assign_customer(host, customer, f"m{(n * 7) % MANAGERS:02d}")
    store.close()


@contextmanager
def database(kind: str) -> Iterator[str]:
    """Yield the URL of a new SQLite file or PostgreSQL schema, seeded; remove it after."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="carteira-loop-"))
        url = f"sqlite:///{folder / 'carteira.db'}"
        try:
            seed(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    server_url = _driver(
        os.environ.get(
            "CARTEIRA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        "sqlite",
        "postgresql+psycopg",
    )
    name = f"carteira_loop_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        url = f"{server_url}?options=-csearch_path%3D{name}"
        seed(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def versions() -> dict[str, str]:
    """The versions of what stands between the loop and the database."""
    import sqlite3  # noqa: PLC0415
    from importlib import metadata  # noqa: PLC0415

    names = ("sqlalchemy", "greenlet", "aiosqlite", "psycopg", "fastapi", "starlette", "uvicorn")
    found = {name: metadata.version(name) for name in names}
    found["sqlite"] = sqlite3.sqlite_version
    return found


def table(results: dict) -> str:
    """The median figures as a Markdown table; ratios are to the idle server's."""
    lines = [
        "| database | workload | way | ping p50 / p99 / worst (ms) | lag p99 / worst (ms) "
        "| ping p99, worst / idle | lag p99, worst / idle | requests/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in results["runs"]:
        for way, found in run["ways"].items():
            ping_ms, lag_ms = found["ping_ms"], found["lag_ms"]
            ratio = found.get("ratio")
            ping_x = f"{ratio['ping_p99']:.2f}x / {ratio['ping_max']:.2f}x" if ratio else ""
            lag_x = f"{ratio['lag_p99']:.2f}x / {ratio['lag_max']:.2f}x" if ratio else ""
            served = found.get("load", {}).get("requests_per_second", "")
            lines.append(
                f"| {run['database']} | {run['workload']} | {way} "
                f"| {ping_ms['p50']} / {ping_ms['p99']} / {ping_ms['max']} "
                f"| {lag_ms['p99']} / {lag_ms['max']} "
                f"| {ping_x} | {lag_x} | {served} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--workload", choices=WORKLOADS, action="append")
    parser.add_argument("--ways", default=",".join(WAYS), help="comma-separated")
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=5.0, help="per way, after warm-up")
    parser.add_argument("--rounds", type=int, default=3, help="each way, interleaved")
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="leave the server's start-up objects to the garbage collector's full collections",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from bench_visibility_routing import machine, write_results  # noqa: PLC0415

    ways = [w for w in args.ways.split(",") if w]
    results: dict[str, Any] = {
        "machine": {**machine(), **versions()},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "clients": args.clients,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "gc_freeze": not args.no_freeze,
        "ping_every_ms": PING_EVERY * 1000,
        "lag_period_ms": LAG_PERIOD * 1000,
        "customers": CUSTOMERS,
        "runs": [],
    }
    for kind in args.database or ["sqlite", "postgresql"]:
        with database(kind) as url, server(url, freeze=not args.no_freeze) as port:
            for workload in args.workload or list(WORKLOADS):
                rounds: list[dict[str, Any]] = []
                for _ in range(args.rounds):  # interleaved, so that a noisy minute hits all
                    found = {"idle": phase(port, None, workload, args.clients, args.seconds)}
                    for way in ways:
                        found[way] = phase(port, way, workload, args.clients, args.seconds)
                    rounds.append(found)
                summary = {way: median_of([r[way] for r in rounds]) for way in ["idle", *ways]}
                for way in ways:
                    summary[way]["ratio"] = ratios(summary[way], summary["idle"])
                    print(kind, workload, way, summary[way]["ratio"], flush=True)
                results["runs"].append(
                    {"database": kind, "workload": workload, "ways": summary, "rounds": rounds}
                )
    print(table(results))
    write_results(args.json, results)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), freeze=sys.argv[4] == "True")
    elif len(sys.argv) > 1 and sys.argv[1] == "ping":
        print(json.dumps(ping(int(sys.argv[2]), float(sys.argv[3]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "load":
        port, path, clients, seconds = sys.argv[2:6]
        print(json.dumps(load(int(port), path, int(clients), float(seconds))))
    else:
        main()
