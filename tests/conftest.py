"""Shared fixtures: a live HTTP server, stdio server processes, and the SDK client."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from mcp import Client, StdioServerParameters

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer, build_engine
from mcp_workbench.auth import AuthConfig, build_issuer
from mcp_workbench.engine import Engine
from mcp_workbench.service import Workbench
from mcp_workbench.store import sqlite_url
from mcp_workbench.transports.http_server import start_http_server
from mcp_workbench.transports.http_transport import HttpTransport
from mcp_workbench.transports.sockets import SocketServer
from mcp_workbench.transports.websocket import WebSocketServer
from tests.clients import tcp_transport, unix_transport, websocket_transport

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_TOOLS = "tests.fixtures.demo_tools"
PAGE_SIZE = 3
REVISIONS = ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]
TRANSPORTS = ["stdio", "http"]
SOCKET_TRANSPORTS = ["tcp", "unix", "ws"]
"""Transports the SDK has no client for: driven through ``tests.clients``."""
PROXY_TRANSPORTS = ["proxy-ws", "proxy-http"]
"""``mcp-workbench proxy`` on stdio, in front of the live server's WebSocket or HTTP."""

IN_CI = os.environ.get("CI") == "true"
LIMIT = 64 * 1024  # max_message_bytes of the raw stdio servers under test


def require(condition: bool, reason: str) -> None:
    """Skip locally when a dependency is missing; fail under CI, where nothing may skip."""
    if not condition:
        if IN_CI:
            pytest.fail(f"missing test dependency under CI: {reason}")
        pytest.skip(reason)


_DATA_ROOT = Path(tempfile.mkdtemp(prefix="mcp-workbench-tests-"))
atexit.register(shutil.rmtree, _DATA_ROOT, ignore_errors=True)
# No test syncs a real vault by accident: servers sync only a vault a test gives them.
os.environ["MCP_WORKBENCH_VAULT_PATH"] = str(_DATA_ROOT / "no-vault")


def fresh_data_dir() -> Path:
    """A new, empty data directory (its own SQLite store) under this run's temp folder."""
    return Path(tempfile.mkdtemp(dir=_DATA_ROOT))


def server_env(data_dir: Path | None = None) -> dict[str, str]:
    """Environment for server subprocesses: test page size, project on the path, and a
    data directory of their own (a fresh one unless given)."""
    env = dict(os.environ)
    env["MCP_WORKBENCH_PAGE_SIZE"] = str(PAGE_SIZE)
    env["MCP_WORKBENCH_DATA_DIR"] = str(data_dir or fresh_data_dir())
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def stdio_args(*extra: str) -> list[str]:
    """Arguments of ``mcp-workbench`` for a stdio server serving the fixture tools (and no
    store: the store's surface has its own suite)."""
    return ["stdio", "--tools", FIXTURE_TOOLS, "--no-entry-points", "--no-store", *extra]


def stdio_command(*extra: str) -> list[str]:
    """The command line of a stdio server serving the fixture tools."""
    return [sys.executable, "-m", "mcp_workbench.cli", *stdio_args(*extra)]


def proxy_command(*upstreams: str, extra: Sequence[str] = ("--no-cache",)) -> list[str]:
    """The command line of a proxy in front of ``upstreams`` (URLs, or NAME=URL)."""
    mounts = [arg for url in upstreams for arg in ("--upstream", url)]
    return [sys.executable, "-m", "mcp_workbench.cli", "proxy", *mounts, *extra]


def run_cli(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``mcp-workbench ARGS`` to completion (stdin from ``input``)."""
    return subprocess.run(
        [sys.executable, "-m", "mcp_workbench.cli", *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=30,
        env=env or server_env(),
        cwd=ROOT,
        check=False,
    )


async def spawn_http_server(
    *args: str, env: dict[str, str] | None = None
) -> tuple[asyncio.subprocess.Process, str]:
    """Start ``mcp-workbench serve-http --port 0 ARGS``; returns it and the URL it printed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mcp_workbench.cli",
        "serve-http",
        "--port",
        "0",
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env or server_env(),
        cwd=str(ROOT),
    )
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(30):
            while True:
                line = (await proc.stderr.readline()).decode()
                assert line, "the server exited before printing its URL"
                if "serving Streamable HTTP at " in line:
                    return proc, line.rsplit(" ", 1)[1].strip()
    except BaseException:
        proc.kill()
        await proc.wait()
        raise


class LiveServer:
    """An engine served over HTTP in this test process."""

    def __init__(self, engine: Engine, transport: HttpTransport, port: int) -> None:
        self.engine = engine
        self.transport = transport
        self.port = port
        self.url = f"http://127.0.0.1:{port}{engine.settings.mcp_path}"
        self.base = f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
async def live_server() -> AsyncIterator[LiveServer]:
    """One HTTP server for the whole session (per xdist worker)."""
    settings = Settings(
        tools=[FIXTURE_TOOLS], entry_points=False, page_size=PAGE_SIZE, tool_timeout=5.0
    )
    engine = build_engine(settings)
    server, transport, port = await start_http_server(engine, "127.0.0.1", 0)
    yield LiveServer(engine, transport, port)
    server.stop()
    await transport.close()
    await engine.shutdown()


@pytest.fixture(scope="session")
async def tornado_server() -> AsyncIterator[LiveServer]:
    """The same endpoint as tornado handlers (the way Jupyter Server carries it)."""
    import tornado.httpserver
    import tornado.netutil

    from mcp_workbench.transports.tornado_http import make_app

    settings = Settings(
        tools=[FIXTURE_TOOLS], entry_points=False, page_size=PAGE_SIZE, tool_timeout=5.0
    )
    engine = build_engine(settings)
    transport = HttpTransport(engine, bind_host="127.0.0.1")
    server = tornado.httpserver.HTTPServer(make_app(engine, transport))
    sockets = tornado.netutil.bind_sockets(0, address="127.0.0.1")
    server.add_sockets(sockets)
    yield LiveServer(engine, transport, sockets[0].getsockname()[1])
    server.stop()
    await transport.close()
    await engine.shutdown()


class RawStdio:
    """A stdio server process spoken to with raw bytes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def send(self, frame: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame + b"\n")
        await self.proc.stdin.drain()

    async def receive(self) -> Any:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 10)
        assert line, "the server closed stdout"
        return orjson.loads(line)

    async def request(self, message: dict[str, Any]) -> Any:
        await self.send(orjson.dumps(message))
        return await self.receive()


@pytest.fixture
async def stdio_server() -> AsyncIterator[RawStdio]:
    env = server_env()
    env["MCP_WORKBENCH_MAX_MESSAGE_BYTES"] = str(LIMIT)
    command = stdio_command()
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
        cwd=str(ROOT),
        limit=LIMIT * 4,
    )
    yield RawStdio(proc)
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), 5)
    except TimeoutError:
        proc.kill()
        await proc.wait()


class SocketListeners:
    """TCP, Unix and WebSocket listeners on the live server's engine (one engine serving
    every transport at once)."""

    def __init__(self, tcp: SocketServer, unix: SocketServer, ws: WebSocketServer) -> None:
        self.tcp = tcp
        self.unix = unix
        self.ws = ws
        host, port = tcp.address.rsplit(":", 1)
        self.tcp_host, self.tcp_port = host, int(port)
        self.ws_url = f"ws://{ws.address}"


@pytest.fixture(scope="session")
async def socket_listeners(live_server: LiveServer) -> AsyncIterator[SocketListeners]:
    """TCP, Unix socket and WebSocket listeners beside the HTTP one, on the same engine."""
    from mcp_workbench.transports.sockets import start_tcp_server, start_unix_server
    from mcp_workbench.transports.websocket import start_websocket_server

    engine = live_server.engine
    socket_dir = Path(tempfile.mkdtemp(dir=_DATA_ROOT))
    tcp = await start_tcp_server(engine, "127.0.0.1", 0)
    unix = await start_unix_server(engine, socket_dir / "mcp.sock")
    ws = await start_websocket_server(engine, "127.0.0.1", 0)
    yield SocketListeners(tcp, unix, ws)
    await ws.close()
    await unix.close()
    await tcp.close()


Connect = Callable[..., AbstractAsyncContextManager[Client]]


def _client_factory(
    transport: str,
    revision: str,
    servers: dict[str, LiveServer],
    monkeypatch: pytest.MonkeyPatch,
    sockets: SocketListeners | None = None,
) -> Connect:
    if revision != "2026-07-28":
        # The SDK client offers its newest handshake revision; pin an older one.
        import mcp.client.session

        monkeypatch.setattr(mcp.client.session, "LATEST_HANDSHAKE_VERSION", revision)

    @asynccontextmanager
    async def open_client(**options: Any) -> AsyncIterator[Client]:
        mode = "auto" if revision == "2026-07-28" else "legacy"
        target: Any
        if transport == "stdio":
            command = stdio_command()
            target = StdioServerParameters(
                command=command[0], args=command[1:], env=server_env(), cwd=str(ROOT)
            )
        elif transport in PROXY_TRANSPORTS:
            assert sockets is not None
            upstream = sockets.ws_url if transport == "proxy-ws" else servers["http"].url
            command = proxy_command(upstream)
            target = StdioServerParameters(
                command=command[0], args=command[1:], env=server_env(), cwd=str(ROOT)
            )
        elif transport in ("tcp", "unix", "ws"):
            assert sockets is not None
            if transport == "tcp":
                target = tcp_transport(sockets.tcp_host, sockets.tcp_port)
            elif transport == "unix":
                target = unix_transport(sockets.unix.address)
            else:
                target = websocket_transport(sockets.ws_url)
        else:
            target = servers[transport].url
        options.setdefault("cache", None)
        options.setdefault("read_timeout_seconds", 20)
        async with Client(target, mode=mode, **options) as client:
            assert client.protocol_version == revision
            yield client

    open_client.transport = transport  # type: ignore[attr-defined]
    open_client.revision = revision  # type: ignore[attr-defined]
    return open_client


# Every transport with every revision; the tornado carrier (Jupyter's) with the current
# revision and the newest handshake one.
COMBINATIONS = (
    [(t, r) for t in TRANSPORTS for r in REVISIONS]
    + [
        ("tornado", "2026-07-28"),
        ("tornado", "2025-11-25"),
    ]
    + [(t, r) for t in SOCKET_TRANSPORTS for r in ("2026-07-28", "2025-11-25")]
    + [("proxy-ws", r) for r in REVISIONS]
    + [("proxy-http", r) for r in ("2026-07-28", "2025-11-25")]
)


@pytest.fixture(params=COMBINATIONS, ids=[f"{t}-{r}" for t, r in COMBINATIONS])
def connect(
    request: pytest.FixtureRequest,
    live_server: LiveServer,
    tornado_server: LiveServer,
    socket_listeners: SocketListeners,
    monkeypatch: pytest.MonkeyPatch,
) -> Connect:
    """Open an official SDK client over one transport, speaking one protocol revision."""
    transport, revision = request.param
    servers = {"http": live_server, "tornado": tornado_server}
    return _client_factory(transport, revision, servers, monkeypatch, socket_listeners)


@pytest.fixture(params=[*TRANSPORTS, "tornado", *SOCKET_TRANSPORTS, *PROXY_TRANSPORTS])
def connect_modern(
    request: pytest.FixtureRequest,
    live_server: LiveServer,
    tornado_server: LiveServer,
    socket_listeners: SocketListeners,
    monkeypatch: pytest.MonkeyPatch,
) -> Connect:
    """Open an official SDK client speaking 2026-07-28, over each transport."""
    servers = {"http": live_server, "tornado": tornado_server}
    return _client_factory(request.param, "2026-07-28", servers, monkeypatch, socket_listeners)


# -- the store ---------------------------------------------------------------------------------
POSTGRES_URL = os.environ.get("MCP_WORKBENCH_TEST_POSTGRES_URL")
"""A PostgreSQL server to run the store suites against as well (a database is made per test)."""
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    assert POSTGRES_URL is not None
    admin = make_url(POSTGRES_URL)
    name = f"wbtest_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store: a SQLite file, and a PostgreSQL database when configured."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "workbench.db")
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
async def workbench(database_url: str) -> AsyncIterator[Workbench]:
    """A migrated, started workbench over an empty store."""
    wb = Workbench.open(database_url=database_url)
    await wb.start()
    try:
        yield wb
    finally:
        wb.close()


@asynccontextmanager
async def policed_server(
    policy: Path, *, prepare: Callable[[WorkbenchServer], object] | None = None
) -> AsyncIterator[WorkbenchServer]:
    """A started server with the fixture tools, bearer tokens and the access policy in the
    file ``policy``, no store (``prepare`` runs before the start); closed after the block."""
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        store=False,
        data_dir=fresh_data_dir(),
        auth=True,
        policy_path=policy,
    )
    server = WorkbenchServer(settings)
    if prepare is not None:
        prepare(server)
    await server.start()
    try:
        yield server
    finally:
        await server.engine.shutdown()
        await server.aclose()
        server.close()


def issue_token(server: WorkbenchServer, who: str, role: str) -> str:
    """A bearer token the server accepts for ``who`` holding ``role`` (10 minutes)."""
    settings = server.settings
    issuer = build_issuer(AuthConfig.from_settings(settings), settings.data_dir)
    return issuer.issue(who, ttl=600, roles=(role,)).token


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait until ``condition()`` holds, for state with no event to await (another task's
    bookkeeping); fails after ``within`` seconds."""
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition still false after {within} s")


_JUPYTER_PLUGIN = "pytest_jupyter.jupyter_server"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """``tests/jupyter`` runs in its own pass, on pytest-jupyter's event loop (``make
    test`` runs both passes); every other test runs on pytest-asyncio's."""
    jupyter = Path(__file__).parent / "jupyter"
    in_jupyter = collection_path.is_relative_to(jupyter)
    if config.pluginmanager.has_plugin(_JUPYTER_PLUGIN):
        return None if in_jupyter or jupyter.is_relative_to(collection_path) else True
    return True if in_jupyter else None


def pytest_report_header(config: pytest.Config) -> str:
    if config.pluginmanager.has_plugin(_JUPYTER_PLUGIN):
        return "Jupyter extension pass: tests/jupyter only"
    return "tests/jupyter runs in a pass of its own: make test-jupyter (make test runs both)"
